// Blog pages: the list, a post with its comments, and the form to write one (no JavaScript needed).
import { HttpProblem, intlLocale, problems, type ItemJson, type PluginContext, type RouteContext, type View } from '@plein/core'
import { commentsServiceRef } from '@plein/plugin-comments/api'
import { blogHooks } from './api.js'
import type { BlogService } from './service.js'
import type { BlogSettings } from './settings.js'

const messages = {
  nl: { 'blog.nav': 'Blogs', 'blog.list.title': 'Blogs', 'blog.new': 'Schrijf een blog', 'blog.none': 'Nog geen blogs.', 'blog.title': 'Titel', 'blog.body': 'Tekst', 'blog.tags': 'Labels (met komma’s)', 'blog.publish': 'Publiceren', 'blog.draft': 'Concept', 'blog.by': 'door {name}', 'blog.title.missing': 'Geef je blog een titel.', 'blog.body.missing': 'Schrijf de tekst van je blog.', 'blog.in': 'In de groep “{name}”: alleen leden van de groep zien dit blog.' },
  en: { 'blog.nav': 'Blogs', 'blog.list.title': 'Blogs', 'blog.new': 'Write a blog post', 'blog.none': 'No blog posts yet.', 'blog.title': 'Title', 'blog.body': 'Text', 'blog.tags': 'Tags (comma separated)', 'blog.publish': 'Publish', 'blog.draft': 'Draft', 'blog.by': 'by {name}', 'blog.title.missing': 'Give your post a title.', 'blog.body.missing': 'Write the text of your post.', 'blog.in': 'In the group “{name}”: only members of the group see this post.' },
}

const List: View<{ items: ItemJson[]; next: string | null }> = ({ ui, items, next }) => (
  <>
    {ui.viewer.user ? (
      <p>
        <a class="utrecht-button-link utrecht-button-link--primary-action" href="/blogs/new">
          {ui.t('blog.new')}
        </a>
      </p>
    ) : null}
    {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('blog.none')}</p> : null}
    <ul class="plein-items">
      {items.map(p => (
        <li>
          <h2 class="utrecht-heading-3">
            <a class="utrecht-link" href={p.url}>
              {p.title}
            </a>
          </h2>
          <p class="plein-meta">
            {p.owner ? ui.t('blog.by', { name: p.owner.name ?? '' }) : ''} · {new Date(p.createdAt).toLocaleDateString(intlLocale(ui.locale))}
            {p.status === 'draft' ? ` · ${ui.t('blog.draft')}` : ''}
          </p>
          <p class="utrecht-paragraph">{String(p.excerpt ?? '')}</p>
        </li>
      ))}
    </ul>
    {next ? (
      <a class="utrecht-link" href={`/blogs?cursor=${encodeURIComponent(next)}`}>
        {ui.t('home.more')}
      </a>
    ) : null}
  </>
)

const Post: View<{ post: ItemJson; thread: Record<string, unknown> | null }> = ({ ui, post, thread }) => (
  <article class="utrecht-article">
    <p class="plein-meta">
      {post.owner ? ui.t('blog.by', { name: post.owner.name ?? '' }) : ''} · {new Date(post.createdAt).toLocaleDateString(intlLocale(ui.locale))}
    </p>
    {/* Sanitized with the allowlist when it was written. */}
    <div dangerouslySetInnerHTML={{ __html: String(post.body ?? '') }} />
    {thread ? ui.view('comments.thread', thread) : null}
  </article>
)

interface FormProps {
  values?: Record<string, string>
  errors?: Record<string, string>
  /** The group (or other container) the post goes into, when written from its page. */
  container?: { id: string; title: string }
  message?: { kind: 'error'; text: string }
}

const Form: View<FormProps> = ({ ui, values = {}, errors = {}, container, message }) => (
  <form class="plein-form" method="post" action="/blogs/new" novalidate>
    {ui.view('kernel.formErrors', { errors, message })}
    <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
    {container ? (
      <>
        <input type="hidden" name="containerId" value={container.id} />
        <p class="utrecht-paragraph">{ui.t('blog.in', { name: container.title })}</p>
      </>
    ) : null}
    {ui.view('kernel.field', { name: 'title', label: ui.t('blog.title'), value: values.title, error: errors.title, required: true })}
    {ui.view('kernel.field', { name: 'body', label: ui.t('blog.body'), type: 'textarea', value: values.body, error: errors.body, required: true })}
    {ui.view('kernel.field', { name: 'tags', label: ui.t('blog.tags'), value: values.tags })}
    {ui.view('kernel.submit', { label: ui.t('blog.publish') })}
  </form>
)

const esc = (s: string) => s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

export function blogPages(ctx: PluginContext, blog: BlogService): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('blog.list', List)
  ctx.views.define('blog.post', Post)
  ctx.views.define('blog.form', Form)
  const hooks = ctx.hooks.of(blogHooks)
  const uuid = { type: 'string', format: 'uuid' }
  /** The group a post is written in: only one the viewer can read (else 404). */
  const containerOf = async (c: RouteContext, id: string | undefined) => {
    if (!id) return undefined
    const entity = await ctx.access.get(c.viewer, c.site, id)
    return { id: entity.id, title: entity.title }
  }
  ctx.hooks.kernel.navigation.tap((items, _site, _viewer, locale) => [...items, { label: messages[locale === 'en' ? 'en' : 'nl']['blog.nav'], href: '/blogs' }])

  ctx.routes(router => {
    router.get<unknown, { cursor?: string }>('blog.page.list', '/blogs', { hidden: true, query: { type: 'object', properties: { cursor: { type: 'string', maxLength: 200 } } } }, async c => {
      const page = await blog.list(c.viewer, c.site, { limit: 20, cursor: c.input.query.cursor })
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'blog.list.title'), view: 'blog.list', props: { items: await ctx.content.serialize(page.items, c.viewer, c.site), next: page.nextCursor } })
    })

    // `?group=<id>`: written from a group's page, the post goes into that group (readable by its members).
    router.get<unknown, { group?: string }>('blog.page.new', '/blogs/new', { hidden: true, query: { type: 'object', properties: { group: uuid } } }, async c => {
      const group = c.input.query.group
      if (!c.viewer.user) return c.redirect(`/auth/sign-in?next=${encodeURIComponent(group ? `/blogs/new?group=${group}` : '/blogs/new')}`)
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'blog.new'), view: 'blog.form', props: { container: await containerOf(c, group) } })
    })

    router.post<{ title?: string; body?: string; tags?: string; containerId?: string }>(
      'blog.page.create',
      '/blogs/new',
      { hidden: true, form: { type: 'object', properties: { title: { type: 'string', maxLength: 300 }, body: { type: 'string', maxLength: 500000 }, tags: { type: 'string', maxLength: 1000 }, containerId: uuid } } },
      async c => {
        if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
        const values = { title: c.input.body.title ?? '', body: c.input.body.body ?? '', tags: c.input.body.tags ?? '' }
        const container = await containerOf(c, c.input.body.containerId)
        const form = (status: number, props: Partial<FormProps>) => ctx.views.page(c, { title: ctx.i18n.t(c, 'blog.new'), view: 'blog.form', status, props: { values, container, ...props } })
        const errors: Record<string, string> = {}
        if (!values.title.trim()) errors.title = ctx.i18n.t(c, 'blog.title.missing')
        if (!values.body.trim()) errors.body = ctx.i18n.t(c, 'blog.body.missing')
        if (Object.keys(errors).length) return form(400, { errors })
        const html = values.body.trim().split(/\n{2,}/).map(p => `<p>${esc(p).replace(/\n/g, '<br>')}</p>`).join('')
        const prepared = blog.prepare({ body: html }, ctx.settings<BlogSettings>(c.site).excerptLength)
        // The same rules as POST /api/v1/blogs: the group decides who may post and who reads; a veto stops publishing.
        let created
        try {
          created = await ctx.content.create({ site: c.site, viewer: c.viewer, kind: 'blog', title: values.title.trim(), containerId: container?.id ?? null }, async (m, e) => {
            const veto = await hooks.beforePublish.call(c.site, e, c.viewer, c.site)
            if (veto) throw problems.forbidden(veto.reason, { code: 'PUBLISH_VETOED' })
            await m.query(`INSERT INTO blog_post (entity_id, body, excerpt, tags, status) VALUES ($1, $2, $3, $4, 'published')`, [
              e.id,
              prepared.body,
              prepared.excerpt,
              [...new Set(values.tags.split(',').map(t => t.trim().toLowerCase()).filter(Boolean))].slice(0, 20),
            ])
          })
        } catch (error) {
          if (!(error instanceof HttpProblem) || error.status >= 500) throw error
          return form(error.status, { message: { kind: 'error', text: error.detail } })
        }
        await hooks.published.call(c.site, created.entity, c.site)
        c.redirect(`/blogs/${created.entity.id}`)
      },
    )

    router.get<unknown, unknown, { id: string }>('blog.page.post', '/blogs/:id', { hidden: true, params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } } }, async c => {
      const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'blog')
      const [post] = await ctx.content.serialize([entity], c.viewer, c.site)
      const comments = ctx.services.find(commentsServiceRef)
      let thread: Record<string, unknown> | null = null
      if (comments && c.site.isEnabled('comments')) {
        const page = await comments.list(c.site, entity, 100)
        const authors = await ctx.users.byIds(page.items.map(x => x.authorId).filter((x): x is string => x !== null))
        thread = { entityId: entity.id, back: `/blogs/${entity.id}`, comments: page.items.map(x => ({ ...x, authorName: x.authorId ? (authors.get(x.authorId)?.name ?? null) : null })) }
      }
      await ctx.views.page(c, { title: entity.title, view: 'blog.post', props: { post, thread } })
    })
  })
}
