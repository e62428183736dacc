// Public links: 128-bit random tokens (stored hashed), optional password, expiry, download limit,
// read-only (a file) or upload-only (a folder, "drop box"); revocable; audited.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { HttpProblem, problems, escapeHtml, type PluginContext, type RouteContext, type Site } from '@plein/core'
import type { FilesGuard, Loaded } from '../guard.js'
import { checkName, nameClash } from '../names.js'
import type { FileStore } from '../service.js'
import { uuid } from './common.js'
import { sendVersion } from './files.js'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

const hashPassword = (password: string) =>
  new Promise<string>((resolve, reject) => {
    const salt = randomBytes(16)
    scrypt(password, salt, 32, { N: 2 ** 14 }, (e, key) => (e ? reject(e) : resolve(`${salt.toString('base64url')}$${key.toString('base64url')}`)))
  })
const checkPassword = (password: string, stored: string) =>
  new Promise<boolean>(resolve => {
    const [salt, hash] = stored.split('$')
    scrypt(password, Buffer.from(salt!, 'base64url'), 32, { N: 2 ** 14 }, (e, key) => {
      const expected = Buffer.from(hash!, 'base64url')
      resolve(!e && key.length === expected.length && timingSafeEqual(key, expected))
    })
  })

export interface LinkRow {
  id: string
  site_id: string
  entity_id: string
  mode: 'read' | 'upload'
  created_by: string | null
  expires_at: Date | null
  password_hash: string | null
  max_downloads: number | null
  downloads: number
  revoked_at: Date | null
  created_at: Date
}

const linkOrigin = (c: RouteContext) => c.site.publicUrl?.replace(/\/$/, '') ?? `${c.protocol}://${c.host}`

export const linkJson = (r: LinkRow) => ({
  id: r.id,
  mode: r.mode,
  expiresAt: r.expires_at,
  hasPassword: r.password_hash !== null,
  maxDownloads: r.max_downloads,
  downloads: r.downloads,
  revoked: r.revoked_at !== null,
  createdAt: r.created_at,
})

export function linkRoutes(ctx: PluginContext, store: FileStore, guard: FilesGuard): void {
  /** The link behind a token, or the reason it does not work (404 unknown, 410 revoked/expired/used up). */
  const resolve = async (site: Site, token: string): Promise<LinkRow> => {
    const rows: LinkRow[] = await ctx.db.query('SELECT * FROM files_link WHERE token_hash = $1 AND site_id = $2', [sha256(token), site.id])
    const link = rows[0]
    if (!link) throw problems.notFound('This link does not exist.', { code: 'LINK_NOT_FOUND' })
    if (link.revoked_at) throw problems.gone('This link was withdrawn.', { code: 'LINK_REVOKED' })
    if (link.expires_at && link.expires_at.getTime() <= Date.now()) throw problems.gone('This link has expired.', { code: 'LINK_EXPIRED' })
    if (link.max_downloads !== null && link.downloads >= link.max_downloads) throw problems.gone('This link has been used as often as it may be.', { code: 'LINK_USED_UP' })
    return link
  }

  /** A password link answers 401 (Basic: any user name, the link's password) until the password is given. */
  const unlock = async (c: RouteContext, link: LinkRow) => {
    if (!link.password_hash) return
    const auth = c.get('authorization')
    const m = /^Basic\s+(.+)$/i.exec(auth)
    const password = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':').slice(1).join(':') : ''
    if (!password || !(await checkPassword(password, link.password_hash))) {
      throw new HttpProblem({ status: 401, detail: 'This link needs its password (HTTP Basic, any user name).', code: 'LINK_PASSWORD', headers: { 'WWW-Authenticate': 'Basic realm="Plein link", charset="UTF-8"' } })
    }
  }

  ctx.routes(router => {
    router.post<{ expiresAt?: string; password?: string; maxDownloads?: number; mode?: 'read' | 'upload' }, unknown, { id: string }>(
      'files.links.create',
      '/api/v1/files/:id/links',
      {
        summary: 'A public link to a file (read) or folder (upload-only drop box). The url holds a 128-bit random token.',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        body: {
          type: 'object',
          properties: {
            expiresAt: { type: 'string', format: 'date-time' },
            password: { type: 'string', minLength: 4, maxLength: 200 },
            maxDownloads: { type: 'integer', minimum: 1, maximum: 1000000 },
            mode: { enum: ['read', 'upload'] },
          },
        },
        responses: { 201: { description: 'The link.', schema: { type: 'object', required: ['id', 'url'], properties: { id: { type: 'string' }, url: { type: 'string' } } } } },
      },
      async c => {
        const item = await guard.load(c, c.input.params.id)
        guard.manageable(c, item)
        c.status = 201
        return createLink(ctx, store, c, item, c.input.body)
      },
    )

    router.get<unknown, unknown, { id: string }>('files.links.list', '/api/v1/files/:id/links', { summary: 'The public links of a file or folder (never their tokens).', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 200: { description: 'Links.' } } }, async c => {
      const item = await guard.load(c, c.input.params.id)
      guard.manageable(c, item)
      const rows: LinkRow[] = await ctx.db.query('SELECT * FROM files_link WHERE entity_id = $1 ORDER BY created_at DESC LIMIT 1000', [item.entity.id])
      return { items: rows.map(linkJson) }
    })

    router.delete<unknown, unknown, { id: string; linkId: string }>(
      'files.links.revoke',
      '/api/v1/files/:id/links/:linkId',
      { summary: 'Withdraw a link: it stops working at once (410).', auth: true, params: { type: 'object', properties: { id: uuid, linkId: uuid } }, responses: { 204: { description: 'Withdrawn.' } } },
      async c => {
        const item = await guard.load(c, c.input.params.id)
        guard.manageable(c, item)
        const [, count] = (await ctx.db.query('UPDATE files_link SET revoked_at = now() WHERE id = $1 AND entity_id = $2 AND revoked_at IS NULL', [c.input.params.linkId, item.entity.id])) as unknown as [unknown, number]
        if (!count) throw problems.notFound('No such link.', { code: 'LINK_NOT_FOUND' })
        await store.audit(c.site, 'link.revoke', { accountId: c.viewer.user!.id, linkId: c.input.params.linkId }, item.entity.id)
        c.status = 204
      },
    )

    // The anonymous side: only what the link names, nothing else.
    const tokenParams = { type: 'object', properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' } } }
    router.get<unknown, unknown, { token: string }>('files.links.open', '/s/:token', { hidden: true, params: tokenParams }, async c => {
      const link = await resolve(c.site, c.input.params.token)
      await unlock(c, link)
      const node = await store.node(c.site, link.entity_id)
      if (!node || node.deleted_at) throw problems.gone('What this link named is gone.', { code: 'LINK_TARGET_GONE' })
      if (link.mode === 'upload') {
        c.type = 'text/html; charset=utf-8'
        c.body = `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>${escapeHtml(node.name)}</title></head><body><main><h1>Bestanden aanleveren: ${escapeHtml(node.name)}</h1><p>Stuur een bestand met <code>PUT ${escapeHtml(c.path)}/&lt;bestandsnaam&gt;</code>. / Send a file with PUT to this address plus a file name.</p></main></body></html>`
        return
      }
      // Counted before sending: a download limit holds even under concurrent requests.
      const [rows] = (await ctx.db.query(
        'UPDATE files_link SET downloads = downloads + 1 WHERE id = $1 AND (max_downloads IS NULL OR downloads < max_downloads) RETURNING id',
        [link.id],
      )) as unknown as [unknown[], number]
      if (rows.length === 0) throw problems.gone('This link has been used as often as it may be.', { code: 'LINK_USED_UP' })
      const v = await store.version(node.entity_id, node.version)
      if (!v) throw problems.gone('What this link named is gone.', { code: 'LINK_TARGET_GONE' })
      await store.audit(c.site, 'link.download', { linkId: link.id }, node.entity_id, { version: v.version })
      await sendVersion(store, c, node.name, v)
    })

    router.put<unknown, unknown, { token: string; name: string }>(
      'files.links.upload',
      '/s/:token/:name',
      { hidden: true, csrf: false, params: { type: 'object', properties: { ...tokenParams.properties, name: { type: 'string', minLength: 1, maxLength: 255 } } } },
      async c => {
        const link = await resolve(c.site, c.input.params.token)
        await unlock(c, link)
        if (link.mode !== 'upload') throw problems.forbidden('This link is for reading.', { code: 'LINK_READ_ONLY' })
        const folder = await ctx.access.find(c.site, link.entity_id)
        const node = await store.node(c.site, link.entity_id)
        const creator = link.created_by ? (await ctx.users.byIds([link.created_by])).get(link.created_by) : undefined
        if (!folder || !node || node.deleted_at || !creator) throw problems.gone('What this link named is gone.', { code: 'LINK_TARGET_GONE' })
        // A drop box adds files as the person who made the link, never overwrites, never lists.
        const viewer = await ctx.users.viewerFor(creator, c.site)
        if (!ctx.access.canWrite(viewer, folder, c.site)) throw problems.gone('The maker of this link can no longer add files here.', { code: 'LINK_TARGET_GONE' })
        const fileName = checkName(c.input.params.name, '', 'path')
        if (await store.child(folder.id, fileName)) throw problems.conflict('A file with this name was handed in already; choose another name.', { code: 'NAME_TAKEN' })
        const saveAs = await dropIn(ctx, store, c, viewer, folder, node.manage, fileName)
        await store.audit(c.site, 'link.upload', { linkId: link.id }, saveAs, { name: fileName })
        c.status = 201
        return { status: 'received', name: fileName }
      },
    )
  })
}

/** Makes a public link (the API and the pages): a read link for a file, an upload link (drop box) for a folder. */
export async function createLink(
  ctx: PluginContext,
  store: FileStore,
  c: RouteContext,
  item: Loaded,
  input: { expiresAt?: string; password?: string; maxDownloads?: number; mode?: 'read' | 'upload' },
): Promise<{ id: string; url: string; mode: 'read' | 'upload' }> {
  const mode: 'read' | 'upload' = input.mode ?? (item.node.is_folder ? 'upload' : 'read')
  if (mode === 'read' && item.node.is_folder) throw problems.badRequest('A read link names a file; folders get upload links.', { code: 'LINK_MODE', errors: [{ in: 'body', location: { pointer: '/mode' }, detail: 'read links are for files', code: 'mode' }] })
  if (mode === 'upload' && !item.node.is_folder) throw problems.badRequest('Upload links are for folders.', { code: 'LINK_MODE', errors: [{ in: 'body', location: { pointer: '/mode' }, detail: 'upload links are for folders', code: 'mode' }] })
  if (input.expiresAt && new Date(input.expiresAt).getTime() <= Date.now()) {
    throw problems.badRequest('expiresAt lies in the past.', { code: 'INVALID_EXPIRY', errors: [{ in: 'body', location: { pointer: '/expiresAt' }, detail: 'must be in the future', code: 'future' }] })
  }
  const token = randomBytes(16).toString('base64url')
  const rows: Array<{ id: string }> = await ctx.db.query(
    `INSERT INTO files_link (site_id, entity_id, token_hash, mode, created_by, expires_at, password_hash, max_downloads) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [c.site.id, item.entity.id, sha256(token), mode, c.viewer.user!.id, input.expiresAt ?? null, input.password ? await hashPassword(input.password) : null, input.maxDownloads ?? null],
  )
  await store.audit(c.site, 'link.create', { accountId: c.viewer.user!.id, linkId: rows[0]!.id }, item.entity.id, { mode, expiresAt: input.expiresAt, password: Boolean(input.password) })
  return { id: rows[0]!.id, url: `${linkOrigin(c)}/s/${token}`, mode }
}

/** Stores a drop-box upload as a new file owned by the link's maker. */
async function dropIn(ctx: PluginContext, store: FileStore, c: RouteContext, viewer: import('@plein/core').Viewer, folder: import('@plein/core').EntityRecord, manageTokens: string[], fileName: string): Promise<string> {
  const s = store.settings(c.site)
  const fileId = crypto.randomUUID()
  const stored = await store.store(c.site, fileId, 1, c.req, fileName, { max: s.maxUploadBytes, quotaLeft: await store.quotaLeft(c.site, folder) })
  try {
    await ctx.content.create(
      { site: c.site, viewer, kind: 'file', id: fileId, title: fileName, containerId: folder.containerId, systemAccess: { read: folder.readAccess, write: folder.writeAccess } },
      async (m, e) => {
        await m.query(
          'INSERT INTO files_node (entity_id, site_id, parent_id, name, is_folder, size, mime, version, sha256, manage) VALUES ($1, $2, $3, $4, false, $5, $6, 1, $7, $8)',
          [e.id, c.site.id, folder.id, fileName, stored.size, stored.mime, stored.sha256, manageTokens],
        )
        await m.query(
          `INSERT INTO files_version (entity_id, version, size, stored_size, sha256, mime, blob_key, wrapped_key, key_version, key_provider, format, created_by)
           VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)`,
          [e.id, stored.size, stored.storedSize, stored.sha256, stored.mime, stored.blobKey, stored.wrappedKey, stored.keyVersion, stored.keyProvider, viewer.user!.id],
        )
      },
    )
  } catch (error) {
    await store.dropBlobs([stored.blobKey])
    throw nameClash(error, fileName)
  }
  return fileId
}
