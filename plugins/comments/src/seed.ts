// `plein seed` for comments: the seeders of commentable kinds hand over their items; each gets a skewed
// number of comments (average scale.commentsPerItem) by people who may read it, some of them replies.
import { SeedRandom, type PluginSeeder } from '@plein/core'
import { commentsSeederRef, type CommentsSeedItem } from './api.js'

const COLUMNS = { id: 'uuid', site_id: 'uuid', entity_id: 'uuid', parent_id: 'uuid', author_id: 'uuid', body: 'text', created_at: 'timestamptz', updated_at: 'timestamptz' }

export const commentsSeeder: PluginSeeder = {
  stage: 'services',
  async run(seed) {
    const mean = seed.scale.commentsPerItem
    seed.provide(commentsSeederRef, {
      async add(items: CommentsSeedItem[]) {
        if (mean <= 0) return
        const rows: unknown[][] = []
        for (const item of items) {
          // Per item, so the comments of an item do not depend on which others were seeded before it.
          const rng = new SeedRandom(seed.seed, `comments:${item.id}`)
          const count = Math.min(50, Math.floor(-Math.log(1 - rng.next()) * (mean + 0.5)))
          const ids: string[] = []
          let at = item.createdAt.getTime()
          for (let k = 0; k < count; k++) {
            const id = seed.id(item.id, k)
            at += 1000 + Math.floor(rng.next() * Math.max(1000, (seed.now.getTime() - at) / 4))
            if (at >= seed.now.getTime()) break
            const author = item.commenters.length > 0 ? rng.pick(item.commenters) : rng.int(seed.users.length)
            const parent = ids.length > 0 && rng.next() < 0.2 ? rng.pick(ids) : null
            const when = new Date(at)
            rows.push([id, item.siteId, item.id, parent, seed.users[author], `<p>${rng.title()} ${rng.words(5 + rng.int(30))}.</p>`, when, when])
            if (!parent) ids.push(id)
          }
        }
        await seed.insert('comments_comment', COLUMNS, rows)
      },
    })
  },
}
