// The audit log for administrators: GET /api/v1/admin/audit, newest first, cursor-paged, this site only.
import { problems } from '../http/problem.js'
import { pageQueryProperties } from '../http/paging.js'
import type { PluginRouter } from '../http/router.js'
import type { RequestContext } from '../http/context.js'
import type { AuditEntry, AuditLog } from '../services/audit.js'

export const auditEntrySchema = {
  type: 'object',
  required: ['id', 'action', 'target', 'detail', 'actor', 'createdAt'],
  properties: {
    id: { type: 'string' },
    action: { type: 'string', description: '`<area>.<what happened>`: role.granted, role.revoked, member.removed, plugin.enabled, subsite.created, …' },
    target: { type: ['string', 'null'], description: 'What it happened to: an account id, a plugin id, a host name.' },
    detail: { type: 'object' },
    actor: { type: ['object', 'null'], properties: { id: { type: 'string' }, name: { type: 'string' } } },
    createdAt: { type: 'string', format: 'date-time' },
  },
}

export const auditJson = (e: AuditEntry) => ({ ...e, createdAt: e.createdAt.toISOString() })

/** Only the site's administrators read its audit log. */
export const requireSiteAdmin = (ctx: RequestContext) => {
  if (!ctx.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  if (!ctx.viewer.isAdmin) throw problems.forbidden('Only administrators of this site may do this.', { code: 'NOT_ADMIN' })
}

export function auditRoutes(router: PluginRouter, audit: AuditLog): void {
  router.get<unknown, { limit: number; cursor?: string; action?: string }>(
    'audit.list',
    '/api/v1/admin/audit',
    {
      summary: "This site's audit log, newest first (administrators): settings, plugins, roles, subsites changed, by whom and when.",
      auth: true,
      query: { type: 'object', properties: { ...pageQueryProperties, action: { type: 'string', maxLength: 100, pattern: '^[a-z][a-zA-Z0-9.-]*$' } } },
      responses: {
        200: { description: 'A page of audit entries.', schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: auditEntrySchema }, nextCursor: { type: ['string', 'null'] } } } },
        403: { description: 'Not an administrator of this site.' },
      },
    },
    async ctx => {
      requireSiteAdmin(ctx)
      const page = await audit.page(ctx.site, ctx.input.query)
      return { items: page.items.map(auditJson), nextCursor: page.nextCursor }
    },
  )
}
