// The account pages over real HTTP (forms as a browser without JavaScript sends them): forgotten password
// without account enumeration, the reset and verification links from real mail, and the settings of a
// signed-in person — profile and language (which beats Accept-Language), password, personal tokens (shown once),
// data export, deletion — each with its happy path, its errors next to the field, and CSRF rejection.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { expectProblem, linkIn, startMailCatcher, type MailCatcher } from './identity/helpers.js'

const PASSWORD = 'correct horse battery staple'
const NEW_PASSWORD = 'a brand new password 2026'

const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }

/** Posts a form the way a browser does: urlencoded fields (the CSRF token only as `_csrf`, never as a header). */
function postForm(client: TestClient, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<TestResponse> {
  return client.post(path, undefined, { raw: new URLSearchParams(fields).toString(), headers: { ...FORM, 'x-csrf-token': '', ...headers } })
}

const getPage = (client: TestClient, path: string, headers: Record<string, string> = {}) => client.get(path, { headers: { accept: 'text/html', ...headers } })

/** The `_csrf` value a page's form carries. */
function csrfIn(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html)
  expect(m, 'the page has a form with a CSRF token').to.not.equal(null)
  return m![1]!
}

/** A form page answered with the error next to its field: aria-invalid, and the message in the field's error element. */
function expectFieldError(res: TestResponse, status: number, field: string, text: RegExp): void {
  expect(res.status, res.text).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^text\/html/)
  expect(res.text).to.match(new RegExp(`id="field-${field}-error"[^>]*>[^<]*${text.source}`))
  expect(res.text).to.match(new RegExp(`id="field-${field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="field-${field}"`))
}

const location = (res: TestResponse) => String(res.headers.location ?? '')

describe('account pages: forgotten password and e-mail verification (SMTP)', () => {
  let smtp: MailCatcher
  let tk: TestKernel
  let n = 0
  const newEmail = () => `pages-${++n}-${Date.now()}@example.org`

  before(async function () {
    this.timeout(60_000)
    smtp = await startMailCatcher()
    tk = await createTestKernel({ smtpUrl: smtp.url, site: { settings: { auth: { requireEmailVerification: true } } } })
  })
  after(async () => {
    await tk?.close()
    await smtp?.close()
  })

  async function register(email = newEmail()) {
    const since = smtp.mails.length
    const res = await tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Mia' })
    expect(res.status, res.text).to.equal(201)
    await tk.kernel.jobs.drain()
    const mail = await smtp.next(email, since)
    return { email, ...linkIn(mail.text, '/auth/verify-email') }
  }

  it('links from the sign-in page to the forgotten-password form', async () => {
    const signIn = await getPage(tk.client(), '/auth/sign-in')
    expect(signIn.text).to.include('href="/auth/forgot-password"')
    const page = await getPage(tk.client(), '/auth/forgot-password')
    expect(page.status).to.equal(200)
    expect(page.text).to.include('action="/auth/forgot-password"').and.include('Wachtwoord vergeten')
  })

  it('answers a known and an unknown address the same way (no enumeration); only the known one gets mail', async () => {
    const { email, token } = await register()
    await tk.client().post('/api/v1/auth/verify-email', { token })
    const since = smtp.mails.length
    const known = await postForm(tk.client(), '/auth/forgot-password', { email })
    const unknown = await postForm(tk.client(), '/auth/forgot-password', { email: `nobody-${Date.now()}@example.org` })
    for (const res of [known, unknown]) {
      expect(res.status, res.text).to.equal(302)
      expect(location(res)).to.equal('/auth/forgot-password?done=sent')
    }
    expect(known.text).to.equal(unknown.text)
    const done = await getPage(tk.client(), location(known))
    expect(done.text).to.include('Als er een account bij dit e-mailadres hoort')
    await tk.kernel.jobs.drain()
    const mail = await smtp.next(email, since)
    expect(smtp.mails.slice(since).every(m => m.to.includes(email))).to.equal(true)
    expect(mail.text).to.include('/auth/reset-password?token=')
  })

  it('shows an invalid address next to the field', async () => {
    const res = await postForm(tk.client(), '/auth/forgot-password', { email: 'nobody@' })
    expectFieldError(res, 400, 'email', /geldig e-mailadres/)
    expect(res.text).to.include('value="nobody@"')
  })

  it('opens the reset link as a "new password" form; refuses a short password and a bad token; sets the password once', async () => {
    const { email, token: verify } = await register()
    await tk.client().post('/api/v1/auth/verify-email', { token: verify })
    const since = smtp.mails.length
    await postForm(tk.client(), '/auth/forgot-password', { email })
    await tk.kernel.jobs.drain()
    const { link, token } = linkIn((await smtp.next(email, since)).text, '/auth/reset-password')
    const url = new URL(link)
    const page = await getPage(tk.client(), url.pathname + url.search)
    expect(page.status).to.equal(200)
    expect(page.text).to.include('Nieuw wachtwoord kiezen').and.include('name="token"').and.include('autocomplete="new-password"')
    expect(page.headers['referrer-policy']).to.equal('no-referrer')

    expectFieldError(await postForm(tk.client(), '/auth/reset-password', { token, password: 'short' }), 400, 'password', /minstens 10 tekens/)
    const bad = await postForm(tk.client(), '/auth/reset-password', { token: token.slice(0, -2) + 'xx', password: NEW_PASSWORD })
    expect(bad.status).to.equal(400)
    expect(bad.text).to.include('ongeldig, verlopen of al gebruikt').and.include('href="/auth/forgot-password"')

    const ok = await postForm(tk.client(), '/auth/reset-password', { token, password: NEW_PASSWORD })
    expect(ok.status, ok.text).to.equal(302)
    expect(location(ok)).to.equal('/auth/sign-in?done=reset')
    expect((await getPage(tk.client(), location(ok))).text).to.include('Je wachtwoord is gewijzigd')
    expect((await tk.client().post('/api/v1/auth/login', { email, password: NEW_PASSWORD })).status).to.equal(200)
    expect((await postForm(tk.client(), '/auth/reset-password', { token, password: 'yet another password' })).status).to.equal(400)
  })

  it('confirms the address from the mailed link (a button, then the result) and sends the link again on request', async () => {
    const { email, link, token } = await register()
    const url = new URL(link)
    const page = await getPage(tk.client(), url.pathname + url.search)
    expect(page.status).to.equal(200)
    expect(page.text).to.include('method="post"').and.include('Bevestig mijn e-mailadres')
    expectProblem(await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD }), 403, 'EMAIL_NOT_VERIFIED')
    const done = await postForm(tk.client(), '/auth/verify-email', { token })
    expect(done.status, done.text).to.equal(200)
    expect(done.text).to.include('Je e-mailadres is bevestigd')
    expect((await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD })).status).to.equal(200)
    const again = await postForm(tk.client(), '/auth/verify-email', { token })
    expect(again.status).to.equal(400)
    expect(again.text).to.include('ongeldig, verlopen of al gebruikt').and.include('action="/auth/verify-email/resend"')

    // "Send again": the same neutral answer for any address; mail only for an unconfirmed account.
    const second = await register()
    const form = await getPage(tk.client(), '/auth/verify-email')
    expect(form.text).to.include('action="/auth/verify-email/resend"')
    expectFieldError(await postForm(tk.client(), '/auth/verify-email/resend', { email: 'x' }), 400, 'email', /geldig e-mailadres/)
    const since = smtp.mails.length
    const sent = await postForm(tk.client(), '/auth/verify-email/resend', { email: second.email })
    const nobody = await postForm(tk.client(), '/auth/verify-email/resend', { email: `nobody-${Date.now()}@example.org` })
    expect([sent.status, location(sent)]).to.deep.equal([302, '/auth/verify-email?done=sent'])
    expect([nobody.status, location(nobody)]).to.deep.equal([302, '/auth/verify-email?done=sent'])
    await tk.kernel.jobs.drain()
    const { token: fresh } = linkIn((await smtp.next(second.email, since)).text, '/auth/verify-email')
    expect((await postForm(tk.client(), '/auth/verify-email', { token: fresh })).status).to.equal(200)
  })
})

describe('account pages: settings of a signed-in person', () => {
  let tk: TestKernel
  let admin: SignedUp

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ site: { settings: { rateLimits: { loginPerAccount: { max: 3, windowSeconds: 900 } } } } })
    admin = await tk.signUp({ name: 'Root admin' })
  })
  after(() => tk?.close())

  /** A signed-in person and the CSRF token of their pages' forms. */
  async function person(name = 'Sam') {
    const who = await tk.signUp({ name })
    const page = await getPage(who.client, '/account')
    return { ...who, csrf: csrfIn(page.text) }
  }

  it('sends a visitor to sign in first, and shows a signed-in person the settings link in the header', async () => {
    for (const path of ['/account', '/account/password', '/account/tokens', '/account/delete']) {
      const res = await getPage(tk.client(), path)
      expect(res.status, path).to.equal(302)
      expect(location(res)).to.equal(`/auth/sign-in?next=${encodeURIComponent(path)}`)
    }
    expect((await getPage(tk.client(), '/')).text).to.not.include('href="/account"')
    const home = await getPage(admin.client, '/')
    expect(home.text).to.match(/<a class="utrecht-link" href="\/account">Instellingen<\/a>/)
    const settings = await getPage(admin.client, '/account')
    expect(settings.status).to.equal(200)
    expect(settings.text).to.include('value="Root admin"').and.include(admin.user.email).and.include('href="/api/v1/users/me/export"')
    expect(settings.text).to.match(/href="\/account" aria-current="page"/)
  })

  it('saves the name, keeps a missing one as an error next to the field, and refuses a form without the CSRF token', async () => {
    const sam = await person()
    expectFieldError(await postForm(sam.client, '/account', { _csrf: sam.csrf, name: '  ', locale: '' }), 400, 'name', /Vul je naam in/)
    const forged = await postForm(sam.client, '/account', { name: 'Mallory', locale: '' })
    expectProblem(forged, 403, 'CSRF_TOKEN_INVALID')
    expectProblem(await postForm(sam.client, '/account', { _csrf: 'wrong', name: 'Mallory', locale: '' }), 403, 'CSRF_TOKEN_INVALID')
    expect((await postForm(sam.client, '/account', { _csrf: sam.csrf, name: 'Sam', locale: 'de' })).status).to.equal(400)
    const saved = await postForm(sam.client, '/account', { _csrf: sam.csrf, name: 'Samira Bakker', locale: '' })
    expect([saved.status, location(saved)]).to.deep.equal([302, '/account?done=saved'])
    expect((await getPage(sam.client, location(saved))).text).to.include('Je instellingen zijn opgeslagen').and.include('value="Samira Bakker"')
    expect((await sam.client.get('/api/v1/users/me')).body).to.deep.equal({ id: sam.user.id, name: 'Samira Bakker', email: sam.user.email, locale: null })
  })

  it('uses the chosen language before Accept-Language, and the browser\'s again when the choice is cleared', async () => {
    const sam = await person()
    const lang = async (acceptLanguage: string) => {
      const res = await getPage(sam.client, '/account', { 'accept-language': acceptLanguage })
      return /<html lang="(\w+)"/.exec(res.text)![1]
    }
    expect(await lang('en-GB,en;q=0.9')).to.equal('en')
    expect(await lang('nl-NL')).to.equal('nl')
    await postForm(sam.client, '/account', { _csrf: sam.csrf, name: 'Sam', locale: 'en' })
    expect(await lang('nl-NL,nl;q=0.9')).to.equal('en')
    const page = await getPage(sam.client, '/account', { 'accept-language': 'nl-NL' })
    expect(page.text).to.include('>Settings</a>').and.include('id="locale-en" name="locale" value="en" checked')
    // The pages of plugins and the kernel alike: the home page too.
    expect((await getPage(sam.client, '/', { 'accept-language': 'nl' })).text).to.include('Latest activity')
    await postForm(sam.client, '/account', { _csrf: sam.csrf, name: 'Sam', locale: 'nl' })
    expect(await lang('en')).to.equal('nl')
    await postForm(sam.client, '/account', { _csrf: sam.csrf, name: 'Sam', locale: '' })
    expect(await lang('en')).to.equal('en')
    // The API sets the same choice.
    expect((await sam.client.patch('/api/v1/users/me', { locale: 'en' })).body.locale).to.equal('en')
    expect(await lang('nl')).to.equal('en')
    expectProblem(await sam.client.patch('/api/v1/users/me', { locale: 'de' }), 400)
    expectProblem(await sam.client.patch('/api/v1/users/me', { name: '' }), 400)
  })

  it('changes the password: the current one is checked (next to its field), the other sessions end, this one stays', async () => {
    const sam = await person()
    const other = tk.client()
    expect((await other.post('/api/v1/auth/login', { email: sam.user.email, password: PASSWORD })).status).to.equal(200)
    expectProblem(await postForm(sam.client, '/account/password', { currentPassword: PASSWORD, password: NEW_PASSWORD }), 403, 'CSRF_TOKEN_INVALID')
    const empty = await postForm(sam.client, '/account/password', { _csrf: sam.csrf, currentPassword: '', password: 'short' })
    expectFieldError(empty, 400, 'currentPassword', /Vul je huidige wachtwoord in/)
    expectFieldError(empty, 400, 'password', /minstens 10 tekens/)
    expectFieldError(await postForm(sam.client, '/account/password', { _csrf: sam.csrf, currentPassword: 'not my password', password: NEW_PASSWORD }), 400, 'currentPassword', /niet je huidige wachtwoord/)
    const ok = await postForm(sam.client, '/account/password', { _csrf: sam.csrf, currentPassword: PASSWORD, password: NEW_PASSWORD })
    expect([ok.status, location(ok)]).to.deep.equal([302, '/account?done=password'])
    expect((await getPage(sam.client, location(ok))).text).to.include('Je wachtwoord is gewijzigd')
    expect((await sam.client.get('/api/v1/auth/me')).status).to.equal(200)
    expectProblem(await other.get('/api/v1/auth/me'), 401)
    expectProblem(await tk.client().post('/api/v1/auth/login', { email: sam.user.email, password: PASSWORD }), 401)
    expect((await tk.client().post('/api/v1/auth/login', { email: sam.user.email, password: NEW_PASSWORD })).status).to.equal(200)
  })

  it('limits wrong current passwords like sign-ins (429 with Retry-After), on the page and in the API', async () => {
    const sam = await person()
    for (let i = 0; i < 3; i++) {
      expect((await sam.client.put('/api/v1/auth/password', { currentPassword: `wrong ${i}`, password: NEW_PASSWORD })).status).to.equal(400)
    }
    const limited = await postForm(sam.client, '/account/password', { _csrf: sam.csrf, currentPassword: PASSWORD, password: NEW_PASSWORD })
    expect(limited.status).to.equal(429)
    expect(limited.headers['retry-after']).to.match(/^\d+$/)
    expect(limited.text).to.include('Te veel pogingen')
    expectProblem(await sam.client.put('/api/v1/auth/password', { currentPassword: PASSWORD, password: NEW_PASSWORD }), 429, 'RATE_LIMITED')
  })

  it('creates a personal token shown once, lists it without the secret, and revokes it', async () => {
    const sam = await person()
    expectFieldError(await postForm(sam.client, '/account/tokens', { _csrf: sam.csrf, name: ' ' }), 400, 'name', /Geef het token een naam/)
    expectProblem(await postForm(sam.client, '/account/tokens', { name: 'Roosterkoppeling' }), 403, 'CSRF_TOKEN_INVALID')
    const created = await postForm(sam.client, '/account/tokens', { _csrf: sam.csrf, name: 'Roosterkoppeling' })
    expect(created.status, created.text).to.equal(200)
    expect(created.headers['cache-control']).to.equal('no-store')
    const secret = /id="new-token"[^>]*value="(plein_[^"]+)"|value="(plein_[^"]+)"[^>]*id="new-token"/.exec(created.text)
    expect(secret, 'the new token is on the page').to.not.equal(null)
    const token = (secret![1] ?? secret![2])!
    const bearer = tk.client()
    expect((await bearer.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } })).body.user.id).to.equal(sam.user.id)

    const list = await getPage(sam.client, '/account/tokens')
    expect(list.text).to.include('Roosterkoppeling').and.not.include(token)
    const id = (await sam.client.get('/api/v1/auth/tokens')).body.items[0].id as string
    expect(list.text).to.include(`action="/account/tokens/${id}/revoke"`)

    // Someone else cannot revoke it.
    const eve = await person('Eve')
    await postForm(eve.client, `/account/tokens/${id}/revoke`, { _csrf: eve.csrf })
    expect((await bearer.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } })).status).to.equal(200)
    expectProblem(await postForm(sam.client, `/account/tokens/${id}/revoke`, {}), 403, 'CSRF_TOKEN_INVALID')
    const revoked = await postForm(sam.client, `/account/tokens/${id}/revoke`, { _csrf: sam.csrf })
    expect([revoked.status, location(revoked)]).to.deep.equal([302, '/account/tokens?done=revoked'])
    expect((await getPage(sam.client, location(revoked))).text).to.include('Het token is ingetrokken').and.not.include('Roosterkoppeling')
    expectProblem(await bearer.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } }), 401, 'INVALID_TOKEN')
  })

  it('downloads the export the API gives: the account, its language and its tokens', async () => {
    const sam = await person()
    await postForm(sam.client, '/account', { _csrf: sam.csrf, name: 'Sam Export', locale: 'en' })
    await postForm(sam.client, '/account/tokens', { _csrf: sam.csrf, name: 'Script' })
    const page = await getPage(sam.client, '/account')
    const href = /href="([^"]+)" download="plein-export.json"/.exec(page.text)![1]!
    const res = await sam.client.get(href)
    expect(res.status).to.equal(200)
    expect(String(res.headers['content-disposition'])).to.include('attachment')
    const data = JSON.parse(res.text)
    expect(data.account).to.include({ id: sam.user.id, email: sam.user.email, name: 'Sam Export', locale: 'en' })
    expect(data.apiTokens.map((t: any) => t.name)).to.deep.equal(['Script'])
    expect(res.text).to.not.include('plein_')
    expect((await getPage(tk.client(), href)).status).to.equal(401)
  })

  it('deletes the account only with the right password, then signs out', async () => {
    const sam = await person()
    const page = await getPage(sam.client, '/account/delete')
    expect(page.status).to.equal(200)
    expect(page.text).to.include('action="/account/delete"').and.include('autocomplete="current-password"')
    expectProblem(await postForm(sam.client, '/account/delete', { password: PASSWORD }), 403, 'CSRF_TOKEN_INVALID')
    expectFieldError(await postForm(sam.client, '/account/delete', { _csrf: sam.csrf, password: '' }), 400, 'password', /Vul je huidige wachtwoord in/)
    expectFieldError(await postForm(sam.client, '/account/delete', { _csrf: sam.csrf, password: 'not my password' }), 400, 'password', /niet je huidige wachtwoord/)
    expect((await sam.client.get('/api/v1/auth/me')).status).to.equal(200)
    const done = await postForm(sam.client, '/account/delete', { _csrf: sam.csrf, password: PASSWORD })
    expect([done.status, location(done)]).to.deep.equal([302, '/account/deleted'])
    expect(String(done.headers['set-cookie'])).to.match(/plein_session=;/)
    const goodbye = await getPage(sam.client, location(done))
    expect(goodbye.status).to.equal(200)
    expect(goodbye.text).to.include('Account verwijderd').and.include('href="/auth/sign-in"')
    expectProblem(await tk.client().post('/api/v1/auth/login', { email: sam.user.email, password: PASSWORD }), 401)
    expect((await tk.kernel.db.query('SELECT 1 FROM kernel_account WHERE id = $1', [sam.user.id])).length).to.equal(0)
  })
})
