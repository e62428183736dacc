// GET /blogs/feed.xml: an Atom feed of the site's public, published posts.
import { ANONYMOUS, escapeHtml, type PluginContext } from '@plein/core'
import { Feed } from 'feed'
import type { BlogService } from '../service.js'
import type { BlogSettings } from '../settings.js'

export function feedRoutes(ctx: PluginContext, blog: BlogService): void {
  ctx.routes(router => {
    router.get('blog.feed', '/blogs/feed.xml', { hidden: true }, async c => {
      const origin = c.site.publicUrl?.replace(/\/$/, '') ?? `${c.protocol}://${c.host}`
      // Exactly what an anonymous visitor may read: public and published.
      const page = await blog.list(ANONYMOUS, c.site, { limit: ctx.settings<BlogSettings>(c.site).feedSize })
      const fields = await blog.fields(page.items.map(e => e.id))
      const owners = await ctx.users.byIds(page.items.map(e => e.ownerId).filter((x): x is string => x !== null))
      const feed = new Feed({
        title: `${c.site.name} — blog`,
        id: `${origin}/blogs`,
        link: `${origin}/blogs`,
        language: 'nl',
        copyright: c.site.name,
        updated: page.items[0]?.updatedAt ?? new Date(0),
        feedLinks: { atom: `${origin}/blogs/feed.xml` },
      })
      for (const e of page.items) {
        const f = fields.get(e.id)!
        const owner = e.ownerId ? owners.get(e.ownerId) : undefined
        feed.addItem({
          // The feed declares title and summary as type="html": plain text must be escaped, or a title such as
          // "<script>" (or a text with "]]>", which ends the CDATA section) becomes markup in a feed reader.
          title: escapeHtml(e.title),
          id: `${origin}/blogs/${e.id}`,
          link: `${origin}/blogs/${e.id}`,
          description: escapeHtml(f.excerpt),
          content: f.body,
          date: e.updatedAt,
          published: e.publishedAt ?? e.createdAt,
          author: owner ? [{ name: owner.name }] : undefined,
          category: f.tags.map(name => ({ name })),
        })
      }
      c.type = 'application/atom+xml; charset=utf-8'
      c.set('Cache-Control', 'public, max-age=60')
      c.body = feed.atom1()
    })
  })
}
