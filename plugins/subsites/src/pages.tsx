// Admin pages for subsites (root-site administrators): list, create, edit, plugins on/off with their settings
// forms (generated from each plugin's JSON Schema by the kernel), disable, delete with confirmation.
// Forms work without JavaScript: POST + CSRF, redirect after post, errors next to the field.
import { createAjv, HttpProblem, kernelAdminMenu, problems, readSchemaForm, THEMES, type AdminNavItem, type PluginChoice, type PluginContext, type ProblemFieldError, type RequestContext, type View } from '@plein/core'
import type { SubsiteInput, SubsiteRecord } from './api.js'
import type { SubsiteActions } from './actions.js'
import type { SubsiteDirectory } from './directory.js'
import { fields as apiFields } from './routes/subsites.js'

type Message = { kind: 'info' | 'ok' | 'warning' | 'error'; text: string }

const messages = {
  nl: {
    'subsites.nav': 'Deelsites',
    'subsites.title': 'Beheer: deelsites',
    'subsites.new': 'Nieuwe deelsite',
    'subsites.new.title': 'Beheer: nieuwe deelsite',
    'subsites.edit.title': 'Beheer: deelsite {name}',
    'subsites.plugins.title': 'Beheer: plugins van {name}',
    'subsites.delete.title': 'Beheer: {name} verwijderen',
    'subsites.none': 'Er zijn nog geen deelsites.',
    'subsites.more': 'Meer laden',
    'subsites.caption': 'Deelsites, nieuwste eerst',
    'subsites.name': 'Naam',
    'subsites.host': 'Hostnaam',
    'subsites.host.hint': 'Bijvoorbeeld intranet.voorbeeld.nl.',
    'subsites.plugins': 'Plugins',
    'subsites.status': 'Status',
    'subsites.actions': 'Acties',
    'subsites.active': 'Actief',
    'subsites.disabledState': 'Uitgeschakeld',
    'subsites.edit': 'Wijzigen',
    'subsites.editPlugins': 'Plugins',
    'subsites.delete': 'Verwijderen',
    'subsites.membership': 'Lidmaatschap',
    'subsites.language': 'Standaardtaal',
    'subsites.language.nl': 'Nederlands',
    'subsites.language.en': 'Engels',
    'subsites.membership.open': 'Open: ieder ingelogd account is lid',
    'subsites.membership.approval': 'Na goedkeuring door een beheerder',
    'subsites.membership.invite': 'Alleen op uitnodiging',
    'subsites.domains': 'Toegestane e-maildomeinen',
    'subsites.domains.hint': 'Eén per regel, bijvoorbeeld haarlem.nl. Leeg: ieder account.',
    'subsites.admins': 'Beheerders',
    'subsites.admins.hint': 'E-mailadressen, één per regel.',
    'subsites.theme': 'Thema',
    'subsites.themeName': 'Tokenset',
    'subsites.logoUrl': 'Logo (URL)',
    'subsites.logoUrl.hint': 'Een https-adres, een pad op deze site of een data:image-URL.',
    'subsites.primaryColor': 'Hoofdkleur',
    'subsites.primaryColor.hint': 'Zes hexadecimale cijfers, bijvoorbeeld #00578a. Leeg: die van het thema.',
    'subsites.disabled': 'Uitgeschakeld (de deelsite antwoordt 404, de gegevens blijven)',
    'subsites.save': 'Opslaan',
    'subsites.create': 'Deelsite maken',
    'subsites.cancel': 'Terug naar de deelsites',
    'subsites.plugin.on': '{id} aan',
    'subsites.plugin.needs': 'Heeft nodig: {names}.',
    'subsites.plugin.settings': 'Instellingen van {id}',
    'subsites.plugin.noSettings': 'Deze plugin heeft geen instellingen.',
    'subsites.delete.confirm': 'Weet je het zeker? De deelsite {name} ({host}) en alles wat erop staat worden verwijderd. Dit kan niet ongedaan worden gemaakt.',
    'subsites.delete.submit': 'Ja, verwijder de deelsite',
    'subsites.done.created': 'De deelsite is gemaakt.',
    'subsites.done.saved': 'De wijzigingen zijn opgeslagen; ze werken meteen.',
    'subsites.done.deleted': 'De deelsite is verwijderd.',
    'subsites.error.fix': 'Verbeter de gemarkeerde velden.',
    'subsites.notFound': 'Deze deelsite bestaat niet (meer).',
    'subsites.forbidden': 'Alleen beheerders van de hoofdsite beheren deelsites.',
    'subsites.forbidden.title': 'Geen toegang',
    'subsites.open': 'Openen',
  },
  en: {
    'subsites.nav': 'Subsites',
    'subsites.title': 'Admin: subsites',
    'subsites.new': 'New subsite',
    'subsites.new.title': 'Admin: new subsite',
    'subsites.edit.title': 'Admin: subsite {name}',
    'subsites.plugins.title': 'Admin: plugins of {name}',
    'subsites.delete.title': 'Admin: delete {name}',
    'subsites.none': 'There are no subsites yet.',
    'subsites.more': 'Load more',
    'subsites.caption': 'Subsites, newest first',
    'subsites.name': 'Name',
    'subsites.host': 'Host name',
    'subsites.host.hint': 'For example intranet.example.org.',
    'subsites.plugins': 'Plugins',
    'subsites.status': 'Status',
    'subsites.actions': 'Actions',
    'subsites.active': 'Active',
    'subsites.disabledState': 'Disabled',
    'subsites.edit': 'Edit',
    'subsites.editPlugins': 'Plugins',
    'subsites.delete': 'Delete',
    'subsites.membership': 'Membership',
    'subsites.language': 'Default language',
    'subsites.language.nl': 'Dutch',
    'subsites.language.en': 'English',
    'subsites.membership.open': 'Open: every signed-in account is a member',
    'subsites.membership.approval': 'After an administrator approves',
    'subsites.membership.invite': 'By invitation only',
    'subsites.domains': 'Allowed e-mail domains',
    'subsites.domains.hint': 'One per line, for example haarlem.nl. Empty: every account.',
    'subsites.admins': 'Administrators',
    'subsites.admins.hint': 'E-mail addresses, one per line.',
    'subsites.theme': 'Theme',
    'subsites.themeName': 'Token set',
    'subsites.logoUrl': 'Logo (URL)',
    'subsites.logoUrl.hint': 'An https address, a path on this site or a data:image URL.',
    'subsites.primaryColor': 'Primary colour',
    'subsites.primaryColor.hint': "Six hexadecimal digits, for example #00578a. Empty: the theme's own.",
    'subsites.disabled': 'Disabled (the subsite answers 404; its data stays)',
    'subsites.save': 'Save',
    'subsites.create': 'Create subsite',
    'subsites.cancel': 'Back to the subsites',
    'subsites.plugin.on': '{id} on',
    'subsites.plugin.needs': 'Needs: {names}.',
    'subsites.plugin.settings': 'Settings of {id}',
    'subsites.plugin.noSettings': 'This plugin has no settings.',
    'subsites.delete.confirm': 'Are you sure? The subsite {name} ({host}) and everything on it will be deleted. This cannot be undone.',
    'subsites.delete.submit': 'Yes, delete the subsite',
    'subsites.done.created': 'The subsite was created.',
    'subsites.done.saved': 'The changes are saved; they work at once.',
    'subsites.done.deleted': 'The subsite was deleted.',
    'subsites.error.fix': 'Correct the marked fields.',
    'subsites.notFound': 'This subsite does not exist (any more).',
    'subsites.forbidden': "Only the root site's administrators manage subsites.",
    'subsites.forbidden.title': 'No access',
    'subsites.open': 'Open',
  },
}

/** The edit form's fields as the person typed them. */
interface FormValues {
  name: string
  host: string
  membership: string
  language: string
  allowedEmailDomains: string
  admins: string
  themeName: string
  logoUrl: string
  primaryColor: string
  disabled: boolean
}

interface Common {
  nav: AdminNavItem[]
  message?: Message
}

const lines = (text: string | undefined) =>
  (text ?? '')
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l !== '')

const Csrf: View = ({ ui }) => <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />

const List: View<Common & { items: SubsiteRecord[]; next: string | null }> = ({ ui, nav, message, items, next }) => (
  <>
    {ui.view('kernel.adminNav', { items: nav })}
    {message ? ui.view('kernel.alert', message) : null}
    <p>
      <a class="utrecht-button-link utrecht-button-link--primary-action" href="/admin/subsites/new">
        {ui.t('subsites.new')}
      </a>
    </p>
    {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('subsites.none')}</p> : null}
    {items.length > 0 ? (
      <table class="plein-table">
        <caption class="utrecht-heading-2">{ui.t('subsites.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{ui.t('subsites.name')}</th>
            <th scope="col">{ui.t('subsites.host')}</th>
            <th scope="col">{ui.t('subsites.plugins')}</th>
            <th scope="col">{ui.t('subsites.status')}</th>
            <th scope="col">{ui.t('subsites.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map(s => (
            <tr>
              <td>{s.name}</td>
              <td>{s.host}</td>
              <td>{s.plugins.join(', ')}</td>
              <td>{s.disabled ? ui.t('subsites.disabledState') : ui.t('subsites.active')}</td>
              <td>
                <ul class="plein-actions">
                  <li>
                    <a class="utrecht-link" href={`/admin/subsites/${s.id}`} aria-label={`${ui.t('subsites.edit')}: ${s.name}`}>
                      {ui.t('subsites.edit')}
                    </a>
                  </li>
                  <li>
                    <a class="utrecht-link" href={`/admin/subsites/${s.id}/plugins`} aria-label={`${ui.t('subsites.editPlugins')}: ${s.name}`}>
                      {ui.t('subsites.editPlugins')}
                    </a>
                  </li>
                  <li>
                    <a class="utrecht-link" href={`/admin/subsites/${s.id}/delete`} aria-label={`${ui.t('subsites.delete')}: ${s.name}`}>
                      {ui.t('subsites.delete')}
                    </a>
                  </li>
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    ) : null}
    {ui.view('kernel.more', { path: '/admin/subsites', cursor: next, label: ui.t('subsites.more') })}
  </>
)

const SubsiteForm: View<Common & { id?: string; values: FormValues; errors?: Record<string, string> }> = ({ ui, nav, message, id, values, errors = {} }) => {
  const select = (name: string, label: string, options: Array<[string, string]>, value: string) => (
    <div class={`utrecht-form-field${errors[name] ? ' utrecht-form-field--invalid' : ''}`}>
      <label class="utrecht-form-label" for={`field-${name}`}>
        {label}
      </label>
      {errors[name] ? (
        <p class="utrecht-form-field-error-message plein-field-error" id={`field-${name}-error`}>
          {errors[name]}
        </p>
      ) : null}
      <select class="utrecht-select utrecht-select--html-select" id={`field-${name}`} name={name} aria-invalid={errors[name] ? 'true' : undefined} aria-describedby={errors[name] ? `field-${name}-error` : undefined}>
        {options.map(([v, l]) => (
          <option value={v} selected={v === value}>
            {l}
          </option>
        ))}
      </select>
    </div>
  )
  return (
    <>
      {ui.view('kernel.adminNav', { items: nav })}
      {message ? ui.view('kernel.alert', message) : null}
      <form class="plein-form plein-form--wide" method="post" action={id ? `/admin/subsites/${id}` : '/admin/subsites'} novalidate>
        <Csrf ui={ui} />
        {ui.view('kernel.field', { name: 'name', label: ui.t('subsites.name'), value: values.name, error: errors.name, required: true })}
        {ui.view('kernel.field', { name: 'host', label: ui.t('subsites.host'), value: values.host, error: errors.host, hint: ui.t('subsites.host.hint'), required: true })}
        {select(
          'membership',
          ui.t('subsites.membership'),
          (['open', 'approval', 'invite'] as const).map(m => [m, ui.t(`subsites.membership.${m}`)]),
          values.membership,
        )}
        {select(
          'language',
          ui.t('subsites.language'),
          (['nl', 'en'] as const).map(l => [l, ui.t(`subsites.language.${l}`)]),
          values.language,
        )}
        {ui.view('kernel.field', { name: 'allowedEmailDomains', label: ui.t('subsites.domains'), type: 'textarea', value: values.allowedEmailDomains, error: errors.allowedEmailDomains, hint: ui.t('subsites.domains.hint') })}
        {ui.view('kernel.field', { name: 'admins', label: ui.t('subsites.admins'), type: 'textarea', value: values.admins, error: errors.admins, hint: ui.t('subsites.admins.hint') })}
        <fieldset class="plein-fieldset">
          <legend class="utrecht-form-label">{ui.t('subsites.theme')}</legend>
          {select(
            'themeName',
            ui.t('subsites.themeName'),
            Object.entries(THEMES).map(([k, d]) => [k, d.label[ui.locale]]),
            values.themeName,
          )}
          {ui.view('kernel.field', { name: 'logoUrl', label: ui.t('subsites.logoUrl'), value: values.logoUrl, error: errors.logoUrl, hint: ui.t('subsites.logoUrl.hint') })}
          {ui.view('kernel.field', { name: 'primaryColor', label: ui.t('subsites.primaryColor'), value: values.primaryColor, error: errors.primaryColor, hint: ui.t('subsites.primaryColor.hint') })}
        </fieldset>
        {id ? (
          <div class="utrecht-form-field utrecht-form-field--checkbox">
            <input type="hidden" name="disabled" value="false" />
            <input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" id="field-disabled" name="disabled" value="true" checked={values.disabled} />{' '}
            <label class="utrecht-form-label utrecht-form-label--checkbox" for="field-disabled">
              {ui.t('subsites.disabled')}
            </label>
          </div>
        ) : null}
        {ui.view('kernel.submit', { label: id ? ui.t('subsites.save') : ui.t('subsites.create') })}
      </form>
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href="/admin/subsites">
          {ui.t('subsites.cancel')}
        </a>
      </p>
    </>
  )
}

/** The texts of a plugin's fieldset (`kernel.pluginSettings`): this page's own. */
const pluginMessages = { on: 'subsites.plugin.on', needs: 'subsites.plugin.needs', settings: 'subsites.plugin.settings' }

const PluginsForm: View<Common & { record: SubsiteRecord; plugins: PluginChoice[] }> = ({ ui, nav, message, record, plugins }) => (
  <>
    {ui.view('kernel.adminNav', { items: nav })}
    {message ? ui.view('kernel.alert', message) : null}
    <form class="plein-form plein-form--wide" method="post" action={`/admin/subsites/${record.id}/plugins`} novalidate>
      <Csrf ui={ui} />
      {plugins.map(p => ui.view('kernel.pluginSettings', { plugin: p, prefix: 'settings:', open: p.on, messages: pluginMessages }))}
      {ui.view('kernel.submit', { label: ui.t('subsites.save') })}
    </form>
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/admin/subsites">
        {ui.t('subsites.cancel')}
      </a>
    </p>
  </>
)

const Delete: View<Common & { record: SubsiteRecord }> = ({ ui, nav, record }) => (
  <>
    {ui.view('kernel.adminNav', { items: nav })}
    {ui.view('kernel.alert', { kind: 'warning', text: ui.t('subsites.delete.confirm', { name: record.name, host: record.host }) })}
    <form class="plein-form" method="post" action={`/admin/subsites/${record.id}/delete`}>
      <Csrf ui={ui} />
      {ui.view('kernel.submit', { label: ui.t('subsites.delete.submit') })}
    </form>
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/admin/subsites">
        {ui.t('subsites.cancel')}
      </a>
    </p>
  </>
)

const toValues = (r?: SubsiteRecord): FormValues => ({
  name: r?.name ?? '',
  host: r?.host ?? '',
  membership: r?.membership ?? 'open',
  language: String((r?.siteSettings as { language?: string } | undefined)?.language ?? 'nl'),
  allowedEmailDomains: (r?.allowedEmailDomains ?? []).join('\n'),
  admins: (r?.admins ?? []).join('\n'),
  themeName: String((r?.theme as { name?: string } | undefined)?.name ?? 'voorbeeld'),
  logoUrl: String((r?.theme as { logoUrl?: string } | undefined)?.logoUrl ?? ''),
  primaryColor: String((r?.theme as { primaryColor?: string } | undefined)?.primaryColor ?? ''),
  disabled: r?.disabled ?? false,
})

/** The API's input from the form's values (lists from lines; an empty colour or logo left out). */
function toInput(v: FormValues, current?: SubsiteRecord): Partial<SubsiteInput> & { name: string; host: string } {
  const theme: Record<string, string> = { name: v.themeName }
  if (v.logoUrl.trim()) theme.logoUrl = v.logoUrl.trim()
  if (v.primaryColor.trim()) theme.primaryColor = v.primaryColor.trim()
  return {
    name: v.name.trim(),
    host: v.host.trim(),
    membership: v.membership as SubsiteInput['membership'],
    allowedEmailDomains: lines(v.allowedEmailDomains).map(d => d.toLowerCase()),
    admins: lines(v.admins),
    // The other kernel settings of the subsite stay as they are; the form changes the language only.
    siteSettings: { ...(current?.siteSettings ?? {}), language: v.language },
    theme,
    disabled: v.disabled,
  }
}

/** The form field an API pointer names (`/theme/primaryColor` → primaryColor, `/admins/2` → admins). */
function formErrors(errors: readonly ProblemFieldError[]): { byField: Record<string, string>; rest: string[] } {
  const byField: Record<string, string> = {}
  const rest: string[] = []
  for (const e of errors) {
    const pointer = 'pointer' in e.location ? e.location.pointer : ''
    const m = /^\/(name|host|membership|allowedEmailDomains|admins|theme\/(name|logoUrl|primaryColor)|siteSettings\/(language))(\/|$)/.exec(pointer)
    if (!m) {
      rest.push(`${pointer} ${e.detail}`.trim())
      continue
    }
    const field = m[3] ?? (m[2] ? (m[2] === 'name' ? 'themeName' : m[2]) : m[1]!)
    byField[field] = byField[field] ? `${byField[field]}; ${e.detail}` : e.detail
  }
  return { byField, rest }
}

const formSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 1000 },
    host: { type: 'string', maxLength: 1000 },
    membership: { type: 'string', maxLength: 20 },
    language: { type: 'string', maxLength: 20 },
    allowedEmailDomains: { type: 'string', maxLength: 30000 },
    admins: { type: 'string', maxLength: 30000 },
    themeName: { type: 'string', maxLength: 100 },
    logoUrl: { type: 'string', maxLength: 4000 },
    primaryColor: { type: 'string', maxLength: 100 },
    disabled: { enum: ['true', 'false'] },
  },
}

const uuidParams = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }

export function subsitePages(ctx: PluginContext, directory: SubsiteDirectory, actions: SubsiteActions): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('subsites.admin.list', List)
  ctx.views.define('subsites.admin.form', SubsiteForm)
  ctx.views.define('subsites.admin.plugins', PluginsForm)
  ctx.views.define('subsites.admin.delete', Delete)
  const t = ctx.i18n.t

  // The same schema the JSON API validates its body with: one set of rules for both doors.
  const validateInput = createAjv({ useDefaults: false }).compile({ type: 'object', required: ['name', 'host'], properties: apiFields })

  ctx.hooks.kernel.adminNavigation.tap((items, site, viewer, locale) =>
    site.isRoot && viewer.isAdmin ? [...items, { label: messages[locale === 'en' ? 'en' : 'nl']['subsites.nav'], href: '/admin/subsites' }] : items,
  )

  /** The kernel's admin menu (with ours in it, through the hook) for a request. */
  const nav = async (c: RequestContext): Promise<AdminNavItem[]> => {
    const base = kernelAdminMenu(key => t(c, key))
    return ctx.hooks.kernel.adminNavigation.call(c.site, base, c.site, c.viewer, t(c, 'kernel.locale'))
  }

  /** Root-site administrators only: others sign in first, or get a 403 page; on a subsite these pages do not exist. */
  const guard = async (c: RequestContext): Promise<boolean> => {
    if (!c.site.isRoot) throw problems.notFound('Not found.', { code: 'ROUTE_NOT_FOUND' })
    if (!c.viewer.user) {
      c.redirect(`/auth/sign-in?next=${encodeURIComponent(c.path)}`)
      return false
    }
    if (!c.viewer.isAdmin) {
      await ctx.views.page(c, { title: t(c, 'subsites.forbidden.title'), view: 'kernel.problem', status: 403, props: { detail: t(c, 'subsites.forbidden') } })
      return false
    }
    return true
  }

  const load = async (id: string) => {
    const record = await directory.get(id)
    if (!record) throw problems.notFound('No such subsite.', { code: 'SUBSITE_NOT_FOUND' })
    return record
  }

  const done = (c: RequestContext, key: string | undefined): Message | undefined => (key ? { kind: 'ok', text: t(c, `subsites.done.${key}`) } : undefined)

  /** Validates with the API's schema, then runs the action; a 400 comes back as field errors, a 409 on the host. */
  const submit = async (c: RequestContext, values: FormValues, record: SubsiteRecord | undefined, render: (errors: Record<string, string>, message: Message, status: number) => Promise<void>) => {
    const id = record?.id
    const input = toInput(values, record)
    if (!id) delete input.disabled
    if (!validateInput({ ...input })) {
      const errors: ProblemFieldError[] = (validateInput.errors ?? []).map(e => ({ in: 'body' as const, location: { pointer: e.keyword === 'required' ? `/${e.params.missingProperty}` : e.instancePath }, detail: e.message ?? 'is invalid', code: e.keyword }))
      // The directory's own checks too (host, theme, domains against the kernel's site schema): every problem at once.
      try {
        directory.check({ ...input, plugins: record?.plugins ?? [], settings: record?.settings }, id)
      } catch (error) {
        if (!(error instanceof HttpProblem)) throw error
        const seen = new Set(errors.map(e => ('pointer' in e.location ? e.location.pointer : '')))
        errors.push(...(error.errors ?? []).filter(e => !seen.has('pointer' in e.location ? e.location.pointer : '')))
      }
      const placed = formErrors(errors)
      return render(placed.byField, { kind: 'error', text: [t(c, 'subsites.error.fix'), ...placed.rest].join(' ') }, 400)
    }
    try {
      const record = id ? await actions.update(id, input, c.viewer.user!.id) : await actions.create({ ...input, plugins: [] }, c.viewer.user!.id)
      c.redirect(id ? `/admin/subsites/${record.id}?done=saved` : `/admin/subsites/${record.id}/plugins?done=created`)
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status >= 500 || error.status === 404) throw error
      const placed = formErrors(error.errors ?? [])
      if (error.status === 409) placed.byField.host = error.detail
      return render(placed.byField, { kind: 'error', text: [error.status === 400 ? t(c, 'subsites.error.fix') : error.detail, ...placed.rest].join(' ') }, error.status)
    }
  }

  const readValues = (body: Record<string, string | undefined>): FormValues => ({
    name: body.name ?? '',
    host: body.host ?? '',
    membership: body.membership ?? 'open',
    language: body.language ?? 'nl',
    allowedEmailDomains: body.allowedEmailDomains ?? '',
    admins: body.admins ?? '',
    themeName: body.themeName ?? 'voorbeeld',
    logoUrl: body.logoUrl ?? '',
    primaryColor: body.primaryColor ?? '',
    disabled: body.disabled === 'true',
  })

  /** The plugin choices of a subsite: every installed plugin but this one, with its schema and current settings. */
  const choices = (record: SubsiteRecord, on: Set<string>, settings: Record<string, unknown>): PluginChoice[] =>
    ctx.sites
      .installed()
      .filter(p => p.id !== ctx.id)
      .map(p => ({
        id: p.id,
        version: p.version,
        dependencies: Object.keys(p.dependencies),
        schema: p.settingsSchema as Record<string, any>,
        on: on.has(p.id),
        settings: settings[p.id] ?? record.settings[p.id] ?? {},
      }))

  ctx.routes(router => {
    router.get<unknown, { cursor?: string; done?: string }>(
      'subsites.page.list',
      '/admin/subsites',
      { hidden: true, query: { type: 'object', properties: { cursor: { type: 'string', maxLength: 200 }, done: { enum: ['deleted'] } } } },
      async c => {
        if (!(await guard(c))) return
        const page = await directory.page(20, c.input.query.cursor)
        await ctx.views.page(c, { title: t(c, 'subsites.title'), view: 'subsites.admin.list', props: { nav: await nav(c), items: page.items, next: page.nextCursor, message: done(c, c.input.query.done) } })
      },
    )

    router.get('subsites.page.new', '/admin/subsites/new', { hidden: true }, async c => {
      if (!(await guard(c))) return
      await ctx.views.page(c, { title: t(c, 'subsites.new.title'), view: 'subsites.admin.form', props: { nav: await nav(c), values: toValues() } })
    })

    router.post<Record<string, string>>('subsites.page.create', '/admin/subsites', { hidden: true, form: formSchema }, async c => {
      if (!(await guard(c))) return
      const values = readValues(c.input.body)
      await submit(c, values, undefined, async (errors, message, status) =>
        ctx.views.page(c, { title: t(c, 'subsites.new.title'), view: 'subsites.admin.form', status, props: { nav: await nav(c), values, errors, message } }),
      )
    })

    router.get<unknown, { done?: string }, { id: string }>(
      'subsites.page.edit',
      '/admin/subsites/:id',
      { hidden: true, params: uuidParams, query: { type: 'object', properties: { done: { enum: ['saved'] } } } },
      async c => {
        if (!(await guard(c))) return
        const record = await load(c.input.params.id)
        await ctx.views.page(c, { title: t(c, 'subsites.edit.title', { name: record.name }), view: 'subsites.admin.form', props: { nav: await nav(c), id: record.id, values: toValues(record), message: done(c, c.input.query.done) } })
      },
    )

    router.post<Record<string, string>, unknown, { id: string }>('subsites.page.update', '/admin/subsites/:id', { hidden: true, params: uuidParams, form: formSchema }, async c => {
      if (!(await guard(c))) return
      const record = await load(c.input.params.id)
      const values = readValues(c.input.body)
      await submit(c, values, record, async (errors, message, status) =>
        ctx.views.page(c, { title: t(c, 'subsites.edit.title', { name: record.name }), view: 'subsites.admin.form', status, props: { nav: await nav(c), id: record.id, values, errors, message } }),
      )
    })

    router.get<unknown, { done?: string }, { id: string }>(
      'subsites.page.plugins',
      '/admin/subsites/:id/plugins',
      { hidden: true, params: uuidParams, query: { type: 'object', properties: { done: { enum: ['saved', 'created'] } } } },
      async c => {
        if (!(await guard(c))) return
        const record = await load(c.input.params.id)
        await ctx.views.page(c, {
          title: t(c, 'subsites.plugins.title', { name: record.name }),
          view: 'subsites.admin.plugins',
          props: { nav: await nav(c), record, plugins: choices(record, new Set(record.plugins), {}), message: done(c, c.input.query.done) },
        })
      },
    )

    router.post<Record<string, string>, unknown, { id: string }>(
      'subsites.page.plugins.save',
      '/admin/subsites/:id/plugins',
      { hidden: true, params: uuidParams, form: { type: 'object', additionalProperties: { type: 'string', maxLength: 30000 } } },
      async c => {
        if (!(await guard(c))) return
        const record = await load(c.input.params.id)
        const installed = ctx.sites.installed().filter(p => p.id !== ctx.id)
        const plugins = installed.filter(p => c.input.body[`plugin:${p.id}`] === 'true').map(p => p.id)
        // Settings of the plugins switched on, read from their generated forms; the kernel checks them against each schema.
        const settings: Record<string, Record<string, unknown>> = {}
        for (const p of installed) {
          const schema = p.settingsSchema as Record<string, any>
          if (plugins.includes(p.id) && schema?.properties && Object.keys(schema.properties).length > 0) settings[p.id] = readSchemaForm(schema, c.input.body, `settings:${p.id}`)
        }
        try {
          await actions.update(record.id, { plugins, settings }, c.viewer.user!.id)
          c.redirect(`/admin/subsites/${record.id}/plugins?done=saved`)
        } catch (error) {
          if (!(error instanceof HttpProblem) || error.status !== 400) throw error
          // `/plugins/<i>` names the i-th plugin sent; `/settings/<id>/<pointer>` a field of that plugin's form.
          const pluginErrors = new Map<string, string>()
          const settingsErrors = new Map<string, Record<string, string>>()
          for (const e of error.errors ?? []) {
            const pointer = 'pointer' in e.location ? e.location.pointer : ''
            const byIndex = /^\/plugins\/(\d+)$/.exec(pointer)
            const inSettings = /^\/settings\/([^/]+)(.*)$/.exec(pointer)
            if (byIndex) pluginErrors.set(plugins[Number(byIndex[1])] ?? '', e.detail)
            else if (inSettings) {
              const id = inSettings[1]!.replace(/~1/g, '/').replace(/~0/g, '~')
              settingsErrors.set(id, { ...(settingsErrors.get(id) ?? {}), [inSettings[2]!]: e.detail })
            }
          }
          const list = choices(record, new Set(plugins), settings).map(p => ({ ...p, error: pluginErrors.get(p.id), settingsErrors: settingsErrors.get(p.id) }))
          await ctx.views.page(c, {
            title: t(c, 'subsites.plugins.title', { name: record.name }),
            view: 'subsites.admin.plugins',
            status: 400,
            props: { nav: await nav(c), record, plugins: list, message: { kind: 'error', text: error.detail } },
          })
        }
      },
    )

    router.get<unknown, unknown, { id: string }>('subsites.page.delete', '/admin/subsites/:id/delete', { hidden: true, params: uuidParams }, async c => {
      if (!(await guard(c))) return
      const record = await load(c.input.params.id)
      await ctx.views.page(c, { title: t(c, 'subsites.delete.title', { name: record.name }), view: 'subsites.admin.delete', props: { nav: await nav(c), record } })
    })

    router.post<unknown, unknown, { id: string }>('subsites.page.remove', '/admin/subsites/:id/delete', { hidden: true, params: uuidParams, form: { type: 'object', properties: {} } }, async c => {
      if (!(await guard(c))) return
      const record = await load(c.input.params.id)
      await actions.remove(record.id, c.viewer.user!.id)
      c.redirect('/admin/subsites?done=deleted')
    })
  })
}
