// The WebDAV namespace of a viewer: /dav/ lists their "roots" — the readable folders (and files) whose own folder
// they cannot read: their own top-level folders, their groups' top-level folders, and whatever was shared with
// them inside folders they cannot see. Below a root, paths follow folder and file names.
import { ENTITY_SQL, type EntityRecord, type PluginContext, type RequestContext, type Viewer } from '@plein/core'
import { HttpProblem } from '@plein/core'
import type { FileStore, NodeRow } from '../service.js'

export const PREFIX = '/dav'
const MAX_ROOTS = 1000

export interface DavNode {
  kind: 'node'
  entity: EntityRecord
  node: NodeRow
  /** The path segments (decoded names) of this resource under /dav/. */
  segments: string[]
}

export interface DavRoot {
  kind: 'root'
  segments: []
}

export interface DavMissing {
  kind: 'missing'
  /** The folder it would be created in: a node, the root, or undefined when that does not exist either. */
  parent: DavNode | DavRoot | undefined
  name: string
  segments: string[]
}

export type Resolved = DavNode | DavRoot | DavMissing

export interface RootEntry {
  entity: EntityRecord
  node: NodeRow
  /** The name shown at /dav/ (unique there; a clash gets the owner's name added). */
  display: string
}

export const isCollection = (r: Resolved): boolean => r.kind === 'root' || (r.kind === 'node' && r.node.is_folder)

/** A path segment as it goes into an href. */
export const encodeSegment = (s: string) => encodeURIComponent(s).replace(/%2C/g, ',').replace(/%3A/gi, ':').replace(/%40/g, '@').replace(/%2B/g, '+').replace(/%3D/g, '=').replace(/%24/g, '$').replace(/%26/g, '&')

export function hrefOf(segments: string[], collection: boolean): string {
  const path = segments.map(encodeSegment).join('/')
  return `${PREFIX}/${path}${collection && path !== '' ? '/' : ''}`
}

/** The decoded segments of a path under /dav (undefined when it is not under /dav). 400 for bad escapes. */
export function segmentsOf(path: string): string[] | undefined {
  if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return undefined
  const rest = path.slice(PREFIX.length)
  const raw = rest.split('/').filter(s => s !== '')
  try {
    return raw.map(s => decodeURIComponent(s).normalize('NFC'))
  } catch {
    throw new HttpProblem({ status: 400, detail: 'The path has an invalid %-escape.', code: 'INVALID_PATH' })
  }
}

/** Entity and node columns of `entity e JOIN files_node n`, read back by fromJoinedRow. */
export const JOINED_COLUMNS = `${ENTITY_SQL.columns('e')}, n.parent_id AS n_parent_id, n.name AS n_name, n.is_folder AS n_is_folder, n.size AS n_size,
  n.mime AS n_mime, n.version AS n_version, n.sha256 AS n_sha256, n.manage AS n_manage`

export function fromJoinedRow(r: Record<string, unknown>): { entity: EntityRecord; node: NodeRow } {
  const entity = ENTITY_SQL.fromRow(r as any)
  const node: NodeRow = {
    entity_id: entity.id,
    site_id: entity.siteId,
    parent_id: r.n_parent_id as string | null,
    name: r.n_name as string,
    is_folder: r.n_is_folder as boolean,
    size: String(r.n_size),
    mime: r.n_mime as string | null,
    version: r.n_version as number,
    sha256: r.n_sha256 as string | null,
    deleted_at: null,
    published_before_trash: null,
    manage: r.n_manage as string[],
  }
  return { entity, node }
}

export class DavTree {
  constructor(private readonly ctx: PluginContext, private readonly store: FileStore) {}

  /** The roots of a viewer at /dav/: access by their own tokens (an administrator's power does not flood it). */
  async roots(c: RequestContext): Promise<RootEntry[]> {
    const viewer: Viewer = { ...c.viewer, isAdmin: false }
    const mine = this.ctx.access.readableWhere(viewer, c.site, 'e', 1)
    const parent = this.ctx.access.readableWhere(viewer, c.site, 'pe', mine.params.length + 1)
    const rows: Array<Record<string, unknown>> = await this.ctx.db.query(
      `SELECT ${JOINED_COLUMNS} FROM files_node n JOIN entity e ON e.id = n.entity_id
        WHERE n.site_id = $1 AND n.deleted_at IS NULL AND e.published_at IS NOT NULL AND e.kind IN ('folder', 'file') AND ${mine.sql}
          AND (n.parent_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM files_node pn JOIN entity pe ON pe.id = pn.entity_id
                 WHERE pn.entity_id = n.parent_id AND pn.deleted_at IS NULL AND ${parent.sql}))
        ORDER BY lower(n.name), (e.owner_id = $${mine.params.length + parent.params.length + 1}) DESC, e.created_at, e.id
        LIMIT ${MAX_ROOTS}`,
      [...mine.params, ...parent.params, c.viewer.user?.id ?? '00000000-0000-0000-0000-000000000000'],
    )
    const entries = rows.map(r => {
      const { entity, node } = fromJoinedRow(r)
      return { entity, node, display: node.name }
    })
    // Same name twice: the first (yours, then the oldest) keeps it, the others get their owner's name added.
    const byName = new Map<string, RootEntry[]>()
    for (const e of entries) {
      const key = e.node.name.toLowerCase()
      byName.set(key, [...(byName.get(key) ?? []), e])
    }
    const clashing = [...byName.values()].filter(list => list.length > 1).flatMap(list => list.slice(1))
    if (clashing.length > 0) {
      const owners = await this.ctx.users.byIds(clashing.map(e => e.entity.ownerId).filter((x): x is string => !!x))
      const taken = new Set(entries.map(e => e.display.toLowerCase()))
      for (const e of clashing) {
        const who = (e.entity.ownerId && owners.get(e.entity.ownerId)?.name) || 'shared'
        let display = `${e.node.name} (${who.replace(/[/\\]/g, '-')})`
        if (taken.has(display.toLowerCase())) display = `${e.node.name} (${who.replace(/[/\\]/g, '-')}, ${e.entity.id.slice(0, 8)})`
        taken.add(display.toLowerCase())
        e.display = display
      }
    }
    return entries
  }

  /** A page of a folder's children the viewer may read, folders first, by name (keyset after `after`). */
  async children(c: RequestContext, folderId: string, limit: number, after?: { isFolder: boolean; name: string; id: string }): Promise<Array<{ entity: EntityRecord; node: NodeRow }>> {
    const readable = this.ctx.access.readableWhere(c.viewer, c.site, 'e', 2)
    const params: unknown[] = [folderId, ...readable.params]
    let keyset = ''
    if (after) {
      params.push(after.isFolder, after.name.toLowerCase(), after.id)
      const [f, n, i] = [params.length - 2, params.length - 1, params.length]
      keyset = `AND (n.is_folder < $${f} OR (n.is_folder = $${f} AND (lower(n.name), n.entity_id) > ($${n}, $${i}::uuid)))`
    }
    params.push(limit)
    const rows: Array<Record<string, unknown>> = await this.ctx.db.query(
      `SELECT ${JOINED_COLUMNS} FROM files_node n JOIN entity e ON e.id = n.entity_id
        WHERE n.parent_id = $1 AND n.deleted_at IS NULL AND ${readable.sql} ${keyset}
        ORDER BY n.is_folder DESC, lower(n.name), n.entity_id LIMIT $${params.length}`,
      params,
    )
    return rows.map(fromJoinedRow)
  }

  /** Resolves decoded path segments to a readable node, the root, or a missing name (with its folder if any). */
  async resolve(c: RequestContext, segments: string[], roots?: RootEntry[]): Promise<Resolved> {
    if (segments.length === 0) return { kind: 'root', segments: [] }
    const list = roots ?? (await this.roots(c))
    const first = list.find(r => r.display.toLowerCase() === segments[0]!.toLowerCase())
    if (!first) return { kind: 'missing', parent: segments.length === 1 ? { kind: 'root', segments: [] } : undefined, name: segments[0]!, segments }
    let current: DavNode = { kind: 'node', entity: first.entity, node: first.node, segments: [first.display] }
    for (let i = 1; i < segments.length; i++) {
      const name = segments[i]!
      const last = i === segments.length - 1
      if (!current.node.is_folder) return { kind: 'missing', parent: undefined, name, segments }
      const node = await this.store.child(current.entity.id, name)
      const entity = node ? await this.ctx.access.find(c.site, node.entity_id) : undefined
      if (!node || !entity || !this.ctx.access.canRead(c.viewer, entity, c.site)) {
        return { kind: 'missing', parent: last ? current : undefined, name, segments }
      }
      current = { kind: 'node', entity, node, segments: [...current.segments, node.name] }
    }
    return current
  }
}
