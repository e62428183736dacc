// News pages: the list (featured first, categories, paging, the feed), an article with its comments, and the
// editors' form to write or change one (publication date, featured flag); no JavaScript needed.
import { escapeHtml, HttpProblem, intlLocale, problems, type EntityRecord, type ItemJson, type PluginContext, type RouteContext, type View } from '@plein/core'
import { commentsServiceRef } from '@plein/plugin-comments/api'
import type { NewsStore } from './service.js'

const messages = {
  nl: {
    'news.nav': 'Nieuws', 'news.title': 'Nieuws', 'news.none': 'Nog geen nieuws.', 'news.noneIn': 'Geen nieuws in de categorie “{category}”.', 'news.new': 'Nieuw artikel', 'news.edit': 'Artikel bewerken', 'news.editLink': 'Bewerken',
    'news.featured': 'Uitgelicht', 'news.latest': 'Laatste nieuws', 'news.more': 'Meer nieuws', 'news.feed': 'Nieuws als Atom-feed', 'news.feedTitle': '{site}: nieuws (Atom)',
    'news.filter': 'Filter op categorie', 'news.category': 'Categorie', 'news.allCategories': 'Alle categorieën', 'news.filterSubmit': 'Filteren', 'news.inCategory': 'Categorie: {category}',
    'news.categories': 'Categorieën', 'news.published': 'Gepubliceerd op {date}', 'news.scheduled': 'Gepland voor {date}', 'news.draft': 'Concept', 'news.unpublished': 'Concepten en gepland',
    'news.field.title': 'Titel', 'news.field.lead': 'Inleiding', 'news.field.lead.hint': 'Leeg: het begin van de tekst.', 'news.field.body': 'Tekst', 'news.field.body.hint': 'Alinea’s scheid je met een lege regel. HTML mag ook.',
    'news.field.image': 'Afbeelding (adres)', 'news.field.image.hint': 'Een adres dat begint met https:// of /.', 'news.field.categories': 'Categorieën (met komma’s)',
    'news.field.status': 'Publicatie', 'news.status.published': 'Gepubliceerd (nu, of de datum die het al had)', 'news.status.scheduled': 'Gepland op de datum hieronder', 'news.status.draft': 'Concept: nog niet zichtbaar',
    'news.field.publishAt': 'Publicatiedatum en -tijd', 'news.field.publishAt.hint': 'Voor een gepland artikel: vanaf wanneer het zichtbaar is (tijdzone {zone}).', 'news.field.featured': 'Uitlichten bovenaan de nieuwspagina',
    'news.save': 'Opslaan', 'news.title.missing': 'Geef het artikel een titel.', 'news.body.missing': 'Schrijf de tekst van het artikel.', 'news.image.invalid': 'Geef een adres dat begint met https:// of /.',
    'news.categories.invalid': 'Hoogstens 20 categorieën van elk hoogstens 50 tekens.', 'news.publishAt.missing': 'Kies de datum en tijd waarop het artikel verschijnt.',
  },
  en: {
    'news.nav': 'News', 'news.title': 'News', 'news.none': 'No news yet.', 'news.noneIn': 'No news in the category “{category}”.', 'news.new': 'New article', 'news.edit': 'Edit article', 'news.editLink': 'Edit',
    'news.featured': 'Featured', 'news.latest': 'Latest news', 'news.more': 'More news', 'news.feed': 'News as an Atom feed', 'news.feedTitle': '{site}: news (Atom)',
    'news.filter': 'Filter by category', 'news.category': 'Category', 'news.allCategories': 'All categories', 'news.filterSubmit': 'Filter', 'news.inCategory': 'Category: {category}',
    'news.categories': 'Categories', 'news.published': 'Published on {date}', 'news.scheduled': 'Scheduled for {date}', 'news.draft': 'Draft', 'news.unpublished': 'Drafts and scheduled',
    'news.field.title': 'Title', 'news.field.lead': 'Lead', 'news.field.lead.hint': 'Empty: the start of the text.', 'news.field.body': 'Text', 'news.field.body.hint': 'Separate paragraphs with an empty line. HTML works too.',
    'news.field.image': 'Image (address)', 'news.field.image.hint': 'An address starting with https:// or /.', 'news.field.categories': 'Categories (comma separated)',
    'news.field.status': 'Publication', 'news.status.published': 'Published (now, or on the date it already had)', 'news.status.scheduled': 'Scheduled for the date below', 'news.status.draft': 'Draft: not visible yet',
    'news.field.publishAt': 'Publication date and time', 'news.field.publishAt.hint': 'For a scheduled article: when it becomes visible (time zone {zone}).', 'news.field.featured': 'Feature at the top of the news page',
    'news.save': 'Save', 'news.title.missing': 'Give the article a title.', 'news.body.missing': 'Write the text of the article.', 'news.image.invalid': 'Give an address starting with https:// or /.',
    'news.categories.invalid': 'At most 20 categories of at most 50 characters each.', 'news.publishAt.missing': 'Choose the date and time the article appears.',
  },
}

export type ArticleJson = ItemJson & { lead: string; body: string; imageUrl: string | null; featured: boolean; categories: string[]; publishedAt: string | Date | null }

// ---- time: the form's date is wall-clock time in the site's news time zone -------------------------------------

const zoneOf = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return zone
  } catch {
    return 'Europe/Amsterdam'
  }
}

/** How far the zone's wall clock is ahead of UTC at this instant, in ms. */
function zoneOffset(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(instant))
  const get = (type: string) => Number(parts.find(p => p.type === type)!.value)
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(instant / 1000) * 1000
}

/** `YYYY-MM-DDTHH:MM` (an `<input type="datetime-local">`) in a zone → the instant; undefined when it is no date. */
export function fromLocalInput(value: string, zone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2})?$/.exec(value.trim())
  if (!m) return undefined
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number]
  const wall = Date.UTC(y, mo - 1, d, h, mi)
  const check = new Date(wall)
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return undefined
  const first = wall - zoneOffset(wall, zone)
  return new Date(wall - zoneOffset(first, zone))
}

/** The instant as `YYYY-MM-DDTHH:MM` wall-clock time in a zone. */
export function toLocalInput(date: Date, zone: string): string {
  const shifted = new Date(date.getTime() + zoneOffset(date.getTime(), zone))
  return shifted.toISOString().slice(0, 16)
}

const dateText = (ui: { locale: string }, value: string | Date, zone: string) =>
  new Date(value).toLocaleString(intlLocale(ui.locale), { timeZone: zone, dateStyle: 'long', timeStyle: 'short' })

// ---- views ----------------------------------------------------------------------------------------------------

interface ListProps {
  featured: ArticleJson[]
  items: ArticleJson[]
  unpublished: ArticleJson[]
  next: string | null
  category?: string
  categories: string[]
  editor: boolean
  zone: string
  /** The kernel clock's time (scheduled or published). */
  now: number
}

const Status: View<{ article: ArticleJson; zone: string; now: number }> = ({ ui, article, zone, now }) => {
  if (article.publishedAt === null) return <strong>{ui.t('news.draft')}</strong>
  const at = new Date(article.publishedAt)
  const key = at.getTime() > now ? 'news.scheduled' : 'news.published'
  return <time dateTime={at.toISOString()}>{ui.t(key, { date: dateText(ui, at, zone) })}</time>
}

const Teaser: View<{ article: ArticleJson; zone: string; now: number }> = ({ ui, article, zone, now }) => (
  <li>
    <h3 class="utrecht-heading-3">
      <a class="utrecht-link" href={article.url}>
        {article.title}
      </a>
    </h3>
    <p class="plein-meta">
      {ui.view('news.status', { article, zone, now })}
      {article.categories.length > 0 ? ` · ${article.categories.join(', ')}` : ''}
    </p>
    <p class="utrecht-paragraph">{article.lead}</p>
  </li>
)

const List: View<ListProps> = ({ ui, featured, items, unpublished, next, category, categories, editor, zone, now }) => (
  <>
    {editor ? (
      <p>
        <a class="utrecht-button-link utrecht-button-link--primary-action" href="/news/new">
          {ui.t('news.new')}
        </a>
      </p>
    ) : null}
    <form class="plein-form" method="get" action="/news" role="search" aria-label={ui.t('news.filter')}>
      <div class="utrecht-form-field">
        <label class="utrecht-form-label" for="news-category">
          {ui.t('news.category')}
        </label>
        <select class="utrecht-select" id="news-category" name="category">
          <option value="">{ui.t('news.allCategories')}</option>
          {[...new Set([...(category ? [category] : []), ...categories])].sort().map(c => (
            <option value={c} selected={c === category}>
              {c}
            </option>
          ))}
        </select>
      </div>
      {ui.view('kernel.submit', { label: ui.t('news.filterSubmit'), secondary: true })}
    </form>
    {category ? <p class="utrecht-paragraph">{ui.t('news.inCategory', { category })}</p> : null}
    {unpublished.length > 0 ? (
      <section aria-labelledby="news-unpublished">
        <h2 class="utrecht-heading-2" id="news-unpublished">
          {ui.t('news.unpublished')}
        </h2>
        <ul class="plein-items">
          {unpublished.map(a => ui.view('news.teaser', { article: a, zone, now }))}
        </ul>
      </section>
    ) : null}
    {featured.length > 0 ? (
      <section aria-labelledby="news-featured">
        <h2 class="utrecht-heading-2" id="news-featured">
          {ui.t('news.featured')}
        </h2>
        <ul class="plein-items">{featured.map(a => ui.view('news.teaser', { article: a, zone, now }))}</ul>
      </section>
    ) : null}
    <section aria-labelledby="news-latest">
      <h2 class="utrecht-heading-2" id="news-latest">
        {ui.t('news.latest')}
      </h2>
      {items.length === 0 && featured.length === 0 ? <p class="utrecht-paragraph">{category ? ui.t('news.noneIn', { category }) : ui.t('news.none')}</p> : null}
      <ul class="plein-items">{items.map(a => ui.view('news.teaser', { article: a, zone, now }))}</ul>
      {next ? (
        <p>
          <a class="utrecht-link" href={`/news?${new URLSearchParams({ ...(category ? { category } : {}), cursor: next }).toString()}`}>
            {ui.t('news.more')}
          </a>
        </p>
      ) : null}
    </section>
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/news/feed.xml" type="application/atom+xml">
        {ui.t('news.feed')}
      </a>
    </p>
  </>
)

const Article: View<{ article: ArticleJson; thread: Record<string, unknown> | null; editor: boolean; zone: string; now: number }> = ({ ui, article, thread, editor, zone, now }) => (
  <article class="utrecht-article">
    <p class="plein-meta">
      {ui.view('news.status', { article, zone, now })}
      {article.owner ? ` · ${article.owner.name ?? ''}` : ''}
      {article.featured ? ` · ${ui.t('news.featured')}` : ''}
    </p>
    {editor ? (
      <p>
        <a class="utrecht-button-link utrecht-button-link--secondary-action" href={`/news/${article.id}/edit`}>
          {ui.t('news.editLink')}
        </a>
      </p>
    ) : null}
    <p class="utrecht-paragraph utrecht-paragraph--lead">{article.lead}</p>
    {/* The article's title says what the picture is about; the API keeps no separate alternative text. */}
    {article.imageUrl ? <img class="utrecht-img" src={article.imageUrl} alt="" /> : null}
    {/* Sanitized with the allowlist when it was written. */}
    <div dangerouslySetInnerHTML={{ __html: article.body }} />
    {article.categories.length > 0 ? (
      <nav aria-label={ui.t('news.categories')}>
        <p class="plein-meta">
          {ui.t('news.categories')}:{' '}
          {article.categories.map((c, i) => (
            <>
              {i > 0 ? ', ' : ''}
              <a class="utrecht-link" href={`/news?category=${encodeURIComponent(c)}`}>
                {c}
              </a>
            </>
          ))}
        </p>
      </nav>
    ) : null}
    {thread ? ui.view('comments.thread', thread) : null}
  </article>
)

interface FormProps {
  action: string
  values?: Record<string, string>
  errors?: Record<string, string>
  message?: { kind: 'error'; text: string }
  zone: string
}

const Form: View<FormProps> = ({ ui, action, values = {}, errors = {}, message, zone }) => {
  const status = values.status ?? 'published'
  const radio = (value: string) => (
    <p>
      <input class="utrecht-radio-button" type="radio" id={`status-${value}`} name="status" value={value} checked={status === value} />{' '}
      <label class="utrecht-form-label" for={`status-${value}`}>
        {ui.t(`news.status.${value}`)}
      </label>
    </p>
  )
  return (
    <form class="plein-form" method="post" action={action} novalidate>
      {ui.view('kernel.formErrors', { errors, message })}
      <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
      {ui.view('kernel.field', { name: 'title', label: ui.t('news.field.title'), value: values.title, error: errors.title, required: true })}
      {ui.view('kernel.field', { name: 'lead', label: ui.t('news.field.lead'), type: 'textarea', hint: ui.t('news.field.lead.hint'), value: values.lead, error: errors.lead })}
      {ui.view('kernel.field', { name: 'body', label: ui.t('news.field.body'), type: 'textarea', hint: ui.t('news.field.body.hint'), value: values.body, error: errors.body, required: true })}
      {ui.view('kernel.field', { name: 'imageUrl', label: ui.t('news.field.image'), hint: ui.t('news.field.image.hint'), value: values.imageUrl, error: errors.imageUrl })}
      {ui.view('kernel.field', { name: 'categories', label: ui.t('news.field.categories'), value: values.categories, error: errors.categories })}
      <fieldset class="utrecht-form-fieldset">
        <legend class="utrecht-form-fieldset__legend">{ui.t('news.field.status')}</legend>
        {radio('published')}
        {radio('scheduled')}
        {radio('draft')}
      </fieldset>
      {ui.view('kernel.field', { name: 'publishAt', type: 'datetime-local', label: ui.t('news.field.publishAt'), hint: ui.t('news.field.publishAt.hint', { zone }), value: values.publishAt, error: errors.publishAt })}
      <p>
        <input class="utrecht-checkbox" type="checkbox" id="field-featured" name="featured" value="on" checked={values.featured === 'on'} />{' '}
        <label class="utrecht-form-label" for="field-featured">
          {ui.t('news.field.featured')}
        </label>
      </p>
      {ui.view('kernel.submit', { label: ui.t('news.save') })}
    </form>
  )
}

// ---- routes ---------------------------------------------------------------------------------------------------

/** Plain text (no tags) becomes paragraphs; HTML is kept (and sanitized by the store like the API's). */
const textToHtml = (text: string) =>
  /<[a-z][^>]*>/i.test(text)
    ? text
    : text
        .trim()
        .split(/\r?\n(?:\s*\r?\n)+/)
        .map(p => `<p>${escapeHtml(p.trim()).replace(/\r?\n/g, '<br>')}</p>`)
        .join('')

interface FormBody {
  title?: string
  lead?: string
  body?: string
  imageUrl?: string
  categories?: string
  status?: 'published' | 'scheduled' | 'draft'
  publishAt?: string
  featured?: string
}

const formSchema = {
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 300 },
    lead: { type: 'string', maxLength: 2000 },
    body: { type: 'string', maxLength: 200000 },
    imageUrl: { type: 'string', maxLength: 2000 },
    categories: { type: 'string', maxLength: 1100 },
    status: { enum: ['published', 'scheduled', 'draft'] },
    publishAt: { type: 'string', maxLength: 40 },
    featured: { enum: ['on'] },
  },
}

export function newsPages(ctx: PluginContext, store: NewsStore): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('news.list', List)
  ctx.views.define('news.teaser', Teaser)
  ctx.views.define('news.status', Status)
  ctx.views.define('news.article', Article)
  ctx.views.define('news.form', Form)
  ctx.hooks.kernel.navigation.tap((items, _site, _viewer, locale) => [...items, { label: messages[locale === 'en' ? 'en' : 'nl']['news.nav'], href: '/news' }])

  const zone = (c: RouteContext) => zoneOf(ctx.settings<{ timeZone?: string }>(c.site).timeZone ?? 'Europe/Amsterdam')
  const serialize = async (c: RouteContext, entities: EntityRecord[]) => (await ctx.content.serialize(entities, c.viewer, c.site)) as ArticleJson[]
  const feedLink = (c: RouteContext) => [{ type: 'application/atom+xml', href: '/news/feed.xml', title: ctx.i18n.t(c, 'news.feedTitle', { site: c.site.name }) }]
  const id = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }
  /** The form routes answer as the API does: 401 anonymous (a GET goes to sign in instead), 403 for non-editors. */
  const editorOnly = async (c: RouteContext, back: string): Promise<boolean> => {
    if (!c.viewer.user) {
      if (c.method !== 'GET') throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
      c.redirect(`/auth/sign-in?next=${encodeURIComponent(back)}`)
      return false
    }
    if (!(await store.isEditor(c.site, c.viewer))) throw problems.forbidden('Only news editors write news.', { code: 'NOT_EDITOR' })
    return true
  }
  const formValues = async (c: RouteContext, entity: EntityRecord): Promise<Record<string, string>> => {
    const a = (await store.fields([entity.id])).get(entity.id)!
    const at = entity.publishedAt
    return {
      title: entity.title,
      lead: a.lead,
      body: a.body,
      imageUrl: a.imageUrl ?? '',
      categories: a.categories.join(', '),
      status: at === null ? 'draft' : at.getTime() > ctx.clock.now().getTime() ? 'scheduled' : 'published',
      publishAt: at ? toLocalInput(at, zone(c)) : '',
      featured: a.featured ? 'on' : '',
    }
  }

  /** Reads and checks the form; the errors map is empty when the input can be saved. */
  const readForm = (c: RouteContext, body: FormBody, current: EntityRecord | undefined) => {
    const values: Record<string, string> = {
      title: body.title ?? '',
      lead: body.lead ?? '',
      body: body.body ?? '',
      imageUrl: (body.imageUrl ?? '').trim(),
      categories: body.categories ?? '',
      status: body.status ?? 'published',
      publishAt: body.publishAt ?? '',
      featured: body.featured ?? '',
    }
    const errors: Record<string, string> = {}
    const t = (key: string) => ctx.i18n.t(c, key)
    if (!values.title.trim()) errors.title = t('news.title.missing')
    if (!values.body.trim()) errors.body = t('news.body.missing')
    if (values.imageUrl && !/^(https:\/\/|\/)\S*$/.test(values.imageUrl)) errors.imageUrl = t('news.image.invalid')
    const categories = values.categories.split(',').map(s => s.trim()).filter(Boolean)
    if (categories.length > 20 || categories.some(s => s.length > 50)) errors.categories = t('news.categories.invalid')
    let publishAt: string | null | undefined
    if (values.status === 'draft') publishAt = null
    else if (values.status === 'scheduled') {
      const at = fromLocalInput(values.publishAt, zone(c))
      if (!at) errors.publishAt = t('news.publishAt.missing')
      else publishAt = at.toISOString()
    } else {
      // Published: a draft or a scheduled article appears now; one already out keeps its date.
      const at = current?.publishedAt
      publishAt = current && at && at.getTime() <= ctx.clock.now().getTime() ? undefined : ctx.clock.now().toISOString()
    }
    const input = {
      title: values.title,
      lead: values.lead,
      body: textToHtml(values.body),
      imageUrl: values.imageUrl || null,
      categories,
      featured: values.featured === 'on',
      publishAt,
    }
    return { values, errors, input }
  }

  ctx.routes(router => {
    router.get<unknown, { cursor?: string; category?: string }>(
      'news.page.list',
      '/news',
      { hidden: true, query: { type: 'object', properties: { cursor: { type: 'string', maxLength: 200 }, category: { type: 'string', maxLength: 50 } } } },
      async c => {
        const category = c.input.query.category?.trim().toLowerCase() || undefined
        const first = !c.input.query.cursor
        // Featured articles lead the first page; the list below does not repeat them there.
        const featured = first ? await store.list(c.viewer, c.site, { limit: 3, featured: true, category }) : { items: [] }
        const page = await store.list(c.viewer, c.site, { limit: 20, cursor: c.input.query.cursor, category })
        const shown = new Set(featured.items.map(e => e.id))
        const editor = await store.isEditor(c.site, c.viewer)
        const unpublished = editor && first && !category ? await store.unpublished(c.viewer, c.site) : []
        await ctx.views.page(c, {
          title: ctx.i18n.t(c, 'news.title'),
          view: 'news.list',
          alternates: feedLink(c),
          props: {
            featured: await serialize(c, featured.items),
            items: await serialize(c, page.items.filter(e => !shown.has(e.id))),
            unpublished: await serialize(c, unpublished),
            next: page.nextCursor,
            category,
            categories: await store.categories(c.viewer, c.site),
            editor,
            zone: zone(c),
            now: ctx.clock.now().getTime(),
          },
        })
      },
    )

    router.get('news.page.new', '/news/new', { hidden: true }, async c => {
      if (!(await editorOnly(c, '/news/new'))) return
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'news.new'), view: 'news.form', props: { action: '/news/new', zone: zone(c) } })
    })

    router.post<FormBody>('news.page.create', '/news/new', { hidden: true, form: formSchema }, async c => {
      await editorOnly(c, '/news/new')
      const { values, errors, input } = readForm(c, c.input.body, undefined)
      const form = (status: number, props: Partial<FormProps>) =>
        ctx.views.page(c, { title: ctx.i18n.t(c, 'news.new'), view: 'news.form', status, props: { action: '/news/new', zone: zone(c), values, ...props } })
      if (Object.keys(errors).length > 0) return form(400, { errors })
      try {
        const entity = await store.create(c.site, c.viewer, input)
        c.redirect(`/news/${entity.id}`)
      } catch (error) {
        if (!(error instanceof HttpProblem) || error.status >= 500) throw error
        return form(error.status, { message: { kind: 'error', text: error.detail } })
      }
    })

    router.get<unknown, unknown, { id: string }>('news.page.article', '/news/:id', { hidden: true, params: id }, async c => {
      const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'news')
      const [article] = await serialize(c, [entity])
      const comments = ctx.services.find(commentsServiceRef)
      let thread: Record<string, unknown> | null = null
      if (comments && c.site.isEnabled('comments')) {
        const page = await comments.list(c.site, entity, 100)
        const authors = await ctx.users.byIds(page.items.map(x => x.authorId).filter((x): x is string => x !== null))
        thread = { entityId: entity.id, back: `/news/${entity.id}`, comments: page.items.map(x => ({ ...x, authorName: x.authorId ? (authors.get(x.authorId)?.name ?? null) : null })) }
      }
      const editor = await store.isEditor(c.site, c.viewer)
      await ctx.views.page(c, { title: entity.title, view: 'news.article', alternates: feedLink(c), props: { article, thread, editor, zone: zone(c), now: ctx.clock.now().getTime() } })
    })

    router.get<unknown, unknown, { id: string }>('news.page.edit', '/news/:id/edit', { hidden: true, params: id }, async c => {
      if (!(await editorOnly(c, `/news/${c.input.params.id}/edit`))) return
      const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'news')
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'news.edit'), view: 'news.form', props: { action: `/news/${entity.id}/edit`, zone: zone(c), values: await formValues(c, entity) } })
    })

    router.post<FormBody, unknown, { id: string }>('news.page.update', '/news/:id/edit', { hidden: true, params: id, form: formSchema }, async c => {
      await editorOnly(c, `/news/${c.input.params.id}/edit`)
      const entity = await ctx.access.get(c.viewer, c.site, c.input.params.id, 'news')
      const { values, errors, input } = readForm(c, c.input.body, entity)
      const form = (status: number, props: Partial<FormProps>) =>
        ctx.views.page(c, { title: ctx.i18n.t(c, 'news.edit'), view: 'news.form', status, props: { action: `/news/${entity.id}/edit`, zone: zone(c), values, ...props } })
      if (Object.keys(errors).length > 0) return form(400, { errors })
      try {
        await store.update(c.site, c.viewer, entity, input)
        c.redirect(`/news/${entity.id}`)
      } catch (error) {
        if (!(error instanceof HttpProblem) || error.status >= 500) throw error
        return form(error.status, { message: { kind: 'error', text: error.detail } })
      }
    })
  })
}
