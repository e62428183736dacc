// Blog posts: the plugin's own table next to the shared entity row.
import { cursorTime, decodeCursor, ENTITY_SQL, excerpt, htmlToText, sanitizeHtml, toPage, type Database, type EntityRecord, type Page, type PluginContext, type Site, type Viewer } from '@plein/core'

export interface PostFields {
  body: string
  excerpt: string
  tags: string[]
  status: 'draft' | 'published'
}

export interface ListFilter {
  limit: number
  cursor?: string
  tag?: string
  containerId?: string
  ownerId?: string
}

export const normalizeTags = (tags: string[]) => [...new Set(tags.map(t => t.trim().toLowerCase()).filter(Boolean))]

export class BlogService {
  constructor(private readonly ctx: PluginContext) {}

  private get db(): Database {
    return this.ctx.db
  }

  prepare(input: { body: string; excerpt?: string }, excerptLength: number): { body: string; excerpt: string } {
    const body = sanitizeHtml(input.body)
    return { body, excerpt: input.excerpt?.trim() || excerpt(htmlToText(body), excerptLength) }
  }

  async fields(ids: string[]): Promise<Map<string, PostFields>> {
    if (ids.length === 0) return new Map()
    const rows: Array<PostFields & { entity_id: string }> = await this.db.query(
      'SELECT entity_id, body, excerpt, tags, status FROM blog_post WHERE entity_id = ANY($1::uuid[])',
      [ids],
    )
    return new Map(rows.map(r => [r.entity_id, { body: r.body, excerpt: r.excerpt, tags: r.tags, status: r.status }]))
  }

  /** Posts the viewer may read, newest first, in one query (the kernel's readable predicate plus blog filters). */
  async list(viewer: Viewer, site: Site, filter: ListFilter): Promise<Page<EntityRecord>> {
    const cursor = decodeCursor(filter.cursor)
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params: unknown[] = [...where.params]
    const clauses = [where.sql, `e.kind = 'blog'`]
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value)
      clauses.push(sql(params.length))
    }
    if (filter.tag) add(n => `p.tags @> ARRAY[$${n}::text]`, filter.tag.trim().toLowerCase())
    if (filter.containerId) add(n => `e.container_id = $${n}`, filter.containerId)
    if (filter.ownerId) add(n => `e.owner_id = $${n}`, filter.ownerId)
    if (cursor) {
      params.push(cursor.micros, cursor.id)
      clauses.push(`(e.created_at, e.id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`)
    }
    params.push(filter.limit + 1)
    const rows = await this.db.query(
      `SELECT ${ENTITY_SQL.columns('e')} FROM entity e JOIN blog_post p ON p.entity_id = e.id
        WHERE ${clauses.join(' AND ')} ORDER BY e.created_at DESC, e.id DESC LIMIT $${params.length}`,
      params,
    )
    return toPage(rows, filter.limit, ENTITY_SQL.fromRow)
  }
}
