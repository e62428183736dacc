// The kernel's own pages: home (activity), sign in, sign up, sign out. Forms work without JavaScript:
// POST with the CSRF token, redirect after post, errors next to the field.
import { HttpProblem } from '../http/problem.js'
import type { PluginRouter } from '../http/router.js'
import type { RequestContext } from '../http/context.js'
import type { ContentService, ItemJson } from '../content/service.js'
import type { IdentityService } from '../identity/service.js'
import { SESSION_COOKIE } from '../identity/authenticate.js'
import { kernelSettings } from '../config/kernel-settings.js'
import type { PageOptions, View, ViewRegistry } from './registry.js'
import { intlLocale } from './i18n.js'

export interface PageRenderer {
  page(c: RequestContext, options: PageOptions): Promise<void>
  t(c: RequestContext, key: string, vars?: Record<string, string | number>): string
}

const Home: View<{ items: ItemJson[]; next: string | null }> = ({ ui, items, next }) => (
  <>
    {items.length === 0 ? <p class="utrecht-paragraph">{ui.t('home.empty')}</p> : null}
    <ul class="plein-items">
      {items.map(item => (
        <li>
          <a class="utrecht-link" href={item.url}>
            {item.title || String((item as Record<string, unknown>).name ?? item.id)}
          </a>
          <p class="plein-meta">
            {item.type}
            {item.owner ? ` · ${ui.t('item.by', { name: item.owner.name ?? '' })}` : ''} · <time dateTime={new Date(item.createdAt).toISOString()}>{new Date(item.createdAt).toLocaleDateString(intlLocale(ui.locale))}</time>
          </p>
        </li>
      ))}
    </ul>
    {next ? (
      <p>
        <a class="utrecht-link" href={`/?cursor=${encodeURIComponent(next)}`}>
          {ui.t('home.more')}
        </a>
      </p>
    ) : null}
  </>
)

interface FormState {
  values?: Record<string, string>
  errors?: Record<string, string>
  message?: { kind: 'info' | 'ok' | 'warning' | 'error'; text: string }
}

const SignIn: View<FormState & { next?: string }> = ({ ui, values = {}, errors = {}, message, next }) => (
  <>
    {message ? ui.view('kernel.alert', message) : null}
    <form class="plein-form" method="post" action="/auth/sign-in" novalidate>
      {next ? <input type="hidden" name="next" value={next} /> : null}
      {ui.view('kernel.field', { name: 'email', label: ui.t('auth.email'), type: 'email', value: values.email, error: errors.email, autocomplete: 'username', required: true })}
      {ui.view('kernel.field', { name: 'password', label: ui.t('auth.password'), type: 'password', error: errors.password, autocomplete: 'current-password', required: true })}
      {ui.view('kernel.submit', { label: ui.t('auth.submit.signIn') })}
    </form>
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/auth/forgot-password">
        {ui.t('auth.forgot')}
      </a>
    </p>
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/auth/sign-up">
        {ui.t('auth.noAccount')}
      </a>
    </p>
  </>
)

const SignUp: View<FormState> = ({ ui, values = {}, errors = {}, message }) => (
  <>
    {message ? ui.view('kernel.alert', message) : null}
    <form class="plein-form" method="post" action="/auth/sign-up" novalidate>
      {ui.view('kernel.field', { name: 'name', label: ui.t('auth.name'), value: values.name, error: errors.name, autocomplete: 'name', required: true })}
      {ui.view('kernel.field', { name: 'email', label: ui.t('auth.email'), type: 'email', value: values.email, error: errors.email, autocomplete: 'email', required: true })}
      {ui.view('kernel.field', { name: 'password', label: ui.t('auth.password'), type: 'password', hint: ui.t('auth.password.hint'), error: errors.password, autocomplete: 'new-password', required: true })}
      {ui.view('kernel.submit', { label: ui.t('auth.submit.signUp') })}
    </form>
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/auth/sign-in">
        {ui.t('auth.haveAccount')}
      </a>
    </p>
  </>
)

/** Only our own paths after sign-in: never an open redirect. */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/')

/** Field problems of an API-style error as a map for the form. */
function fieldErrors(error: unknown): Record<string, string> | undefined {
  if (!(error instanceof HttpProblem)) return undefined
  const out: Record<string, string> = {}
  for (const e of error.errors ?? []) {
    const key = 'pointer' in e.location ? e.location.pointer.replace(/^\//, '') : e.location.name
    out[key || 'form'] = e.detail
  }
  return out
}

export function registerKernelPages(views: ViewRegistry, router: PluginRouter, pages: PageRenderer, content: ContentService, identity: IdentityService): void {
  views.define('kernel', 'kernel.home', Home)
  views.define('kernel', 'kernel.signIn', SignIn)
  views.define('kernel', 'kernel.signUp', SignUp)

  router.get<unknown, { cursor?: string }>('page.home', '/', { hidden: true, query: { type: 'object', properties: { cursor: { type: 'string', maxLength: 200 } } } }, async c => {
    const page = await content.page(c.viewer, c.site, { kinds: content.enabledKinds(c.site), limit: 20, cursor: c.input.query.cursor })
    await pages.page(c, { title: pages.t(c, 'home.title'), view: 'kernel.home', props: { items: page.items, next: page.nextCursor } })
  })

  router.get<unknown, { next?: string; done?: string }>('page.signIn', '/auth/sign-in', { hidden: true, query: { type: 'object', properties: { next: { type: 'string', maxLength: 500 }, done: { enum: ['registered', 'verify', 'reset'] } } } }, async c => {
    const done = c.input.query.done
    const message = done ? { kind: 'ok', text: pages.t(c, ({ verify: 'auth.verifySent', reset: 'account.reset.done' } as Record<string, string>)[done] ?? 'auth.registered') } : undefined
    await pages.page(c, { title: pages.t(c, 'auth.signIn.title'), view: 'kernel.signIn', props: { next: c.input.query.next, message } })
  })

  router.post<{ email?: string; password?: string; next?: string }>(
    'page.signIn.post',
    '/auth/sign-in',
    { hidden: true, csrf: false, form: { type: 'object', properties: { email: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: 1000 }, next: { type: 'string', maxLength: 500 } } } },
    async c => {
      const { email = '', password = '', next } = c.input.body
      try {
        const session = await identity.login(c.site, { email, password }, c.ip)
        if (c.auth.kind === 'session') await identity.logout(c.auth.sessionHash)
        c.cookies.set(SESSION_COOKIE, session.sessionId, { httpOnly: true, sameSite: 'lax', secure: c.secure, path: '/', overwrite: true, maxAge: kernelSettings(c.site).sessions.absoluteDays * 86_400_000 })
        c.redirect(safeNext(next))
      } catch (error) {
        if (!(error instanceof HttpProblem) || error.status >= 500) throw error
        for (const [k, v] of Object.entries(error.headers)) c.set(k, v)
        await pages.page(c, { title: pages.t(c, 'auth.signIn.title'), view: 'kernel.signIn', status: error.status, props: { values: { email }, next, message: { kind: 'error', text: error.detail } } })
      }
    },
  )

  router.get('page.signUp', '/auth/sign-up', { hidden: true }, async c => pages.page(c, { title: pages.t(c, 'auth.signUp.title'), view: 'kernel.signUp' }))

  router.post<{ email?: string; password?: string; name?: string }>(
    'page.signUp.post',
    '/auth/sign-up',
    { hidden: true, csrf: false, form: { type: 'object', properties: { email: { type: 'string', maxLength: 254 }, password: { type: 'string', maxLength: 1000 }, name: { type: 'string', maxLength: 200 } } } },
    async c => {
      const values = { name: c.input.body.name ?? '', email: c.input.body.email ?? '' }
      const errors: Record<string, string> = {}
      if (!values.name.trim()) errors.name = pages.t(c, 'auth.name.missing')
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) errors.email = pages.t(c, 'auth.email.invalid')
      if ((c.input.body.password ?? '').length < 10) errors.password = pages.t(c, 'auth.password.short')
      if (Object.keys(errors).length > 0) {
        return pages.page(c, { title: pages.t(c, 'auth.signUp.title'), view: 'kernel.signUp', status: 400, props: { values, errors, message: { kind: 'error', text: pages.t(c, 'error.fix') } } })
      }
      try {
        const account = await identity.register(c.site, { email: values.email, name: values.name, password: c.input.body.password! }, c.ip)
        if (!account.emailVerified) await identity.sendVerification(c.site, account, `${c.protocol}://${c.host}`)
        c.redirect(`/auth/sign-in?done=${account.emailVerified ? 'registered' : 'verify'}`)
      } catch (error) {
        if (!(error instanceof HttpProblem) || error.status >= 500) throw error
        await pages.page(c, { title: pages.t(c, 'auth.signUp.title'), view: 'kernel.signUp', status: error.status, props: { values, errors: fieldErrors(error), message: { kind: 'error', text: error.detail } } })
      }
    },
  )

  router.post('page.signOut', '/auth/sign-out', { hidden: true, form: { type: 'object', properties: {} } }, async c => {
    if (c.auth.kind === 'session') await identity.logout(c.auth.sessionHash)
    c.cookies.set(SESSION_COOKIE, null, { path: '/' })
    c.redirect('/')
  })
}
