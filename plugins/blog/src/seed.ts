// `plein seed` for blogs: posts as the create route writes them (sanitized body, excerpt, tags; drafts for
// private items), indexed for search and handed to the comments seeder.
import { excerpt, htmlToText, type PluginSeeder } from '@plein/core'
import { commentsSeederRef } from '@plein/plugin-comments/api'
import { searchSeederRef } from '@plein/plugin-search/api'
import { blogSettings } from './settings.js'

const TAGS = ['beleid', 'participatie', 'klimaat', 'wonen', 'digitaal', 'zorg', 'onderwijs', 'veiligheid', 'energie', 'mobiliteit', 'privacy', 'open-data']
const COLUMNS = { entity_id: 'uuid', body: 'text', excerpt: 'text', tags: 'text[]', status: 'text' }

export const blogSeeder: PluginSeeder = {
  items: 5,
  async run(seed) {
    const search = seed.use(searchSeederRef)
    const comments = seed.use(commentsSeederRef)
    const length = blogSettings.properties.excerptLength.default
    await seed.contentItems(
      'blog',
      seed.items,
      (_placement, rng) => {
        const body = rng.html(5)
        const tags = rng.distinct(TAGS.length, rng.int(4)).map(i => TAGS[i]!)
        const plain = htmlToText(body)
        // `text` is the search document's body, exactly as the blog's search.document tap makes it.
        return { title: rng.title(), body, text: `${plain} ${tags.join(' ')}`.trim(), excerpt: excerpt(plain, length), tags }
      },
      async (m, batch) => {
        const rows = batch.map(b => [b.entity.id, b.made.body, b.made.excerpt, b.made.tags, b.entity.publishedAt ? 'published' : 'draft'])
        await seed.insert('blog_post', COLUMNS, rows, { manager: m })
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
