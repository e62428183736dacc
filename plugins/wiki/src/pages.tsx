// Wiki pages: the tree of a site or group, a page (body, place in the tree, links, comments), the form to write
// or change one, its revisions, a readable diff and restore; forms work without JavaScript.
import { escapeHtml, HttpProblem, intlLocale, problems, type EntityRecord, type ItemJson, type PluginContext, type RouteContext, type View } from '@plein/core'
import { commentsServiceRef } from '@plein/plugin-comments/api'
import type { DiffHunk } from './diff.js'
import type { RevisionRow, TreeNode, WikiService } from './service.js'
import type { WikiSettings } from './settings.js'

const messages = {
  nl: {
    'wiki.nav': 'Wiki', 'wiki.title': 'Wiki', 'wiki.titleIn': 'Wiki van {name}', 'wiki.none': 'Nog geen pagina’s.', 'wiki.new': 'Nieuwe pagina', 'wiki.newSub': 'Subpagina toevoegen', 'wiki.more': 'Meer pagina’s',
    'wiki.truncated': 'Niet alle subpagina’s passen in dit overzicht; open een pagina om haar subpagina’s te zien.', 'wiki.tree': 'Pagina’s', 'wiki.breadcrumb': 'Kruimelpad', 'wiki.in': 'In de groep “{name}”: alleen wie de groep mag zien, ziet deze pagina.',
    'wiki.edit': 'Bewerken', 'wiki.editTitle': '{title} bewerken', 'wiki.history': 'Versies', 'wiki.historyTitle': 'Versies van “{title}”', 'wiki.revision': 'Versie {rev}', 'wiki.changed': 'Versie {rev}, laatst gewijzigd op {date}',
    'wiki.children': 'Subpagina’s', 'wiki.backlinks': 'Pagina’s die hiernaar linken', 'wiki.under': 'Onder “{title}”',
    'wiki.field.title': 'Titel', 'wiki.field.body': 'Tekst', 'wiki.field.body.hint': 'Alinea’s scheid je met een lege regel. HTML mag ook; link naar een andere pagina met <a href="/wiki/…">, het adres dat die pagina in de adresbalk heeft.', 'wiki.field.summary': 'Wat heb je veranderd? (samenvatting)',
    'wiki.save': 'Opslaan', 'wiki.title.missing': 'Geef de pagina een titel.', 'wiki.body.missing': 'Schrijf de tekst van de pagina.', 'wiki.conflict': 'Iemand anders heeft de pagina intussen opgeslagen (nu versie {rev}). Bekijk de nieuwe versie en breng je wijziging opnieuw aan.',
    'wiki.col.rev': 'Versie', 'wiki.col.who': 'Wie', 'wiki.col.when': 'Wanneer', 'wiki.col.summary': 'Samenvatting', 'wiki.col.actions': 'Acties', 'wiki.gone': 'verwijderd account', 'wiki.restoredFrom': 'teruggezet van versie {rev}', 'wiki.current': 'huidige versie',
    'wiki.comparePrev': 'Vergelijk met vorige', 'wiki.restore': 'Versie {rev} terugzetten', 'wiki.compare': 'Twee versies vergelijken', 'wiki.from': 'Van versie', 'wiki.to': 'Naar versie', 'wiki.compareSubmit': 'Vergelijken', 'wiki.moreRevisions': 'Oudere versies',
    'wiki.diffTitle': 'Verschil tussen versie {from} en {to}', 'wiki.diffStats': '{inserted} regels toegevoegd, {deleted} regels verwijderd.', 'wiki.diffTitleChange': 'Titel: “{from}” werd “{to}”.', 'wiki.diffNone': 'Geen verschil in de tekst.',
    'wiki.col.change': 'Wijziging', 'wiki.col.text': 'Tekst', 'wiki.op.insert': 'toegevoegd', 'wiki.op.delete': 'verwijderd', 'wiki.op.equal': 'ongewijzigd', 'wiki.skipped': '… {n} ongewijzigde regels …', 'wiki.back': 'Terug naar de pagina', 'wiki.restored': 'Versie {rev} teruggezet', 'wiki.toHistory': 'Alle versies',
  },
  en: {
    'wiki.nav': 'Wiki', 'wiki.title': 'Wiki', 'wiki.titleIn': 'Wiki of {name}', 'wiki.none': 'No pages yet.', 'wiki.new': 'New page', 'wiki.newSub': 'Add a subpage', 'wiki.more': 'More pages',
    'wiki.truncated': 'Not every subpage fits in this overview; open a page to see its subpages.', 'wiki.tree': 'Pages', 'wiki.breadcrumb': 'Breadcrumb', 'wiki.in': 'In the group “{name}”: only those who may see the group see this page.',
    'wiki.edit': 'Edit', 'wiki.editTitle': 'Edit {title}', 'wiki.history': 'Revisions', 'wiki.historyTitle': 'Revisions of “{title}”', 'wiki.revision': 'Revision {rev}', 'wiki.changed': 'Revision {rev}, last changed on {date}',
    'wiki.children': 'Subpages', 'wiki.backlinks': 'Pages that link here', 'wiki.under': 'Under “{title}”',
    'wiki.field.title': 'Title', 'wiki.field.body': 'Text', 'wiki.field.body.hint': 'Separate paragraphs with an empty line. HTML works too; link to another page with <a href="/wiki/…">, the address that page shows in the address bar.', 'wiki.field.summary': 'What did you change? (summary)',
    'wiki.save': 'Save', 'wiki.title.missing': 'Give the page a title.', 'wiki.body.missing': 'Write the text of the page.', 'wiki.conflict': 'Someone else saved the page meanwhile (now revision {rev}). Look at the new revision and make your change again.',
    'wiki.col.rev': 'Revision', 'wiki.col.who': 'Who', 'wiki.col.when': 'When', 'wiki.col.summary': 'Summary', 'wiki.col.actions': 'Actions', 'wiki.gone': 'deleted account', 'wiki.restoredFrom': 'restored from revision {rev}', 'wiki.current': 'current revision',
    'wiki.comparePrev': 'Compare with previous', 'wiki.restore': 'Restore revision {rev}', 'wiki.compare': 'Compare two revisions', 'wiki.from': 'From revision', 'wiki.to': 'To revision', 'wiki.compareSubmit': 'Compare', 'wiki.moreRevisions': 'Older revisions',
    'wiki.diffTitle': 'Changes between revision {from} and {to}', 'wiki.diffStats': '{inserted} lines added, {deleted} lines deleted.', 'wiki.diffTitleChange': 'Title: “{from}” became “{to}”.', 'wiki.diffNone': 'No change in the text.',
    'wiki.col.change': 'Change', 'wiki.col.text': 'Text', 'wiki.op.insert': 'added', 'wiki.op.delete': 'deleted', 'wiki.op.equal': 'unchanged', 'wiki.skipped': '… {n} unchanged lines …', 'wiki.back': 'Back to the page', 'wiki.restored': 'Restored revision {rev}', 'wiki.toHistory': 'All revisions',
  },
}

type PageJson = ItemJson & { body: string; revision: number; parentId: string | null }
type Brief = { id: string; title: string; url: string }
type Revision = Omit<RevisionRow, 'authorId'> & { author: string | null }

const when = (ui: { locale: string }, value: Date | string) => new Date(value).toLocaleString(intlLocale(ui.locale), { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Amsterdam' })

// ---- views ----------------------------------------------------------------------------------------------------

const Tree: View<{ nodes: Array<{ title: string; url: string; children: unknown[] }> }> = ({ ui, nodes }) => (
  <ul>
    {nodes.map(n => (
      <li>
        <a class="utrecht-link" href={n.url}>
          {n.title}
        </a>
        {n.children.length > 0 ? ui.view('wiki.tree', { nodes: n.children }) : null}
      </li>
    ))}
  </ul>
)

interface HomeProps {
  tree: Array<{ title: string; url: string; children: unknown[] }>
  next: string | null
  truncated: boolean
  group?: { id: string; title: string }
}

const Home: View<HomeProps> = ({ ui, tree, next, truncated, group }) => (
  <>
    {ui.viewer.user ? (
      <p>
        <a class="utrecht-button-link utrecht-button-link--primary-action" href={group ? `/wiki/new?group=${group.id}` : '/wiki/new'}>
          {ui.t('wiki.new')}
        </a>
      </p>
    ) : null}
    {group ? <p class="utrecht-paragraph">{ui.t('wiki.in', { name: group.title })}</p> : null}
    <nav aria-labelledby="wiki-tree">
      <h2 class="utrecht-heading-2" id="wiki-tree">
        {ui.t('wiki.tree')}
      </h2>
      {tree.length === 0 ? <p class="utrecht-paragraph">{ui.t('wiki.none')}</p> : ui.view('wiki.tree', { nodes: tree })}
    </nav>
    {truncated ? <p class="utrecht-paragraph">{ui.t('wiki.truncated')}</p> : null}
    {next ? (
      <p>
        <a class="utrecht-link" href={`/wiki?${new URLSearchParams({ ...(group ? { group: group.id } : {}), cursor: next }).toString()}`}>
          {ui.t('wiki.more')}
        </a>
      </p>
    ) : null}
  </>
)

interface PageProps {
  page: PageJson
  ancestors: Brief[]
  children: Brief[]
  backlinks: Brief[]
  group: { id: string; title: string } | null
  editor: string | null
  writable: boolean
  thread: Record<string, unknown> | null
}

/** A titled list of links to pages (the subpages, the pages that link here); nothing when empty. */
const PageLinks: View<{ id: string; heading: string; pages: Brief[] }> = ({ id, heading, pages }) =>
  pages.length > 0 ? (
    <section aria-labelledby={id}>
      <h2 class="utrecht-heading-2" id={id}>
        {heading}
      </h2>
      <ul>
        {pages.map(c => (
          <li>
            <a class="utrecht-link" href={c.url}>
              {c.title}
            </a>
          </li>
        ))}
      </ul>
    </section>
  ) : null

const Page: View<PageProps> = ({ ui, page, ancestors, children, backlinks, group, editor, writable, thread }) => (
  <article class="utrecht-article">
    {ancestors.length > 0 || group ? (
      <nav aria-label={ui.t('wiki.breadcrumb')}>
        <ol class="plein-meta">
          <li>
            <a class="utrecht-link" href={group ? `/wiki?group=${group.id}` : '/wiki'}>
              {group ? ui.t('wiki.titleIn', { name: group.title }) : ui.t('wiki.title')}
            </a>
          </li>
          {ancestors.map(a => (
            <li>
              <a class="utrecht-link" href={a.url}>
                {a.title}
              </a>
            </li>
          ))}
        </ol>
      </nav>
    ) : null}
    <p class="plein-meta">
      {ui.t('wiki.changed', { rev: page.revision, date: when(ui, page.updatedAt) })}
      {editor ? ` · ${editor}` : ''}
    </p>
    <p>
      {writable ? (
        <>
          <a class="utrecht-button-link utrecht-button-link--secondary-action" href={`/wiki/${page.id}/edit`}>
            {ui.t('wiki.edit')}
          </a>{' '}
          <a class="utrecht-button-link utrecht-button-link--secondary-action" href={`/wiki/new?parent=${page.id}`}>
            {ui.t('wiki.newSub')}
          </a>{' '}
        </>
      ) : null}
      <a class="utrecht-link" href={`/wiki/${page.id}/revisions`}>
        {ui.t('wiki.history')}
      </a>
    </p>
    {/* Sanitized with the allowlist when it was written; links to other pages are /wiki/<id>. */}
    <div dangerouslySetInnerHTML={{ __html: page.body }} />
    <PageLinks ui={ui} id="wiki-children" heading={ui.t('wiki.children')} pages={children} />
    <PageLinks ui={ui} id="wiki-backlinks" heading={ui.t('wiki.backlinks')} pages={backlinks} />
    {thread ? ui.view('comments.thread', thread) : null}
  </article>
)

interface FormProps {
  action: string
  values?: Record<string, string>
  errors?: Record<string, string>
  message?: { kind: 'error'; text: string }
  /** Hidden fields: parentId, containerId, revision. */
  hidden?: Record<string, string>
  context?: string
  back?: string
}

const Form: View<FormProps> = ({ ui, action, values = {}, errors = {}, message, hidden = {}, context, back }) => (
  <form class="plein-form" method="post" action={action} novalidate>
    {ui.view('kernel.formErrors', { errors, message })}
    <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
    {Object.entries(hidden).map(([name, value]) => (
      <input type="hidden" name={name} value={value} />
    ))}
    {context ? <p class="utrecht-paragraph">{context}</p> : null}
    {ui.view('kernel.field', { name: 'title', label: ui.t('wiki.field.title'), value: values.title, error: errors.title, required: true })}
    {ui.view('kernel.field', { name: 'body', label: ui.t('wiki.field.body'), type: 'textarea', hint: ui.t('wiki.field.body.hint'), value: values.body, error: errors.body, required: true })}
    {ui.view('kernel.field', { name: 'summary', label: ui.t('wiki.field.summary'), value: values.summary, error: errors.summary })}
    {ui.view('kernel.submit', { label: ui.t('wiki.save') })}
    {back ? (
      <p>
        <a class="utrecht-link" href={back}>
          {ui.t('wiki.back')}
        </a>
      </p>
    ) : null}
  </form>
)

interface RevisionsProps {
  page: PageJson
  revisions: Revision[]
  next: string | null
  writable: boolean
  message?: { kind: 'error' | 'ok'; text: string }
}

const Revisions: View<RevisionsProps> = ({ ui, page, revisions, next, writable, message }) => (
  <>
    {message ? ui.view('kernel.alert', message) : null}
    <p>
      <a class="utrecht-link" href={page.url}>
        {ui.t('wiki.back')}
      </a>
    </p>
    {page.revision > 1 ? (
      <form class="plein-form" method="get" action={`/wiki/${page.id}/diff`} aria-labelledby="wiki-compare">
        <h2 class="utrecht-heading-2" id="wiki-compare">
          {ui.t('wiki.compare')}
        </h2>
        {(['from', 'to'] as const).map(name => (
          <div class="utrecht-form-field">
            <label class="utrecht-form-label" for={`field-${name}`}>
              {ui.t(`wiki.${name}`)}
            </label>
            <select class="utrecht-select" id={`field-${name}`} name={name}>
              {Array.from({ length: page.revision }, (_, i) => page.revision - i).map(rev => (
                <option value={String(rev)} selected={rev === (name === 'to' ? page.revision : page.revision - 1)}>
                  {String(rev)}
                </option>
              ))}
            </select>
          </div>
        ))}
        {ui.view('kernel.submit', { label: ui.t('wiki.compareSubmit'), secondary: true })}
      </form>
    ) : null}
    <table class="utrecht-table">
      <caption class="utrecht-table__caption">{ui.t('wiki.history')}</caption>
      <thead class="utrecht-table__header">
        <tr class="utrecht-table__row">
          {['rev', 'who', 'when', 'summary', 'actions'].map(col => (
            <th class="utrecht-table__header-cell" scope="col">
              {ui.t(`wiki.col.${col}`)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody class="utrecht-table__body">
        {revisions.map(r => (
          <tr class="utrecht-table__row">
            <th class="utrecht-table__header-cell" scope="row">
              {r.rev}
            </th>
            <td class="utrecht-table__cell">{r.author ?? ui.t('wiki.gone')}</td>
            <td class="utrecht-table__cell">
              <time dateTime={new Date(r.createdAt).toISOString()}>{when(ui, r.createdAt)}</time>
            </td>
            <td class="utrecht-table__cell">
              {r.summary}
              {r.restoredFrom ? ` (${ui.t('wiki.restoredFrom', { rev: r.restoredFrom })})` : ''}
            </td>
            <td class="utrecht-table__cell">
              {r.rev > 1 ? (
                <a class="utrecht-link" href={`/wiki/${page.id}/diff?to=${r.rev}`} aria-label={`${ui.t('wiki.comparePrev')}: ${ui.t('wiki.revision', { rev: r.rev })}`}>
                  {ui.t('wiki.comparePrev')}
                </a>
              ) : null}
              {r.rev === page.revision ? (
                <span class="plein-meta"> {ui.t('wiki.current')}</span>
              ) : writable ? (
                <form method="post" action={`/wiki/${page.id}/revisions/${r.rev}/restore`}>
                  <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
                  <input type="hidden" name="revision" value={String(page.revision)} />
                  <button class="utrecht-button utrecht-button--subtle" type="submit">
                    {ui.t('wiki.restore', { rev: r.rev })}
                  </button>
                </form>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    {next ? (
      <p>
        <a class="utrecht-link" href={`/wiki/${page.id}/revisions?cursor=${encodeURIComponent(next)}`}>
          {ui.t('wiki.moreRevisions')}
        </a>
      </p>
    ) : null}
  </>
)

/** Long unchanged runs fold to their first and last lines of context. */
const CONTEXT = 2

const Diff: View<{ page: PageJson; from: Revision; to: Revision; hunks: DiffHunk[]; inserted: number; deleted: number }> = ({ ui, page, from, to, hunks, inserted, deleted }) => {
  const rows: Array<{ op: DiffHunk['op'] | 'skip'; line: string; n?: number }> = []
  hunks.forEach((h, i) => {
    if (h.op !== 'equal' || h.lines.length <= CONTEXT * 2 + 1) rows.push(...h.lines.map(line => ({ op: h.op, line })))
    else {
      const head = i === 0 ? [] : h.lines.slice(0, CONTEXT)
      const tail = i === hunks.length - 1 ? [] : h.lines.slice(-CONTEXT)
      rows.push(...head.map(line => ({ op: h.op, line })), { op: 'skip', line: '', n: h.lines.length - head.length - tail.length }, ...tail.map(line => ({ op: h.op, line })))
    }
  })
  return (
    <>
      <p class="plein-meta">
        {ui.t('wiki.revision', { rev: from.rev })}: {from.author ?? ui.t('wiki.gone')}, <time dateTime={new Date(from.createdAt).toISOString()}>{when(ui, from.createdAt)}</time> → {ui.t('wiki.revision', { rev: to.rev })}: {to.author ?? ui.t('wiki.gone')},{' '}
        <time dateTime={new Date(to.createdAt).toISOString()}>{when(ui, to.createdAt)}</time>
      </p>
      <p class="utrecht-paragraph">{ui.t('wiki.diffStats', { inserted, deleted })}</p>
      {from.title !== to.title ? <p class="utrecht-paragraph">{ui.t('wiki.diffTitleChange', { from: from.title, to: to.title })}</p> : null}
      {inserted + deleted === 0 ? (
        <p class="utrecht-paragraph">{ui.t('wiki.diffNone')}</p>
      ) : (
        <table class="utrecht-table">
          <caption class="utrecht-table__caption">{ui.t('wiki.diffTitle', { from: from.rev, to: to.rev })}</caption>
          <thead class="utrecht-table__header">
            <tr class="utrecht-table__row">
              <th class="utrecht-table__header-cell" scope="col">
                {ui.t('wiki.col.change')}
              </th>
              <th class="utrecht-table__header-cell" scope="col">
                {ui.t('wiki.col.text')}
              </th>
            </tr>
          </thead>
          <tbody class="utrecht-table__body">
            {rows.map(r =>
              r.op === 'skip' ? (
                <tr class="utrecht-table__row">
                  <td class="utrecht-table__cell plein-meta" colSpan={2}>
                    {ui.t('wiki.skipped', { n: r.n ?? 0 })}
                  </td>
                </tr>
              ) : (
                <tr class="utrecht-table__row">
                  <td class="utrecht-table__cell">{r.op === 'equal' ? '' : ui.t(`wiki.op.${r.op}`)}</td>
                  <td class="utrecht-table__cell">{r.op === 'insert' ? <ins>{r.line}</ins> : r.op === 'delete' ? <del>{r.line}</del> : r.line}</td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
      <p>
        <a class="utrecht-link" href={page.url}>
          {ui.t('wiki.back')}
        </a>{' '}
        ·{' '}
        <a class="utrecht-link" href={`/wiki/${page.id}/revisions`}>
          {ui.t('wiki.toHistory')}
        </a>
      </p>
    </>
  )
}

// ---- routes ---------------------------------------------------------------------------------------------------

/** Plain text (no tags) becomes paragraphs; HTML is kept (and sanitized by the service like the API's). */
const textToHtml = (text: string) =>
  /<[a-z][^>]*>/i.test(text)
    ? text
    : text
        .trim()
        .split(/\r?\n(?:\s*\r?\n)+/)
        .map(p => `<p>${escapeHtml(p.trim()).replace(/\r?\n/g, '<br>')}</p>`)
        .join('')

const uuid = { type: 'string', format: 'uuid' }
const idParams = { type: 'object', properties: { id: uuid } }
const formFields = { title: { type: 'string', maxLength: 300 }, body: { type: 'string', maxLength: 500000 }, summary: { type: 'string', maxLength: 500 } }

interface FormBody {
  title?: string
  body?: string
  summary?: string
  parentId?: string
  containerId?: string
  revision?: number
}

export function wikiPages(ctx: PluginContext, wiki: WikiService): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('wiki.home', Home)
  ctx.views.define('wiki.tree', Tree)
  ctx.views.define('wiki.page', Page)
  ctx.views.define('wiki.form', Form)
  ctx.views.define('wiki.revisions', Revisions)
  ctx.views.define('wiki.diff', Diff)
  ctx.hooks.kernel.navigation.tap((items, _site, _viewer, locale) => [...items, { label: messages[locale === 'en' ? 'en' : 'nl']['wiki.nav'], href: '/wiki' }])

  const t = (c: RouteContext, key: string, vars?: Record<string, string | number>) => ctx.i18n.t(c, key, vars)
  const maxDepth = (c: RouteContext) => ctx.settings<WikiSettings>(c.site).maxDepth
  const load = (c: RouteContext, id: string) => ctx.access.get(c.viewer, c.site, id, 'wiki')
  const serialize = async (c: RouteContext, e: EntityRecord) => (await ctx.content.serialize([e], c.viewer, c.site))[0] as PageJson
  const brief = (e: EntityRecord): Brief => ({ id: e.id, title: e.title, url: ctx.content.urlOf(e) })
  /** The group (or other container) a page lives in, as the viewer may see it (404 otherwise). */
  const containerOf = async (c: RouteContext, id: string | null | undefined) => {
    if (!id) return null
    const entity = await ctx.access.get(c.viewer, c.site, id)
    return { id: entity.id, title: entity.title }
  }
  const signInFirst = (c: RouteContext, back: string): boolean => {
    if (c.viewer.user) return true
    if (c.method !== 'GET') throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    c.redirect(`/auth/sign-in?next=${encodeURIComponent(back)}`)
    return false
  }
  const revisionsJson = async (rows: RevisionRow[]): Promise<Revision[]> => {
    const people = await ctx.users.byIds(rows.map(r => r.authorId).filter((x): x is string => x !== null))
    return rows.map(({ authorId, ...r }) => ({ ...r, author: authorId ? (people.get(authorId)?.name ?? null) : null }))
  }
  const readForm = (c: RouteContext, body: FormBody) => {
    const values = { title: body.title ?? '', body: body.body ?? '', summary: body.summary ?? '' }
    const errors: Record<string, string> = {}
    if (!values.title.trim()) errors.title = t(c, 'wiki.title.missing')
    if (!values.body.trim()) errors.body = t(c, 'wiki.body.missing')
    return { values, errors }
  }

  ctx.routes(router => {
    router.get<unknown, { group?: string; cursor?: string }>(
      'wiki.page.home',
      '/wiki',
      { hidden: true, query: { type: 'object', properties: { group: uuid, cursor: { type: 'string', maxLength: 2000 } } } },
      async c => {
        const group = (await containerOf(c, c.input.query.group)) ?? undefined
        const tree = await wiki.tree(c.viewer, c.site, { containerId: group?.id ?? null, limit: 50, cursor: c.input.query.cursor })
        const shape = (n: TreeNode): HomeProps['tree'][number] => ({ title: n.entity.title, url: ctx.content.urlOf(n.entity), children: n.children.map(shape) })
        await ctx.views.page(c, {
          title: group ? t(c, 'wiki.titleIn', { name: group.title }) : t(c, 'wiki.title'),
          view: 'wiki.home',
          props: { tree: tree.roots.map(shape), next: tree.nextCursor, truncated: tree.truncated, group },
        })
      },
    )

    // `?parent=<id>`: a subpage (it lives where its parent lives); `?group=<id>`: a top-level page of that group.
    router.get<unknown, { parent?: string; group?: string }>('wiki.page.new', '/wiki/new', { hidden: true, query: { type: 'object', properties: { parent: uuid, group: uuid } } }, async c => {
      const { parent: parentId, group: groupId } = c.input.query
      if (!signInFirst(c, `/wiki/new${parentId ? `?parent=${parentId}` : groupId ? `?group=${groupId}` : ''}`)) return
      const parent = parentId ? await wiki.readableParent(c.viewer, c.site, parentId) : undefined
      const group = await containerOf(c, parent ? parent.containerId : groupId)
      await ctx.views.page(c, {
        title: t(c, 'wiki.new'),
        view: 'wiki.form',
        props: {
          action: '/wiki/new',
          hidden: { ...(parent ? { parentId: parent.id } : group ? { containerId: group.id } : {}) },
          context: [parent ? t(c, 'wiki.under', { title: parent.title }) : '', group ? t(c, 'wiki.in', { name: group.title }) : ''].filter(Boolean).join(' ') || undefined,
        },
      })
    })

    router.post<FormBody>('wiki.page.create', '/wiki/new', { hidden: true, form: { type: 'object', properties: { ...formFields, parentId: uuid, containerId: uuid } } }, async c => {
      signInFirst(c, '/wiki/new')
      const { parentId, containerId } = c.input.body
      const { values, errors } = readForm(c, c.input.body)
      const form = async (status: number, props: Partial<FormProps>) =>
        ctx.views.page(c, { title: t(c, 'wiki.new'), view: 'wiki.form', status, props: { action: '/wiki/new', values, hidden: { ...(parentId ? { parentId } : containerId ? { containerId } : {}) }, ...props } })
      if (Object.keys(errors).length > 0) return form(400, { errors })
      try {
        const entity = await wiki.create(c.site, c.viewer, { title: values.title, body: textToHtml(values.body), summary: values.summary, parentId, containerId: parentId ? undefined : containerId }, maxDepth(c))
        c.redirect(`/wiki/${entity.id}`)
      } catch (error) {
        if (!(error instanceof HttpProblem) || error.status >= 500) throw error
        return form(error.status, { message: { kind: 'error', text: error.detail } })
      }
    })

    router.get<unknown, unknown, { id: string }>('wiki.page.view', '/wiki/:id', { hidden: true, params: idParams }, async c => {
      const entity = await load(c, c.input.params.id)
      const page = await serialize(c, entity)
      const [ancestors, children, backlinks, group, editors] = [
        await wiki.ancestors(c.viewer, c.site, entity.id),
        await wiki.list(c.viewer, c.site, { limit: 100, parentId: entity.id }),
        await wiki.backlinks(c.viewer, c.site, entity.id),
        await containerOf(c, entity.containerId).catch(() => null),
        await wiki.revisions(entity.id, { limit: 1 }),
      ]
      const lastAuthor = editors.items[0]?.authorId
      const editor = lastAuthor ? ((await ctx.users.byIds([lastAuthor])).get(lastAuthor)?.name ?? null) : null
      const comments = ctx.services.find(commentsServiceRef)
      let thread: Record<string, unknown> | null = null
      if (comments && c.site.isEnabled('comments')) {
        const list = await comments.list(c.site, entity, 100)
        const authors = await ctx.users.byIds(list.items.map(x => x.authorId).filter((x): x is string => x !== null))
        thread = { entityId: entity.id, back: `/wiki/${entity.id}`, comments: list.items.map(x => ({ ...x, authorName: x.authorId ? (authors.get(x.authorId)?.name ?? null) : null })) }
      }
      await ctx.views.page(c, {
        title: entity.title,
        view: 'wiki.page',
        props: {
          page,
          ancestors: ancestors.map(brief),
          children: children.items.map(brief),
          backlinks: backlinks.map(brief),
          group,
          editor,
          writable: ctx.access.canWrite(c.viewer, entity, c.site),
          thread,
        } satisfies PageProps,
      })
    })

    router.get<unknown, unknown, { id: string }>('wiki.page.edit', '/wiki/:id/edit', { hidden: true, params: idParams }, async c => {
      if (!signInFirst(c, `/wiki/${c.input.params.id}/edit`)) return
      const entity = await load(c, c.input.params.id)
      ctx.access.assertWritable(c.viewer, entity, c.site)
      const stored = (await wiki.stored(entity.id))!
      await ctx.views.page(c, {
        title: t(c, 'wiki.editTitle', { title: entity.title }),
        view: 'wiki.form',
        props: { action: `/wiki/${entity.id}/edit`, values: { title: entity.title, body: stored.body }, hidden: { revision: String(stored.revision) }, back: `/wiki/${entity.id}` },
      })
    })

    router.post<FormBody, unknown, { id: string }>(
      'wiki.page.update',
      '/wiki/:id/edit',
      { hidden: true, params: idParams, form: { type: 'object', properties: { ...formFields, revision: { type: 'integer', minimum: 1, maximum: 1000000000 } } } },
      async c => {
        signInFirst(c, `/wiki/${c.input.params.id}/edit`)
        const entity = await load(c, c.input.params.id)
        ctx.access.assertWritable(c.viewer, entity, c.site)
        const { values, errors } = readForm(c, c.input.body)
        const revision = c.input.body.revision
        const form = async (status: number, props: Partial<FormProps>) =>
          ctx.views.page(c, {
            title: t(c, 'wiki.editTitle', { title: entity.title }),
            view: 'wiki.form',
            status,
            props: { action: `/wiki/${entity.id}/edit`, values, hidden: revision ? { revision: String(revision) } : {}, back: `/wiki/${entity.id}`, ...props },
          })
        if (Object.keys(errors).length > 0) return form(400, { errors })
        try {
          // The revision the form was loaded at: a save in between is a conflict, never a silent overwrite.
          await wiki.edit({ site: c.site, viewer: c.viewer, entity, title: values.title.trim(), body: wiki.prepare(textToHtml(values.body)), summary: values.summary, ifMatch: revision ? String(revision) : undefined, maxDepth: maxDepth(c) })
          c.redirect(`/wiki/${entity.id}`)
        } catch (error) {
          if (!(error instanceof HttpProblem) || error.status >= 500) throw error
          const current = error.status === 412 ? (await wiki.stored(entity.id))?.revision : undefined
          return form(error.status, { message: { kind: 'error', text: current ? t(c, 'wiki.conflict', { rev: current }) : error.detail } })
        }
      },
    )

    const revisionsPage = async (c: RouteContext, entity: EntityRecord, options: { cursor?: string; status?: number; message?: RevisionsProps['message'] }) => {
      const page = await serialize(c, entity)
      const list = await wiki.revisions(entity.id, { limit: 50, cursor: options.cursor })
      await ctx.views.page(c, {
        title: t(c, 'wiki.historyTitle', { title: entity.title }),
        view: 'wiki.revisions',
        status: options.status,
        props: { page, revisions: await revisionsJson(list.items), next: list.nextCursor, writable: ctx.access.canWrite(c.viewer, entity, c.site), message: options.message } satisfies RevisionsProps,
      })
    }

    router.get<unknown, { cursor?: string }, { id: string }>(
      'wiki.page.revisions',
      '/wiki/:id/revisions',
      { hidden: true, params: idParams, query: { type: 'object', properties: { cursor: { type: 'string', maxLength: 200 } } } },
      async c => revisionsPage(c, await load(c, c.input.params.id), { cursor: c.input.query.cursor }),
    )

    const rev = { type: 'integer', minimum: 1, maximum: 1000000000 }
    router.get<unknown, { from?: number; to?: number }, { id: string }>('wiki.page.diff', '/wiki/:id/diff', { hidden: true, params: idParams, query: { type: 'object', properties: { from: rev, to: rev } } }, async c => {
      const entity = await load(c, c.input.params.id)
      const d = await wiki.diff(entity.id, c.input.query)
      const [from, to] = await revisionsJson([{ ...d.from, body: undefined }, { ...d.to, body: undefined }])
      await ctx.views.page(c, {
        title: `${entity.title}: ${t(c, 'wiki.diffTitle', { from: d.from.rev, to: d.to.rev })}`,
        view: 'wiki.diff',
        props: { page: await serialize(c, entity), from, to, hunks: d.hunks, inserted: d.inserted, deleted: d.deleted },
      })
    })

    router.post<{ revision?: number }, unknown, { id: string; rev: number }>(
      'wiki.page.restore',
      '/wiki/:id/revisions/:rev/restore',
      { hidden: true, params: { type: 'object', properties: { id: uuid, rev } }, form: { type: 'object', properties: { revision: rev } } },
      async c => {
        signInFirst(c, `/wiki/${c.input.params.id}/revisions`)
        const entity = await load(c, c.input.params.id)
        ctx.access.assertWritable(c.viewer, entity, c.site)
        const revision = c.input.body.revision
        try {
          await wiki.restore({ site: c.site, viewer: c.viewer, entity, rev: c.input.params.rev, summary: t(c, 'wiki.restored', { rev: c.input.params.rev }), ifMatch: revision ? String(revision) : undefined, maxDepth: maxDepth(c) })
        } catch (error) {
          if (!(error instanceof HttpProblem) || error.status !== 412) throw error
          const current = (await wiki.stored(entity.id))?.revision ?? 0
          return revisionsPage(c, entity, { status: 412, message: { kind: 'error', text: t(c, 'wiki.conflict', { rev: current }) } })
        }
        c.redirect(`/wiki/${entity.id}`)
      },
    )
  })
}
