// For site administrators: the audit log of reads, writes, shares and link use; site-key rotation.
import { problems, type PluginContext, type RequestContext } from '@plein/core'
import type { FileStore } from '../service.js'

const requireAdmin = (c: RequestContext) => {
  if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  if (!c.viewer.isAdmin) throw problems.forbidden('Only site administrators may do this.', { code: 'NOT_ADMIN' })
}

export function adminRoutes(ctx: PluginContext, store: FileStore): void {
  ctx.routes(router => {
    router.get<unknown, { limit: number; before?: number; fileId?: string }>(
      'files.audit',
      '/api/v1/files-audit',
      {
        summary: 'The append-only audit log of this site’s files (administrators), newest first.',
        auth: true,
        query: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 }, before: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Entries older than this id.' }, fileId: { type: 'string', format: 'uuid' } } },
        responses: { 200: { description: 'Audit entries.' }, 403: { description: 'Not an administrator.' } },
      },
      async c => {
        requireAdmin(c)
        const { limit, before, fileId } = c.input.query
        const rows = await ctx.db.query(
          `SELECT id, entity_id, account_id, link_id, action, detail, created_at FROM files_audit
            WHERE site_id = $1 AND ($2::bigint IS NULL OR id < $2) AND ($3::uuid IS NULL OR entity_id = $3)
            ORDER BY id DESC LIMIT $4`,
          [c.site.id, before ?? null, fileId ?? null, limit],
        )
        return {
          items: rows.map((r: any) => ({ id: Number(r.id), fileId: r.entity_id, accountId: r.account_id, linkId: r.link_id, action: r.action, detail: r.detail, at: r.created_at })),
          before: rows.length === limit ? Number(rows[rows.length - 1].id) : null,
        }
      },
    )

    router.post('files.rotateKey', '/api/v1/files-keys/rotate', { summary: 'Rotate this site’s file key: every file key is re-wrapped; no content is re-encrypted (administrators).', auth: true, responses: { 200: { description: 'Rotated.' }, 403: { description: 'Not an administrator.' } } }, async c => {
      requireAdmin(c)
      const result = await store.rotate(c.site)
      await store.audit(c.site, 'key.rotate', { accountId: c.viewer.user!.id }, null, result)
      return result
    })
  })
}
