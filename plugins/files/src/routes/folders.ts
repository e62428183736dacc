// /api/v1/folders: create, read (with paged children), rename, move, share, delete to the trash.
import { accessSchema, decodeKey, encodeKey, problems, ENTITY_SQL, type PluginContext, type RequestContext, type RouteContext } from '@plein/core'
import type { FilesGuard } from '../guard.js'
import { checkName, nameClash } from '../names.js'
import type { FileStore, NodeRow } from '../service.js'
import { accessOf, isInside, manage, name, nodeSchema, propagateAccess, uuid } from './common.js'

/** A children cursor: the last row's (is_folder as 1/0, lower-cased name, id). */
const isChildKey = (v: unknown[]): v is [number, string, string] =>
  v.length === 3 && (v[0] === 0 || v[0] === 1) && typeof v[1] === 'string' && typeof v[2] === 'string' && /^[0-9a-f-]{36}$/.test(v[2])

/** A folder's children the viewer may read, folders first, by name: one indexed query (the API and the pages). */
export async function folderChildren(ctx: PluginContext, c: RequestContext, folderId: string, limit: number, raw?: string) {
  const cursor = decodeKey(raw, isChildKey)
  const readable = ctx.access.readableWhere(c.viewer, c.site, 'e', 2)
  const params: unknown[] = [folderId, ...readable.params]
  let after = ''
  if (cursor) {
    params.push(cursor[0] === 1, cursor[1], cursor[2])
    const [f, n, i] = [params.length - 2, params.length - 1, params.length]
    // (is_folder DESC, lower(name), id): after the cursor in that order.
    after = `AND (n.is_folder < $${f} OR (n.is_folder = $${f} AND (lower(n.name), n.entity_id) > ($${n}, $${i}::uuid)))`
  }
  params.push(limit + 1)
  const rows: Array<NodeRow & Record<string, unknown>> = await ctx.db.query(
    `SELECT ${ENTITY_SQL.columns('e')}, n.is_folder, n.name FROM files_node n JOIN entity e ON e.id = n.entity_id
      WHERE n.parent_id = $1 AND n.deleted_at IS NULL AND ${readable.sql} ${after}
      ORDER BY n.is_folder DESC, lower(n.name), n.entity_id LIMIT $${params.length}`,
    params,
  )
  const more = rows.length > limit
  const shown = more ? rows.slice(0, limit) : rows
  const last = shown[shown.length - 1]
  const items = await ctx.content.serialize(shown.map(r => ENTITY_SQL.fromRow(r as any)), c.viewer, c.site)
  return { items, nextCursor: more && last ? encodeKey([last.is_folder ? 1 : 0, String(last.name).toLowerCase(), String(last.id)]) : null }
}

export function folderRoutes(ctx: PluginContext, store: FileStore, guard: FilesGuard): void {
  const children = (c: RouteContext, folderId: string, limit: number, raw?: string) => folderChildren(ctx, c, folderId, limit, raw)

  ctx.routes(router => {
    router.post<{ name: string; parentId?: string; containerId?: string; access?: { read?: string[]; write?: string[] }; manage?: string[] }>(
      'files.folders.create',
      '/api/v1/folders',
      {
        summary: 'Create a folder: in your own space, in a group (containerId), or inside another folder (parentId, whose sharing it takes).',
        auth: true,
        body: { type: 'object', required: ['name'], properties: { name, parentId: uuid, containerId: uuid, access: accessSchema, manage } },
        responses: { 201: { description: 'The folder.', schema: nodeSchema }, 409: { description: 'The parent has something with this name.' } },
      },
      async c => {
        const entity = await createFolder(ctx, store, guard, c)
        c.status = 201
        return (await ctx.content.serialize([entity], c.viewer, c.site))[0]
      },
    )

    router.get<unknown, { limit: number; cursor?: string }, { id: string }>(
      'files.folders.get',
      '/api/v1/folders/:id',
      {
        summary: 'A folder with a page of its children (folders first, by name).',
        params: { type: 'object', properties: { id: uuid } },
        query: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 }, cursor: { type: 'string', maxLength: 1500 } } },
        responses: { 200: { description: 'The folder and its children.', schema: { ...nodeSchema, properties: { ...nodeSchema.properties, children: { type: 'object' } } } } },
      },
      async c => {
        const folder = await guard.load(c, c.input.params.id, 'folder')
        const [json] = await ctx.content.serialize([folder.entity], c.viewer, c.site)
        return { ...json, children: await children(c, folder.entity.id, c.input.query.limit, c.input.query.cursor) }
      },
    )

    router.patch<{ name?: string; parentId?: string; access?: { read?: string[]; write?: string[] }; manage?: string[] }, unknown, { id: string }>(
      'files.folders.update',
      '/api/v1/folders/:id',
      {
        summary: 'Rename, move (parentId) or share (access, manage — for everything inside too) a folder.',
        auth: true,
        params: { type: 'object', properties: { id: uuid } },
        body: { type: 'object', minProperties: 1, properties: { name, parentId: uuid, access: accessSchema, manage } },
        responses: { 200: { description: 'The folder.', schema: nodeSchema }, 409: { description: 'Name taken, or a move into itself.' } },
      },
      async c => moveOrShare(ctx, store, guard, c, 'folder'),
    )

    router.delete<unknown, unknown, { id: string }>(
      'files.folders.delete',
      '/api/v1/folders/:id',
      { summary: 'Move a folder and everything in it to the trash.', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 204: { description: 'In the trash.' } } },
      async c => {
        await trash(ctx, store, guard, c, 'folder')
        c.status = 204
      },
    )
  })
}

/** POST /api/v1/folders (and the pages' new-folder form): a folder in your space, a group, or another folder. */
export async function createFolder(
  ctx: PluginContext,
  store: FileStore,
  guard: FilesGuard,
  c: RouteContext<{ name: string; parentId?: string; containerId?: string; access?: { read?: string[]; write?: string[] }; manage?: string[] }>,
) {
  const input = c.input.body
  const folderName = checkName(input.name)
  const parent = input.parentId ? await guard.load(c, input.parentId, 'folder') : undefined
  if (parent) guard.writable(c, parent)
  if (parent && input.containerId && input.containerId !== parent.entity.containerId) {
    throw problems.badRequest('A sub-folder lives where its parent lives.', { code: 'CONTAINER_MISMATCH', errors: [{ in: 'body', location: { pointer: '/containerId' }, detail: 'differs from the parent folder', code: 'container' }] })
  }
  if (parent && input.access) guard.manageable(c, parent)
  const { entity } = await ctx.content.create(
    {
      site: c.site,
      viewer: c.viewer,
      kind: 'folder',
      title: folderName,
      containerId: parent ? parent.entity.containerId : (input.containerId ?? null),
      // Inside a folder: its sharing. In your own space: private until you share it. In a group: the group's default.
      ...(parent && !input.access
        ? { systemAccess: accessOf(parent.entity) }
        : !parent && !input.access && !input.containerId
          ? { systemAccess: { read: [], write: [] } }
          : { access: input.access }),
    },
    async (m, e) => {
      if (parent && (await store.child(parent.entity.id, folderName, m))) {
        throw problems.conflict(`"${folderName}" exists in this folder already.`, { code: 'NAME_TAKEN' })
      }
      await m.query('INSERT INTO files_node (entity_id, site_id, parent_id, name, is_folder, manage) VALUES ($1, $2, $3, $4, true, $5)', [
        e.id,
        c.site.id,
        parent?.entity.id ?? null,
        folderName,
        input.manage ?? parent?.node.manage ?? [],
      ])
    },
  ).catch(error => {
    throw nameClash(error, folderName)
  })
  await store.audit(c.site, 'folder.create', { accountId: c.viewer.user!.id }, entity.id, { name: folderName })
  return entity
}

/** PATCH of a file or folder: rename, move, share. */
export async function moveOrShare(
  ctx: PluginContext,
  store: FileStore,
  guard: FilesGuard,
  c: RouteContext<{ name?: string; parentId?: string; access?: { read?: string[]; write?: string[] }; manage?: string[] }, unknown, { id: string }>,
  kind: 'file' | 'folder',
) {
  const item = await guard.load(c, c.input.params.id, kind)
  guard.writable(c, item)
  const input = c.input.body
  const newName = input.name !== undefined ? checkName(input.name) : item.node.name
  let parentId = item.node.parent_id
  let target: Awaited<ReturnType<FilesGuard['load']>> | undefined
  if (input.parentId !== undefined && input.parentId !== item.node.parent_id) {
    target = await guard.load(c, input.parentId, 'folder')
    guard.writable(c, target)
    if (target.entity.containerId !== item.entity.containerId) throw problems.conflict('Moving between a group and another space is not possible; copy instead.', { code: 'MOVE_ACROSS_SPACES' })
    if (kind === 'folder' && (await isInside(ctx.db, item.entity.id, target.entity.id))) throw problems.conflict('A folder cannot move into itself.', { code: 'MOVE_INTO_ITSELF' })
    parentId = target.entity.id
  }
  if (input.access || input.manage) guard.manageable(c, item)
  // A moved item takes the sharing of its new folder, as a new item there would (unless the request sets
  // access itself): moved out of a shared folder, it is no longer shared with that folder's people.
  const inherit = target && !input.access ? { systemAccess: accessOf(target.entity) } : {}
  const manageTokens = input.manage ?? (target ? target.node.manage : item.node.manage)
  const { entity } = await ctx.content.update(
    { site: c.site, viewer: c.viewer, entity: item.entity, title: newName, access: input.access, ...inherit },
    async (m, e) => {
      if (parentId && (newName.toLowerCase() !== item.node.name.toLowerCase() || parentId !== item.node.parent_id)) {
        const clash = await store.child(parentId, newName, m)
        if (clash && clash.entity_id !== item.entity.id) throw problems.conflict(`"${newName}" exists in that folder already.`, { code: 'NAME_TAKEN' })
      }
      await m.query('UPDATE files_node SET name = $2, parent_id = $3, manage = $4 WHERE entity_id = $1', [e.id, newName, parentId, manageTokens])
      if (kind === 'folder' && (input.access || input.manage || target)) {
        await propagateAccess(m, e.id, { read: e.readAccess, write: e.writeAccess }, input.manage ?? (target ? manageTokens : undefined))
      }
    },
  ).catch(error => {
    throw nameClash(error, newName)
  })
  await store.audit(c.site, input.access || input.manage ? `${kind}.share` : `${kind}.update`, { accountId: c.viewer.user!.id }, entity.id, {
    name: newName,
    parentId,
    ...(input.access ? { access: input.access } : {}),
  })
  return (await ctx.content.serialize([entity], c.viewer, c.site))[0]
}

/** To the trash: hidden from everyone but its writers, restorable until the trash is emptied. */
export async function trash(ctx: PluginContext, store: FileStore, guard: FilesGuard, c: RouteContext<unknown, unknown, { id: string }>, kind: 'file' | 'folder') {
  const item = await guard.load(c, c.input.params.id, kind)
  guard.writable(c, item)
  await ctx.content.update({ site: c.site, viewer: c.viewer, entity: item.entity, publishedAt: null }, async (m, e) => {
    await m.query('UPDATE files_node SET deleted_at = now(), published_before_trash = $2 WHERE entity_id = $1', [e.id, item.entity.publishedAt])
    // Everything inside goes out of sight with it (lists, activity, search), and comes back with it.
    await m.query(
      `WITH RECURSIVE sub AS (
         SELECT entity_id FROM files_node WHERE parent_id = $1
         UNION ALL SELECT n.entity_id FROM files_node n JOIN sub ON n.parent_id = sub.entity_id
       ), hidden AS (
         UPDATE files_node n SET published_before_trash = e.published_at FROM entity e
          WHERE n.entity_id = e.id AND n.entity_id IN (SELECT entity_id FROM sub) AND n.deleted_at IS NULL RETURNING n.entity_id
       ) UPDATE entity SET published_at = NULL WHERE id IN (SELECT entity_id FROM hidden)`,
      [e.id],
    )
  })
  await store.audit(c.site, `${kind}.trash`, { accountId: c.viewer.user!.id }, item.entity.id, { name: item.node.name })
}
