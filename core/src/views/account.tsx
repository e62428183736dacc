// The account pages: forgotten password, e-mail verification, and the settings of a signed-in person (profile
// and language, password, personal tokens, data export, deletion). Forms work without JavaScript: POST (with
// the CSRF token when there is a session), redirect after post, errors next to the field. The identity service
// does the work and applies the same rate limits as the JSON API.
import { HttpProblem } from '../http/problem.js'
import type { PluginRouter } from '../http/router.js'
import type { RequestContext } from '../http/context.js'
import { SESSION_COOKIE } from '../identity/authenticate.js'
import type { AccountLifecycle } from '../identity/lifecycle.js'
import { origin } from '../identity/routes.js'
import { MIN_PASSWORD, type IdentityService } from '../identity/service.js'
import type { Catalogue, Locale, Messages } from './i18n.js'
import { intlLocale } from './i18n.js'
import type { PageRenderer } from './pages.js'
import type { UI, View, ViewRegistry } from './registry.js'

interface FormState {
  values?: Record<string, string>
  errors?: Record<string, string>
  message?: { kind: 'info' | 'ok' | 'warning' | 'error'; text: string }
}

export interface TokenRow {
  id: string
  name: string
  createdAt: Date
  lastUsedAt: Date | null
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

const Csrf: View = ({ ui }) => <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />

const Submit = ({ label, kind = 'primary-action' }: { label: string; kind?: 'primary-action' | 'secondary-action' | 'subtle' }) => (
  <div>
    <button class={`utrecht-button utrecht-button--${kind}`} type="submit">
      {label}
    </button>
  </div>
)

const date = (ui: UI, d: Date | string) => (
  <time dateTime={new Date(d).toISOString()}>{new Date(d).toLocaleDateString(intlLocale(ui.locale), { year: 'numeric', month: 'long', day: 'numeric' })}</time>
)

// ---- signed out: forgotten password, new password, e-mail verification ----

const ForgotPassword: View<FormState> = ({ ui, values = {}, errors = {}, message }) => (
  <>
    {message ? ui.view('kernel.alert', message) : null}
    <p class="utrecht-paragraph">{ui.t('account.forgot.intro')}</p>
    <form class="plein-form" method="post" action="/auth/forgot-password" novalidate>
      <Csrf ui={ui} />
      {ui.view('kernel.field', { name: 'email', label: ui.t('auth.email'), type: 'email', value: values.email, error: errors.email, autocomplete: 'email', required: true })}
      <Submit label={ui.t('account.forgot.submit')} />
    </form>
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/auth/sign-in">
        {ui.t('account.backToSignIn')}
      </a>
    </p>
  </>
)

const ResetPassword: View<FormState & { token: string }> = ({ ui, token, errors = {}, message }) => (
  <>
    {message ? ui.view('kernel.alert', message) : null}
    <form class="plein-form" method="post" action="/auth/reset-password" novalidate>
      <Csrf ui={ui} />
      <input type="hidden" name="token" value={token} />
      {ui.view('kernel.field', { name: 'password', label: ui.t('account.newPassword'), type: 'password', hint: ui.t('auth.password.hint'), error: errors.password, autocomplete: 'new-password', required: true })}
      <Submit label={ui.t('account.save')} />
    </form>
    {errors.token ? (
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href="/auth/forgot-password">
          {ui.t('account.reset.again')}
        </a>
      </p>
    ) : null}
  </>
)

const VerifyEmail: View<FormState & { token?: string; confirmed?: boolean }> = ({ ui, token, confirmed, values = {}, errors = {}, message }) => (
  <>
    {message ? ui.view('kernel.alert', message) : null}
    {confirmed ? (
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href="/auth/sign-in">
          {ui.t('nav.signIn')}
        </a>
      </p>
    ) : token ? (
      <form class="plein-form" method="post" action="/auth/verify-email">
        <Csrf ui={ui} />
        <input type="hidden" name="token" value={token} />
        <p class="utrecht-paragraph">{ui.t('account.verify.intro')}</p>
        <Submit label={ui.t('account.verify.submit')} />
      </form>
    ) : (
      <>
        <h2 class="utrecht-heading-2 plein-section">{ui.t('account.verify.again')}</h2>
        <p class="utrecht-paragraph">{ui.t('account.verify.againIntro')}</p>
        <form class="plein-form" method="post" action="/auth/verify-email/resend" novalidate>
          <Csrf ui={ui} />
          {ui.view('kernel.field', { name: 'email', label: ui.t('auth.email'), type: 'email', value: values.email, error: errors.email, autocomplete: 'email', required: true })}
          <Submit label={ui.t('account.verify.send')} />
        </form>
      </>
    )}
  </>
)

// ---- signed in: settings ----

const SECTIONS = [
  ['/account', 'account.nav.profile'],
  ['/account/password', 'account.nav.password'],
  ['/account/tokens', 'account.nav.tokens'],
  ['/account/delete', 'account.nav.delete'],
] as const

/** The settings pages' own menu; a theme may override it (e.g. to add a plugin's settings page). */
const AccountNav: View = ({ ui }) => (
  <nav aria-label={ui.t('account.nav')}>
    <ul class="plein-tabs">
      {SECTIONS.map(([href, key]) => (
        <li>
          <a class="utrecht-link" href={href} aria-current={ui.path === href ? 'page' : undefined}>
            {ui.t(key)}
          </a>
        </li>
      ))}
    </ul>
  </nav>
)

const Profile: View<FormState & { email: string; locale: string }> = ({ ui, email, locale, values = {}, errors = {}, message }) => (
  <>
    {ui.view('kernel.accountNav')}
    {message ? ui.view('kernel.alert', message) : null}
    <form class="plein-form" method="post" action="/account" novalidate>
      <Csrf ui={ui} />
      {ui.view('kernel.field', { name: 'name', label: ui.t('auth.name'), value: values.name, error: errors.name, autocomplete: 'name', required: true })}
      <p class="utrecht-paragraph">
        {ui.t('auth.email')}: <strong>{email}</strong>
      </p>
      <fieldset class="utrecht-form-fieldset">
        <legend class="utrecht-form-fieldset__legend">{ui.t('account.language')}</legend>
        {(
          [
            ['', 'account.language.browser'],
            ['nl', 'account.language.nl'],
            ['en', 'account.language.en'],
          ] as const
        ).map(([value, key]) => (
          <p>
            <input class="utrecht-radio-button utrecht-radio-button--html-input" type="radio" id={`locale-${value || 'browser'}`} name="locale" value={value} checked={locale === value} />{' '}
            <label class="utrecht-form-label" for={`locale-${value || 'browser'}`} lang={value || undefined}>
              {ui.t(key)}
            </label>
          </p>
        ))}
      </fieldset>
      <Submit label={ui.t('account.save')} />
    </form>
    <h2 class="utrecht-heading-2 plein-section">{ui.t('account.export.title')}</h2>
    <p class="utrecht-paragraph">{ui.t('account.export.intro')}</p>
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/api/v1/users/me/export" download="plein-export.json">
        {ui.t('account.export.download')}
      </a>
    </p>
  </>
)

const ChangePassword: View<FormState> = ({ ui, errors = {}, message }) => (
  <>
    {ui.view('kernel.accountNav')}
    {message ? ui.view('kernel.alert', message) : null}
    <form class="plein-form" method="post" action="/account/password" novalidate>
      <Csrf ui={ui} />
      {ui.view('kernel.field', { name: 'currentPassword', label: ui.t('account.currentPassword'), type: 'password', error: errors.currentPassword, autocomplete: 'current-password', required: true })}
      {ui.view('kernel.field', { name: 'password', label: ui.t('account.newPassword'), type: 'password', hint: ui.t('auth.password.hint'), error: errors.password, autocomplete: 'new-password', required: true })}
      <Submit label={ui.t('account.password.submit')} />
    </form>
  </>
)

const Tokens: View<FormState & { tokens: TokenRow[]; created?: { name: string; token: string } }> = ({ ui, tokens, created, values = {}, errors = {}, message }) => (
  <>
    {ui.view('kernel.accountNav')}
    {message ? ui.view('kernel.alert', message) : null}
    {created ? (
      <>
        {ui.view('kernel.alert', { kind: 'ok', text: ui.t('account.tokens.created', { name: created.name }) })}
        <div class="utrecht-form-field plein-section">
          <label class="utrecht-form-label" for="new-token">
            {ui.t('account.tokens.secret')}
          </label>
          <input class="utrecht-textbox plein-secret" id="new-token" type="text" readOnly value={created.token} autocomplete="off" spellcheck={false} />
        </div>
      </>
    ) : null}
    <p class="utrecht-paragraph">{ui.t('account.tokens.intro')}</p>
    {tokens.length === 0 ? (
      <p class="utrecht-paragraph">{ui.t('account.tokens.none')}</p>
    ) : (
      <ul class="plein-items">
        {tokens.map(t => (
          <li>
            <strong>{t.name}</strong>
            <p class="plein-meta">
              {ui.t('account.tokens.since')} {date(ui, t.createdAt)} · {t.lastUsedAt ? <>{ui.t('account.tokens.lastUsed')} {date(ui, t.lastUsedAt)}</> : ui.t('account.tokens.unused')}
            </p>
            <form method="post" action={`/account/tokens/${t.id}/revoke`}>
              <Csrf ui={ui} />
              <button class="utrecht-button utrecht-button--secondary-action" type="submit" aria-label={ui.t('account.tokens.revokeNamed', { name: t.name })}>
                {ui.t('account.tokens.revoke')}
              </button>
            </form>
          </li>
        ))}
      </ul>
    )}
    <h2 class="utrecht-heading-2 plein-section">{ui.t('account.tokens.new')}</h2>
    <form class="plein-form" method="post" action="/account/tokens" novalidate>
      <Csrf ui={ui} />
      {ui.view('kernel.field', { name: 'name', label: ui.t('account.tokens.name'), hint: ui.t('account.tokens.nameHint'), value: values.name, error: errors.name, required: true })}
      <Submit label={ui.t('account.tokens.create')} />
    </form>
  </>
)

const DeleteAccount: View<FormState> = ({ ui, errors = {}, message }) => (
  <>
    {ui.view('kernel.accountNav')}
    {message ? ui.view('kernel.alert', message) : null}
    {ui.view('kernel.alert', { kind: 'warning', text: ui.t('account.delete.warning') })}
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/api/v1/users/me/export" download="plein-export.json">
        {ui.t('account.export.download')}
      </a>
    </p>
    <form class="plein-form" method="post" action="/account/delete" novalidate>
      <Csrf ui={ui} />
      {ui.view('kernel.field', { name: 'password', label: ui.t('account.delete.password'), type: 'password', error: errors.password, autocomplete: 'current-password', required: true })}
      <Submit label={ui.t('account.delete.submit')} />
    </form>
  </>
)

const Deleted: View = ({ ui }) => (
  <>
    <p class="utrecht-paragraph">{ui.t('account.deleted.text')}</p>
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href="/">
        {ui.t('nav.home')}
      </a>
    </p>
  </>
)

/** Field problems of an API-style error as a map for the form (the first per field). */
function fieldErrors(error: HttpProblem): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of error.errors ?? []) {
    const key = ('pointer' in e.location ? e.location.pointer.replace(/^\//, '') : e.location.name) || 'form'
    out[key] ??= e.detail
  }
  return out
}

/** A problem the person can act on (4xx) comes back to the form; anything else is a real error. */
function expected(c: RequestContext, error: unknown): HttpProblem {
  if (!(error instanceof HttpProblem) || error.status >= 500) throw error
  for (const [k, v] of Object.entries(error.headers)) c.set(k, v)
  return error
}

const str = { type: 'string', maxLength: 1000 }

export function registerAccountPages(views: ViewRegistry, catalogue: Catalogue, router: PluginRouter, pages: PageRenderer, identity: IdentityService, lifecycle: AccountLifecycle): void {
  catalogue.add('nl', accountMessages.nl)
  catalogue.add('en', accountMessages.en)
  views.define('kernel', 'kernel.forgotPassword', ForgotPassword)
  views.define('kernel', 'kernel.resetPassword', ResetPassword)
  views.define('kernel', 'kernel.verifyEmail', VerifyEmail)
  views.define('kernel', 'kernel.accountNav', AccountNav)
  views.define('kernel', 'kernel.account', Profile)
  views.define('kernel', 'kernel.changePassword', ChangePassword)
  views.define('kernel', 'kernel.tokens', Tokens)
  views.define('kernel', 'kernel.deleteAccount', DeleteAccount)
  views.define('kernel', 'kernel.accountDeleted', Deleted)

  const t = pages.t
  const ok = (c: RequestContext, key: string) => ({ kind: 'ok' as const, text: t(c, key) })
  const invalid = (c: RequestContext) => ({ kind: 'error' as const, text: t(c, 'error.fix') })
  /** The problem's own words for a rate limit (it names the wait); a translated sentence otherwise. */
  const problemMessage = (c: RequestContext, p: HttpProblem, fallback: string) => ({ kind: 'error' as const, text: p.status === 429 ? t(c, 'account.tooMany', { seconds: p.headers['Retry-After'] ?? '60' }) : t(c, fallback) })
  /** Signed-out visitors of a settings page go to sign-in and come back. */
  const signedIn = (c: RequestContext) => {
    if (c.viewer.user) return c.viewer.user
    c.redirect(`/auth/sign-in?next=${encodeURIComponent(c.path)}`)
    return undefined
  }

  // ---- forgotten password: the answer never tells whether the address has an account ----

  router.get<unknown, { done?: string }>('page.forgotPassword', '/auth/forgot-password', { hidden: true, query: { type: 'object', properties: { done: { enum: ['sent'] } } } }, async c =>
    pages.page(c, { title: t(c, 'account.forgot.title'), view: 'kernel.forgotPassword', props: { message: c.input.query.done ? ok(c, 'account.forgot.sent') : undefined } }),
  )
  router.post<{ email?: string }>('page.forgotPassword.post', '/auth/forgot-password', { hidden: true, csrf: false, form: { type: 'object', properties: { email: { type: 'string', maxLength: 254 } } } }, async c => {
    const email = (c.input.body.email ?? '').trim()
    if (!EMAIL.test(email)) {
      return pages.page(c, { title: t(c, 'account.forgot.title'), view: 'kernel.forgotPassword', status: 400, props: { values: { email }, errors: { email: t(c, 'auth.email.invalid') }, message: invalid(c) } })
    }
    await identity.requestPasswordReset(c.site, email, origin(c), c.ip)
    c.redirect('/auth/forgot-password?done=sent')
  })

  const tokenQuery = { type: 'object', properties: { token: { type: 'string', maxLength: 2000 } } }
  router.get<unknown, { token?: string }>('page.resetPassword', '/auth/reset-password', { hidden: true, query: tokenQuery }, async c => {
    if (!c.input.query.token) return c.redirect('/auth/forgot-password')
    c.set('Referrer-Policy', 'no-referrer')
    await pages.page(c, { title: t(c, 'account.reset.title'), view: 'kernel.resetPassword', props: { token: c.input.query.token } })
  })
  router.post<{ token?: string; password?: string }>(
    'page.resetPassword.post',
    '/auth/reset-password',
    { hidden: true, csrf: false, form: { type: 'object', properties: { token: { type: 'string', maxLength: 2000 }, password: str } } },
    async c => {
      const token = c.input.body.token ?? ''
      const password = c.input.body.password ?? ''
      const again = (status: number, errors: Record<string, string>, message: FormState['message']) =>
        pages.page(c, { title: t(c, 'account.reset.title'), view: 'kernel.resetPassword', status, props: { token, errors, message } })
      if (password.length < MIN_PASSWORD) return again(400, { password: t(c, 'auth.password.short') }, invalid(c))
      try {
        await identity.resetPassword(token, password)
      } catch (error) {
        const p = expected(c, error)
        return again(p.status, { ...fieldErrors(p), ...(fieldErrors(p).token ? { token: t(c, 'account.reset.invalid') } : {}) }, { kind: 'error', text: t(c, p.code === 'TOKEN_INVALID' ? 'account.reset.invalid' : 'error.fix') })
      }
      // Every session ended with the reset, this browser's too.
      c.cookies.set(SESSION_COOKIE, null, { path: '/' })
      c.redirect('/auth/sign-in?done=reset')
    },
  )

  // ---- e-mail verification: the link opens a page whose button confirms (mail scanners only follow links) ----

  router.get<unknown, { token?: string; done?: string }>(
    'page.verifyEmail',
    '/auth/verify-email',
    { hidden: true, query: { type: 'object', properties: { token: { type: 'string', maxLength: 2000 }, done: { enum: ['sent'] } } } },
    async c => {
      if (c.input.query.token) c.set('Referrer-Policy', 'no-referrer')
      await pages.page(c, { title: t(c, 'account.verify.title'), view: 'kernel.verifyEmail', props: { token: c.input.query.token, message: c.input.query.done ? ok(c, 'account.verify.sent') : undefined } })
    },
  )
  router.post<{ token?: string }>('page.verifyEmail.post', '/auth/verify-email', { hidden: true, csrf: false, form: { type: 'object', properties: { token: { type: 'string', maxLength: 2000 } } } }, async c => {
    try {
      await identity.verifyEmail(c.input.body.token ?? '')
    } catch (error) {
      const p = expected(c, error)
      return pages.page(c, { title: t(c, 'account.verify.title'), view: 'kernel.verifyEmail', status: p.status, props: { message: { kind: 'error', text: t(c, 'account.verify.invalid') } } })
    }
    // The link is spent, so this answer is the result page itself: reloading it changes nothing.
    await pages.page(c, { title: t(c, 'account.verify.done'), view: 'kernel.verifyEmail', props: { confirmed: true, message: ok(c, 'account.verify.ok') } })
  })
  router.post<{ email?: string }>('page.verifyEmail.resend', '/auth/verify-email/resend', { hidden: true, csrf: false, form: { type: 'object', properties: { email: { type: 'string', maxLength: 254 } } } }, async c => {
    const email = (c.input.body.email ?? '').trim()
    if (!EMAIL.test(email)) {
      return pages.page(c, { title: t(c, 'account.verify.title'), view: 'kernel.verifyEmail', status: 400, props: { values: { email }, errors: { email: t(c, 'auth.email.invalid') }, message: invalid(c) } })
    }
    await identity.resendVerification(c.site, email, origin(c), c.ip)
    c.redirect('/auth/verify-email?done=sent')
  })

  // ---- settings: profile and language (with the data export) ----

  const profilePage = async (c: RequestContext, state: FormState & { status?: number } = {}) => {
    const me = c.viewer.user!
    const account = (await identity.accountsByIds([me.id])).get(me.id)!
    const locale = account.locale === 'nl' || account.locale === 'en' ? account.locale : ''
    await pages.page(c, {
      title: t(c, 'account.title'),
      view: 'kernel.account',
      status: state.status,
      props: { email: account.email, locale: state.values?.locale ?? locale, values: { name: account.name, ...state.values }, errors: state.errors, message: state.message },
    })
  }
  router.get<unknown, { done?: string }>('page.account', '/account', { hidden: true, query: { type: 'object', properties: { done: { enum: ['saved', 'password'] } } } }, async c => {
    if (!signedIn(c)) return
    const done = c.input.query.done
    await profilePage(c, { message: done ? ok(c, done === 'saved' ? 'account.saved' : 'account.password.changed') : undefined })
  })
  router.post<{ name?: string; locale?: string }>(
    'page.account.post',
    '/account',
    { hidden: true, auth: true, form: { type: 'object', properties: { name: { type: 'string', maxLength: 200 }, locale: { enum: ['', 'nl', 'en'] } } } },
    async c => {
      const name = (c.input.body.name ?? '').trim()
      const locale = (c.input.body.locale ?? '') as '' | Locale
      if (!name) return profilePage(c, { status: 400, values: { name, locale }, errors: { name: t(c, 'auth.name.missing') }, message: invalid(c) })
      await identity.updateProfile(c.viewer.user!.id, { name, locale: locale || null })
      c.redirect('/account?done=saved')
    },
  )

  // ---- settings: password ----

  router.get('page.password', '/account/password', { hidden: true }, async c => {
    if (!signedIn(c)) return
    await pages.page(c, { title: t(c, 'account.password.title'), view: 'kernel.changePassword' })
  })
  router.post<{ currentPassword?: string; password?: string }>(
    'page.password.post',
    '/account/password',
    { hidden: true, auth: true, form: { type: 'object', properties: { currentPassword: str, password: str } } },
    async c => {
      const again = (status: number, errors: Record<string, string>, message: FormState['message']) =>
        pages.page(c, { title: t(c, 'account.password.title'), view: 'kernel.changePassword', status, props: { errors, message } })
      const { currentPassword = '', password = '' } = c.input.body
      const errors: Record<string, string> = {}
      if (!currentPassword) errors.currentPassword = t(c, 'account.currentPassword.missing')
      if (password.length < MIN_PASSWORD) errors.password = t(c, 'auth.password.short')
      if (Object.keys(errors).length > 0) return again(400, errors, invalid(c))
      try {
        await identity.changePassword(c.site, c.viewer.user!, { currentPassword, password }, c.ip, c.auth.kind === 'session' ? c.auth.sessionHash : undefined)
      } catch (error) {
        const p = expected(c, error)
        return again(p.status, p.code === 'PASSWORD_WRONG' ? { currentPassword: t(c, 'account.currentPassword.wrong') } : fieldErrors(p), problemMessage(c, p, 'error.fix'))
      }
      c.redirect('/account?done=password')
    },
  )

  // ---- settings: personal API tokens ----

  const tokensPage = async (c: RequestContext, state: FormState & { status?: number; created?: { name: string; token: string } } = {}) => {
    const tokens = await identity.listTokens(c.viewer.user!.id)
    await pages.page(c, { title: t(c, 'account.tokens.title'), view: 'kernel.tokens', status: state.status, props: { tokens, ...state } })
  }
  router.get<unknown, { done?: string }>('page.tokens', '/account/tokens', { hidden: true, query: { type: 'object', properties: { done: { enum: ['revoked'] } } } }, async c => {
    if (!signedIn(c)) return
    await tokensPage(c, { message: c.input.query.done ? ok(c, 'account.tokens.revoked') : undefined })
  })
  router.post<{ name?: string }>('page.tokens.create', '/account/tokens', { hidden: true, auth: true, form: { type: 'object', properties: { name: { type: 'string', maxLength: 200 } } } }, async c => {
    const name = (c.input.body.name ?? '').trim()
    if (!name) return tokensPage(c, { status: 400, values: { name }, errors: { name: t(c, 'account.tokens.nameMissing') }, message: invalid(c) })
    const created = await identity.createToken(c.viewer.user!.id, name)
    // The one exception to redirect-after-post: the secret is shown once, in this answer, and kept nowhere.
    await tokensPage(c, { created: { name: created.name, token: created.token } })
    c.set('Cache-Control', 'no-store')
  })
  router.post<unknown, unknown, { id: string }>(
    'page.tokens.revoke',
    '/account/tokens/:id/revoke',
    { hidden: true, auth: true, params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, form: { type: 'object', properties: {} } },
    async c => {
      // Someone else's token, or one already gone: the same answer (nothing to tell).
      await identity.deleteToken(c.viewer.user!.id, c.input.params.id)
      c.redirect('/account/tokens?done=revoked')
    },
  )

  // ---- settings: deleting the account ----

  router.get('page.deleteAccount', '/account/delete', { hidden: true }, async c => {
    if (!signedIn(c)) return
    await pages.page(c, { title: t(c, 'account.delete.title'), view: 'kernel.deleteAccount' })
  })
  router.post<{ password?: string }>('page.deleteAccount.post', '/account/delete', { hidden: true, auth: true, form: { type: 'object', properties: { password: str } } }, async c => {
    const again = (status: number, errors: Record<string, string>, message: FormState['message']) =>
      pages.page(c, { title: t(c, 'account.delete.title'), view: 'kernel.deleteAccount', status, props: { errors, message } })
    const password = c.input.body.password ?? ''
    if (!password) return again(400, { password: t(c, 'account.currentPassword.missing') }, invalid(c))
    const me = c.viewer.user!
    try {
      await identity.confirmPassword(c.site, me, password, c.ip)
      await lifecycle.delete(me.id, c.site)
    } catch (error) {
      const p = expected(c, error)
      if (p.code === 'PASSWORD_WRONG') return again(400, { password: t(c, 'account.currentPassword.wrong') }, invalid(c))
      // A plugin refused (e.g. the only owner of a group): its reason, as it gave it.
      return again(p.status, {}, p.status === 429 ? problemMessage(c, p, 'error.fix') : { kind: 'error', text: p.detail })
    }
    // Sessions went with the account; the cookie goes too.
    c.cookies.set(SESSION_COOKIE, null, { path: '/' })
    c.redirect('/account/deleted')
  })
  router.get('page.accountDeleted', '/account/deleted', { hidden: true }, async c => pages.page(c, { title: t(c, 'account.deleted.title'), view: 'kernel.accountDeleted' }))
}

export const accountMessages: Record<Locale, Messages> = {
  nl: {
    'nav.settings': 'Instellingen',
    'account.save': 'Opslaan',
    'account.backToSignIn': 'Terug naar inloggen',
    'account.tooMany': 'Te veel pogingen. Probeer het over {seconds} seconden opnieuw.',
    'account.forgot.title': 'Wachtwoord vergeten',
    'account.forgot.intro': 'Vul het e-mailadres van je account in. We sturen je een link waarmee je een nieuw wachtwoord kiest.',
    'account.forgot.submit': 'Stuur de link',
    'account.forgot.sent': 'Als er een account bij dit e-mailadres hoort, is er een e-mail met een link onderweg. De link is een uur geldig.',
    'account.reset.title': 'Nieuw wachtwoord kiezen',
    'account.reset.invalid': 'Deze link is ongeldig, verlopen of al gebruikt. Vraag een nieuwe aan.',
    'account.reset.again': 'Vraag een nieuwe link aan',
    'account.reset.done': 'Je wachtwoord is gewijzigd. Log in met je nieuwe wachtwoord.',
    'account.newPassword': 'Nieuw wachtwoord',
    'account.currentPassword': 'Huidig wachtwoord',
    'account.currentPassword.missing': 'Vul je huidige wachtwoord in.',
    'account.currentPassword.wrong': 'Dit is niet je huidige wachtwoord.',
    'account.verify.title': 'E-mailadres bevestigen',
    'account.verify.intro': 'Bevestig dat dit e-mailadres van jou is.',
    'account.verify.submit': 'Bevestig mijn e-mailadres',
    'account.verify.done': 'E-mailadres bevestigd',
    'account.verify.ok': 'Je e-mailadres is bevestigd. Je kunt nu inloggen.',
    'account.verify.invalid': 'Deze link is ongeldig, verlopen of al gebruikt. Vraag hieronder een nieuwe aan.',
    'account.verify.again': 'Nieuwe bevestigingslink',
    'account.verify.againIntro': 'Geen e-mail gekregen, of is de link verlopen? Vul je e-mailadres in en we sturen een nieuwe.',
    'account.verify.send': 'Stuur opnieuw',
    'account.verify.sent': 'Als er een onbevestigd account bij dit e-mailadres hoort, is er een nieuwe link onderweg.',
    'account.title': 'Instellingen',
    'account.nav': 'Instellingen',
    'account.nav.profile': 'Profiel en taal',
    'account.nav.password': 'Wachtwoord',
    'account.nav.tokens': 'Persoonlijke tokens',
    'account.nav.delete': 'Account verwijderen',
    'account.saved': 'Je instellingen zijn opgeslagen.',
    'account.language': 'Taal',
    'account.language.browser': 'Zoals mijn browser',
    'account.language.nl': 'Nederlands',
    'account.language.en': 'English',
    'account.export.title': 'Je gegevens',
    'account.export.intro': 'Download alles wat deze site over jou bewaart, als JSON-bestand (AVG).',
    'account.export.download': 'Download mijn gegevens',
    'account.password.title': 'Wachtwoord wijzigen',
    'account.password.submit': 'Wachtwoord wijzigen',
    'account.password.changed': 'Je wachtwoord is gewijzigd. Je andere sessies zijn beëindigd.',
    'account.tokens.title': 'Persoonlijke tokens',
    'account.tokens.intro': 'Met een persoonlijk token gebruikt een programma de API of WebDAV namens jou. Trek een token in als je het niet meer gebruikt.',
    'account.tokens.none': 'Je hebt nog geen tokens.',
    'account.tokens.since': 'Gemaakt op',
    'account.tokens.lastUsed': 'laatst gebruikt op',
    'account.tokens.unused': 'nog niet gebruikt',
    'account.tokens.revoke': 'Intrekken',
    'account.tokens.revokeNamed': 'Token “{name}” intrekken',
    'account.tokens.revoked': 'Het token is ingetrokken en werkt niet meer.',
    'account.tokens.new': 'Nieuw token',
    'account.tokens.name': 'Naam van het token',
    'account.tokens.nameHint': 'Waarvoor gebruik je het? Bijvoorbeeld “Agenda-koppeling”.',
    'account.tokens.nameMissing': 'Geef het token een naam.',
    'account.tokens.create': 'Token maken',
    'account.tokens.created': 'Token “{name}” is gemaakt. Kopieer het nu: je ziet het maar één keer.',
    'account.tokens.secret': 'Je nieuwe token',
    'account.delete.title': 'Account verwijderen',
    'account.delete.warning': 'Je account en je persoonlijke gegevens worden verwijderd. Dit kun je niet ongedaan maken. Download eerst je gegevens als je ze wilt bewaren.',
    'account.delete.password': 'Je wachtwoord, ter bevestiging',
    'account.delete.submit': 'Verwijder mijn account',
    'account.deleted.title': 'Account verwijderd',
    'account.deleted.text': 'Je account en je persoonlijke gegevens zijn verwijderd. Je bent uitgelogd.',
  },
  en: {
    'nav.settings': 'Settings',
    'account.save': 'Save',
    'account.backToSignIn': 'Back to sign in',
    'account.tooMany': 'Too many attempts. Try again in {seconds} seconds.',
    'account.forgot.title': 'Forgotten password',
    'account.forgot.intro': "Enter your account's e-mail address. We will send you a link to choose a new password.",
    'account.forgot.submit': 'Send the link',
    'account.forgot.sent': 'If this e-mail address has an account, a message with a link is on its way. The link is valid for one hour.',
    'account.reset.title': 'Choose a new password',
    'account.reset.invalid': 'This link is invalid, expired or already used. Ask for a new one.',
    'account.reset.again': 'Ask for a new link',
    'account.reset.done': 'Your password is changed. Sign in with your new password.',
    'account.newPassword': 'New password',
    'account.currentPassword': 'Current password',
    'account.currentPassword.missing': 'Enter your current password.',
    'account.currentPassword.wrong': 'This is not your current password.',
    'account.verify.title': 'Confirm your e-mail address',
    'account.verify.intro': 'Confirm that this e-mail address is yours.',
    'account.verify.submit': 'Confirm my e-mail address',
    'account.verify.done': 'E-mail address confirmed',
    'account.verify.ok': 'Your e-mail address is confirmed. You can sign in now.',
    'account.verify.invalid': 'This link is invalid, expired or already used. Ask for a new one below.',
    'account.verify.again': 'A new confirmation link',
    'account.verify.againIntro': 'No e-mail, or did the link expire? Enter your e-mail address and we will send a new one.',
    'account.verify.send': 'Send again',
    'account.verify.sent': 'If this e-mail address has an unconfirmed account, a new link is on its way.',
    'account.title': 'Settings',
    'account.nav': 'Settings',
    'account.nav.profile': 'Profile and language',
    'account.nav.password': 'Password',
    'account.nav.tokens': 'Personal tokens',
    'account.nav.delete': 'Delete account',
    'account.saved': 'Your settings are saved.',
    'account.language': 'Language',
    'account.language.browser': 'As my browser',
    'account.language.nl': 'Nederlands',
    'account.language.en': 'English',
    'account.export.title': 'Your data',
    'account.export.intro': 'Download everything this site keeps about you, as a JSON file (GDPR).',
    'account.export.download': 'Download my data',
    'account.password.title': 'Change password',
    'account.password.submit': 'Change password',
    'account.password.changed': 'Your password is changed. Your other sessions have ended.',
    'account.tokens.title': 'Personal tokens',
    'account.tokens.intro': 'With a personal token a program uses the API or WebDAV on your behalf. Revoke a token when you no longer use it.',
    'account.tokens.none': 'You have no tokens yet.',
    'account.tokens.since': 'Created on',
    'account.tokens.lastUsed': 'last used on',
    'account.tokens.unused': 'not used yet',
    'account.tokens.revoke': 'Revoke',
    'account.tokens.revokeNamed': 'Revoke token “{name}”',
    'account.tokens.revoked': 'The token is revoked and no longer works.',
    'account.tokens.new': 'New token',
    'account.tokens.name': 'Name of the token',
    'account.tokens.nameHint': 'What is it for? For example “Calendar link”.',
    'account.tokens.nameMissing': 'Give the token a name.',
    'account.tokens.create': 'Create token',
    'account.tokens.created': 'Token “{name}” is created. Copy it now: you will see it only once.',
    'account.tokens.secret': 'Your new token',
    'account.delete.title': 'Delete account',
    'account.delete.warning': 'Your account and your personal data will be deleted. This cannot be undone. Download your data first if you want to keep it.',
    'account.delete.password': 'Your password, to confirm',
    'account.delete.submit': 'Delete my account',
    'account.deleted.title': 'Account deleted',
    'account.deleted.text': 'Your account and your personal data are deleted. You are signed out.',
  },
}
