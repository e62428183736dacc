// /api/v1/news: list (by publication, scheduled items only from their time), create/update/delete by editors.
import { accessSchema, itemSchema, pageOf, pageQueryProperties, problems, type EntityRecord, type PluginContext, type RouteContext } from '@plein/core'
import type { ArticleInput, NewsStore } from '../service.js'

const uuid = { type: 'string', format: 'uuid' }
const fields = {
  title: { type: 'string', minLength: 1, maxLength: 300, pattern: '\\S' },
  lead: { type: 'string', maxLength: 2000 },
  body: { type: 'string', maxLength: 500000 },
  imageUrl: { type: ['string', 'null'], maxLength: 2000, pattern: '^(https://|/)' },
  featured: { type: 'boolean' },
  categories: { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 50 } },
  publishAt: { type: ['string', 'null'], format: 'date-time', description: 'Visible from this time on (null: a draft).' },
  access: accessSchema,
}

export const articleSchema = {
  ...itemSchema,
  properties: { ...itemSchema.properties, lead: { type: 'string' }, body: { type: 'string' }, imageUrl: { type: ['string', 'null'] }, featured: { type: 'boolean' }, categories: { type: 'array', items: { type: 'string' } }, commentCount: { type: 'integer' } },
}


export function articleRoutes(ctx: PluginContext, store: NewsStore): void {
  const editor = async (c: RouteContext) => {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (!(await store.isEditor(c.site, c.viewer))) throw problems.forbidden('Only news editors write news.', { code: 'NOT_EDITOR' })
  }
  const one = async (c: RouteContext, e: EntityRecord) => (await ctx.content.serialize([e], c.viewer, c.site))[0]

  ctx.routes(router => {
    // The editor role: administrators name editors. Registered before /api/v1/news/:id, which would otherwise
    // take GET /api/v1/news/editors for an article id (a 400).
    router.get('news.editors.list', '/api/v1/news/editors', { summary: 'News editors of this site (administrators).', auth: true, responses: { 200: { description: 'Editors.' } } }, async c => {
      if (!c.viewer.isAdmin) throw problems.forbidden('Only administrators manage editors.', { code: 'NOT_ADMIN' })
      const rows = await ctx.db.query('SELECT account_id FROM news_editor WHERE site_id = $1 ORDER BY created_at LIMIT 1000', [c.site.id])
      const people = await ctx.users.byIds(rows.map((r: any) => r.account_id))
      return { items: [...people.values()].map(p => ctx.users.json(p, c.viewer)) }
    })
    router.put<unknown, unknown, { userId: string }>('news.editors.add', '/api/v1/news/editors/:userId', { summary: 'Make someone a news editor (administrators).', auth: true, params: { type: 'object', properties: { userId: uuid } }, responses: { 204: { description: 'Editor.' } } }, async c => {
      if (!c.viewer.isAdmin) throw problems.forbidden('Only administrators manage editors.', { code: 'NOT_ADMIN' })
      if (!(await ctx.users.byIds([c.input.params.userId])).has(c.input.params.userId)) throw problems.notFound('No such user.', { code: 'USER_NOT_FOUND' })
      await ctx.db.query('INSERT INTO news_editor (site_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [c.site.id, c.input.params.userId])
      c.status = 204
    })
    router.delete<unknown, unknown, { userId: string }>('news.editors.remove', '/api/v1/news/editors/:userId', { summary: 'Take the editor role away (administrators).', auth: true, params: { type: 'object', properties: { userId: uuid } }, responses: { 204: { description: 'Not an editor.' } } }, async c => {
      if (!c.viewer.isAdmin) throw problems.forbidden('Only administrators manage editors.', { code: 'NOT_ADMIN' })
      await ctx.db.query('DELETE FROM news_editor WHERE site_id = $1 AND account_id = $2', [c.site.id, c.input.params.userId])
      c.status = 204
    })

    router.get<unknown, { limit: number; cursor?: string; category?: string; featured?: boolean }>(
      'news.list',
      '/api/v1/news',
      {
        summary: 'News you may read, newest publication first; scheduled articles appear at their time.',
        query: { type: 'object', properties: { ...pageQueryProperties, category: { type: 'string', maxLength: 50 }, featured: { type: 'boolean' } } },
        responses: { 200: { description: 'A page of articles.', schema: pageOf(articleSchema) } },
      },
      async c => {
        const page = await store.list(c.viewer, c.site, c.input.query)
        return { items: await ctx.content.serialize(page.items, c.viewer, c.site), nextCursor: page.nextCursor }
      },
    )

    router.post<ArticleInput>(
      'news.create',
      '/api/v1/news',
      { summary: 'Write an article (news editors).', auth: true, body: { type: 'object', required: ['title', 'body'], properties: fields }, responses: { 201: { description: 'The article.', schema: articleSchema }, 403: { description: 'Not a news editor.' } } },
      async c => {
        await editor(c)
        const entity = await store.create(c.site, c.viewer, c.input.body)
        c.status = 201
        return one(c, entity)
      },
    )

    router.get<unknown, unknown, { id: string }>('news.get', '/api/v1/news/:id', { summary: 'One article.', params: { type: 'object', properties: { id: uuid } }, responses: { 200: { description: 'The article.', schema: articleSchema } } }, async c =>
      one(c, await ctx.access.get(c.viewer, c.site, c.input.params.id, 'news')),
    )

    router.patch<Partial<ArticleInput>, unknown, { id: string }>(
      'news.update',
      '/api/v1/news/:id',
      { summary: 'Change an article (news editors).', auth: true, params: { type: 'object', properties: { id: uuid } }, body: { type: 'object', minProperties: 1, properties: fields }, responses: { 200: { description: 'The article.', schema: articleSchema }, 403: { description: 'Not a news editor.' } } },
      async c => {
        await editor(c)
        const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'news')
        const updated = await store.update(c.site, c.viewer, entity, c.input.body)
        return one(c, updated)
      },
    )

    router.delete<unknown, unknown, { id: string }>('news.delete', '/api/v1/news/:id', { summary: 'Delete an article (news editors).', auth: true, params: { type: 'object', properties: { id: uuid } }, responses: { 204: { description: 'Deleted.' } } }, async c => {
      await editor(c)
      const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'news')
      await ctx.content.delete({ site: c.site, viewer: c.viewer, entity, permitted: true })
      c.status = 204
    })

  })
}
