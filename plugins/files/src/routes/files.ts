// /api/v1/folders/:id/files/:name (streamed upload), /api/v1/files/…: metadata, content with ranges,
// versions, copy, rename/move/share, trash and restore.
import { Readable } from 'node:stream'
import { HttpProblem, problems, type EntityRecord, type PluginContext, type RequestContext, type RouteContext } from '@plein/core'
import { filesHooks } from '../api.js'
import type { FilesGuard } from '../guard.js'
import { checkName, nameClash } from '../names.js'
import type { FileStore, PreparedVersion, StoredVersion, VersionRow } from '../service.js'
import { contentDisposition, INLINE_SAFE } from '../sniff.js'
import { accessOf, manage, name, nodeSchema, uuid } from './common.js'
import { moveOrShare, trash } from './folders.js'

const idParams = { type: 'object', properties: { id: uuid } }

/** One byte range from a Range header, or undefined for the whole file; 416 when unsatisfiable. */
export function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return undefined // not one simple range: send the whole file
  let start: number
  let end: number
  if (m[1] === '') {
    const suffix = Number(m[2])
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  }
  if (start > end || start >= size) {
    throw new HttpProblem({ status: 416, detail: `The range is outside the file (${size} bytes).`, code: 'RANGE_NOT_SATISFIABLE', headers: { 'Content-Range': `bytes */${size}` } })
  }
  return { start, end }
}

/** Streams a version's plaintext with ETag (by default its SHA-256), conditional requests and ranges. */
export async function sendVersion(store: FileStore, c: RequestContext, name: string, v: VersionRow, etag = `"${v.sha256}"`): Promise<void> {
  const size = Number(v.size)
  c.set('ETag', etag)
  c.set('Accept-Ranges', 'bytes')
  c.set('Cache-Control', 'private, no-cache')
  c.set('Content-Security-Policy', "default-src 'none'; sandbox")
  const inline = INLINE_SAFE.has(v.mime)
  c.set('Content-Disposition', contentDisposition(name, inline))
  if (c.get('if-none-match').split(',').map(s => s.trim()).includes(etag)) {
    c.status = 304
    return
  }
  const ifRange = c.get('if-range')
  const range = !ifRange || ifRange === etag ? parseRange(c.get('range'), size) : undefined
  c.type = v.mime
  if (range) {
    c.status = 206
    c.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
    c.length = range.end - range.start + 1
  } else {
    c.status = 200
    c.length = size
  }
  const body = await store.open(c.site, v, range)
  // Damage past the first segment shows only once bytes went out: the connection is cut (the client sees an
  // incomplete answer, never a short file that looks whole), logged once with the file, no key material.
  body.once('error', error => {
    c.log.error({ file: v.entity_id, version: v.version, blob: v.blob_key, reason: error.message }, 'files: download cut off, the stored file is damaged (integrity check failed)')
    c.res.destroy()
  })
  c.body = body
}

/**
 * The one save path of uploads (the JSON API, WebDAV, restores and copies): quota and size limits, encryption,
 * the scan hook, versions and If-Match. `save` stores `source` as a new file in `folder` (status 201) or as the
 * next version of the file there with that name (status 200), and answers its entity.
 */
export function fileSaver(ctx: PluginContext, store: FileStore, guard: FilesGuard) {
  const hooks = ctx.hooks.of(filesHooks)

  /** Runs the scan hook on a stored version; a refusal deletes the blob and answers 422. */
  const scan = async (c: RequestContext, fileId: string, fileName: string, stored: StoredVersion, version: number) => {
    const candidate = {
      fileId,
      name: fileName,
      size: stored.size,
      sha256: stored.sha256,
      mime: stored.mime,
      open: () => {
        const out = new Readable({ read() {} })
        const row = { entity_id: fileId, version, size: String(stored.size), stored_size: String(stored.storedSize), sha256: stored.sha256, mime: stored.mime, blob_key: stored.blobKey, wrapped_key: stored.wrappedKey, key_version: stored.keyVersion, key_provider: stored.keyProvider, format: 1, created_by: null, created_at: new Date() }
        store.open(c.site, row, undefined).then(
          s => s.on('data', d => out.push(d)).on('end', () => out.push(null)).on('error', e => out.destroy(e)),
          e => out.destroy(e),
        )
        return out
      },
    }
    const verdict = await hooks.scan.call(c.site, candidate, c.viewer, c.site)
    if (verdict) {
      await store.dropBlobs([stored.blobKey])
      throw new HttpProblem({ status: 422, detail: `The file was refused: ${verdict.reason}`, code: 'FILE_REFUSED' })
    }
  }

  const insertVersion = (m: { query: (s: string, p: unknown[]) => Promise<unknown> }, fileId: string, version: number, s: StoredVersion, by: string) =>
    m.query(
      `INSERT INTO files_version (entity_id, version, size, stored_size, sha256, mime, blob_key, wrapped_key, key_version, key_provider, format, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11)`,
      [fileId, version, s.size, s.storedSize, s.sha256, s.mime, s.blobKey, s.wrappedKey, s.keyVersion, s.keyProvider, by],
    )

  /** `declared`: the size the client announced (Content-Length of a raw body; NaN when unknown, e.g. one part of a multipart body). */
  const save = async (c: RequestContext, folder: { entity: EntityRecord }, fileName: string, source: Readable | PreparedVersion, ifMatch: string, declared = Number(c.get('content-length') || NaN)) => {
    // A resumable upload hands over a version already stored (its size was checked piece by piece).
    const prepared = typeof (source as Readable).pipe === 'function' ? undefined : (source as PreparedVersion)
    if (prepared) declared = NaN
    const user = c.viewer.user!
    const existing = await store.child(folder.entity.id, fileName)
    const s = store.settings(c.site)
    const quotaLeft = await store.quotaLeft(c.site, folder.entity)
    if (Number.isFinite(declared) && declared > s.maxUploadBytes) throw problems.tooLarge(`The file is larger than ${s.maxUploadBytes} bytes.`, { code: 'FILE_TOO_LARGE' })
    if (Number.isFinite(declared) && quotaLeft !== undefined && declared > quotaLeft) {
      throw new HttpProblem({ status: 507, detail: 'The storage quota is used up: delete files (and empty the trash) or ask for more space.', code: 'QUOTA_EXCEEDED' })
    }
    if (existing) {
      if (existing.is_folder) throw problems.conflict(`"${fileName}" is a folder.`, { code: 'NAME_TAKEN' })
      const file = await guard.load(c, existing.entity_id, 'file')
      guard.writable(c, file)
      if (ifMatch && ifMatch !== `"${existing.sha256}"` && ifMatch !== '*') {
        throw new HttpProblem({ status: 412, detail: 'The file changed since you read it (If-Match does not match its ETag).', code: 'PRECONDITION_FAILED' })
      }
      const version = existing.version + 1
      if (prepared && (prepared.fileId !== existing.entity_id || prepared.version !== version)) {
        await store.dropBlobs([prepared.stored.blobKey])
        throw problems.conflict(`"${fileName}" changed while this upload was under way; upload it again.`, { code: 'VERSION_RACE' })
      }
      const stored = prepared ? prepared.stored : await store.store(c.site, existing.entity_id, version, source as Readable, fileName, { max: s.maxUploadBytes, quotaLeft })
      await scan(c, existing.entity_id, fileName, stored, version)
      try {
        const { entity } = await ctx.content.update({ site: c.site, viewer: c.viewer, entity: file.entity }, async (m, e) => {
          const [rows] = (await m.query('UPDATE files_node SET version = $2, size = $3, mime = $4, sha256 = $5 WHERE entity_id = $1 AND version = $6 RETURNING entity_id', [
            e.id,
            version,
            stored.size,
            stored.mime,
            stored.sha256,
            existing.version,
          ])) as unknown as [unknown[], number]
          if (rows.length === 0) throw problems.conflict('Someone saved a new version at the same moment; try again.', { code: 'VERSION_RACE' })
          await insertVersion(m, e.id, version, stored, user.id)
        })
        await store.audit(c.site, 'file.version', { accountId: user.id }, entity.id, { name: fileName, version, size: stored.size })
        await hooks.uploaded.call(c.site, { fileId: entity.id, version, size: stored.size, mime: stored.mime }, c.site)
        c.status = 200
        return entity
      } catch (error) {
        await store.dropBlobs([stored.blobKey])
        throw error
      }
    }
    guard.writable(c, folder as any)
    // Even `If-Match: *` fails when there is no file yet (RFC 9110 13.1.1).
    if (ifMatch) throw new HttpProblem({ status: 412, detail: 'There is no file with this name to match.', code: 'PRECONDITION_FAILED' })
    if (prepared && prepared.version !== 1) {
      await store.dropBlobs([prepared.stored.blobKey])
      throw problems.conflict(`"${fileName}" was removed while this upload was under way; upload it again.`, { code: 'VERSION_RACE' })
    }
    const fileId = prepared?.fileId ?? crypto.randomUUID()
    const stored = prepared ? prepared.stored : await store.store(c.site, fileId, 1, source as Readable, fileName, { max: s.maxUploadBytes, quotaLeft })
    await scan(c, fileId, fileName, stored, 1)
    try {
      const { entity } = await ctx.content.create(
        { site: c.site, viewer: c.viewer, kind: 'file', id: fileId, title: fileName, containerId: folder.entity.containerId, systemAccess: accessOf(folder.entity) },
        async (m, e) => {
          if (await store.child(folder.entity.id, fileName, m)) throw problems.conflict(`"${fileName}" appeared at the same moment; try again.`, { code: 'NAME_TAKEN' })
          const node = await store.node(c.site, folder.entity.id, m)
          await m.query(
            'INSERT INTO files_node (entity_id, site_id, parent_id, name, is_folder, size, mime, version, sha256, manage) VALUES ($1, $2, $3, $4, false, $5, $6, 1, $7, $8)',
            [e.id, c.site.id, folder.entity.id, fileName, stored.size, stored.mime, stored.sha256, node?.manage ?? []],
          )
          await insertVersion(m, e.id, 1, stored, user.id)
        },
      )
      await store.audit(c.site, 'file.create', { accountId: user.id }, entity.id, { name: fileName, size: stored.size })
      await hooks.uploaded.call(c.site, { fileId: entity.id, version: 1, size: stored.size, mime: stored.mime }, c.site)
      c.status = 201
      return entity
    } catch (error) {
      await store.dropBlobs([stored.blobKey])
      throw nameClash(error, fileName)
    }
  }

  return save
}

export function fileRoutes(ctx: PluginContext, store: FileStore, guard: FilesGuard): void {
  const save = fileSaver(ctx, store, guard)

  ctx.routes(router => {
    router.put<unknown, unknown, { id: string; name: string }>(
      'files.upload',
      '/api/v1/folders/:id/files/:name',
      {
        summary: 'Upload a file (the raw body, streamed; encrypted at rest). An existing name gets a new version (200); If-Match guards against overwriting changes.',
        auth: true,
        params: { type: 'object', properties: { id: uuid, name: { type: 'string', minLength: 1, maxLength: 255 } } },
        responses: {
          200: { description: 'A new version of the file.', schema: nodeSchema },
          201: { description: 'The new file.', schema: nodeSchema },
          412: { description: 'If-Match does not match.' },
          413: { description: 'Too large.' },
          422: { description: 'Refused by a scanner.' },
          507: { description: 'Quota used up, or the storage is full.' },
        },
      },
      async c => {
        const folder = await guard.load(c, c.input.params.id, 'folder')
        const entity = await save(c, folder, checkName(c.input.params.name, '', 'path'), c.req, c.get('if-match'))
        const [json] = await ctx.content.serialize([entity], c.viewer, c.site)
        c.set('ETag', `"${json!.sha256}"`)
        return json
      },
    )

    router.get<unknown, unknown, { id: string }>('files.get', '/api/v1/files/:id', { summary: "A file's metadata.", params: idParams, responses: { 200: { description: 'The file.', schema: nodeSchema } } }, async c => {
      const file = await guard.load(c, c.input.params.id, 'file')
      return (await ctx.content.serialize([file.entity], c.viewer, c.site))[0]
    })

    router.get<unknown, unknown, { id: string }>(
      'files.content',
      '/api/v1/files/:id/content',
      {
        summary: 'The bytes, streamed, with Range (206), ETag and If-None-Match (304).',
        params: idParams,
        responses: { 200: { description: 'The file.', contentType: 'application/octet-stream', schema: { type: 'string', format: 'binary' } }, 206: { description: 'Part of the file.' }, 304: { description: 'Not modified.' }, 416: { description: 'Range outside the file.' } },
      },
      async c => {
        const file = await guard.load(c, c.input.params.id, 'file')
        const v = await store.version(file.entity.id, file.node.version)
        if (!v) throw problems.notFound('This file has no content.', { code: 'FILE_NOT_FOUND' })
        await store.audit(c.site, 'file.read', { accountId: c.viewer.user?.id }, file.entity.id, { version: v.version, range: c.get('range') || undefined })
        await sendVersion(store, c, file.node.name, v)
      },
    )

    router.get<unknown, unknown, { id: string }>(
      'files.versions',
      '/api/v1/files/:id/versions',
      { summary: 'Every version of a file, newest first.', params: idParams, responses: { 200: { description: 'Versions.' } } },
      async c => {
        const file = await guard.load(c, c.input.params.id, 'file')
        const rows = await store.versions(file.entity.id)
        const people = await ctx.users.byIds(rows.map(r => r.created_by).filter((x): x is string => x !== null))
        return {
          items: rows.map(r => ({
            version: r.version,
            size: Number(r.size),
            sha256: r.sha256,
            mime: r.mime,
            current: r.version === file.node.version,
            createdAt: r.created_at,
            createdBy: r.created_by && people.get(r.created_by) ? ctx.users.json(people.get(r.created_by)!, c.viewer) : null,
          })),
        }
      },
    )

    router.get<unknown, unknown, { id: string; version: number }>(
      'files.versions.content',
      '/api/v1/files/:id/versions/:version/content',
      { summary: 'The bytes of an earlier version.', params: { type: 'object', properties: { id: uuid, version: { type: 'integer', minimum: 1, maximum: 2147483647 } } }, responses: { 200: { description: 'The version.' } } },
      async c => {
        const file = await guard.load(c, c.input.params.id, 'file')
        const v = await store.version(file.entity.id, c.input.params.version)
        if (!v) throw problems.notFound('No such version.', { code: 'VERSION_NOT_FOUND' })
        await store.audit(c.site, 'file.read', { accountId: c.viewer.user?.id }, file.entity.id, { version: v.version })
        await sendVersion(store, c, file.node.name, v)
      },
    )

    router.post<unknown, unknown, { id: string; version: number }>(
      'files.versions.restore',
      '/api/v1/files/:id/versions/:version/restore',
      { summary: 'Make an earlier version current again (as a new version; nothing is lost).', auth: true, params: { type: 'object', properties: { id: uuid, version: { type: 'integer', minimum: 1, maximum: 2147483647 } } }, responses: { 200: { description: 'The file.', schema: nodeSchema } } },
      async c => {
        const file = await guard.load(c, c.input.params.id, 'file')
        guard.writable(c, file)
        const old = await store.version(file.entity.id, c.input.params.version)
        if (!old) throw problems.notFound('No such version.', { code: 'VERSION_NOT_FOUND' })
        const parent = await guard.load(c, file.node.parent_id!, 'folder')
        const entity = await save(c, parent, file.node.name, await store.open(c.site, old), '')
        return (await ctx.content.serialize([entity], c.viewer, c.site))[0]
      },
    )

    router.post<{ parentId: string; name?: string }, unknown, { id: string }>(
      'files.copy',
      '/api/v1/files/:id/copy',
      {
        summary: 'Copy a file into a folder (re-encrypted under its own key).',
        auth: true,
        params: idParams,
        body: { type: 'object', required: ['parentId'], properties: { parentId: uuid, name } },
        responses: { 201: { description: 'The copy.', schema: nodeSchema }, 409: { description: 'The name is taken there.' } },
      },
      async c => {
        const file = await guard.load(c, c.input.params.id, 'file')
        const target = await guard.load(c, c.input.body.parentId, 'folder')
        const v = await store.version(file.entity.id, file.node.version)
        if (!v) throw problems.notFound('This file has no content.', { code: 'FILE_NOT_FOUND' })
        const copyName = checkName(c.input.body.name ?? file.node.name)
        if (await store.child(target.entity.id, copyName)) throw problems.conflict(`"${copyName}" exists in that folder already.`, { code: 'NAME_TAKEN' })
        const entity = await save(c, target, copyName, await store.open(c.site, v), '')
        c.status = 201
        return (await ctx.content.serialize([entity], c.viewer, c.site))[0]
      },
    )

    router.patch<{ name?: string; parentId?: string; access?: { read?: string[]; write?: string[] }; manage?: string[] }, unknown, { id: string }>(
      'files.update',
      '/api/v1/files/:id',
      {
        summary: 'Rename, move or share a file.',
        auth: true,
        params: idParams,
        body: { type: 'object', minProperties: 1, properties: { name, parentId: uuid, access: { type: 'object', properties: { read: { type: 'array', items: { type: 'string' } }, write: { type: 'array', items: { type: 'string' } } } }, manage } },
        responses: { 200: { description: 'The file.', schema: nodeSchema }, 409: { description: 'Name taken.' } },
      },
      async c => moveOrShare(ctx, store, guard, c, 'file'),
    )

    router.delete<unknown, unknown, { id: string }>('files.delete', '/api/v1/files/:id', { summary: 'Move a file to the trash.', auth: true, params: idParams, responses: { 204: { description: 'In the trash.' } } }, async c => {
      await trash(ctx, store, guard, c, 'file')
      c.status = 204
    })

    router.get<unknown, { limit: number }>(
      'files.trash',
      '/api/v1/trash',
      { summary: 'Your trash on this site: files and folders you deleted and may restore.', auth: true, query: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 } } }, responses: { 200: { description: 'Trashed items.' } } },
      async c => {
        const readable = ctx.access.readableWhere(c.viewer, c.site, 'e', 1)
        const rows = await ctx.db.query(
          `SELECT e.id FROM files_node n JOIN entity e ON e.id = n.entity_id
            WHERE n.deleted_at IS NOT NULL AND ${readable.sql} AND e.write_access && $${readable.params.length + 1}::text[]
            ORDER BY n.deleted_at DESC LIMIT $${readable.params.length + 2}`,
          [...readable.params, [...c.viewer.tokens], c.input.query.limit],
        )
        const entities = (await Promise.all(rows.map((r: { id: string }) => ctx.access.find(c.site, r.id)))).filter((e): e is EntityRecord => !!e)
        return { items: await ctx.content.serialize(entities, c.viewer, c.site) }
      },
    )

    router.post<unknown, unknown, { id: string }>(
      'files.restore',
      '/api/v1/files/:id/restore',
      { summary: 'Take a file or folder out of the trash (with everything in it).', auth: true, params: idParams, responses: { 200: { description: 'Restored.', schema: nodeSchema }, 409: { description: 'Its name is taken now; rename the other first.' } } },
      async c => {
        const entity = await restore(ctx, store, guard, c)
        return (await ctx.content.serialize([entity], c.viewer, c.site))[0]
      },
    )
  })
}

/** Takes a file or folder (with everything in it) out of the trash: the API and the trash page. */
export async function restore(ctx: PluginContext, store: FileStore, guard: FilesGuard, c: RouteContext<unknown, unknown, { id: string }>) {
  const item = await guard.load(c, c.input.params.id, undefined, { trashed: true })
  guard.writable(c, item)
  if (!item.node.deleted_at) throw problems.conflict('This is not in the trash.', { code: 'NOT_IN_TRASH' })
  if (item.node.parent_id) {
    const parent = await store.node(c.site, item.node.parent_id)
    if (!parent || parent.deleted_at || parent.published_before_trash) throw problems.conflict('Its folder is in the trash too: restore that first.', { code: 'PARENT_IN_TRASH' })
    if (await store.child(item.node.parent_id, item.node.name)) throw problems.conflict(`"${item.node.name}" exists there now.`, { code: 'NAME_TAKEN' })
  }
  const { entity } = await ctx.content.update({ site: c.site, viewer: c.viewer, entity: item.entity, publishedAt: item.node.published_before_trash ?? new Date() }, async (m, e) => {
    await m.query('UPDATE files_node SET deleted_at = NULL, published_before_trash = NULL WHERE entity_id = $1', [e.id])
    await m.query(
      `WITH RECURSIVE sub AS (
         SELECT entity_id FROM files_node WHERE parent_id = $1
         UNION ALL SELECT n.entity_id FROM files_node n JOIN sub ON n.parent_id = sub.entity_id
       ), shown AS (
         UPDATE files_node n SET published_before_trash = NULL WHERE n.entity_id IN (SELECT entity_id FROM sub) AND n.deleted_at IS NULL
         RETURNING n.entity_id
       ) UPDATE entity e SET published_at = coalesce((SELECT published_before_trash FROM files_node WHERE entity_id = e.id), now())
         WHERE e.id IN (SELECT entity_id FROM shown)`,
      [e.id],
    )
  })
  await store.audit(c.site, 'restore', { accountId: c.viewer.user!.id }, entity.id, {})
  return entity
}
