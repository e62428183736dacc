// Directory pages: search colleagues (GET form, cursor paging), a profile page, "edit my profile" made from the
// site's field definitions, and for administrators the CSV import (pasted text) with its report and the export.
import { problems, type ItemJson, type PluginContext, type ProblemFieldError, type RouteContext, type View } from '@plein/core'
import type { FieldDefinition } from './api.js'
import { mayUse, viewerLevel } from './fields.js'
import { checkImport, REPORT_MAX, type ImportProblem } from './routes/transfer.js'
import type { PeopleStore, ProfileJson } from './service.js'
import type { PersonJson } from './api.js'

const messages = {
  nl: {
    'people.nav': 'Collega’s', 'people.title': 'Collega’s', 'people.search': 'Zoeken', 'people.q': 'Naam of trefwoord', 'people.department': 'Afdeling', 'people.skill': 'Vaardigheid',
    'people.none': 'Geen collega’s gevonden.', 'people.next': 'Volgende collega’s', 'people.editMine': 'Mijn profiel bewerken', 'people.import': 'Collega’s importeren (CSV)', 'people.export': 'Alle profielen exporteren (CSV)',
    'people.email': 'E-mailadres', 'people.groups': 'Groepen', 'people.groups.none': 'Geen groepen die je kunt zien.', 'people.recent': 'Recent geplaatst', 'people.recent.none': 'Nog niets geplaatst dat je kunt zien.',
    'people.noFields': 'Geen gegevens die je kunt zien.', 'people.edit.title': 'Mijn profiel', 'people.save': 'Opslaan', 'people.saved': 'Je profiel is opgeslagen.', 'people.membersOnly': 'Alleen leden van deze site hebben hier een profiel.',
    'people.listHint': 'Eén per regel.', 'people.adminsOnly': 'Beheerders houden dit veld bij.', 'people.empty': '(leeg)',
    'people.error.format.email': 'Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.', 'people.error.format.phone': 'Vul een telefoonnummer in: cijfers, spaties en + ( ) - . /', 'people.error.maxLength': 'Gebruik hoogstens {n} tekens.',
    'people.error.maxItems': 'Geef hoogstens {n} waarden.', 'people.error.pattern': 'Gebruik geen puntkomma’s of stuurtekens.', 'people.error.readOnly': 'Alleen beheerders wijzigen dit veld.', 'people.error.type': 'Deze waarde is niet geldig.',
    'people.import.title': 'Collega’s importeren', 'people.import.csv': 'CSV-tekst', 'people.import.hint': 'Plak de inhoud van een CSV-bestand (UTF-8, komma of puntkomma). De eerste regel noemt de kolommen: email, name en dan velden: {fields}. Een lijst scheid je met “;”.',
    'people.import.submit': 'Controleren en importeren', 'people.import.done': '{rows} rijen geïmporteerd: {created} nieuwe en {updated} bijgewerkte profielen, {accounts} nieuwe accounts.',
    'people.import.failed': 'Er is niets geïmporteerd: de tekst heeft {n} problemen (rij 1 is de kopregel).', 'people.import.missing': 'Plak de CSV-tekst.', 'people.report': 'Controleverslag', 'people.report.row': 'Rij', 'people.report.field': 'Veld', 'people.report.reason': 'Waarom',
    'people.report.more': 'En nog {n} problemen.', 'people.newest': 'Nieuwe collega’s', 'people.report.whole': '(hele rij)',
  },
  en: {
    'people.nav': 'Colleagues', 'people.title': 'Colleagues', 'people.search': 'Search', 'people.q': 'Name or keyword', 'people.department': 'Department', 'people.skill': 'Skill',
    'people.none': 'No colleagues found.', 'people.next': 'Next colleagues', 'people.editMine': 'Edit my profile', 'people.import': 'Import colleagues (CSV)', 'people.export': 'Export all profiles (CSV)',
    'people.email': 'E-mail address', 'people.groups': 'Groups', 'people.groups.none': 'No groups you can see.', 'people.recent': 'Recently posted', 'people.recent.none': 'Nothing posted that you can see yet.',
    'people.noFields': 'No details you can see.', 'people.edit.title': 'My profile', 'people.save': 'Save', 'people.saved': 'Your profile is saved.', 'people.membersOnly': 'Only members of this site have a profile here.',
    'people.listHint': 'One per line.', 'people.adminsOnly': 'Administrators keep this field.', 'people.empty': '(empty)',
    'people.error.format.email': 'Enter a valid e-mail address, like name@example.org.', 'people.error.format.phone': 'Enter a phone number: digits, spaces and + ( ) - . /', 'people.error.maxLength': 'Use at most {n} characters.',
    'people.error.maxItems': 'Give at most {n} values.', 'people.error.pattern': 'Use no semicolons or control characters.', 'people.error.readOnly': 'Only administrators change this field.', 'people.error.type': 'This value is not valid.',
    'people.import.title': 'Import colleagues', 'people.import.csv': 'CSV text', 'people.import.hint': 'Paste the contents of a CSV file (UTF-8, comma or semicolon). The first line names the columns: email, name, then fields: {fields}. Separate list values with “;”.',
    'people.import.submit': 'Check and import', 'people.import.done': '{rows} rows imported: {created} new and {updated} updated profiles, {accounts} new accounts.',
    'people.import.failed': 'Nothing was imported: the text has {n} problems (row 1 is the header).', 'people.import.missing': 'Paste the CSV text.', 'people.report': 'Validation report', 'people.report.row': 'Row', 'people.report.field': 'Field', 'people.report.reason': 'Why',
    'people.report.more': 'And {n} more problems.', 'people.newest': 'New colleagues', 'people.report.whole': '(whole row)',
  },
}

/** Problems shown on the import page at most (the API's report lists up to REPORT_MAX). */
const REPORT_SHOWN = 200

type FieldEntry = [string, FieldDefinition]

const show = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : (value ?? ''))

interface DirectoryProps {
  q: string
  department: string
  skill: string
  filters: { department: boolean; skill: boolean }
  people: PersonJson[]
  next: string | null
  fields: FieldEntry[]
  mayEdit: boolean
  isAdmin: boolean
}

const Directory: View<DirectoryProps> = ({ ui, q, department, skill, filters, people, next, fields, mayEdit, isAdmin }) => {
  const more = new URLSearchParams({ ...(q ? { q } : {}), ...(department ? { department } : {}), ...(skill ? { skill } : {}), ...(next ? { cursor: next } : {}) })
  return (
    <>
      {mayEdit || isAdmin ? (
        <p>
          {mayEdit ? (
            <a class="utrecht-button-link utrecht-button-link--primary-action" href="/people/me/edit">
              {ui.t('people.editMine')}
            </a>
          ) : null}{' '}
          {isAdmin ? (
            <a class="utrecht-button-link utrecht-button-link--secondary-action" href="/people/import">
              {ui.t('people.import')}
            </a>
          ) : null}
        </p>
      ) : null}
      <form class="plein-form" method="get" action="/people" role="search" aria-label={ui.t('people.search')}>
          {ui.view('kernel.field', { name: 'q', label: ui.t('people.q'), type: 'search', value: q })}
          {filters.department ? ui.view('kernel.field', { name: 'department', label: ui.t('people.department'), value: department }) : null}
          {filters.skill ? ui.view('kernel.field', { name: 'skill', label: ui.t('people.skill'), value: skill }) : null}
          {ui.view('kernel.submit', { label: ui.t('people.search') })}
      </form>
      {people.length === 0 ? <p class="utrecht-paragraph">{ui.t('people.none')}</p> : null}
      <ul class="plein-items">
        {people.map(p => {
          const facts = fields.filter(([name]) => p.fields[name] !== undefined).slice(0, 3)
          return (
            <li>
              <h2 class="utrecht-heading-3">
                <a class="utrecht-link" href={p.url}>
                  {p.name}
                </a>
              </h2>
              {facts.length > 0 ? <p class="plein-meta">{facts.map(([name]) => show(p.fields[name])).join(' · ')}</p> : null}
            </li>
          )
        })}
      </ul>
      {next ? (
        <p>
          <a class="utrecht-link" href={`/people?${more.toString()}`}>
            {ui.t('people.next')}
          </a>
        </p>
      ) : null}
    </>
  )
}

const Profile: View<{ person: ProfileJson; fields: FieldEntry[]; own: boolean }> = ({ ui, person, fields, own }) => {
  const shown = fields.filter(([name]) => person.fields[name] !== undefined)
  return (
    <>
      {own ? (
        <p>
          <a class="utrecht-button-link utrecht-button-link--primary-action" href="/people/me/edit">
            {ui.t('people.editMine')}
          </a>
        </p>
      ) : null}
      {shown.length === 0 && !person.email ? <p class="utrecht-paragraph">{ui.t('people.noFields')}</p> : null}
      <dl class="plein-profile">
        {person.email ? (
          <>
            <dt>{ui.t('people.email')}</dt>
            <dd>
              <a class="utrecht-link" href={`mailto:${person.email}`}>
                {person.email}
              </a>
            </dd>
          </>
        ) : null}
        {shown.map(([name, def]) => (
          <>
            <dt>{def.label[ui.locale]}</dt>
            <dd>{show(person.fields[name])}</dd>
          </>
        ))}
      </dl>
      {person.groups ? (
        <section aria-labelledby="groups-heading">
          <h2 class="utrecht-heading-2" id="groups-heading">
            {ui.t('people.groups')}
          </h2>
          {person.groups.length === 0 ? <p class="utrecht-paragraph">{ui.t('people.groups.none')}</p> : null}
          <ul>
            {person.groups.map(g => (
              <li>
                <a class="utrecht-link" href={g.url}>
                  {g.name}
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="recent-heading">
        <h2 class="utrecht-heading-2" id="recent-heading">
          {ui.t('people.recent')}
        </h2>
        {person.recent.length === 0 ? <p class="utrecht-paragraph">{ui.t('people.recent.none')}</p> : null}
        <ul class="plein-items">
          {person.recent.map((i: ItemJson) => (
            <li>
              <a class="utrecht-link" href={i.url}>
                {i.title}
              </a>{' '}
              <span class="plein-meta">{i.type}</span>
            </li>
          ))}
        </ul>
      </section>
    </>
  )
}

interface EditProps {
  fields: FieldEntry[]
  values: Record<string, string>
  errors?: Record<string, string>
  asAdmin: boolean
  saved?: boolean
  member: boolean
}

const inputType: Record<string, string> = { email: 'email', phone: 'tel', string: 'text' }

const Edit: View<EditProps> = ({ ui, fields, values, errors = {}, asAdmin, saved, member }) =>
  !member ? (
    ui.view('kernel.alert', { kind: 'info', text: ui.t('people.membersOnly') })
  ) : (
    <form class="plein-form" method="post" action="/people/me/edit" novalidate>
      {saved ? ui.view('kernel.alert', { kind: 'ok', text: ui.t('people.saved') }) : null}
      {ui.view('kernel.formErrors', { errors })}
      <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
      {fields.map(([name, def]) =>
        def.editableBy === 'admins' && !asAdmin ? (
          <div class="utrecht-form-field">
            <p class="utrecht-form-label" id={`field-${name}-label`}>
              {def.label[ui.locale]}
            </p>
            <p class="utrecht-paragraph">{values[name] ? values[name] : ui.t('people.empty')}</p>
            <p class="utrecht-form-field-description">{ui.t('people.adminsOnly')}</p>
          </div>
        ) : (
          ui.view('kernel.field', {
            name,
            label: def.label[ui.locale],
            type: def.type === 'string[]' ? 'textarea' : inputType[def.type],
            value: values[name],
            error: errors[name],
            hint: def.type === 'string[]' ? ui.t('people.listHint') : undefined,
            autocomplete: def.type === 'phone' ? 'tel' : def.type === 'email' ? 'email' : undefined,
          })
        ),
      )}
      {ui.view('kernel.submit', { label: ui.t('people.save') })}
    </form>
  )

interface ImportProps {
  fieldNames: string[]
  csv?: string
  error?: string
  report?: { problems: ImportProblem[]; total: number }
  done?: { rows: number; created: number; updated: number; accounts: number }
}

const Import: View<ImportProps> = ({ ui, fieldNames, csv, error, report, done }) => (
  <>
    {done ? ui.view('kernel.alert', { kind: 'ok', text: ui.t('people.import.done', done) }) : null}
    {report ? ui.view('kernel.alert', { kind: 'error', text: ui.t('people.import.failed', { n: report.total }) }) : null}
    {report ? (
      <section aria-labelledby="report-heading">
        <h2 class="utrecht-heading-2" id="report-heading">
          {ui.t('people.report')}
        </h2>
        <table class="utrecht-table">
          <thead class="utrecht-table__header">
            <tr class="utrecht-table__row">
              <th class="utrecht-table__header-cell" scope="col">
                {ui.t('people.report.row')}
              </th>
              <th class="utrecht-table__header-cell" scope="col">
                {ui.t('people.report.field')}
              </th>
              <th class="utrecht-table__header-cell" scope="col">
                {ui.t('people.report.reason')}
              </th>
            </tr>
          </thead>
          <tbody class="utrecht-table__body">
            {report.problems.map(p => (
              <tr class="utrecht-table__row">
                <td class="utrecht-table__cell">{p.row}</td>
                <td class="utrecht-table__cell">{p.field ?? ui.t('people.report.whole')}</td>
                <td class="utrecht-table__cell">{p.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {report.total > report.problems.length ? <p class="utrecht-paragraph">{ui.t('people.report.more', { n: report.total - report.problems.length })}</p> : null}
      </section>
    ) : null}
    <form class="plein-form" method="post" action="/people/import" novalidate>
      <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
      {ui.view('kernel.field', { name: 'csv', label: ui.t('people.import.csv'), type: 'textarea', value: csv, error, hint: ui.t('people.import.hint', { fields: fieldNames.join(', ') }), required: true })}
      {ui.view('kernel.submit', { label: ui.t('people.import.submit') })}
    </form>
    <p>
      <a class="utrecht-link" href="/api/v1/people/export" download>
        {ui.t('people.export')}
      </a>
    </p>
  </>
)

/** The intranet dashboard's "find a colleague" widget: the search form and the newest colleagues. */
const SearchWidget: View<{ data: { available?: boolean; filters?: string[]; newest?: PersonJson[] } }> = ({ ui, data }) =>
  !data.available ? (
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/people">
        {ui.t('people.title')}
      </a>
    </p>
  ) : (
    <>
      <form class="plein-form" method="get" action="/people" role="search" aria-label={ui.t('people.search')}>
        {ui.view('kernel.field', { name: 'q', label: ui.t('people.q'), type: 'search' })}
        {(data.filters ?? []).includes('department') ? ui.view('kernel.field', { name: 'department', label: ui.t('people.department') }) : null}
        {(data.filters ?? []).includes('skill') ? ui.view('kernel.field', { name: 'skill', label: ui.t('people.skill') }) : null}
        {ui.view('kernel.submit', { label: ui.t('people.search') })}
      </form>
      {(data.newest ?? []).length > 0 ? (
        <>
          <h3 class="utrecht-heading-3">{ui.t('people.newest')}</h3>
          <ul>
            {(data.newest ?? []).map(p => (
              <li>
                <a class="utrecht-link" href={p.url}>
                  {p.name}
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  )

/** The largest pasted CSV the import form takes (the API takes files up to 32 MiB). */
export const IMPORT_FORM_MAX_BYTES = 4 * 1024 * 1024

export function peoplePages(ctx: PluginContext, store: PeopleStore): void {
  ctx.i18n.add('nl', messages.nl)
  ctx.i18n.add('en', messages.en)
  ctx.views.define('people.directory', Directory)
  ctx.views.define('people.profile', Profile)
  ctx.views.define('people.edit', Edit)
  ctx.views.define('people.import', Import)
  ctx.views.define('people.widget.search', SearchWidget)
  // In the menu for those who may use the directory.
  ctx.hooks.kernel.navigation.tap((items, site, viewer, locale) =>
    mayUse(viewerLevel(viewer, site), store.settings(site).directory) ? [...items, { label: messages[locale === 'en' ? 'en' : 'nl']['people.nav'], href: '/people' }] : items,
  )

  /** The directory is for whom the site says: sign in first, or 403 for those it is not for. Returns the viewer's level. */
  const gate = (c: RouteContext, back: string): number | undefined => {
    const level = viewerLevel(c.viewer, c.site)
    if (mayUse(level, store.settings(c.site).directory)) return level
    if (!c.viewer.user) {
      c.redirect(`/auth/sign-in?next=${encodeURIComponent(back)}`)
      return undefined
    }
    throw problems.forbidden('The directory of this site is for its members.', { code: 'PEOPLE_DIRECTORY_CLOSED' })
  }
  const requireAdmin = (c: RouteContext): boolean => {
    if (!c.viewer.user) {
      c.redirect('/auth/sign-in?next=/people/import')
      return false
    }
    if (!c.viewer.isAdmin) throw problems.forbidden('Only administrators of this site may do this.', { code: 'NOT_ADMIN' })
    return true
  }
  /** The fields this viewer may see, in the site's order. */
  const visibleFields = (c: RouteContext, level: number): FieldEntry[] => Object.entries(store.fields(c.site)).filter(([, def]) => mayUse(level, def.visibility))
  /** Form values of a profile: lists one item per line. */
  const formValues = (fields: FieldEntry[], data: Record<string, string | string[]>) =>
    Object.fromEntries(fields.map(([name]) => [name, Array.isArray(data[name]) ? (data[name] as string[]).join('\n') : ((data[name] as string | undefined) ?? '')]))
  /** A problem of a field as a sentence in the viewer's language. */
  const fieldError = (c: RouteContext, def: FieldDefinition | undefined, e: ProblemFieldError): string => {
    switch (e.code) {
      case 'format':
        return ctx.i18n.t(c, def?.type === 'email' ? 'people.error.format.email' : 'people.error.format.phone')
      case 'maxLength':
        return ctx.i18n.t(c, 'people.error.maxLength', { n: def?.maxLength ?? (def?.type === 'string[]' ? 100 : 200) })
      case 'maxItems':
        return ctx.i18n.t(c, 'people.error.maxItems', { n: def?.maxItems ?? 50 })
      case 'pattern':
      case 'readOnly':
      case 'type':
        return ctx.i18n.t(c, `people.error.${e.code}`)
      default:
        return e.detail
    }
  }
  const search = { type: 'string', maxLength: 200 }

  ctx.routes(router => {
    router.get<unknown, { q?: string; department?: string; skill?: string; cursor?: string }>(
      'people.page.directory',
      '/people',
      { hidden: true, query: { type: 'object', properties: { q: search, department: search, skill: search, cursor: { type: 'string', maxLength: 300 } } } },
      async c => {
        const level = gate(c, c.url)
        if (level === undefined) return
        const fields = store.fields(c.site)
        const filters = {
          department: Boolean(fields.department && mayUse(level, fields.department.visibility)),
          skill: Boolean(fields.skills && mayUse(level, fields.skills.visibility)),
        }
        const q = c.input.query.q?.trim() ?? ''
        const department = filters.department ? (c.input.query.department?.trim() ?? '') : ''
        const skill = filters.skill ? (c.input.query.skill?.trim() ?? '') : ''
        const facets: Record<string, string> = { ...(department ? { department } : {}), ...(skill ? { skills: skill } : {}) }
        const page = await store.list(c.viewer, c.site, { q: q || undefined, facets, limit: 20, cursor: c.input.query.cursor })
        await ctx.views.page(c, {
          title: ctx.i18n.t(c, 'people.title'),
          view: 'people.directory',
          props: {
            q,
            department,
            skill,
            filters,
            people: page.items.map(row => store.json(c.site, c.viewer, row)),
            next: page.nextCursor,
            fields: visibleFields(c, level),
            mayEdit: level >= 2,
            isAdmin: c.viewer.isAdmin,
          },
        })
      },
    )

    router.get('people.page.edit', '/people/me/edit', { hidden: true }, async c => {
      if (!c.viewer.user) return c.redirect('/auth/sign-in?next=/people/me/edit')
      const fields = Object.entries(store.fields(c.site))
      const row = await store.get(c.site, c.viewer.user.id)
      await ctx.views.page(c, {
        title: ctx.i18n.t(c, 'people.edit.title'),
        view: 'people.edit',
        props: { fields, values: formValues(fields, row?.data ?? {}), asAdmin: c.viewer.isAdmin, member: viewerLevel(c.viewer, c.site) >= 2 },
      })
    })

    router.post<Record<string, string>>(
      'people.page.save',
      '/people/me/edit',
      { hidden: true, form: { type: 'object', maxProperties: 60, additionalProperties: { type: 'string', maxLength: 20000 } } },
      async c => {
        if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
        if (viewerLevel(c.viewer, c.site) < 2) throw problems.forbidden('Only members of this site have a profile here.', { code: 'PEOPLE_MEMBERS_ONLY' })
        const defs = store.fields(c.site)
        const fields = Object.entries(defs)
        // The form's fields by name; a list comes one item per line. Fields kept by administrators are not in
        // the form for others, so they stay as they are.
        const body: Record<string, unknown> = {}
        for (const [name, raw] of Object.entries(c.input.body)) {
          if (Object.hasOwn(defs, name)) body[name] = defs[name]!.type === 'string[]' ? raw.split(/\r?\n/) : raw
        }
        const written = await store.writeProfile(c.site, c.viewer.user, body, c.viewer.isAdmin)
        if ('errors' in written) {
          const errors: Record<string, string> = {}
          for (const e of written.errors) {
            const name = 'pointer' in e.location ? e.location.pointer.slice(1) : ''
            errors[name] = fieldError(c, defs[name], e)
          }
          return ctx.views.page(c, {
            title: ctx.i18n.t(c, 'people.edit.title'),
            view: 'people.edit',
            status: 400,
            props: { fields, values: c.input.body, errors, asAdmin: c.viewer.isAdmin, member: true },
          })
        }
        c.redirect(`/people/${c.viewer.user.id}`)
      },
    )

    router.get<unknown, { rows?: number; created?: number; updated?: number; accounts?: number }>(
      'people.page.import',
      '/people/import',
      {
        hidden: true,
        query: { type: 'object', properties: Object.fromEntries(['rows', 'created', 'updated', 'accounts'].map(k => [k, { type: 'integer', minimum: 0, maximum: 1000000 }])) },
      },
      async c => {
        if (!requireAdmin(c)) return
        const q = c.input.query
        const done = q.rows === undefined ? undefined : { rows: q.rows, created: q.created ?? 0, updated: q.updated ?? 0, accounts: q.accounts ?? 0 }
        await ctx.views.page(c, { title: ctx.i18n.t(c, 'people.import.title'), view: 'people.import', props: { fieldNames: Object.keys(store.fields(c.site)), done } })
      },
    )

    // The kernel reads urlencoded forms only (no multipart/form-data yet): the CSV comes pasted in a textarea.
    router.post<{ csv?: string }>(
      'people.page.importPost',
      '/people/import',
      { hidden: true, bodyLimit: IMPORT_FORM_MAX_BYTES, form: { type: 'object', properties: { csv: { type: 'string', maxLength: IMPORT_FORM_MAX_BYTES } } } },
      async c => {
        if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
        if (!c.viewer.isAdmin) throw problems.forbidden('Only administrators of this site may do this.', { code: 'NOT_ADMIN' })
        const settings = store.settings(c.site)
        const csv = c.input.body.csv ?? ''
        const page = (props: Partial<ImportProps>) =>
          ctx.views.page(c, { title: ctx.i18n.t(c, 'people.import.title'), view: 'people.import', status: 400, props: { fieldNames: Object.keys(settings.fields), csv, ...props } })
        if (!csv.trim()) return page({ error: ctx.i18n.t(c, 'people.import.missing') })
        const checked = checkImport(csv, settings.fields, settings.importMaxRows)
        if (checked.problems.length > 0) {
          return page({ report: { problems: checked.problems.slice(0, REPORT_SHOWN), total: Math.min(checked.problems.length, REPORT_MAX) } })
        }
        const result = await store.importRows(c.site, checked.rows)
        c.redirect(`/people/import?rows=${result.rows}&created=${result.profilesCreated}&updated=${result.profilesUpdated}&accounts=${result.accountsCreated}`)
      },
    )
  })
}

/** One person's page: /people/:userId, registered after /people/me/edit and /people/import. */
export function profilePages(ctx: PluginContext, store: PeopleStore): void {
  ctx.routes(router => {
    router.get<unknown, unknown, { userId: string }>('people.page.profile', '/people/:userId', { hidden: true, params: { type: 'object', properties: { userId: { type: 'string', format: 'uuid' } } } }, async c => {
      const level = viewerLevel(c.viewer, c.site)
      if (!mayUse(level, store.settings(c.site).directory)) {
        if (!c.viewer.user) return c.redirect(`/auth/sign-in?next=${encodeURIComponent(c.path)}`)
        throw problems.forbidden('The directory of this site is for its members.', { code: 'PEOPLE_DIRECTORY_CLOSED' })
      }
      const row = await store.get(c.site, c.input.params.userId)
      if (!row) throw problems.notFound('This person has no profile on this site.', { code: 'PERSON_NOT_FOUND' })
      const own = c.viewer.user?.id === row.accountId
      const fields = Object.entries(store.fields(c.site)).filter(([, def]) => own || mayUse(level, def.visibility))
      await ctx.views.page(c, { title: row.name, view: 'people.profile', props: { person: await store.profile(c.viewer, c.site, row), fields, own } })
    })
  })
}
