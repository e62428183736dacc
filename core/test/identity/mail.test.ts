// E-mail verification and password reset through a real SMTP server on loopback; .eml files without SMTP.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import { EnvironmentError, readEnvironment } from '@plein/core'
import { createTestKernel, type TestKernel } from '@plein/testing'
import { decodeQuotedPrintable, expectProblem, linkIn, sessionCookieValue, startMailCatcher, withCookie, type MailCatcher } from './helpers.js'

const PASSWORD = 'correct horse battery staple'
const NEW_PASSWORD = 'a brand new password 2024'

/** Mail headers with their folded continuation lines joined. */
const unfold = (text: string) => text.replace(/\r?\n[ \t]+/g, ' ')

/** Flips one character of the signed part of a token. */
const tamper = (token: string) => {
  const i = Math.floor(token.indexOf('.') / 2)
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
}

describe('identity: e-mail verification and password reset (SMTP)', () => {
  let smtp: MailCatcher
  let tk: TestKernel
  let counter = 0
  const newEmail = () => `mail-${++counter}-${Date.now()}@example.org`

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    smtp = await startMailCatcher()
    tk = await createTestKernel({ smtpUrl: smtp.url, site: { settings: { auth: { requireEmailVerification: true } } } })
  })
  after(async () => {
    await tk?.close()
    await smtp?.close()
  })

  /** Registers an account and returns the verification token from its mail. */
  async function register(email = newEmail()) {
    const since = smtp.mails.length
    const res = await tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Mia' })
    expect(res.status, res.text).to.equal(201)
    // The mail is a job: sent in the background, not inside the request.
    await tk.kernel.jobs.drain()
    const mail = await smtp.next(email, since)
    return { email, user: res.body.user, mail, ...linkIn(mail.text, '/auth/verify-email') }
  }

  describe('verification', () => {
    it('mails a confirmation link with a token to a new account', async () => {
      const { email, mail, link, token } = await register()
      expect(mail.to).to.deep.equal([email])
      expect(unfold(mail.text)).to.match(/^Subject: .*Confirm your e-mail address/m)
      expect(link).to.match(/^http:\/\/127\.0\.0\.1(:\d+)?\/auth\/verify-email\?token=/)
      expect(token.split('.')).to.have.length(2)
    })

    it('refuses to sign in (403 EMAIL_NOT_VERIFIED) until the address is confirmed, then signs in', async () => {
      const { email, token } = await register()
      expectProblem(await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD }), 403, 'EMAIL_NOT_VERIFIED')
      const verified = await tk.client().post('/api/v1/auth/verify-email', { token })
      expect(verified.status, verified.text).to.equal(200)
      expect(verified.body.user.email).to.equal(email)
      const login = await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD })
      expect(login.status, login.text).to.equal(200)
    })

    it('still answers a wrong password with 401 for an unconfirmed account (the 403 tells nothing to a guesser)', async () => {
      const { email } = await register()
      expectProblem(await tk.client().post('/api/v1/auth/login', { email, password: 'wrong wrong wrong' }), 401, 'INVALID_CREDENTIALS')
    })

    it('uses a token once: the second use is 400 naming /token', async () => {
      const { token } = await register()
      expect((await tk.client().post('/api/v1/auth/verify-email', { token })).status).to.equal(200)
      const again = expectProblem(await tk.client().post('/api/v1/auth/verify-email', { token }), 400, 'TOKEN_INVALID')
      expect(again.errors.map((e: any) => e.location.pointer)).to.deep.equal(['/token'])
    })

    it('refuses a tampered token (400) and leaves the account unconfirmed', async () => {
      const { email, token } = await register()
      for (const bad of [tamper(token), token + 'x', token.split('.')[0] + '.', 'garbage']) {
        expectProblem(await tk.client().post('/api/v1/auth/verify-email', { token: bad }), 400, 'TOKEN_INVALID')
      }
      expectProblem(await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD }), 403, 'EMAIL_NOT_VERIFIED')
    })

    it('refuses an expired token (400)', async () => {
      const { user, token } = await register()
      await tk.kernel.db.query(`UPDATE kernel_one_time_token SET expires_at = now() - interval '1 second' WHERE account_id = $1`, [user.id])
      expectProblem(await tk.client().post('/api/v1/auth/verify-email', { token }), 400, 'TOKEN_INVALID')
    })

    it('opens the link as a page whose form (a POST, so mail scanners change nothing) confirms the address', async () => {
      const { email, link, token } = await register()
      const url = new URL(link)
      const page = await tk.client().get(url.pathname + url.search, { headers: { accept: 'text/html' } })
      expect(page.status).to.equal(200)
      expect(String(page.headers['content-type'])).to.match(/^text\/html/)
      expect(page.text).to.include('method="post"')
      // The GET changed nothing.
      expectProblem(await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD }), 403, 'EMAIL_NOT_VERIFIED')
      const submit = await tk.client().post('/auth/verify-email', undefined, {
        raw: new URLSearchParams({ token }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      })
      expect(submit.status, submit.text).to.equal(200)
      expect((await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD })).status).to.equal(200)
    })

    it('sends the mail again on request, always answering 202', async () => {
      const { email } = await register()
      const since = smtp.mails.length
      const res = await tk.client().post('/api/v1/auth/verify-email/resend', { email })
      expect(res.status).to.equal(202)
      await tk.kernel.jobs.drain()
      const { token } = linkIn((await smtp.next(email, since)).text, '/auth/verify-email')
      expect((await tk.client().post('/api/v1/auth/verify-email', { token })).status).to.equal(200)
      expect((await tk.client().post('/api/v1/auth/verify-email/resend', { email: 'nobody-at-all@example.org' })).status).to.equal(202)
    })
  })

  describe('password reset', () => {
    /** A confirmed account, signed in on a client. */
    async function confirmed() {
      const { email, token, user } = await register()
      await tk.client().post('/api/v1/auth/verify-email', { token })
      const client = tk.client()
      const login = await client.post('/api/v1/auth/login', { email, password: PASSWORD })
      expect(login.status).to.equal(200)
      return { email, user, client, cookie: sessionCookieValue(login) }
    }

    it('always answers 202, and sends no mail for an unknown address', async () => {
      const since = smtp.mails.length
      const res = await tk.client().post('/api/v1/auth/password-reset', { email: 'no-such-account@example.org' })
      expect(res.status).to.equal(202)
      await tk.kernel.jobs.drain()
      expect(smtp.mails.length).to.equal(since)
    })

    it('answers the same for a known and an unknown address (apart from nothing)', async () => {
      const { email } = await confirmed()
      const known = await tk.client().post('/api/v1/auth/password-reset', { email })
      const unknown = await tk.client().post('/api/v1/auth/password-reset', { email: 'still-nobody@example.org' })
      expect(known.status).to.equal(202)
      expect(unknown.status).to.equal(202)
      expect(known.text).to.equal(unknown.text)
    })

    it('sets the new password with the mailed token, ends every session, and the token cannot be used again', async () => {
      const { email, client, cookie } = await confirmed()
      const since = smtp.mails.length
      expect((await tk.client().post('/api/v1/auth/password-reset', { email })).status).to.equal(202)
      await tk.kernel.jobs.drain()
      const mail = await smtp.next(email, since)
      expect(unfold(mail.text)).to.match(/^Subject: .*Reset your password/m)
      const { token, link } = linkIn(mail.text, '/auth/reset-password')
      expect(link).to.match(/^http:\/\/127\.0\.0\.1(:\d+)?\/auth\/reset-password\?token=/)

      const confirm = await tk.client().post('/api/v1/auth/password-reset/confirm', { token, password: NEW_PASSWORD })
      expect(confirm.status, confirm.text).to.equal(204)
      // Every session of the account is over.
      expectProblem(await client.get('/api/v1/auth/me'), 401)
      expectProblem(await withCookie(tk.http, cookie).get('/api/v1/auth/me'), 401)
      // The old password is gone, the new one works.
      expectProblem(await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD }), 401)
      expect((await tk.client().post('/api/v1/auth/login', { email, password: NEW_PASSWORD })).status).to.equal(200)
      // Single use.
      expectProblem(await tk.client().post('/api/v1/auth/password-reset/confirm', { token, password: 'yet another password' }), 400, 'TOKEN_INVALID')
      expect((await tk.client().post('/api/v1/auth/login', { email, password: NEW_PASSWORD })).status).to.equal(200)
    })

    it('refuses a tampered reset token, a verification token and a too-short password', async () => {
      const { email, token: verifyToken } = await register()
      const since = smtp.mails.length
      await tk.client().post('/api/v1/auth/password-reset', { email })
      await tk.kernel.jobs.drain()
      const { token } = linkIn((await smtp.next(email, since)).text, '/auth/reset-password')
      expectProblem(await tk.client().post('/api/v1/auth/password-reset/confirm', { token: tamper(token), password: NEW_PASSWORD }), 400, 'TOKEN_INVALID')
      // A token made for one purpose does not serve another.
      expectProblem(await tk.client().post('/api/v1/auth/password-reset/confirm', { token: verifyToken, password: NEW_PASSWORD }), 400, 'TOKEN_INVALID')
      expectProblem(await tk.client().post('/api/v1/auth/verify-email', { token }), 400, 'TOKEN_INVALID')
      const short = expectProblem(await tk.client().post('/api/v1/auth/password-reset/confirm', { token, password: 'short' }), 400)
      expect(short.errors.map((e: any) => e.location.pointer)).to.deep.equal(['/password'])
      // None of that spent the token.
      expect((await tk.client().post('/api/v1/auth/password-reset/confirm', { token, password: NEW_PASSWORD })).status).to.equal(204)
    })

    it('confirms the address as well: following the reset link proves it', async () => {
      const { email } = await register()
      const since = smtp.mails.length
      await tk.client().post('/api/v1/auth/password-reset', { email })
      await tk.kernel.jobs.drain()
      const { token } = linkIn((await smtp.next(email, since)).text, '/auth/reset-password')
      expect((await tk.client().post('/api/v1/auth/password-reset/confirm', { token, password: NEW_PASSWORD })).status).to.equal(204)
      expect((await tk.client().post('/api/v1/auth/login', { email, password: NEW_PASSWORD })).status).to.equal(200)
    })
  })
})

describe('identity: mail without SMTP', () => {
  let tk: TestKernel

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({ site: { settings: { auth: { requireEmailVerification: true } } } })
  })
  after(() => tk?.close())

  it('writes each message as an .eml file under <dataDir>/mail/, with a link that works', async () => {
    const email = 'files@example.org'
    expect((await tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Fien' })).status).to.equal(201)
    await tk.kernel.jobs.drain()
    const folder = path.join(tk.dataDir, 'mail')
    const files = readdirSync(folder)
    expect(files).to.have.length(1)
    expect(files[0]).to.match(/\.eml$/)
    const text = decodeQuotedPrintable(readFileSync(path.join(folder, files[0]!), 'utf8'))
    expect(text).to.match(new RegExp(`^To: ${email}`, 'm'))
    const { token } = linkIn(text, '/auth/verify-email')
    expect((await tk.client().post('/api/v1/auth/verify-email', { token })).status).to.equal(200)
    expect((await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD })).status).to.equal(200)
  })
})

describe('identity: mail settings from the environment', () => {
  it('reads PLEIN_SMTP_URL and PLEIN_MAIL_FROM (what `plein start` hands the kernel)', () => {
    const env = readEnvironment('/nonexistent-site', { PLEIN_SECRET: 'x'.repeat(32), PLEIN_SMTP_URL: 'smtp://mailer:secret@smtp.example.nl:587', PLEIN_MAIL_FROM: 'Intranet <noreply@example.nl>' })
    expect(env.smtpUrl).to.equal('smtp://mailer:secret@smtp.example.nl:587')
    expect(env.mailFrom).to.equal('Intranet <noreply@example.nl>')
    expect(readEnvironment('/nonexistent-site', { PLEIN_SECRET: 'x'.repeat(32) }).smtpUrl).to.equal(undefined)
  })

  it('refuses a PLEIN_SMTP_URL that is not smtp:// or smtps://', () => {
    expect(() => readEnvironment('/nonexistent-site', { PLEIN_SECRET: 'x'.repeat(32), PLEIN_SMTP_URL: 'mail.example.nl' })).to.throw(EnvironmentError, /PLEIN_SMTP_URL/)
  })
})
