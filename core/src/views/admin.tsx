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
import type { InstalledPlugin, SiteDirectory } from '../tenancy/sites.js'
import type { Catalogue } from './i18n.js'
import type { PageRenderer } from './pages.js'
import type { View, ViewRegistry } from './registry.js'
import { adminMessages } from './admin-messages.js'
import { SchemaForm } from './schema-form.js'
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

const Settings: View<{ nav: AdminNavItem[]; hosts: string[] }> = ({ ui, nav, hosts }) => {
  const s = kernelSettings(ui.site)
  const theme = s.theme ?? { name: 'default' }
  const def = THEMES[themeName(theme)]!
  return (
    <>
      {ui.view('kernel.adminNav', { items: nav })}
      {ui.view('kernel.alert', { kind: 'info', text: ui.site.isRoot ? ui.t('admin.settings.fromConfig') : ui.t('admin.settings.fromRoot') })}
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

const Plugins: View<{ nav: AdminNavItem[]; installed: InstalledPlugin[] }> = ({ ui, nav, installed }) => (
  <>
    {ui.view('kernel.adminNav', { items: nav })}
    {ui.view('kernel.alert', { kind: 'info', text: ui.site.isRoot ? ui.t('admin.plugins.fromConfig') : ui.t('admin.plugins.fromRoot') })}
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
        <div>
          <button class="utrecht-button utrecht-button--secondary-action" type="submit">
            {ui.t('admin.users.searchSubmit')}
          </button>
        </div>
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
      {next ? (
        <p class="utrecht-paragraph">
          <a class="utrecht-link" href={`${back}&cursor=${encodeURIComponent(next)}`}>
            {ui.t('admin.more')}
          </a>
        </p>
      ) : null}
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
        <div>
          <button class="utrecht-button utrecht-button--primary-action" type="submit">
            {ui.t('admin.users.grantSubmit')}
          </button>
        </div>
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
                  <time dateTime={e.createdAt.toISOString()}>{e.createdAt.toLocaleString(ui.locale === 'en' ? 'en-GB' : 'nl-NL', { timeZone: 'UTC' })} UTC</time>
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
    {next ? (
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href={`/admin/audit?cursor=${encodeURIComponent(next)}`}>
          {ui.t('admin.audit.older')}
        </a>
      </p>
    ) : null}
  </>
)

export interface AdminDeps {
  views: ViewRegistry
  router: PluginRouter
  pages: PageRenderer
  identity: IdentityService
  audit: AuditLog
  sites: SiteDirectory
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
  const { views, router, pages, identity, audit, sites, hooks, catalogue } = deps
  catalogue.add('nl', adminMessages.nl)
  catalogue.add('en', adminMessages.en)
  views.define('kernel', 'kernel.adminNav', AdminNav)
  views.define('kernel', 'kernel.problem', Problem)
  views.define('kernel', 'kernel.schemaForm', SchemaForm)
  views.define('kernel', 'kernel.admin.settings', Settings)
  views.define('kernel', 'kernel.admin.plugins', Plugins)
  views.define('kernel', 'kernel.admin.users', Users)
  views.define('kernel', 'kernel.admin.audit', Audit)

  /** The admin menu: the kernel's pages, then what plugins add through kernel.adminNavigation. */
  const nav = async (c: RequestContext): Promise<AdminNavItem[]> => {
    const base = kernelAdminMenu(key => pages.t(c, key))
    const filter = hooks.adminNavigation
    return filter.isUsed ? filter.call(c.site, base, c.site, c.viewer, pages.t(c, 'kernel.locale')) : base
  }

  router.get('page.admin.settings', '/admin', { hidden: true }, async c => {
    if (!(await guardAdmin(c, pages))) return
    await pages.page(c, { title: pages.t(c, 'admin.settings.title'), view: 'kernel.admin.settings', props: { nav: await nav(c), hosts: [...c.site.hosts] } })
  })

  router.get('page.admin.plugins', '/admin/plugins', { hidden: true }, async c => {
    if (!(await guardAdmin(c, pages))) return
    const installed = sites.installed()
    await pages.page(c, { title: pages.t(c, 'admin.plugins.title'), view: 'kernel.admin.plugins', props: { nav: await nav(c), installed } })
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
}
