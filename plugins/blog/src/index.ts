// @plein/plugin-blog: blog posts with drafts, tags, excerpts, comments and an Atom feed.
import { definePlugin } from '@plein/core'
import { commentsHooks } from '@plein/plugin-comments/api'
import { blogHooks } from './api.js'
import { BlogCreatePost1764500000100 } from './migrations/BlogCreatePost1764500000100.js'
import { feedRoutes } from './routes/feed.js'
import { postRoutes } from './routes/posts.js'
import { BlogService } from './service.js'
import { blogSettings } from './settings.js'

export { blogHooks, type BlogPost } from './api.js'

export const blogPlugin = definePlugin({
  id: 'blog',
  url: import.meta.url,
  dependencies: { comments: '^1.0.0' },
  settings: blogSettings,
  migrations: [BlogCreatePost1764500000100],
  hooks: blogHooks,
  register(ctx) {
    const blog = new BlogService(ctx)
    ctx.content.kind({
      kind: 'blog',
      url: e => `/blogs/${e.id}`,
      load: entities => blog.fields(entities.map(e => e.id)),
    })
    ctx.hooks.of(commentsHooks).commentable.tap(kinds => [...kinds, 'blog'])
    postRoutes(ctx, blog)
    feedRoutes(ctx, blog)
  },
})

export default blogPlugin
