// Intranet pages: the dashboard (announcements of now, the menu, the widgets administrators arranged, each
// rendered by its plugin's view) and the administrators' page to arrange widgets, quick links, announcements and
// the menu with plain forms (POST with CSRF, redirect after post, errors next to the field).
import { intlLocale, problems, zonedTime, type ItemJson, type PluginContext, type RouteContext, type View } from '@plein/core'
import type { WidgetType } from './api.js'
import type { Announcement, IntranetStore, LoadedWidget, MenuItem, Placed } from './store.js'

const messages = {
  nl: {
    'intranet.nav': 'Intranet', 'intranet.title': 'Intranet', 'intranet.menu': 'Intranetmenu', 'intranet.empty': 'Het dashboard is nog leeg.', 'intranet.manage': 'Intranet inrichten', 'intranet.noItems': 'Nog niets.',
    'intranet.widgets': 'Widgets', 'intranet.widgets.none': 'Er staan nog geen widgets op het dashboard.', 'intranet.column': 'Kolom', 'intranet.column.main': 'Hoofdkolom', 'intranet.column.side': 'Zijkolom', 'intranet.order': 'Volgorde',
    'intranet.remove': 'Verwijderen', 'intranet.widgets.save': 'Indeling opslaan', 'intranet.add': 'Widget toevoegen', 'intranet.add.type': 'Soort widget', 'intranet.add.submit': 'Toevoegen', 'intranet.saved': 'Opgeslagen.',
    'intranet.config.count': 'Aantal', 'intranet.config.featuredOnly': 'Alleen uitgelicht nieuws', 'intranet.config.invalid': 'Deze waarde past niet: {detail}.', 'intranet.order.invalid': 'Een heel getal van 1 tot 99.',
    'intranet.links': 'Snelkoppelingen', 'intranet.links.field': 'Snelkoppelingen, één per regel', 'intranet.links.hint': 'Schrijf per regel: naam | adres, bijvoorbeeld “Roosters | /wiki/roosters” of “Webmail | https://mail.voorbeeld.nl”.', 'intranet.links.save': 'Snelkoppelingen opslaan',
    'intranet.lines.invalid': 'Regel {line}: schrijf “naam | adres”, met een adres dat begint met /, http:// of https:// (naam hoogstens 100 tekens).', 'intranet.lines.tooMany': 'Hoogstens 50 regels.',
    'intranet.menu.field': 'Menu, één item per regel', 'intranet.menu.hint': 'Schrijf per regel: naam | adres. Begin een regel met “-” voor een onderdeel van het item erboven.', 'intranet.menu.save': 'Menu opslaan', 'intranet.menu.child': 'Regel {line}: een onderdeel (“-”) hoort onder een item zonder “-”.',
    'intranet.announcements': 'Mededelingen', 'intranet.announcement.new': 'Nieuwe mededeling', 'intranet.announcement.text': 'Tekst', 'intranet.announcement.level': 'Soort', 'intranet.level.info': 'Informatie', 'intranet.level.warning': 'Waarschuwing', 'intranet.level.error': 'Storing',
    'intranet.announcement.startsAt': 'Zichtbaar vanaf', 'intranet.announcement.endsAt': 'Zichtbaar tot', 'intranet.announcement.hint': 'Tijden in Europe/Amsterdam.', 'intranet.announcement.save': 'Mededeling plaatsen', 'intranet.announcement.delete': 'Verwijderen',
    'intranet.announcement.textMissing': 'Schrijf de tekst van de mededeling.', 'intranet.announcement.time': 'Vul een datum en tijd in.', 'intranet.announcement.order': 'Het einde moet na het begin liggen.', 'intranet.announcement.none': 'Geen mededelingen.',
    'intranet.announcement.when': '{from} tot {to}', 'intranet.search': 'Zoek een collega', 'intranet.search.submit': 'Zoeken', 'intranet.newest': 'Nieuwe collega’s',
  },
  en: {
    'intranet.nav': 'Intranet', 'intranet.title': 'Intranet', 'intranet.menu': 'Intranet menu', 'intranet.empty': 'The dashboard is still empty.', 'intranet.manage': 'Arrange the intranet', 'intranet.noItems': 'Nothing yet.',
    'intranet.widgets': 'Widgets', 'intranet.widgets.none': 'No widgets on the dashboard yet.', 'intranet.column': 'Column', 'intranet.column.main': 'Main column', 'intranet.column.side': 'Side column', 'intranet.order': 'Order',
    'intranet.remove': 'Remove', 'intranet.widgets.save': 'Save the arrangement', 'intranet.add': 'Add a widget', 'intranet.add.type': 'Kind of widget', 'intranet.add.submit': 'Add', 'intranet.saved': 'Saved.',
    'intranet.config.count': 'Number shown', 'intranet.config.featuredOnly': 'Featured news only', 'intranet.config.invalid': 'This value does not fit: {detail}.', 'intranet.order.invalid': 'A whole number from 1 to 99.',
    'intranet.links': 'Quick links', 'intranet.links.field': 'Quick links, one per line', 'intranet.links.hint': 'Write on each line: name | address, for example “Rosters | /wiki/rosters” or “Webmail | https://mail.example.org”.', 'intranet.links.save': 'Save quick links',
    'intranet.lines.invalid': 'Line {line}: write “name | address”, with an address that starts with /, http:// or https:// (name at most 100 characters).', 'intranet.lines.tooMany': 'At most 50 lines.',
    'intranet.menu.field': 'Menu, one item per line', 'intranet.menu.hint': 'Write on each line: name | address. Start a line with “-” for a sub-item of the item above.', 'intranet.menu.save': 'Save menu', 'intranet.menu.child': 'Line {line}: a sub-item (“-”) belongs under an item without “-”.',
    'intranet.announcements': 'Announcements', 'intranet.announcement.new': 'New announcement', 'intranet.announcement.text': 'Text', 'intranet.announcement.level': 'Kind', 'intranet.level.info': 'Information', 'intranet.level.warning': 'Warning', 'intranet.level.error': 'Outage',
    'intranet.announcement.startsAt': 'Shown from', 'intranet.announcement.endsAt': 'Shown until', 'intranet.announcement.hint': 'Times in Europe/Amsterdam.', 'intranet.announcement.save': 'Post announcement', 'intranet.announcement.delete': 'Delete',
    'intranet.announcement.textMissing': 'Write the text of the announcement.', 'intranet.announcement.time': 'Enter a date and time.', 'intranet.announcement.order': 'The end must be after the start.', 'intranet.announcement.none': 'No announcements.',
    'intranet.announcement.when': '{from} until {to}', 'intranet.search': 'Find a colleague', 'intranet.search.submit': 'Search', 'intranet.newest': 'New colleagues',
  },
}

const TIME_ZONE = 'Europe/Amsterdam'
const LEVELS = ['info', 'warning', 'error'] as const
const URL_PATTERN = /^(https?:\/\/|\/)\S*$/

const dateTime = (locale: string, d: Date) => new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: 'medium', timeStyle: 'short', timeZone: TIME_ZONE }).format(new Date(d))

const Menu: View<{ items: MenuItem[] }> = ({ ui, items }) =>
  items.length === 0 ? null : (
    <nav class="plein-subnav" aria-label={ui.t('intranet.menu')}>
      <ul>
        {items.map(i => (
          <li>
            <a class="utrecht-link" href={i.url}>
              {i.label}
            </a>
            {i.children && i.children.length > 0 ? (
              <ul>
                {i.children.map(ch => (
                  <li>
                    <a class="utrecht-link" href={ch.url}>
                      {ch.label}
                    </a>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </nav>
  )

/** A widget without a view of its own: its `items` (content items) as links. */
const GenericWidget: View<{ data: { items?: ItemJson[] } }> = ({ ui, data }) => {
  const items = Array.isArray(data?.items) ? data.items : []
  return items.length === 0 ? (
    <p class="utrecht-paragraph">{ui.t('intranet.noItems')}</p>
  ) : (
    <ul class="plein-items">
      {items.map(i => (
        <li>
          <a class="utrecht-link" href={i.url}>
            {i.title}
          </a>
          {i.createdAt ? (
            <p class="plein-meta">
              <time dateTime={new Date(String(i.publishedAt ?? i.createdAt)).toISOString()}>{new Date(String(i.publishedAt ?? i.createdAt)).toLocaleDateString(intlLocale(ui.locale))}</time>
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  )
}

const QuickLinks: View<{ data: { links?: Array<{ label: string; url: string }> } }> = ({ ui, data }) =>
  (data.links ?? []).length === 0 ? (
    <p class="utrecht-paragraph">{ui.t('intranet.noItems')}</p>
  ) : (
    <ul>
      {(data.links ?? []).map(l => (
        <li>
          <a class="utrecht-link" href={l.url}>
            {l.label}
          </a>
        </li>
      ))}
    </ul>
  )

const Announcements: View<{ data: { items?: Announcement[] } }> = ({ ui, data }) =>
  (data.items ?? []).length === 0 ? (
    <p class="utrecht-paragraph">{ui.t('intranet.announcement.none')}</p>
  ) : (
    <ul class="plein-items">
      {(data.items ?? []).map(a => (
        <li>
          <p class="utrecht-paragraph">{a.text}</p>
          <p class="plein-meta">{ui.t('intranet.announcement.when', { from: dateTime(ui.locale, a.startsAt), to: dateTime(ui.locale, a.endsAt) })}</p>
        </li>
      ))}
    </ul>
  )

const Widget: View<{ widget: LoadedWidget }> = ({ ui, widget }) => (
  <section class="plein-widget" aria-labelledby={`widget-${widget.id}`}>
    <h2 class="utrecht-heading-2" id={`widget-${widget.id}`}>
      {widget.title[ui.locale]}
    </h2>
    {ui.view(widget.view ?? 'intranet.widget.generic', { data: (widget.data ?? {}) as Record<string, unknown>, config: widget.config })}
  </section>
)

/** The announcements of now are not in these props: the kernel's banner slot shows them above every page's heading. */
const Dashboard: View<{ widgets: LoadedWidget[]; menu: MenuItem[] }> = ({ ui, widgets, menu }) => {
  const main = widgets.filter(w => w.column === 'main')
  const side = widgets.filter(w => w.column === 'side')
  return (
    <>
      {ui.view('intranet.menu', { items: menu })}
      {ui.viewer.isAdmin ? (
        <p>
          <a class="utrecht-button-link utrecht-button-link--secondary-action" href="/intranet/manage">
            {ui.t('intranet.manage')}
          </a>
        </p>
      ) : null}
      {widgets.length === 0 ? <p class="utrecht-paragraph">{ui.t('intranet.empty')}</p> : null}
      <div class="plein-dashboard">
        <div class="plein-dashboard__main">
          {main.map(w => (
            <Widget ui={ui} widget={w} />
          ))}
        </div>
        <div class="plein-dashboard__side">
          {side.map(w => (
            <Widget ui={ui} widget={w} />
          ))}
        </div>
      </div>
    </>
  )
}

/** The settings of a widget an administrator can change on the page: whole numbers and yes/no. */
const simpleConfig = (type: WidgetType | undefined): Array<[string, { type: string; description?: string }]> =>
  Object.entries(((type?.config as { properties?: Record<string, { type?: string; description?: string }> } | undefined)?.properties ?? {}) as Record<string, { type?: string; description?: string }>)
    .filter(([, p]) => p.type === 'integer' || p.type === 'boolean')
    .map(([name, p]) => [name, { type: p.type!, description: p.description }])

interface ManageProps {
  layout: Placed[]
  types: Array<{ type: string; title: { nl: string; en: string }; config: Array<[string, { type: string; description?: string }]> }>
  announcements: Announcement[]
  links: string
  menu: string
  values?: Record<string, string>
  errors?: Record<string, string>
  saved?: boolean
}

const Select: View<{ name: string; label: string; options: Array<[string, string]>; value?: string }> = ({ name, label, options, value }) => (
  <div class="utrecht-form-field">
    <label class="utrecht-form-label" for={`field-${name}`}>
      {label}
    </label>
    <select class="utrecht-select" id={`field-${name}`} name={name}>
      {options.map(([v, text]) => (
        <option value={v} selected={v === value}>
          {text}
        </option>
      ))}
    </select>
  </div>
)

const Manage: View<ManageProps> = ({ ui, layout, types, announcements, links, menu, values = {}, errors = {}, saved }) => {
  const typeOf = new Map(types.map(t => [t.type, t]))
  const columns: Array<[string, string]> = [
    ['main', ui.t('intranet.column.main')],
    ['side', ui.t('intranet.column.side')],
  ]
  const csrf = <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
  const configLabel = (name: string, description?: string) => (['count', 'featuredOnly'].includes(name) ? ui.t(`intranet.config.${name}`) : (description ?? name))
  return (
    <>
      {saved ? ui.view('kernel.alert', { kind: 'ok', text: ui.t('intranet.saved') }) : null}
      {ui.view('kernel.formErrors', { errors })}
      <section aria-labelledby="widgets-heading">
        <h2 class="utrecht-heading-2" id="widgets-heading">
          {ui.t('intranet.widgets')}
        </h2>
        {layout.length === 0 ? (
          <p class="utrecht-paragraph">{ui.t('intranet.widgets.none')}</p>
        ) : (
          <form class="plein-form plein-form--wide" method="post" action="/intranet/manage/widgets" novalidate>
            {csrf}
            {layout.map((w, i) => {
              const type = typeOf.get(w.type)
              return (
                <fieldset class="plein-fieldset">
                  <legend class="utrecht-form-fieldset__legend">{type ? type.title[ui.locale] : w.type}</legend>
                  {ui.view('intranet.select', { name: `column-${w.id}`, label: ui.t('intranet.column'), options: columns, value: values[`column-${w.id}`] ?? w.column })}
                  {ui.view('kernel.field', { name: `order-${w.id}`, label: ui.t('intranet.order'), type: 'number', value: values[`order-${w.id}`] ?? String(i + 1), error: errors[`order-${w.id}`] })}
                  {(type?.config ?? []).map(([name, p]) =>
                    p.type === 'boolean' ? (
                      <div class="utrecht-form-field">
                        <input class="utrecht-checkbox" type="checkbox" id={`field-config-${w.id}-${name}`} name={`config-${w.id}-${name}`} value="true" checked={w.config[name] === true} />{' '}
                        <label class="utrecht-form-label" for={`field-config-${w.id}-${name}`}>
                          {configLabel(name, p.description)}
                        </label>
                      </div>
                    ) : (
                      ui.view('kernel.field', {
                        name: `config-${w.id}-${name}`,
                        label: configLabel(name, p.description),
                        type: 'number',
                        value: values[`config-${w.id}-${name}`] ?? (w.config[name] === undefined ? '' : String(w.config[name])),
                        error: errors[`config-${w.id}-${name}`],
                      })
                    ),
                  )}
                  <div class="utrecht-form-field">
                    <input class="utrecht-checkbox" type="checkbox" id={`field-remove-${w.id}`} name={`remove-${w.id}`} value="true" />{' '}
                    <label class="utrecht-form-label" for={`field-remove-${w.id}`}>
                      {ui.t('intranet.remove')}
                    </label>
                  </div>
                </fieldset>
              )
            })}
            {ui.view('kernel.submit', { label: ui.t('intranet.widgets.save') })}
          </form>
        )}
        <h3 class="utrecht-heading-3">{ui.t('intranet.add')}</h3>
        <form class="plein-form" method="post" action="/intranet/manage/widgets/add" novalidate>
          {csrf}
          {ui.view('intranet.select', { name: 'type', label: ui.t('intranet.add.type'), options: types.map(t => [t.type, t.title[ui.locale]]) })}
          {ui.view('intranet.select', { name: 'column', label: ui.t('intranet.column'), options: columns })}
          {ui.view('kernel.submit', { label: ui.t('intranet.add.submit'), secondary: true })}
        </form>
      </section>
      <section aria-labelledby="links-heading">
        <h2 class="utrecht-heading-2" id="links-heading">
          {ui.t('intranet.links')}
        </h2>
        <form class="plein-form plein-form--wide" method="post" action="/intranet/manage/links" novalidate>
          {csrf}
          {ui.view('kernel.field', { name: 'links', label: ui.t('intranet.links.field'), type: 'textarea', value: values.links ?? links, error: errors.links, hint: ui.t('intranet.links.hint') })}
          {ui.view('kernel.submit', { label: ui.t('intranet.links.save') })}
        </form>
      </section>
      <section aria-labelledby="announcements-heading">
        <h2 class="utrecht-heading-2" id="announcements-heading">
          {ui.t('intranet.announcements')}
        </h2>
        {announcements.length === 0 ? <p class="utrecht-paragraph">{ui.t('intranet.announcement.none')}</p> : null}
        <ul class="plein-items">
          {announcements.map(a => (
            <li>
              <p class="utrecht-paragraph">
                {a.text} <span class="plein-meta">({ui.t(`intranet.level.${a.level}`)})</span>
              </p>
              <p class="plein-meta">{ui.t('intranet.announcement.when', { from: dateTime(ui.locale, a.startsAt), to: dateTime(ui.locale, a.endsAt) })}</p>
              <form class="plein-inline-form" method="post" action={`/intranet/manage/announcements/${a.id}/delete`}>
                {csrf}
                <button class="utrecht-button utrecht-button--secondary-action" type="submit" aria-label={`${ui.t('intranet.announcement.delete')}: ${a.text.slice(0, 60)}`}>
                  {ui.t('intranet.announcement.delete')}
                </button>
              </form>
            </li>
          ))}
        </ul>
        <h3 class="utrecht-heading-3">{ui.t('intranet.announcement.new')}</h3>
        <form class="plein-form" method="post" action="/intranet/manage/announcements" novalidate>
          {csrf}
          {ui.view('kernel.field', { name: 'text', label: ui.t('intranet.announcement.text'), type: 'textarea', value: values.text, error: errors.text, required: true })}
          {ui.view('intranet.select', { name: 'level', label: ui.t('intranet.announcement.level'), options: LEVELS.map(l => [l, ui.t(`intranet.level.${l}`)]), value: values.level })}
          {ui.view('kernel.field', { name: 'startsAt', label: ui.t('intranet.announcement.startsAt'), type: 'datetime-local', value: values.startsAt, error: errors.startsAt, hint: ui.t('intranet.announcement.hint'), required: true })}
          {ui.view('kernel.field', { name: 'endsAt', label: ui.t('intranet.announcement.endsAt'), type: 'datetime-local', value: values.endsAt, error: errors.endsAt, required: true })}
          {ui.view('kernel.submit', { label: ui.t('intranet.announcement.save') })}
        </form>
      </section>
      <section aria-labelledby="menu-heading">
        <h2 class="utrecht-heading-2" id="menu-heading">
          {ui.t('intranet.menu')}
        </h2>
        <form class="plein-form plein-form--wide" method="post" action="/intranet/manage/menu" novalidate>
          {csrf}
          {ui.view('kernel.field', { name: 'menu', label: ui.t('intranet.menu.field'), type: 'textarea', value: values.menu ?? menu, error: errors.menu, hint: ui.t('intranet.menu.hint') })}
          {ui.view('kernel.submit', { label: ui.t('intranet.menu.save') })}
        </form>
      </section>
    </>
  )
}

/** "name | address" lines; `nested`: a line starting with "-" is a sub-item of the line above. */
export function parseLines(text: string, nested: boolean): { items: MenuItem[] } | { line: number; problem: 'invalid' | 'child' | 'tooMany' } {
  const items: MenuItem[] = []
  const lines = text.split(/\r?\n/)
  let count = 0
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim()
    if (line === '') continue
    if (++count > 50) return { line: i + 1, problem: 'tooMany' }
    const child = nested && line.startsWith('-')
    if (child) line = line.slice(1).trim()
    const bar = line.lastIndexOf('|')
    const label = bar < 0 ? '' : line.slice(0, bar).trim()
    const url = bar < 0 ? '' : line.slice(bar + 1).trim()
    if (!label || label.length > 100 || !URL_PATTERN.test(url) || url.length > 2000) return { line: i + 1, problem: 'invalid' }
    if (child) {
      const parent = items[items.length - 1]
      if (!parent) return { line: i + 1, problem: 'child' }
      ;(parent.children ??= []).push({ label, url })
    } else items.push({ label, url })
  }
  return { items }
}

const asLines = (items: MenuItem[]) => items.flatMap(i => [`${i.label} | ${i.url}`, ...(i.children ?? []).map(ch => `- ${ch.label} | ${ch.url}`)]).join('\n')

export function intranetPages(ctx: PluginContext, store: IntranetStore): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('intranet.dashboard', Dashboard)
  ctx.views.define('intranet.menu', Menu)
  ctx.views.define('intranet.manage', Manage)
  ctx.views.define('intranet.select', Select)
  ctx.views.define('intranet.widget.generic', GenericWidget)
  ctx.views.define('intranet.widget.quickLinks', QuickLinks)
  ctx.views.define('intranet.widget.announcements', Announcements)
  // The dashboard, then the top items of the menu the administrators built, in the site's main menu.
  ctx.hooks.kernel.navigation.tap(async (items, site, _viewer, locale) => [
    ...items,
    { label: messages[locale === 'en' ? 'en' : 'nl']['intranet.nav'], href: '/intranet' },
    ...(await store.menu(site)).map(i => ({ label: i.label, href: i.url })),
  ])

  // The announcement banner: above the heading of every page, between its start and end.
  ctx.hooks.kernel.banners.tap(async (items, site) => [...items, ...(await store.current(site)).map(a => ({ kind: a.level, text: a.text }))])

  const admin = (c: RouteContext): boolean => {
    if (!c.viewer.user) {
      c.redirect('/auth/sign-in?next=/intranet/manage')
      return false
    }
    if (!c.viewer.isAdmin) throw problems.forbidden('Only site administrators arrange the intranet.', { code: 'NOT_ADMIN' })
    return true
  }
  const adminPost = (c: RouteContext) => {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (!c.viewer.isAdmin) throw problems.forbidden('Only site administrators arrange the intranet.', { code: 'NOT_ADMIN' })
  }
  /** The administrators' page, as it is now, or again with a form's values and errors. */
  const manage = async (c: RouteContext, extra: Partial<ManageProps> = {}, status = 200) => {
    const [layout, types, announcements, menu] = await Promise.all([store.layout(c.site), store.types(c.site), store.announcements(c.site), store.menu(c.site)])
    const quick = layout.find(w => w.type === 'intranet.quickLinks')
    await ctx.views.page(c, {
      title: ctx.i18n.t(c, 'intranet.manage'),
      view: 'intranet.manage',
      status,
      props: {
        layout: layout.filter(w => types.has(w.type)),
        types: [...types.values()].map(t => ({ type: t.type, title: t.title, config: simpleConfig(t) })),
        announcements,
        links: asLines((quick?.config.links as MenuItem[] | undefined) ?? []),
        menu: asLines(menu),
        ...extra,
      },
    })
  }
  const anyForm = { type: 'object', maxProperties: 400, additionalProperties: { type: 'string', maxLength: 20000 } }
  const done = (c: RouteContext) => c.redirect('/intranet/manage?saved=1')

  ctx.routes(router => {
    router.get('intranet.page.dashboard', '/intranet', { hidden: true }, async c => {
      const [widgets, menu] = await Promise.all([store.dashboard(c.site, c.viewer), store.menu(c.site)])
      await ctx.views.page(c, { title: ctx.i18n.t(c, 'intranet.title'), view: 'intranet.dashboard', props: { widgets, menu } })
    })

    router.get<unknown, { saved?: string }>('intranet.page.manage', '/intranet/manage', { hidden: true, query: { type: 'object', properties: { saved: { enum: ['1'] } } } }, async c => {
      if (!admin(c)) return
      await manage(c, { saved: c.input.query.saved === '1' })
    })

    router.post<Record<string, string>>('intranet.page.widgets', '/intranet/manage/widgets', { hidden: true, form: anyForm }, async c => {
      adminPost(c)
      const body = c.input.body
      const [layout, types] = await Promise.all([store.layout(c.site), store.types(c.site)])
      const errors: Record<string, string> = {}
      const kept: Array<Placed & { order: number }> = []
      layout.forEach((w, i) => {
        if (body[`remove-${w.id}`] === 'true') return
        const orderText = body[`order-${w.id}`]?.trim()
        const order = orderText === undefined || orderText === '' ? i + 1 : Number(orderText)
        if (!Number.isInteger(order) || order < 1 || order > 99) errors[`order-${w.id}`] = ctx.i18n.t(c, 'intranet.order.invalid')
        const column = body[`column-${w.id}`] === 'side' ? 'side' : body[`column-${w.id}`] === 'main' ? 'main' : w.column
        const config = { ...w.config }
        for (const [name, p] of simpleConfig(types.get(w.type))) {
          const raw = body[`config-${w.id}-${name}`]
          if (p.type === 'boolean') config[name] = raw === 'true'
          else if (raw === undefined || raw.trim() === '') delete config[name]
          else config[name] = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw
        }
        kept.push({ id: w.id, type: w.type, column, config, order: Number.isInteger(order) ? order : i + 1 })
      })
      // Stable: equal numbers keep their old order.
      const ordered = kept.map((w, i) => ({ w, i })).sort((a, b) => a.w.order - b.w.order || a.i - b.i).map(({ w: { order: _o, ...w } }) => w)
      if (Object.keys(errors).length === 0) {
        const result = await store.setLayout(c.site, ordered)
        if (!('errors' in result)) return done(c)
        for (const e of result.errors) {
          const m = 'pointer' in e.location ? /^\/widgets\/(\d+)\/config\/?([^/]*)/.exec(e.location.pointer) : null
          const w = m ? ordered[Number(m[1])] : undefined
          if (w) errors[`config-${w.id}-${m![2] || 'count'}`] = ctx.i18n.t(c, 'intranet.config.invalid', { detail: e.detail })
        }
      }
      await manage(c, { values: body, errors }, 400)
    })

    router.post<{ type?: string; column?: 'main' | 'side' }>(
      'intranet.page.widgets.add',
      '/intranet/manage/widgets/add',
      { hidden: true, form: { type: 'object', properties: { type: { type: 'string', maxLength: 100 }, column: { enum: ['main', 'side'] } } } },
      async c => {
        adminPost(c)
        const layout = await store.layout(c.site)
        const result = await store.setLayout(c.site, [...layout, { type: c.input.body.type ?? '', column: c.input.body.column ?? 'main', config: {} }])
        if ('errors' in result) throw problems.badRequest('This site has no such widget type.', { code: 'INVALID_INPUT', errors: [{ in: 'body', location: { pointer: '/type' }, detail: 'is not a widget type on this site', code: 'widget' }] })
        done(c)
      },
    )

    router.post<{ links?: string }>('intranet.page.links', '/intranet/manage/links', { hidden: true, form: { type: 'object', properties: { links: { type: 'string', maxLength: 110000 } } } }, async c => {
      adminPost(c)
      const parsed = parseLines(c.input.body.links ?? '', false)
      if ('problem' in parsed) {
        const text = parsed.problem === 'tooMany' ? ctx.i18n.t(c, 'intranet.lines.tooMany') : ctx.i18n.t(c, 'intranet.lines.invalid', { line: parsed.line })
        return manage(c, { values: { links: c.input.body.links ?? '' }, errors: { links: text } }, 400)
      }
      const layout = await store.layout(c.site)
      const links = parsed.items.map(({ label, url }) => ({ label, url }))
      const at = layout.findIndex(w => w.type === 'intranet.quickLinks')
      // The first quick-links widget gets the links; without one, a new one goes into the side column.
      const next: Array<Omit<Placed, 'id'> & { id?: string }> = at >= 0 ? layout.map((w, i) => (i === at ? { ...w, config: { ...w.config, links } } : w)) : [...layout, { type: 'intranet.quickLinks', column: 'side', config: { links } }]
      const result = await store.setLayout(c.site, next)
      if ('errors' in result) return manage(c, { values: { links: c.input.body.links ?? '' }, errors: { links: result.errors[0]!.detail } }, 400)
      done(c)
    })

    router.post<{ text?: string; level?: (typeof LEVELS)[number]; startsAt?: string; endsAt?: string }>(
      'intranet.page.announce',
      '/intranet/manage/announcements',
      { hidden: true, form: { type: 'object', properties: { text: { type: 'string', maxLength: 1000 }, level: { enum: [...LEVELS] }, startsAt: { type: 'string', maxLength: 40 }, endsAt: { type: 'string', maxLength: 40 } } } },
      async c => {
        adminPost(c)
        const v = c.input.body
        const errors: Record<string, string> = {}
        const start = zonedTime(v.startsAt ?? '', TIME_ZONE)
        const end = zonedTime(v.endsAt ?? '', TIME_ZONE)
        if (!v.text?.trim()) errors.text = ctx.i18n.t(c, 'intranet.announcement.textMissing')
        if (!start) errors.startsAt = ctx.i18n.t(c, 'intranet.announcement.time')
        if (!end) errors.endsAt = ctx.i18n.t(c, 'intranet.announcement.time')
        else if (start && end <= start) errors.endsAt = ctx.i18n.t(c, 'intranet.announcement.order')
        if (Object.keys(errors).length > 0) return manage(c, { values: { text: v.text ?? '', level: v.level ?? 'info', startsAt: v.startsAt ?? '', endsAt: v.endsAt ?? '' }, errors }, 400)
        await store.announce(c.site, c.viewer.user!.id, { text: v.text!.trim(), level: v.level ?? 'info', startsAt: start!, endsAt: end! })
        done(c)
      },
    )

    router.post<unknown, unknown, { id: string }>(
      'intranet.page.announcement.delete',
      '/intranet/manage/announcements/:id/delete',
      { hidden: true, params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, form: { type: 'object', properties: {} } },
      async c => {
        adminPost(c)
        await store.removeAnnouncement(c.site, c.input.params.id)
        done(c)
      },
    )

    router.post<{ menu?: string }>('intranet.page.menu', '/intranet/manage/menu', { hidden: true, form: { type: 'object', properties: { menu: { type: 'string', maxLength: 110000 } } } }, async c => {
      adminPost(c)
      const parsed = parseLines(c.input.body.menu ?? '', true)
      if ('problem' in parsed) {
        const text = parsed.problem === 'tooMany' ? ctx.i18n.t(c, 'intranet.lines.tooMany') : ctx.i18n.t(c, parsed.problem === 'child' ? 'intranet.menu.child' : 'intranet.lines.invalid', { line: parsed.line })
        return manage(c, { values: { menu: c.input.body.menu ?? '' }, errors: { menu: text } }, 400)
      }
      await store.setMenu(c.site, parsed.items)
      done(c)
    })
  })
}

