// @plein/plugin-blog: blog posts with drafts, tags, excerpts, comments and an Atom feed.
import { definePlugin, htmlToText } from '@plein/core'
import { searchHooks } from '@plein/plugin-search/api'
import { commentsHooks } from '@plein/plugin-comments/api'
import { blogHooks } from './api.js'
import { BlogCreatePost1764500000100 } from './migrations/BlogCreatePost1764500000100.js'
import { feedRoutes } from './routes/feed.js'
import { blogPages } from './pages.js'
import { postRoutes } from './routes/posts.js'
import { BlogService } from './service.js'
import { blogSeeder } from './seed.js'
import { blogSettings } from './settings.js'

export { blogHooks, type BlogPost } from './api.js'

export const blogPlugin = definePlugin({
  id: 'blog',
  url: import.meta.url,
  dependencies: { comments: '^1.0.0' },
  optionalDependencies: { search: '^1.0.0' },
  settings: blogSettings,
  migrations: [BlogCreatePost1764500000100],
  hooks: blogHooks,
  seed: blogSeeder,
  register(ctx) {
    const blog = new BlogService(ctx)
    ctx.content.kind({
      kind: 'blog',
      url: e => `/blogs/${e.id}`,
      load: entities => blog.fields(entities.map(e => e.id)),
    })
    ctx.hooks.of(commentsHooks).commentable.tap(kinds => [...kinds, 'blog'])
    ctx.hooks.of(searchHooks).document.tap(async (document, entity) => {
      if (entity.kind !== 'blog') return document
      const post = (await blog.fields([entity.id])).get(entity.id)
      return post ? { ...document, body: `${document.body} ${htmlToText(post.body)} ${post.tags.join(' ')}`.trim() } : document
    })
    postRoutes(ctx, blog)
    feedRoutes(ctx, blog)
    blogPages(ctx, blog)
  },
})

export default blogPlugin
