// @plein/plugin-comments: comments on any commentable item; one level of replies.
import { definePlugin, kernelSettings } from '@plein/core'
import { commentsHooks, commentsServiceRef } from './api.js'
import { commentPages } from './pages.js'
import { CommentsCreateComment1764500000000 } from './migrations/CommentsCreateComment1764500000000.js'
import { commentRoutes } from './routes/comments.js'
import { commentsSeeder } from './seed.js'
import { CommentsService } from './service.js'

export { commentsHooks, commentsServiceRef, commentsSeederRef, type Comment, type CommentsService, type CommentsSeeder, type CommentsSeedItem } from './api.js'

export const commentsPlugin = definePlugin({
  id: 'comments',
  url: import.meta.url,
  migrations: [CommentsCreateComment1764500000000],
  hooks: commentsHooks,
  seed: commentsSeeder,
  register(ctx) {
    const comments = new CommentsService(() => ctx.db)
    const hooks = ctx.hooks.of(commentsHooks)
    commentRoutes(ctx, comments)
    commentPages(ctx, comments)
    ctx.provide(commentsServiceRef, () => ({ list: (site, entity, limit, cursor) => comments.list(site, entity, limit, cursor) }))

    // Every commentable item carries its comment count: one query for a whole page of items.
    ctx.hooks.entity.serialize.tap(async (items, entities, _viewer, site) => {
      const kinds = new Set(await hooks.commentable.call(site, [], site))
      const ids = entities.filter(e => kinds.has(e.kind)).map(e => e.id)
      if (ids.length === 0) return items
      const counts = await comments.counts(site, ids)
      return items.map((item, i) => (kinds.has(entities[i]!.kind) ? { ...item, commentCount: counts.get(entities[i]!.id) ?? 0 } : item))
    })

    // A deleted account's comments follow the site's privacy setting: anonymised (default) or removed.
    ctx.hooks.identity.beforeAccountDelete.tap(async (account, m) => {
      const sites: Array<{ site_id: string }> = await m.query('SELECT DISTINCT site_id FROM comments_comment WHERE author_id = $1', [account.id])
      for (const { site_id } of sites) {
        const site = await ctx.siteById(site_id)
        if (site && kernelSettings(site).privacy.deletedUserContent === 'delete') {
          await m.query(
            `UPDATE comments_comment c SET removed = true, body = '', author_id = NULL WHERE c.author_id = $1 AND c.site_id = $2
               AND EXISTS (SELECT 1 FROM comments_comment r WHERE r.parent_id = c.id)`,
            [account.id, site_id],
          )
          await m.query('DELETE FROM comments_comment WHERE author_id = $1 AND site_id = $2', [account.id, site_id])
        }
      }
      return undefined
    })

    ctx.hooks.identity.exportAccount.tap(async (data, account) => ({
      ...data,
      comments: (await comments.byAuthor(account.id)).map(c => ({ id: c.id, siteId: c.siteId, itemId: c.entityId, parentId: c.parentId, body: c.body, createdAt: c.createdAt })),
    }))
  },
})

export default commentsPlugin
