// News articles: their own fields, the editor role, and the list by publication time.
import { cursorColumn, cursorTime, decodeCursor, ENTITY_SQL, excerpt, htmlToText, sanitizeHtml, toPage, type EntityRecord, type Page, type PluginContext, type Site, type Viewer } from '@plein/core'

/** What an editor writes (the API's body, and the page form's fields once read). */
export interface ArticleInput {
  title: string
  lead?: string
  body: string
  imageUrl?: string | null
  featured?: boolean
  categories?: string[]
  /** undefined: now (on create) or unchanged (on update); null: a draft. */
  publishAt?: string | null
  access?: { read?: string[]; write?: string[] }
}

/** Categories are compared trimmed and in lower case, once each. */
export const normalizeCategories = (list?: string[]): string[] => [...new Set((list ?? []).map(s => s.trim().toLowerCase()).filter(Boolean))]

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

  /** Writes an article (the caller checked the viewer is an editor). */
  async create(site: Site, viewer: Viewer, input: ArticleInput): Promise<EntityRecord> {
    const prepared = this.prepare(input)
    const { entity } = await this.ctx.content.create(
      {
        site,
        viewer,
        kind: 'news',
        title: input.title.trim(),
        access: input.access,
        publishedAt: input.publishAt === undefined ? this.ctx.clock.now() : input.publishAt === null ? null : new Date(input.publishAt),
      },
      async (m, e) => {
        await m.query('INSERT INTO news_article (entity_id, lead, body, image_url, featured, categories) VALUES ($1, $2, $3, $4, $5, $6)', [
          e.id,
          prepared.lead,
          prepared.body,
          input.imageUrl ?? null,
          input.featured ?? false,
          normalizeCategories(input.categories),
        ])
      },
    )
    return entity
  }

  /** Changes what is given of an article (the caller checked the viewer is an editor and may read it). */
  async update(site: Site, viewer: Viewer, entity: EntityRecord, input: Partial<ArticleInput>): Promise<EntityRecord> {
    const current = (await this.fields([entity.id])).get(entity.id)!
    const prepared = input.body !== undefined || input.lead !== undefined ? this.prepare({ body: input.body ?? current.body, lead: input.lead }) : current
    const { entity: updated } = await this.ctx.content.update(
      {
        site,
        viewer,
        entity,
        permitted: true,
        title: input.title?.trim(),
        access: input.access,
        publishedAt: input.publishAt === undefined ? undefined : input.publishAt === null ? null : new Date(input.publishAt),
      },
      async (m, e) => {
        await m.query('UPDATE news_article SET lead = $2, body = $3, image_url = $4, featured = $5, categories = $6 WHERE entity_id = $1', [
          e.id,
          prepared.lead,
          prepared.body,
          input.imageUrl === undefined ? current.imageUrl : input.imageUrl,
          input.featured ?? current.featured,
          input.categories ? normalizeCategories(input.categories) : current.categories,
        ])
      },
    )
    return updated
  }

  /**
   * Categories for the list's filter: those of the latest (at most 500) published articles the viewer may read,
   * so the query stays on the publication index however much news a site has.
   */
  async categories(viewer: Viewer, site: Site, limit = 50): Promise<string[]> {
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params = [...where.params, limit]
    const rows: Array<{ c: string }> = await this.ctx.db.query(
      `SELECT DISTINCT c FROM (
         SELECT a.categories FROM entity e JOIN news_article a ON a.entity_id = e.id
          WHERE ${where.sql} AND e.kind = 'news' AND e.published_at IS NOT NULL ORDER BY e.published_at DESC, e.id DESC LIMIT 500
       ) latest, unnest(latest.categories) AS c ORDER BY c LIMIT $${params.length}`,
      params,
    )
    return rows.map(r => r.c)
  }

  /** Drafts and scheduled articles the viewer may see (their writers, administrators), newest first. */
  async unpublished(viewer: Viewer, site: Site, limit = 20): Promise<EntityRecord[]> {
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params = [...where.params, this.ctx.clock.now(), limit]
    const rows = await this.ctx.db.query(
      `SELECT ${ENTITY_SQL.columns('e')} FROM entity e
        WHERE ${where.sql} AND e.kind = 'news' AND (e.published_at IS NULL OR e.published_at > $${params.length - 1}::timestamptz)
        ORDER BY e.created_at DESC, e.id DESC LIMIT $${params.length}`,
      params,
    )
    return rows.map(ENTITY_SQL.fromRow)
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
