// `plein seed` for the wiki: pages as the create route writes them (page row at revision 1 plus that
// revision), a third of them under an earlier page of the same site, container and batch; indexed and commentable.
import { htmlToText, SEED_BATCH_SIZE, type PluginSeeder } from '@plein/core'
import { commentsSeederRef } from '@plein/plugin-comments/api'
import { searchSeederRef } from '@plein/plugin-search/api'

export const wikiSeeder: PluginSeeder = {
  items: 3,
  async run(seed) {
    const search = seed.use(searchSeederRef)
    const comments = seed.use(commentsSeederRef)
    // The last page written per site and container: the parent of the next one that gets a parent.
    const lastPage = new Map<string, string>()
    await seed.contentItems(
      'wiki',
      seed.items,
      (placement, rng, index) => {
        const body = rng.html(6)
        // Within the batch: batches are written two at a time, so a parent in the batch before might not be there yet.
        const where = `${Math.floor(index / SEED_BATCH_SIZE)}|${placement.site.id}|${placement.container?.id ?? ''}|${placement.access}`
        const parent = rng.next() < 0.33 ? (lastPage.get(where) ?? null) : null
        lastPage.set(where, seed.id('wiki', index))
        return { title: rng.title(), body, text: htmlToText(body), parent }
      },
      async (m, batch) => {
        await seed.insert('wiki_page', { entity_id: 'uuid', parent_id: 'uuid', body: 'text', revision: 'integer' }, batch.map(b => [b.entity.id, b.made.parent, b.made.body, 1]), { manager: m })
        await seed.insert(
          'wiki_revision',
          { entity_id: 'uuid', rev: 'integer', author_id: 'uuid', title: 'text', body: 'text', summary: 'text', created_at: 'timestamptz' },
          batch.map(b => [b.entity.id, 1, b.entity.ownerId, b.entity.title, b.made.body, '', b.entity.createdAt]),
          { manager: m },
        )
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
