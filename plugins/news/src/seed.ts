// `plein seed` for news: articles as NewsStore.create writes them (sanitized body, lead, categories; some
// featured), indexed for search and handed to the comments seeder when those plugins run.
import { excerpt, htmlToText, type PluginSeeder } from '@plein/core'
import { commentsSeederRef } from '@plein/plugin-comments/api'
import { searchSeederRef } from '@plein/plugin-search/api'

const CATEGORIES = ['organisatie', 'personeel', 'ict', 'huisvesting', 'bestuur', 'projecten', 'evenementen']
const COLUMNS = { entity_id: 'uuid', lead: 'text', body: 'text', featured: 'boolean', categories: 'text[]' }

export const newsSeeder: PluginSeeder = {
  items: 2,
  async run(seed) {
    const search = seed.use(searchSeederRef)
    const comments = seed.use(commentsSeederRef)
    await seed.contentItems(
      'news',
      seed.items,
      (_placement, rng) => {
        const body = rng.html(4)
        const plain = htmlToText(body)
        const lead = excerpt(plain, 280)
        const categories = rng.distinct(CATEGORIES.length, rng.int(3)).map(i => CATEGORIES[i]!)
        // `text` is the search document's body, exactly as the news plugin's search.document tap makes it.
        return { title: rng.title(), body, text: `${lead} ${plain} ${categories.join(' ')}`.trim(), lead, featured: rng.next() < 0.05, categories }
      },
      async (m, batch) => {
        await seed.insert('news_article', COLUMNS, batch.map(b => [b.entity.id, b.made.lead, b.made.body, b.made.featured, b.made.categories]), { manager: m })
      },
      async batch => {
        await search?.index(batch.map(b => ({ id: b.entity.id, title: b.entity.title, body: b.made.text })))
        await comments?.add(
          batch
            .filter(b => b.entity.publishedAt !== null)
            .map(b => ({ id: b.entity.id, siteId: b.entity.siteId, createdAt: b.entity.createdAt, commenters: b.placement.container?.members ?? b.placement.site.members })),
        )
      },
    )
  },
}
