// @plein/plugin-news: intranet news with scheduled publishing, editors, categories, a feed and a dashboard widget.
import { ANONYMOUS, definePlugin, htmlToText } from '@plein/core'
import { commentsHooks } from '@plein/plugin-comments/api'
import { intranetHooks } from '@plein/plugin-intranet/api'
import { searchHooks } from '@plein/plugin-search/api'
import { Feed } from 'feed'
import { newsServiceRef } from './api.js'
import { NewsCreate1765200000000 } from './migrations/NewsCreate1765200000000.js'
import { articleRoutes } from './routes/articles.js'
import { newsPages } from './pages.js'
import { NewsStore } from './service.js'
import { newsSeeder } from './seed.js'

export { newsServiceRef, type NewsService } from './api.js'

const escapeXmlText = (s: string) => s.replace(/[<>&]/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!)

export const newsPlugin = definePlugin({
  id: 'news',
  url: import.meta.url,
  optionalDependencies: { comments: '^1.0.0', search: '^1.0.0', intranet: '^1.0.0' },
  seed: newsSeeder,
  settings: {
    type: 'object',
    additionalProperties: false,
    properties: {
      feedSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      timeZone: { type: 'string', maxLength: 64, default: 'Europe/Amsterdam', description: 'The time zone of publication dates on the editors’ form (IANA name).' },
    },
  },
  migrations: [NewsCreate1765200000000],
  register(ctx) {
    const store = new NewsStore(ctx)
    ctx.provide(newsServiceRef, () => ({
      isEditor: async (site, accountId) => (await ctx.db.query('SELECT 1 FROM news_editor WHERE site_id = $1 AND account_id = $2', [site.id, accountId])).length > 0,
    }))
    ctx.content.kind({ kind: 'news', url: e => `/news/${e.id}`, load: entities => store.fields(entities.map(e => e.id)) })
    ctx.hooks.of(commentsHooks).commentable.tap(kinds => [...kinds, 'news'])
    ctx.hooks.of(searchHooks).document.tap(async (doc, entity) => {
      if (entity.kind !== 'news') return doc
      const a = (await store.fields([entity.id])).get(entity.id)
      return a ? { ...doc, body: `${doc.body} ${a.lead} ${htmlToText(a.body)} ${a.categories.join(' ')}`.trim() } : doc
    })
    ctx.hooks.of(intranetHooks).widgets.tap(widgets => [
      ...widgets,
      {
        type: 'news.latest',
        title: { nl: 'Laatste nieuws', en: 'Latest news' },
        config: { type: 'object', properties: { count: { type: 'integer', minimum: 1, maximum: 20, default: 5 }, featuredOnly: { type: 'boolean', default: false } } },
        load: async (site, viewer, config) => {
          const page = await store.list(viewer, site, { limit: Number(config.count ?? 5), featured: config.featuredOnly ? true : undefined })
          return { items: await ctx.content.serialize(page.items, viewer, site) }
        },
      },
    ])
    articleRoutes(ctx, store)
    ctx.routes(router =>
      router.get('news.feed', '/news/feed.xml', { hidden: true }, async c => {
        const origin = c.site.publicUrl?.replace(/\/$/, '') ?? `${c.protocol}://${c.host}`
        const page = await store.list(ANONYMOUS, c.site, { limit: ctx.settings<{ feedSize: number }>(c.site).feedSize })
        const fields = await store.fields(page.items.map(e => e.id))
        const feed = new Feed({ title: `${c.site.name} — nieuws`, id: `${origin}/news`, link: `${origin}/news`, language: 'nl', copyright: c.site.name, updated: page.items[0]?.publishedAt ?? new Date(0), feedLinks: { atom: `${origin}/news/feed.xml` } })
        for (const e of page.items) {
          const a = fields.get(e.id)!
          feed.addItem({ title: escapeXmlText(e.title), id: `${origin}/news/${e.id}`, link: `${origin}/news/${e.id}`, description: escapeXmlText(a.lead), content: a.body, date: e.updatedAt, published: e.publishedAt ?? e.createdAt, category: a.categories.map(name => ({ name })) })
        }
        c.type = 'application/atom+xml; charset=utf-8'
        c.body = feed.atom1()
      }),
    )
    // After the feed: /news/:id would otherwise take /news/feed.xml for an article id.
    newsPages(ctx, store)
  },
})

export default newsPlugin
