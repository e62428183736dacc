// Wiki pages: the plugin's tables next to the shared entity row, every query limited by the access model.
import { ENTITY_SQL, HttpProblem, problems, sanitizeHtml, type Database, type EntityManager, type EntityRecord, type Page, type PluginContext, type Site, type Viewer } from '@plein/core'
import { wikiLinkTargets } from './api.js'
import { decodeKey, encodeKey } from '@plein/core'
import { isNumberKey, isTextKey } from './cursor.js'

export interface PageFields {
  body: string
  /** null at the top, and when the viewer may not read the parent: a child never reveals a hidden parent. */
  parentId: string | null
  revision: number
}

export interface RevisionRow {
  rev: number
  authorId: string | null
  title: string
  summary: string
  restoredFrom: number | null
  createdAt: Date
  body?: string
}

export interface ListFilter {
  limit: number
  cursor?: string
  parentId?: string
  containerId?: string
  /** Pages at the top of the tree as the viewer sees it: no parent, or a parent the viewer may not read. */
  topLevel?: boolean
}

type Runner = Pick<Database, 'query'> | EntityManager

export interface EditInput {
  site: Site
  viewer: Viewer
  entity: EntityRecord
  title?: string
  /** Sanitized already. */
  body?: string
  access?: { read?: string[]; write?: string[] }
  /** undefined: stays; null: to the top; an id: under that page (readable by the viewer, checked by the caller). */
  parentId?: string | null
  summary: string
  /** The If-Match header, when the client sent one. */
  ifMatch?: string
  restoredFrom?: number
  maxDepth: number
}

const conflict = (detail: string, code: string) => problems.conflict(detail, { code })

/** An If-Match header: `*`, or revision numbers as entity tags (`"3"`, as the ETag gave them) or bare (`3`). */
export function parseIfMatch(header: string): { any: boolean; revisions: number[] } {
  const value = header.trim()
  if (value === '*') return { any: true, revisions: [] }
  const revisions = value
    .split(',')
    .map(t => t.trim())
    .map(t => /^"(\d{1,9})"$/.exec(t)?.[1] ?? /^(\d{1,9})$/.exec(t)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number)
  return { any: false, revisions }
}

export const preconditionFailed = (current: number) =>
  new HttpProblem({
    status: 412,
    detail: `The page has changed: its current revision is ${current}. Load it again and redo your change.`,
    code: 'WIKI_REVISION_CONFLICT',
    extra: { revision: current },
  })

export class WikiService {
  constructor(private readonly ctx: PluginContext) {}

  private get db(): Database {
    return this.ctx.db
  }

  prepare(body: string): string {
    return sanitizeHtml(body)
  }

  /** The kind's own fields of many pages, as this viewer sees them, in one query. */
  async fields(entities: readonly EntityRecord[], viewer: Viewer, site: Site): Promise<Map<string, PageFields>> {
    if (entities.length === 0) return new Map()
    const where = this.ctx.access.readableWhere(viewer, site, 'pe', 1)
    const params = [...where.params, entities.map(e => e.id)]
    const rows: Array<{ entity_id: string; body: string; revision: number; parent_id: string | null; parent_visible: boolean }> = await this.db.query(
      `SELECT p.entity_id, p.body, p.revision, p.parent_id, (pe.id IS NOT NULL) AS parent_visible
         FROM wiki_page p LEFT JOIN entity pe ON pe.id = p.parent_id AND pe.kind = 'wiki' AND ${where.sql}
        WHERE p.entity_id = ANY($${params.length}::uuid[])`,
      params,
    )
    return new Map(rows.map(r => [r.entity_id, { body: r.body, revision: r.revision, parentId: r.parent_visible ? r.parent_id : null }]))
  }

  /** Stored fields regardless of the viewer (for writers' checks). */
  async stored(id: string, m: Runner = this.db, lock = false): Promise<{ body: string; parentId: string | null; revision: number } | undefined> {
    const rows = (await m.query(`SELECT body, parent_id, revision FROM wiki_page WHERE entity_id = $1${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ])) as Array<{ body: string; parent_id: string | null; revision: number }>
    const r = rows[0]
    return r ? { body: r.body, parentId: r.parent_id, revision: r.revision } : undefined
  }

  /** Pages the viewer may read, by title, in one query (the kernel's readable predicate plus the wiki's filters). */
  async list(viewer: Viewer, site: Site, filter: ListFilter): Promise<Page<EntityRecord>> {
    const cursor = decodeKey(filter.cursor, isTextKey)
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params: unknown[] = [...where.params]
    const clauses = [where.sql, `e.kind = 'wiki'`]
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value)
      clauses.push(sql(params.length))
    }
    if (filter.parentId) {
      // The children of a page the viewer cannot read are not listed under it (they show at the top instead).
      const parent = this.ctx.access.readableWhere(viewer, site, 'pe', params.length + 1)
      params.push(...parent.params)
      add(n => `p.parent_id = $${n} AND EXISTS (SELECT 1 FROM entity pe WHERE pe.id = p.parent_id AND pe.kind = 'wiki' AND ${parent.sql})`, filter.parentId)
    }
    if (filter.topLevel) {
      const parent = this.ctx.access.readableWhere(viewer, site, 'pe', params.length + 1)
      params.push(...parent.params)
      clauses.push(`(p.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM entity pe WHERE pe.id = p.parent_id AND ${parent.sql}))`)
    }
    if (filter.containerId) add(n => `e.container_id = $${n}`, filter.containerId)
    if (cursor) {
      params.push(cursor[0], cursor[1])
      clauses.push(`(lower(e.title), e.id) > ($${params.length - 1}, $${params.length}::uuid)`)
    }
    params.push(filter.limit + 1)
    const rows: Array<Parameters<typeof ENTITY_SQL.fromRow>[0]> = await this.db.query(
      `SELECT ${ENTITY_SQL.columns('e')} FROM entity e JOIN wiki_page p ON p.entity_id = e.id
        WHERE ${clauses.join(' AND ')} ORDER BY lower(e.title), e.id LIMIT $${params.length}`,
      params,
    )
    const more = rows.length > filter.limit
    const shown = (more ? rows.slice(0, filter.limit) : rows).map(ENTITY_SQL.fromRow)
    const last = shown[shown.length - 1]
    return { items: shown, nextCursor: more && last ? encodeKey([last.title.toLowerCase(), last.id]) : null }
  }

  /**
   * The page's ancestors the viewer may read, from the top down to the parent. The chain stops below the
   * first ancestor the viewer may not read: nothing above a hidden page is shown, not even that it exists.
   */
  async ancestors(viewer: Viewer, site: Site, id: string): Promise<EntityRecord[]> {
    const rows: Array<Parameters<typeof ENTITY_SQL.fromRow>[0] & { depth: number }> = await this.db.query(
      `WITH RECURSIVE up (id, depth) AS (
         SELECT parent_id, 1 FROM wiki_page WHERE entity_id = $1 AND parent_id IS NOT NULL
         UNION ALL
         SELECT p.parent_id, up.depth + 1 FROM up JOIN wiki_page p ON p.entity_id = up.id WHERE p.parent_id IS NOT NULL AND up.depth < 100
       )
       SELECT ${ENTITY_SQL.columns('e')}, up.depth FROM up JOIN entity e ON e.id = up.id AND e.site_id = $2 ORDER BY up.depth`,
      [id, site.id],
    )
    const chain: EntityRecord[] = []
    for (const row of rows) {
      const entity = ENTITY_SQL.fromRow(row)
      if (!this.ctx.access.canRead(viewer, entity, site)) break
      chain.push(entity)
    }
    return chain.reverse()
  }

  /** Ids of the page and all its ancestors (regardless of access), nearest first. */
  async lineage(id: string, m: Runner = this.db): Promise<string[]> {
    const rows = (await m.query(
      `WITH RECURSIVE up (id, depth) AS (
         SELECT $1::uuid, 0
         UNION ALL
         SELECT p.parent_id, up.depth + 1 FROM up JOIN wiki_page p ON p.entity_id = up.id WHERE p.parent_id IS NOT NULL AND up.depth < 1000
       )
       SELECT id FROM up ORDER BY depth`,
      [id],
    )) as Array<{ id: string }>
    return rows.map(r => r.id)
  }

  /** How many levels the subtree under a page has (1: the page alone). */
  async height(id: string, m: Runner = this.db): Promise<number> {
    const rows = (await m.query(
      `WITH RECURSIVE down (id, depth) AS (
         SELECT $1::uuid, 1
         UNION ALL
         SELECT p.entity_id, down.depth + 1 FROM down JOIN wiki_page p ON p.parent_id = down.id WHERE down.depth < 1000
       )
       SELECT max(depth)::int AS h FROM down`,
      [id],
    )) as Array<{ h: number }>
    return rows[0]?.h ?? 1
  }

  /** Readable pages that link to this one, by title (at most `limit`). */
  async backlinks(viewer: Viewer, site: Site, id: string, limit = 100): Promise<EntityRecord[]> {
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params = [...where.params, id, limit]
    const rows: Array<Parameters<typeof ENTITY_SQL.fromRow>[0]> = await this.db.query(
      `SELECT ${ENTITY_SQL.columns('e')} FROM wiki_link l JOIN entity e ON e.id = l.from_id
        WHERE l.to_id = $${params.length - 1} AND e.kind = 'wiki' AND e.id <> l.to_id AND ${where.sql}
        ORDER BY lower(e.title), e.id LIMIT $${params.length}`,
      params,
    )
    return rows.map(ENTITY_SQL.fromRow)
  }

  /** The pages this one links to, with their current titles; a page the viewer cannot read (or that is gone) has none. */
  async links(viewer: Viewer, site: Site, id: string): Promise<Array<{ id: string; title: string | null; url: string | null }>> {
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params = [...where.params, id]
    const rows: Array<{ to_id: string; title: string | null; visible: boolean }> = await this.db.query(
      `SELECT l.to_id, e.title, (e.id IS NOT NULL) AS visible FROM wiki_link l
         LEFT JOIN entity e ON e.id = l.to_id AND e.kind = 'wiki' AND ${where.sql}
        WHERE l.from_id = $${params.length} ORDER BY l.to_id LIMIT 1000`,
      params,
    )
    return rows.map(r => ({ id: r.to_id, title: r.visible ? r.title : null, url: r.visible ? `/wiki/${r.to_id}` : null }))
  }

  /** Replaces the page's outgoing links with those in its body. */
  async saveLinks(m: EntityManager, id: string, body: string): Promise<void> {
    await m.query('DELETE FROM wiki_link WHERE from_id = $1', [id])
    const targets = wikiLinkTargets(body).filter(t => t !== id)
    if (targets.length > 0) {
      await m.query('INSERT INTO wiki_link (from_id, to_id) SELECT $1, t FROM unnest($2::uuid[]) AS t ON CONFLICT DO NOTHING', [id, targets])
    }
  }

  /**
   * Every change of a page is a new revision, in the same transaction as the entity row: title, body, place in
   * the tree, links. If-Match is checked against the locked row, so two editors never both win.
   */
  async edit(input: EditInput): Promise<EntityRecord> {
    const { site, viewer, entity } = input
    const { entity: updated } = await this.ctx.content.update(
      { site, viewer, entity, title: input.title, access: input.access },
      async (m, e) => {
        const current = await this.stored(e.id, m, true)
        if (!current) throw problems.notFound('Not found.', { code: 'NOT_FOUND' })
        if (input.ifMatch !== undefined) {
          const wanted = parseIfMatch(input.ifMatch)
          if (!wanted.any && !wanted.revisions.includes(current.revision)) throw preconditionFailed(current.revision)
        }
        let parentId = current.parentId
        if (input.parentId !== undefined && input.parentId !== current.parentId) {
          parentId = input.parentId
          if (parentId !== null) await this.checkMove(m, site, e.id, parentId, input.maxDepth)
        }
        const body = input.body ?? current.body
        const revision = current.revision + 1
        await m.query('UPDATE wiki_page SET body = $2, parent_id = $3, revision = $4 WHERE entity_id = $1', [e.id, body, parentId, revision])
        await this.addRevision(m, { id: e.id, rev: revision, authorId: viewer.user?.id ?? null, title: e.title, body, summary: input.summary, restoredFrom: input.restoredFrom })
        if (body !== current.body) await this.saveLinks(m, e.id, body)
      },
    )
    return updated
  }

  /** A move under `parentId`: never under the page itself or a descendant (409), never deeper than maxDepth. */
  private async checkMove(m: EntityManager, site: Site, id: string, parentId: string, maxDepth: number): Promise<void> {
    // One move at a time per site: two crossing moves (A under B, B under A) cannot both pass the check.
    await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`wiki-tree:${site.id}`])
    const exists: unknown[] = await m.query('SELECT 1 FROM wiki_page WHERE entity_id = $1 FOR KEY SHARE', [parentId])
    if (exists.length === 0) throw unknownParent()
    const lineage = await this.lineage(parentId, m)
    if (lineage.includes(id)) {
      throw conflict('A page cannot move under itself or one of its own subpages.', 'WIKI_MOVE_CYCLE')
    }
    if (lineage.length + (await this.height(id, m)) > maxDepth) {
      throw conflict(`The page tree may be at most ${maxDepth} levels deep here.`, 'WIKI_TOO_DEEP')
    }
  }

  async addRevision(
    m: EntityManager,
    input: { id: string; rev: number; authorId: string | null; title: string; body: string; summary: string; restoredFrom?: number | null },
  ): Promise<void> {
    await m.query(
      'INSERT INTO wiki_revision (entity_id, rev, author_id, title, body, summary, restored_from) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [input.id, input.rev, input.authorId, input.title, input.body, input.summary, input.restoredFrom ?? null],
    )
  }

  /** Newest first. */
  async revisions(id: string, options: { limit: number; cursor?: string }): Promise<Page<RevisionRow>> {
    const cursor = decodeKey(options.cursor, isNumberKey)
    const params: unknown[] = [id]
    let before = ''
    if (cursor) {
      params.push(cursor[0])
      before = `AND rev < $${params.length}`
    }
    params.push(options.limit + 1)
    const rows: any[] = await this.db.query(
      `SELECT rev, author_id, title, summary, restored_from, created_at FROM wiki_revision
        WHERE entity_id = $1 ${before} ORDER BY rev DESC LIMIT $${params.length}`,
      params,
    )
    const more = rows.length > options.limit
    const shown = (more ? rows.slice(0, options.limit) : rows).map(toRevision)
    const last = shown[shown.length - 1]
    return { items: shown, nextCursor: more && last ? encodeKey([last.rev]) : null }
  }

  async revision(id: string, rev: number): Promise<RevisionRow | undefined> {
    const rows: any[] = await this.db.query(
      'SELECT rev, author_id, title, body, summary, restored_from, created_at FROM wiki_revision WHERE entity_id = $1 AND rev = $2',
      [id, rev],
    )
    return rows[0] ? { ...toRevision(rows[0]), body: rows[0].body } : undefined
  }
}

/** parentId names no page the viewer can read (or one that is gone): the same answer either way. */
export const unknownParent = () =>
  new HttpProblem({
    status: 400,
    detail: 'parentId does not name a wiki page you can read on this site.',
    code: 'WIKI_PARENT_UNKNOWN',
    errors: [{ in: 'body', location: { pointer: '/parentId' }, detail: 'is not a wiki page you can read here', code: 'parent' }],
  })

const toRevision = (r: any): RevisionRow => ({
  rev: r.rev,
  authorId: r.author_id,
  title: r.title,
  summary: r.summary,
  restoredFrom: r.restored_from,
  createdAt: r.created_at,
})
