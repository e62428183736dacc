// Wiki pages: the plugin's tables next to the shared entity row, every query limited by the access model.
import { ENTITY_SQL, HttpProblem, problems, sanitizeHtml, type Database, type EntityManager, type EntityRecord, type Page, type PluginContext, type Site, type Viewer } from '@plein/core'
import { wikiLinkTargets } from './api.js'
import { decodeKey, encodeKey } from '@plein/core'
import { isNumberKey, isTextKey } from './cursor.js'
import { diffLines, diffStats, htmlToLines, type DiffHunk } from './diff.js'

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

/** A page in the tree the web shows, with its readable subpages by title. */
export interface TreeNode {
  entity: EntityRecord
  children: TreeNode[]
}

/** A new page, as the API and the page form give it. */
export interface CreateInput {
  title: string
  /** HTML; sanitized here. */
  body: string
  parentId?: string
  containerId?: string
  access?: { read?: string[]; write?: string[] }
  summary?: string
}

/** What changed between two revisions of a page. */
export interface RevisionDiff {
  from: RevisionRow
  to: RevisionRow
  hunks: DiffHunk[]
  inserted: number
  deleted: number
}

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
   * A tree of pages for the web: the readable top-level pages of the site (container null) or of one group, one
   * page of them at a time by title, with all their readable subpages, in two queries. A subpage whose parent the
   * viewer may not read shows at the top, as in the API's list with topLevel. At most `maxNodes` subpages.
   */
  async tree(viewer: Viewer, site: Site, options: { containerId: string | null; limit: number; cursor?: string; maxNodes?: number }): Promise<{ roots: TreeNode[]; nextCursor: string | null; truncated: boolean }> {
    const cursor = decodeKey(options.cursor, isTextKey)
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params: unknown[] = [...where.params]
    const parentReadable = this.ctx.access.readableWhere(viewer, site, 'pe', params.length + 1)
    params.push(...parentReadable.params)
    const clauses = [where.sql, `e.kind = 'wiki'`, `(p.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM entity pe WHERE pe.id = p.parent_id AND ${parentReadable.sql}))`]
    if (options.containerId === null) clauses.push('e.container_id IS NULL')
    else {
      params.push(options.containerId)
      clauses.push(`e.container_id = $${params.length}`)
    }
    if (cursor) {
      params.push(cursor[0], cursor[1])
      clauses.push(`(lower(e.title), e.id) > ($${params.length - 1}, $${params.length}::uuid)`)
    }
    params.push(options.limit + 1)
    const top: Array<Parameters<typeof ENTITY_SQL.fromRow>[0]> = await this.db.query(
      `SELECT ${ENTITY_SQL.columns('e')} FROM entity e JOIN wiki_page p ON p.entity_id = e.id
        WHERE ${clauses.join(' AND ')} ORDER BY lower(e.title), e.id LIMIT $${params.length}`,
      params,
    )
    const more = top.length > options.limit
    const roots = (more ? top.slice(0, options.limit) : top).map(ENTITY_SQL.fromRow)
    const last = roots[roots.length - 1]
    const maxNodes = options.maxNodes ?? 1000
    // The subpages: down from the roots through readable pages only (a hidden page cuts its branch here).
    const below = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const downParams = [...below.params, roots.map(r => r.id), maxNodes + 1]
    const rows: Array<Parameters<typeof ENTITY_SQL.fromRow>[0] & { parent_id: string }> = roots.length === 0 ? [] : await this.db.query(
      `WITH RECURSIVE down (id, parent_id, depth) AS (
         SELECT p.entity_id, p.parent_id, 1 FROM wiki_page p JOIN entity e ON e.id = p.entity_id
          WHERE p.parent_id = ANY($${downParams.length - 1}::uuid[]) AND e.kind = 'wiki' AND ${below.sql}
         UNION ALL
         SELECT p.entity_id, p.parent_id, down.depth + 1 FROM down JOIN wiki_page p ON p.parent_id = down.id JOIN entity e ON e.id = p.entity_id
          WHERE e.kind = 'wiki' AND ${below.sql} AND down.depth < 50
       )
       SELECT ${ENTITY_SQL.columns('e')}, down.parent_id FROM down JOIN entity e ON e.id = down.id
        ORDER BY lower(e.title), e.id LIMIT $${downParams.length}`,
      downParams,
    )
    const truncated = rows.length > maxNodes
    const nodes = new Map<string, TreeNode>(roots.map(e => [e.id, { entity: e, children: [] }]))
    const kept = truncated ? rows.slice(0, maxNodes) : rows
    for (const row of kept) {
      const entity = ENTITY_SQL.fromRow(row)
      nodes.set(entity.id, { entity, children: [] })
    }
    // Rows come by title, so every list of children is by title too.
    for (const row of kept) nodes.get(row.parent_id)?.children.push(nodes.get(row.id)!)
    return { roots: roots.map(r => nodes.get(r.id)!), nextCursor: more && last ? encodeKey([last.title.toLowerCase(), last.id]) : null, truncated }
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

  /** The page a new page or a move names as parent: readable, else a 400 (whether it is hidden, gone or on another site). */
  async readableParent(viewer: Viewer, site: Site, id: string): Promise<EntityRecord> {
    const found = await this.ctx.access.find(site, id)
    if (!found || found.kind !== 'wiki' || !this.ctx.access.canRead(viewer, found, site)) throw unknownParent()
    return found
  }

  /**
   * Writes a page (revision 1). Under a parent, the page joins the parent's group and, without its own access,
   * takes the parent's lists; at the top, the group's or the site's default access applies.
   */
  async create(site: Site, viewer: Viewer, input: CreateInput, maxDepth: number): Promise<EntityRecord> {
    let containerId = input.containerId ?? null
    let inherited: { read: string[]; write: string[] } | undefined
    let parent: EntityRecord | undefined
    if (input.parentId) {
      parent = await this.readableParent(viewer, site, input.parentId)
      if (input.containerId !== undefined && input.containerId !== parent.containerId) {
        throw new HttpProblem({
          status: 400,
          detail: 'A subpage lives where its parent lives: leave containerId out, or give the parent’s.',
          code: 'WIKI_CONTAINER_MISMATCH',
          errors: [{ in: 'body', location: { pointer: '/containerId' }, detail: 'is not the parent page’s container', code: 'container' }],
        })
      }
      containerId = parent.containerId
      if ((await this.lineage(parent.id)).length + 1 > maxDepth) {
        throw problems.conflict(`The page tree may be at most ${maxDepth} levels deep here.`, { code: 'WIKI_TOO_DEEP' })
      }
      if (!input.access) inherited = { read: parent.readAccess, write: parent.writeAccess }
    }
    const pageTitle = input.title.trim()
    const html = this.prepare(input.body)
    const userId = viewer.user!.id
    const { entity } = await this.ctx.content.create(
      {
        site,
        viewer,
        kind: 'wiki',
        title: pageTitle,
        containerId,
        access: inherited ? undefined : input.access,
        // The parent's lists were granted by those who could; copying them widens nothing.
        systemAccess: inherited,
      },
      async (m, e) => {
        if (parent) {
          const still: unknown[] = await m.query('SELECT 1 FROM wiki_page WHERE entity_id = $1 FOR KEY SHARE', [parent.id])
          if (still.length === 0) throw unknownParent()
        }
        await m.query('INSERT INTO wiki_page (entity_id, parent_id, body, revision) VALUES ($1, $2, $3, 1)', [e.id, parent?.id ?? null, html])
        await this.addRevision(m, { id: e.id, rev: 1, authorId: userId, title: pageTitle, body: html, summary: input.summary ?? '' })
        await this.saveLinks(m, e.id, html)
      },
    )
    return entity
  }

  /** A line diff between two revisions: without `to` the current one, without `from` the one before `to` (404 for others). */
  async diff(id: string, options: { from?: number; to?: number }): Promise<RevisionDiff> {
    const current = (await this.stored(id))!.revision
    const to = options.to ?? current
    const from = options.from ?? Math.max(1, to - 1)
    const [a, b] = [await this.revision(id, from), await this.revision(id, to)]
    if (!a || !b) {
      throw new HttpProblem({ status: 404, detail: `This page has revisions 1 to ${current}.`, code: 'WIKI_REVISION_NOT_FOUND' })
    }
    const hunks = diffLines(htmlToLines(a.body!), htmlToLines(b.body!))
    return { from: a, to: b, hunks, ...diffStats(hunks) }
  }

  /** Brings back an earlier revision as a new one (the caller checked the viewer may write the page). */
  async restore(input: { site: Site; viewer: Viewer; entity: EntityRecord; rev: number; summary?: string; ifMatch?: string; maxDepth: number }): Promise<EntityRecord> {
    const old = await this.revision(input.entity.id, input.rev)
    if (!old) throw problems.notFound('This page has no such revision.', { code: 'WIKI_REVISION_NOT_FOUND' })
    return this.edit({
      site: input.site,
      viewer: input.viewer,
      entity: input.entity,
      title: old.title,
      body: old.body!,
      summary: input.summary ?? `Restored revision ${old.rev}`,
      ifMatch: input.ifMatch,
      restoredFrom: old.rev,
      maxDepth: input.maxDepth,
    })
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
