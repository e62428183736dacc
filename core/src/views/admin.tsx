// The kernel's admin pages for a site's administrators: settings, plugins (with forms generated from their
// settings schemas), users and roles, the audit log. Forms work without JavaScript: POST + CSRF, redirect
// after post, errors next to the field. Others get the sign-in page (anonymous) or a 403 page.
import type { VNode } from 'preact'
import { kernelSettings } from '../config/kernel-settings.js'
import type { RequestContext } from '../http/context.js'
import { HttpProblem } from '../http/problem.js'
import type { PluginRouter } from '../http/router.js'
import { pageQueryProperties } from '../http/paging.js'
import { searchMembers, type MemberRow } from '../identity/members.js'
import type { IdentityService } from '../identity/service.js'
import { roleAudit } from '../identity/routes.js'
import type { AuditEntry, AuditLog } from '../services/audit.js'
import type { JobRecord, JobRunner, JobSummary } from '../services/jobs.js'
import type { InstalledPlugin, SiteDirectory } from '../tenancy/sites.js'
import { diffPatch, kernelSettingsSchema, type RootSiteSettings, type SiteOverrides } from '../tenancy/root-settings.js'
import type { ProblemFieldError } from '../http/problem.js'
import type { Catalogue } from './i18n.js'
import { intlLocale } from './i18n.js'
import type { PageRenderer } from './pages.js'
import type { View, ViewRegistry } from './registry.js'
import { adminMessages } from './admin-messages.js'
import { PluginSettings, readSchemaForm, SchemaForm, type PluginChoice } from './schema-form.js'
import { THEMES, themeName, logoAllowed } from './themes.js'

export interface AdminNavItem {
  label: string
  href: string
}

type Message = { kind: 'info' | 'ok' | 'warning' | 'error'; text: string }

/** The admin pages' own menu (a sub-navigation under the page heading). */
const AdminNav: View<{ items: AdminNavItem[] }> = ({ ui, items }) => (
  <nav class="plein-subnav" aria-label={ui.t('admin.nav')}>
    <ul>
      {items.map(i => (
        <li>
          <a class="utrecht-link" href={i.href} aria-current={ui.path === i.href || (i.href !== '/admin' && ui.path.startsWith(`${i.href}/`)) ? 'page' : undefined}>
            {i.label}
          </a>
        </li>
      ))}
    </ul>
  </nav>
)

/** An error page in the layout (403 and friends): the reason, and a way home. */
const Problem: View<{ detail: string }> = ({ ui, detail }) => (
  <>
    {ui.view('kernel.alert', { kind: 'error', text: detail })}
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/">
        {ui.t('problem.home')}
      </a>
    </p>
  </>
)

const Row = ({ label, children }: { label: string; children: unknown }) => (
  <tr>
    <th scope="row">{label}</th>
    <td>{children as VNode}</td>
  </tr>
)

const Csrf: View = ({ ui }) => <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />

/** The kernel settings schema with titles and hints from the catalogue, and the theme names as a choice. */
function localizedSettingsSchema(t: (key: string) => string): Record<string, unknown> {
  const walk = (s: Record<string, any>, path: string[]): Record<string, any> => {
    const out: Record<string, any> = { ...s }
    if (path.length > 0) {
      const key = `admin.setting.${path.join('.')}`
      const title = t(key)
      if (title !== key) out.title = title
      const hint = t(`${key}.hint`)
      if (hint !== `${key}.hint`) out.description = hint
    }
    if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties as Record<string, any>).map(([k, v]) => [k, walk(v, [...path, k])]))
    return out
  }
  const schema = walk(kernelSettingsSchema as Record<string, any>, [])
  schema.properties.theme.properties.name = { ...schema.properties.theme.properties.name, enum: ['default', ...Object.keys(THEMES)] }
  return schema
}

interface RootForm {
  schema: Record<string, unknown>
  value: unknown
  errors?: Record<string, string>
  /** Top-level settings changed here (over site.json). */
  overridden: string[]
}

/** The theme in effect: its token set by name, colour and logo. */
const ThemeTable: View = ({ ui }) => {
  const theme = kernelSettings(ui.site).theme ?? { name: 'default' }
  const def = THEMES[themeName(theme)]!
  return (
    <>
      <table class="plein-table">
        <caption class="utrecht-heading-2">{ui.t('admin.settings.theme')}</caption>
        <tbody>
          <Row label={ui.t('admin.settings.themeName')}>{def.label[ui.locale]}</Row>
          <Row label={ui.t('admin.settings.primaryColor')}>{theme.primaryColor ?? ui.t('admin.themeDefault')}</Row>
          <Row label={ui.t('admin.settings.logo')}>{logoAllowed(theme.logoUrl) ? <img class="plein-logo" src={theme.logoUrl} alt={ui.t('admin.settings.logoAlt')} /> : ui.t('admin.none')}</Row>
        </tbody>
      </table>
      <p class="utrecht-paragraph">{ui.t('admin.settings.themes', { names: Object.keys(THEMES).join(', ') })}</p>
    </>
  )
}

const Settings: View<{ nav: AdminNavItem[]; hosts: string[]; form?: RootForm; message?: Message }> = ({ ui, nav, hosts, form, message }) => {
  if (form) {
    return (
      <>
        {ui.view('kernel.adminNav', { items: nav })}
        {message ? ui.view('kernel.alert', message) : null}
        {ui.view('kernel.alert', { kind: 'info', text: ui.t('admin.settings.overrides') })}
        <table class="plein-table">
          <caption class="utrecht-heading-2">{ui.t('admin.settings.site')}</caption>
          <tbody>
            <Row label={ui.t('admin.settings.name')}>{ui.site.name}</Row>
            <Row label={ui.t('admin.settings.hosts')}>{hosts.join(', ')}</Row>
          </tbody>
        </table>
        <ThemeTable ui={ui} />
        <h2 class="utrecht-heading-2">{ui.t('admin.settings.edit')}</h2>
        <form class="plein-form plein-form--wide" method="post" action="/admin/settings" novalidate>
          <Csrf ui={ui} />
          {ui.view('kernel.schemaForm', { schema: form.schema, value: form.value, errors: form.errors, prefix: 'site' })}
          {ui.view('kernel.submit', { label: ui.t('admin.save') })}
        </form>
        <h2 class="utrecht-heading-2">{ui.t('admin.settings.changedHere')}</h2>
        {form.overridden.length === 0 ? (
          <p class="utrecht-paragraph">{ui.t('admin.settings.noneChanged')}</p>
        ) : (
          <>
            <p class="utrecht-paragraph">{ui.t('admin.settings.changed', { names: form.overridden.join(', ') })}</p>
            <form class="plein-form" method="post" action="/admin/settings/reset">
              <Csrf ui={ui} />
              {ui.view('kernel.submit', { label: ui.t('admin.settings.reset'), secondary: true })}
            </form>
          </>
        )}
      </>
    )
  }
  const s = kernelSettings(ui.site)
  return (
    <>
      {ui.view('kernel.adminNav', { items: nav })}
      {ui.view('kernel.alert', { kind: 'info', text: ui.t('admin.settings.fromRoot') })}
      <table class="plein-table">
        <caption class="utrecht-heading-2">{ui.t('admin.settings.site')}</caption>
        <tbody>
          <Row label={ui.t('admin.settings.name')}>{ui.site.name}</Row>
          <Row label={ui.t('admin.settings.hosts')}>{hosts.join(', ')}</Row>
          <Row label={ui.t('admin.settings.language')}>{ui.t('admin.settings.languageValue', { language: ui.t(`admin.language.${s.language ?? 'nl'}`) })}</Row>
          <Row label={ui.t('admin.settings.membership')}>{ui.t(`admin.membership.${s.membership}`)}</Row>
          <Row label={ui.t('admin.settings.domains')}>{s.allowedEmailDomains.length > 0 ? s.allowedEmailDomains.join(', ') : ui.t('admin.none')}</Row>
          <Row label={ui.t('admin.settings.registration')}>{s.auth.allowRegistration === false ? ui.t('admin.no') : ui.t('admin.yes')}</Row>
          <Row label={ui.t('admin.settings.defaultRead')}>{s.access.defaultRead.join(', ')}</Row>
        </tbody>
      </table>
      <ThemeTable ui={ui} />
    </>
  )
}

interface RootPlugin extends PluginChoice {
  /** Switched on or off here, or settings changed here (over site.json). */
  changed: boolean
}

/** The root site's plugins: on/off and their settings in one form (POST, CSRF), errors at the field. */
const RootPlugins: View<{ nav: AdminNavItem[]; plugins: RootPlugin[]; changed: boolean; message?: Message }> = ({ ui, nav, plugins, changed, message }) => (
  <>
    {ui.view('kernel.adminNav', { items: nav })}
    {message ? ui.view('kernel.alert', message) : null}
    {ui.view('kernel.alert', { kind: 'info', text: ui.t('admin.plugins.overrides') })}
    <form class="plein-form plein-form--wide" method="post" action="/admin/plugins" novalidate>
      <Csrf ui={ui} />
      {plugins.map(p => ui.view('kernel.pluginSettings', { plugin: p, prefix: 'view:', note: p.changed ? ui.t('admin.plugins.changedHere') : undefined }))}
      {ui.view('kernel.submit', { label: ui.t('admin.save') })}
    </form>
    {changed ? (
      <form class="plein-form" method="post" action="/admin/plugins/reset">
        <Csrf ui={ui} />
        {ui.view('kernel.submit', { label: ui.t('admin.plugins.reset'), secondary: true })}
      </form>
    ) : null}
  </>
)

const Plugins: View<{ nav: AdminNavItem[]; installed: InstalledPlugin[] }> = ({ ui, nav, installed }) => (
  <>
    {ui.view('kernel.adminNav', { items: nav })}
    {ui.view('kernel.alert', { kind: 'info', text: ui.t('admin.plugins.fromRoot') })}
    <ul class="plein-items">
      {installed.map(p => {
        const on = ui.site.isEnabled(p.id)
        const schema = p.settingsSchema as Record<string, any>
        const hasSettings = schema && typeof schema === 'object' && schema.properties && Object.keys(schema.properties).length > 0
        return (
          <li>
            <h2 class="utrecht-heading-3">
              {p.id} <span class="plein-meta">{p.version}</span>
            </h2>
            <p class="plein-meta">
              {on ? ui.t('admin.plugins.on') : ui.t('admin.plugins.off')}
              {Object.keys(p.dependencies).length > 0 ? ` · ${ui.t('admin.plugins.needs', { names: Object.keys(p.dependencies).join(', ') })}` : ''}
            </p>
            {on && hasSettings ? (
              <details>
                <summary class="utrecht-link">{ui.t('admin.plugins.settings')}</summary>
                <form class="plein-form">{ui.view('kernel.schemaForm', { schema, value: ui.site.settingsOf(p.id), prefix: `view:${p.id}`, disabled: true })}</form>
              </details>
            ) : null}
          </li>
        )
      })}
    </ul>
  </>
)

interface UsersProps {
  nav: AdminNavItem[]
  items: MemberRow[]
  next: string | null
  q: string
  status: 'member' | 'pending'
  message?: Message
  grant?: { email?: string; error?: string }
}

const Users: View<UsersProps> = ({ ui, nav, items, next, q, status, message, grant = {} }) => {
  const csrf = <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
  const back = `/admin/users?status=${status}${q ? `&q=${encodeURIComponent(q)}` : ''}`
  const action = (path: string, userId: string, label: string, extra: Record<string, string> = {}) => (
    <form class="plein-inline-form" method="post" action={path}>
      {csrf}
      <input type="hidden" name="userId" value={userId} />
      <input type="hidden" name="back" value={back} />
      {Object.entries(extra).map(([k, v]) => (
        <input type="hidden" name={k} value={v} />
      ))}
      <button class="utrecht-button utrecht-button--secondary-action" type="submit">
        {label}
      </button>
    </form>
  )
  return (
    <>
      {ui.view('kernel.adminNav', { items: nav })}
      {message ? ui.view('kernel.alert', message) : null}
      <form class="plein-form" method="get" action="/admin/users" role="search">
        <input type="hidden" name="status" value={status} />
        {ui.view('kernel.field', { name: 'q', label: ui.t('admin.users.search'), type: 'search', value: q })}
        {ui.view('kernel.submit', { label: ui.t('admin.users.searchSubmit'), secondary: true })}
      </form>
      <p class="utrecht-paragraph">
        {status === 'member' ? (
          <a class="utrecht-link" href="/admin/users?status=pending">
            {ui.t('admin.users.showPending')}
          </a>
        ) : (
          <a class="utrecht-link" href="/admin/users">
            {ui.t('admin.users.showMembers')}
          </a>
        )}
      </p>
      {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('admin.users.empty')}</p> : null}
      {items.length > 0 ? (
        <table class="plein-table">
          <caption class="utrecht-heading-2">{status === 'pending' ? ui.t('admin.users.pending') : ui.t('admin.users.members')}</caption>
          <thead>
            <tr>
              <th scope="col">{ui.t('admin.users.name')}</th>
              <th scope="col">{ui.t('admin.users.email')}</th>
              <th scope="col">{ui.t('admin.users.role')}</th>
              <th scope="col">{ui.t('admin.users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map(m => (
              <tr>
                <td>{m.user.name}</td>
                <td>{m.user.email}</td>
                <td>{m.status === 'pending' ? ui.t('admin.users.requested') : ui.t(`admin.role.${m.role}`)}</td>
                <td>
                  <div class="plein-actions">
                    {m.status === 'pending' ? action('/admin/users/approve', m.user.id, ui.t('admin.users.approve')) : null}
                    {m.status === 'member' && m.role === 'member' ? action('/admin/users/role', m.user.id, ui.t('admin.users.makeAdmin'), { role: 'admin' }) : null}
                    {m.status === 'member' && m.role === 'admin' ? action('/admin/users/role', m.user.id, ui.t('admin.users.makeMember'), { role: 'member' }) : null}
                    {action('/admin/users/remove', m.user.id, m.status === 'pending' ? ui.t('admin.users.reject') : ui.t('admin.users.remove'))}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {ui.view('kernel.more', { path: back, cursor: next, label: ui.t('admin.more') })}
      <h2 class="utrecht-heading-2">{ui.t('admin.users.grant')}</h2>
      <form class="plein-form" method="post" action="/admin/users/grant" novalidate>
        {csrf}
        {ui.view('kernel.field', { name: 'email', label: ui.t('auth.email'), type: 'email', value: grant.email, error: grant.error, hint: ui.t('admin.users.grantHint'), required: true })}
        <div class="utrecht-form-field">
          <label class="utrecht-form-label" for="field-role">
            {ui.t('admin.users.role')}
          </label>
          <select class="utrecht-select utrecht-select--html-select" id="field-role" name="role">
            <option value="admin">{ui.t('admin.role.admin')}</option>
            <option value="member">{ui.t('admin.role.member')}</option>
          </select>
        </div>
        {ui.view('kernel.submit', { label: ui.t('admin.users.grantSubmit') })}
      </form>
    </>
  )
}

const Audit: View<{ nav: AdminNavItem[]; items: AuditEntry[]; next: string | null }> = ({ ui, nav, items, next }) => (
  <>
    {ui.view('kernel.adminNav', { items: nav })}
    {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('admin.audit.empty')}</p> : null}
    {items.length > 0 ? (
      <table class="plein-table">
        <caption class="utrecht-heading-2">{ui.t('admin.audit.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{ui.t('admin.audit.time')}</th>
            <th scope="col">{ui.t('admin.audit.actor')}</th>
            <th scope="col">{ui.t('admin.audit.action')}</th>
            <th scope="col">{ui.t('admin.audit.target')}</th>
            <th scope="col">{ui.t('admin.audit.detail')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map(e => {
            const key = `audit.action.${e.action}`
            const label = ui.t(key)
            return (
              <tr>
                <td>
                  <time dateTime={e.createdAt.toISOString()}>{e.createdAt.toLocaleString(intlLocale(ui.locale), { timeZone: 'UTC' })} UTC</time>
                </td>
                <td>{e.actor?.name ?? ui.t('admin.audit.system')}</td>
                <td>
                  {label === key ? e.action : label} <span class="plein-meta">({e.action})</span>
                </td>
                <td>{e.target ?? ''}</td>
                <td>
                  <code>{Object.keys(e.detail).length > 0 ? JSON.stringify(e.detail) : ''}</code>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    ) : null}
    {ui.view('kernel.more', { path: '/admin/audit', cursor: next, label: ui.t('admin.audit.older') })}
  </>
)

type JobStatus = JobRecord['status']
const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'failed', 'done']

interface JobsProps {
  nav: AdminNavItem[]
  items: JobSummary[]
  next: string | null
  status?: JobStatus
  message?: Message
}

const Jobs: View<JobsProps> = ({ ui, nav, items, next, status, message }) => {
  const when = (d: Date) => (
    <time dateTime={new Date(d).toISOString()}>{new Date(d).toLocaleString(intlLocale(ui.locale), { timeZone: 'UTC' })} UTC</time>
  )
  const back = `/admin/jobs${status ? `?status=${status}` : ''}`
  return (
    <>
      {ui.view('kernel.adminNav', { items: nav })}
      {message ? ui.view('kernel.alert', message) : null}
      <form class="plein-form" method="get" action="/admin/jobs">
        <div class="utrecht-form-field">
          <label class="utrecht-form-label" for="field-status">
            {ui.t('admin.jobs.status')}
          </label>
          <select class="utrecht-select utrecht-select--html-select" id="field-status" name="status">
            <option value="">{ui.t('admin.jobs.all')}</option>
            {JOB_STATUSES.map(s => (
              <option value={s} selected={s === status}>
                {ui.t(`admin.jobs.status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        {ui.view('kernel.submit', { label: ui.t('admin.jobs.filter'), secondary: true })}
      </form>
      {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('admin.jobs.empty')}</p> : null}
      {items.length > 0 ? (
        <table class="plein-table">
          <caption class="utrecht-heading-2">{status ? ui.t('admin.jobs.captionOf', { status: ui.t(`admin.jobs.status.${status}`) }) : ui.t('admin.jobs.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{ui.t('admin.jobs.name')}</th>
              <th scope="col">{ui.t('admin.jobs.status')}</th>
              <th scope="col">{ui.t('admin.jobs.attempts')}</th>
              <th scope="col">{ui.t('admin.jobs.nextRun')}</th>
              <th scope="col">{ui.t('admin.jobs.reason')}</th>
              <th scope="col">{ui.t('admin.jobs.created')}</th>
              <th scope="col">{ui.t('admin.users.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map(j => (
              <tr>
                <td>
                  <code>{j.name}</code>
                </td>
                <td>{ui.t(`admin.jobs.status.${j.status}`)}</td>
                <td>{ui.t('admin.jobs.attemptsOf', { attempts: j.attempts, max: j.maxAttempts })}</td>
                <td>{j.status === 'queued' ? when(j.runAt) : ''}</td>
                <td>{j.lastError ?? ''}</td>
                <td>{when(j.createdAt)}</td>
                <td>
                  {j.status === 'failed' ? (
                    <form class="plein-inline-form" method="post" action="/admin/jobs/retry">
                      <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
                      <input type="hidden" name="id" value={j.id} />
                      <input type="hidden" name="back" value={back} />
                      <button class="utrecht-button utrecht-button--secondary-action" type="submit" aria-label={`${ui.t('admin.jobs.retry')}: ${j.name}`}>
                        {ui.t('admin.jobs.retry')}
                      </button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {ui.view('kernel.more', { path: back, cursor: next, label: ui.t('admin.jobs.older') })}
    </>
  )
}

export interface AdminDeps {
  views: ViewRegistry
  router: PluginRouter
  pages: PageRenderer
  identity: IdentityService
  audit: AuditLog
  jobs: JobRunner
  sites: SiteDirectory
  rootSettings: RootSiteSettings
  catalogue: Catalogue
  hooks: any
}

/**
 * The kernel's own admin pages, for the admin menu (`kernel.adminNav`). A plugin page that shows the menu
 * passes these through `kernel.adminNavigation`, as the kernel does, so every admin page has the same menu.
 */
export const kernelAdminMenu = (t: (key: string) => string): AdminNavItem[] => [
  { label: t('admin.nav.settings'), href: '/admin' },
  { label: t('admin.nav.plugins'), href: '/admin/plugins' },
  { label: t('admin.nav.users'), href: '/admin/users' },
  { label: t('admin.nav.audit'), href: '/admin/audit' },
  { label: t('admin.nav.jobs'), href: '/admin/jobs' },
]

/** Only the site's administrators: anonymous visitors go to sign in first, others get a 403 page. */
export async function guardAdmin(c: RequestContext, pages: PageRenderer, allowed = c.viewer.isAdmin): Promise<boolean> {
  if (!c.viewer.user) {
    c.redirect(`/auth/sign-in?next=${encodeURIComponent(c.path)}`)
    return false
  }
  if (!allowed) {
    await pages.page(c, { title: pages.t(c, 'admin.forbidden.title'), view: 'kernel.problem', status: 403, props: { detail: pages.t(c, 'admin.forbidden') } })
    return false
  }
  return true
}

/** Only our own admin paths as "back" targets after a post. */
const safeBack = (back: unknown, fallback: string) => (typeof back === 'string' && /^\/admin\/[\w\-./?=&%]*$/.test(back) ? back : fallback)

export function registerAdminPages(deps: AdminDeps): void {
  const { views, router, pages, identity, audit, jobs, sites, rootSettings, hooks, catalogue } = deps
  catalogue.add('nl', adminMessages.nl)
  catalogue.add('en', adminMessages.en)
  views.define('kernel', 'kernel.adminNav', AdminNav)
  views.define('kernel', 'kernel.problem', Problem)
  views.define('kernel', 'kernel.schemaForm', SchemaForm)
  views.define('kernel', 'kernel.pluginSettings', PluginSettings)
  views.define('kernel', 'kernel.admin.settings', Settings)
  views.define('kernel', 'kernel.admin.plugins', Plugins)
  views.define('kernel', 'kernel.admin.rootPlugins', RootPlugins)
  views.define('kernel', 'kernel.admin.users', Users)
  views.define('kernel', 'kernel.admin.audit', Audit)
  views.define('kernel', 'kernel.admin.jobs', Jobs)

  /** The admin menu: the kernel's pages, then what plugins add through kernel.adminNavigation. */
  const nav = async (c: RequestContext): Promise<AdminNavItem[]> => {
    const base = kernelAdminMenu(key => pages.t(c, key))
    const filter = hooks.adminNavigation
    return filter.isUsed ? filter.call(c.site, base, c.site, c.viewer, pages.t(c, 'kernel.locale')) : base
  }

  const doneQuery = { type: 'object', properties: { done: { enum: ['saved', 'reset'] } } }
  const done = (c: RequestContext, key: string | undefined): Message | undefined => (key ? { kind: 'ok', text: pages.t(c, `admin.done.${key}`) } : undefined)
  const anyForm = { type: 'object', additionalProperties: { type: 'string', maxLength: 30000 } }
  const pointerOf = (e: ProblemFieldError) => ('pointer' in e.location ? e.location.pointer : '')
  const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~')

  /** Site settings: editable on the root (over site.json); a subsite's come from the root's administrators. */
  const settingsPage = async (c: RequestContext, extra: { value?: unknown; errors?: Record<string, string>; message?: Message; status?: number } = {}) => {
    const form: RootForm | undefined = c.site.isRoot
      ? {
          schema: localizedSettingsSchema(key => pages.t(c, key)),
          value: extra.value ?? c.site.settings,
          errors: extra.errors,
          overridden: Object.keys(rootSettings.view(c.site).overrides.siteSettings ?? {}).sort(),
        }
      : undefined
    await pages.page(c, { title: pages.t(c, 'admin.settings.title'), view: 'kernel.admin.settings', status: extra.status, props: { nav: await nav(c), hosts: [...c.site.hosts], form, message: extra.message } })
  }

  router.get<unknown, { done?: string }>('page.admin.settings', '/admin', { hidden: true, query: doneQuery }, async c => {
    if (!(await guardAdmin(c, pages))) return
    await settingsPage(c, { message: done(c, c.input.query.done) })
  })

  /** Runs a change of the root's overrides; a 400 comes back to `render` with the problems by pointer. */
  const changeRoot = async (c: RequestContext, to: string, update: (current: SiteOverrides) => SiteOverrides, render: (errors: readonly ProblemFieldError[]) => Promise<void>) => {
    try {
      await rootSettings.update(c.site, c.viewer.user!.id, update)
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status !== 400) throw error
      return render(error.errors ?? [])
    }
    c.redirect(to)
  }

  router.post<Record<string, string>>('page.admin.settings.save', '/admin/settings', { hidden: true, form: anyForm }, async c => {
    if (!(await guardAdmin(c, pages))) return
    const wanted = readSchemaForm(kernelSettingsSchema, c.input.body, 'site')
    const base = rootSettings.defaults().siteSettings
    await changeRoot(
      c,
      '/admin?done=saved',
      current => ({ ...current, siteSettings: (diffPatch(base, wanted) ?? {}) as Record<string, unknown> }),
      async errors => {
        const byPointer: Record<string, string> = {}
        for (const e of errors) {
          const pointer = pointerOf(e).replace(/^\/siteSettings/, '')
          byPointer[pointer] = byPointer[pointer] ? `${byPointer[pointer]}; ${e.detail}` : e.detail
        }
        await settingsPage(c, { value: wanted, errors: byPointer, status: 400, message: { kind: 'error', text: pages.t(c, 'error.fix') } })
      },
    )
  })

  router.post('page.admin.settings.reset', '/admin/settings/reset', { hidden: true, form: { type: 'object', properties: {} } }, async c => {
    if (!(await guardAdmin(c, pages))) return
    await rootSettings.update(c.site, c.viewer.user!.id, current => ({ ...current, siteSettings: undefined }))
    c.redirect('/admin?done=reset')
  })

  /** The root's plugins with their schemas, on/off and settings (as stored, or as just posted). */
  const rootPlugins = (c: RequestContext, on: Set<string>, posted: Record<string, unknown> = {}): RootPlugin[] => {
    const overrides = rootSettings.view(c.site).overrides
    return sites.installed().map(p => ({
      id: p.id,
      version: p.version,
      dependencies: Object.keys(p.dependencies),
      schema: p.settingsSchema as Record<string, any>,
      on: on.has(p.id),
      changed: p.id in (overrides.plugins ?? {}) || p.id in (overrides.settings ?? {}),
      settings: posted[p.id] ?? c.site.settingsOf(p.id),
    }))
  }

  const pluginsPage = async (c: RequestContext, extra: { plugins?: RootPlugin[]; message?: Message; status?: number } = {}) => {
    if (!c.site.isRoot) {
      await pages.page(c, { title: pages.t(c, 'admin.plugins.title'), view: 'kernel.admin.plugins', props: { nav: await nav(c), installed: sites.installed() } })
      return
    }
    const overrides = rootSettings.view(c.site).overrides
    const changed = Object.keys(overrides.plugins ?? {}).length + Object.keys(overrides.settings ?? {}).length > 0
    const plugins = extra.plugins ?? rootPlugins(c, new Set(c.site.plugins))
    await pages.page(c, { title: pages.t(c, 'admin.plugins.title'), view: 'kernel.admin.rootPlugins', status: extra.status, props: { nav: await nav(c), plugins, changed, message: extra.message } })
  }

  router.get<unknown, { done?: string }>('page.admin.plugins', '/admin/plugins', { hidden: true, query: doneQuery }, async c => {
    if (!(await guardAdmin(c, pages))) return
    await pluginsPage(c, { message: done(c, c.input.query.done) })
  })

  router.post<Record<string, string>>('page.admin.plugins.save', '/admin/plugins', { hidden: true, form: anyForm }, async c => {
    if (!(await guardAdmin(c, pages))) return
    if (!c.site.isRoot) return pluginsPage(c)
    const installed = sites.installed()
    const defaults = rootSettings.defaults()
    const on = new Set(installed.filter(p => c.input.body[`plugin:${p.id}`] === 'true').map(p => p.id))
    // Settings of the plugins switched on, read from their generated forms; the others keep what they have.
    const posted: Record<string, Record<string, unknown>> = {}
    for (const p of installed) {
      const schema = p.settingsSchema as Record<string, any>
      if (on.has(p.id) && schema?.properties && Object.keys(schema.properties).length > 0) posted[p.id] = readSchemaForm(schema, c.input.body, `view:${p.id}`)
    }
    await changeRoot(
      c,
      '/admin/plugins?done=saved',
      current => {
        const plugins: Record<string, boolean> = {}
        for (const p of installed) if (on.has(p.id) !== defaults.plugins.includes(p.id)) plugins[p.id] = on.has(p.id)
        const settings: Record<string, Record<string, unknown>> = { ...(current.settings ?? {}) }
        for (const [id, value] of Object.entries(posted)) {
          const d = diffPatch(defaults.settings[id] ?? {}, value)
          if (d === undefined) delete settings[id]
          else settings[id] = d as Record<string, unknown>
        }
        return { ...current, plugins, settings }
      },
      async errors => {
        // `/plugins/<id>` names a plugin; `/settings/<id>/<pointer>` a field of that plugin's form.
        const pluginErrors = new Map<string, string>()
        const settingsErrors = new Map<string, Record<string, string>>()
        for (const e of errors) {
          const pointer = pointerOf(e)
          const plugin = /^\/plugins\/([^/]+)$/.exec(pointer)
          const inSettings = /^\/settings\/([^/]+)(.*)$/.exec(pointer)
          if (plugin) pluginErrors.set(unescape(plugin[1]!), e.detail)
          else if (inSettings) {
            const id = unescape(inSettings[1]!)
            settingsErrors.set(id, { ...(settingsErrors.get(id) ?? {}), [inSettings[2]!]: e.detail })
          }
        }
        const plugins = rootPlugins(c, on, posted).map(p => ({ ...p, error: pluginErrors.get(p.id), settingsErrors: settingsErrors.get(p.id) }))
        await pluginsPage(c, { plugins, status: 400, message: { kind: 'error', text: pages.t(c, 'error.fix') } })
      },
    )
  })

  router.post('page.admin.plugins.reset', '/admin/plugins/reset', { hidden: true, form: { type: 'object', properties: {} } }, async c => {
    if (!(await guardAdmin(c, pages))) return
    await rootSettings.update(c.site, c.viewer.user!.id, current => ({ ...current, plugins: undefined, settings: undefined }))
    c.redirect('/admin/plugins?done=reset')
  })

  const usersQuery = {
    type: 'object',
    properties: { ...pageQueryProperties, q: { type: 'string', maxLength: 200 }, status: { enum: ['member', 'pending'], default: 'member' }, done: { enum: ['role', 'removed', 'approved', 'granted'] } },
  }
  type UsersQuery = { limit: number; cursor?: string; q?: string; status: 'member' | 'pending'; done?: string }

  const usersPage = async (c: RequestContext, query: UsersQuery, extra: { message?: Message; grant?: UsersProps['grant']; status?: number } = {}) => {
    const page = await searchMembers(identity.db, c.site, { q: query.q, status: query.status, limit: query.limit, cursor: query.cursor })
    const message = extra.message ?? (query.done ? { kind: 'ok' as const, text: pages.t(c, `admin.users.done.${query.done}`) } : undefined)
    await pages.page(c, {
      title: pages.t(c, 'admin.users.title'),
      view: 'kernel.admin.users',
      status: extra.status,
      props: { nav: await nav(c), items: page.items, next: page.nextCursor, q: query.q ?? '', status: query.status, message, grant: extra.grant },
    })
  }

  router.get<unknown, UsersQuery>('page.admin.users', '/admin/users', { hidden: true, query: usersQuery }, async c => {
    if (!(await guardAdmin(c, pages))) return
    await usersPage(c, c.input.query)
  })

  const memberForm = { type: 'object', required: ['userId'], properties: { userId: { type: 'string', format: 'uuid' }, back: { type: 'string', maxLength: 500 }, role: { enum: ['admin', 'member'] } } }
  /** Runs a change; a refusal (last administrator, unknown account) shows on the users page with its reason. */
  const change = async (c: RequestContext, back: string, done: string, act: () => Promise<void>) => {
    try {
      await act()
    } catch (error) {
      if (!(error instanceof HttpProblem) || error.status >= 500) throw error
      return usersPage(c, { limit: 20, status: 'member' }, { message: { kind: 'error', text: error.detail }, status: error.status })
    }
    const target = safeBack(back, '/admin/users')
    c.redirect(`${target}${target.includes('?') ? '&' : '?'}done=${done}`)
  }

  router.post<{ userId: string; role: 'admin' | 'member'; back?: string }>('page.admin.users.role', '/admin/users/role', { hidden: true, form: { ...memberForm, required: ['userId', 'role'] } }, async c => {
    if (!(await guardAdmin(c, pages))) return
    const { userId, role, back } = c.input.body
    await change(c, back ?? '', 'role', async () => {
      const changed = await identity.setRole(c.site, userId, role)
      if (changed) await audit.record(c.site, { actorId: c.viewer.user!.id, ...roleAudit(userId, changed) })
    })
  })

  router.post<{ userId: string; back?: string }>('page.admin.users.approve', '/admin/users/approve', { hidden: true, form: memberForm }, async c => {
    if (!(await guardAdmin(c, pages))) return
    await change(c, c.input.body.back ?? '', 'approved', async () => {
      await identity.approve(c.site, c.input.body.userId)
      await audit.record(c.site, { actorId: c.viewer.user!.id, action: 'member.approved', target: c.input.body.userId })
    })
  })

  router.post<{ userId: string; back?: string }>('page.admin.users.remove', '/admin/users/remove', { hidden: true, form: memberForm }, async c => {
    if (!(await guardAdmin(c, pages))) return
    await change(c, c.input.body.back ?? '', 'removed', async () => {
      await identity.removeMember(c.site, c.input.body.userId)
      await audit.record(c.site, { actorId: c.viewer.user!.id, action: 'member.removed', target: c.input.body.userId })
    })
  })

  router.post<{ email?: string; role: 'admin' | 'member' }>(
    'page.admin.users.grant',
    '/admin/users/grant',
    { hidden: true, form: { type: 'object', properties: { email: { type: 'string', maxLength: 254 }, role: { enum: ['admin', 'member'], default: 'admin' } } } },
    async c => {
      if (!(await guardAdmin(c, pages))) return
      const email = (c.input.body.email ?? '').trim()
      const account = /^[^\s@]+@[^\s@]+$/.test(email) ? await identity.findAccountByEmail(email) : undefined
      if (!account) {
        const error = pages.t(c, email ? 'admin.users.noAccount' : 'auth.email.invalid')
        return usersPage(c, { limit: 20, status: 'member' }, { status: 400, grant: { email, error }, message: { kind: 'error', text: pages.t(c, 'error.fix') } })
      }
      await change(c, '/admin/users', 'granted', async () => {
        const changed = await identity.setRole(c.site, account.id, c.input.body.role)
        if (changed) await audit.record(c.site, { actorId: c.viewer.user!.id, ...roleAudit(account.id, changed) })
      })
    },
  )

  router.get<unknown, { limit: number; cursor?: string }>('page.admin.audit', '/admin/audit', { hidden: true, query: { type: 'object', properties: pageQueryProperties } }, async c => {
    if (!(await guardAdmin(c, pages))) return
    const page = await audit.page(c.site, { limit: c.input.query.limit, cursor: c.input.query.cursor })
    await pages.page(c, { title: pages.t(c, 'admin.audit.title'), view: 'kernel.admin.audit', props: { nav: await nav(c), items: page.items, next: page.nextCursor } })
  })

  // Background jobs: the root's administrators see every job, a subsite's administrators that site's.
  const jobsPage = async (c: RequestContext, query: { status?: JobStatus; cursor?: string; limit?: number }, message?: Message, status?: number) => {
    const page = await jobs.page(c.site.isRoot ? null : c.site.id, { status: query.status, cursor: query.cursor, limit: query.limit ?? 20 })
    await pages.page(c, { title: pages.t(c, 'admin.jobs.title'), view: 'kernel.admin.jobs', status, props: { nav: await nav(c), items: page.items, next: page.nextCursor, status: query.status, message } })
  }

  router.get<unknown, { status?: JobStatus | ''; cursor?: string; limit: number; done?: 'retried' }>(
    'page.admin.jobs',
    '/admin/jobs',
    { hidden: true, query: { type: 'object', properties: { ...pageQueryProperties, status: { enum: ['', ...JOB_STATUSES] }, done: { enum: ['retried'] } } } },
    async c => {
      if (!(await guardAdmin(c, pages))) return
      const { status, cursor, limit, done } = c.input.query
      await jobsPage(c, { status: status || undefined, cursor, limit }, done ? { kind: 'ok', text: pages.t(c, 'admin.jobs.done.retried') } : undefined)
    },
  )

  router.post<{ id: string; back?: string }>(
    'page.admin.jobs.retry',
    '/admin/jobs/retry',
    { hidden: true, form: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' }, back: { type: 'string', maxLength: 500 } } } },
    async c => {
      if (!(await guardAdmin(c, pages))) return
      if (!(await jobs.retry(c.input.body.id, c.site.isRoot ? null : c.site.id))) {
        return jobsPage(c, {}, { kind: 'error', text: pages.t(c, 'admin.jobs.notFailed') }, 404)
      }
      await audit.record(c.site, { actorId: c.viewer.user!.id, action: 'job.retried', target: c.input.body.id })
      const target = safeBack(c.input.body.back, '/admin/jobs')
      c.redirect(`${target}${target.includes('?') ? '&' : '?'}done=retried`)
    },
  )
}
