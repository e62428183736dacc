// News articles: their own fields, the editor role, and the list by publication time.
import { cursorColumn, cursorTime, decodeCursor, ENTITY_SQL, excerpt, htmlToText, sanitizeHtml, toPage, type EntityRecord, type Page, type PluginContext, type Site, type Viewer } from '@plein/core'

export interface ArticleFields {
  lead: string
  body: string
  imageUrl: string | null
  featured: boolean
  categories: string[]
}

export class NewsStore {
  constructor(private readonly ctx: PluginContext) {}

  prepare(input: { lead?: string; body: string }): { lead: string; body: string } {
    const body = sanitizeHtml(input.body)
    return { body, lead: input.lead?.trim() || excerpt(htmlToText(body), 280) }
  }

  async fields(ids: string[]): Promise<Map<string, ArticleFields>> {
    if (ids.length === 0) return new Map()
    const rows = await this.ctx.db.query('SELECT * FROM news_article WHERE entity_id = ANY($1::uuid[])', [ids])
    return new Map(rows.map((r: any) => [r.entity_id, { lead: r.lead, body: r.body, imageUrl: r.image_url, featured: r.featured, categories: r.categories }]))
  }

  async isEditor(site: Site, viewer: Viewer): Promise<boolean> {
    if (!viewer.user) return false
    if (viewer.isAdmin) return true
    const rows = await this.ctx.db.query('SELECT 1 FROM news_editor WHERE site_id = $1 AND account_id = $2', [site.id, viewer.user.id])
    return rows.length > 0
  }

  /** Articles the viewer may read, newest publication first (scheduled ones appear at their time). */
  async list(viewer: Viewer, site: Site, f: { limit: number; cursor?: string; category?: string; featured?: boolean }): Promise<Page<EntityRecord>> {
    const cursor = decodeCursor(f.cursor)
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params: unknown[] = [...where.params]
    const clauses = [where.sql, `e.kind = 'news'`, 'e.published_at IS NOT NULL']
    const add = (sql: (n: number) => string, v: unknown) => {
      params.push(v)
      clauses.push(sql(params.length))
    }
    if (f.category) add(n => `a.categories @> ARRAY[$${n}::text]`, f.category)
    if (f.featured !== undefined) add(n => `a.featured = $${n}`, f.featured)
    if (cursor) {
      params.push(cursor.micros, cursor.id)
      clauses.push(`(e.published_at, e.id) < (${cursorTime(`$${params.length - 1}`)}, $${params.length}::uuid)`)
    }
    params.push(f.limit + 1)
    const rows = await this.ctx.db.query(
      `SELECT ${ENTITY_SQL.columns('e')}, ${cursorColumn('e', 'published_at')} AS pub_us FROM entity e JOIN news_article a ON a.entity_id = e.id
        WHERE ${clauses.join(' AND ')} ORDER BY e.published_at DESC, e.id DESC LIMIT $${params.length}`,
      params,
    )
    return toPage(
      rows.map((r: any) => ({ ...r, cursor_us: r.pub_us })),
      f.limit,
      ENTITY_SQL.fromRow,
    )
  }
}
