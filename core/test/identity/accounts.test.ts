// Accounts (API.md "Accounts"): register, login, logout, me, the first administrator, administrators by e-mail.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel, type TestResponse } from '@plein/testing'
import { capturedLogger, expectProblem, median, sessionCookieLine, sessionCookieValue, uuidPattern, withCookie } from './helpers.js'

const PASSWORD = 'correct horse battery staple'

/** No answer may carry a password or a hash of one. */
function expectNoSecrets(res: TestResponse, password = PASSWORD) {
  expect(res.text).to.not.include(password)
  expect(res.text.toLowerCase()).to.not.match(/hash|scrypt|"password"/)
}

describe('identity: accounts', () => {
  let tk: TestKernel
  let logLines: string[]

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    const captured = capturedLogger()
    logLines = captured.lines
    tk = await createTestKernel({ log: captured.log })
  })
  after(() => tk?.close())

  describe('register', () => {
    let first: TestResponse

    before(async function () {
      this.timeout(60_000) // the first kernel of a process also builds the embedded database template
      // The first account of this installation.
      first = await tk.client().post('/api/v1/auth/register', { email: 'Anna@Example.org', password: PASSWORD, name: 'Anna' })
    })

    it('answers 201 { user } with id, name and e-mail, and never the password or its hash', async () => {
      const res = first
      expect(res.status, res.text).to.equal(201)
      expect(Object.keys(res.body)).to.deep.equal(['user'])
      expect(res.body.user.id).to.match(uuidPattern)
      expect(res.body.user).to.include({ name: 'Anna', email: 'Anna@Example.org' })
      expect(Object.keys(res.body.user).sort()).to.deep.equal(['email', 'id', 'name'])
      expectNoSecrets(res)
    })

    it('makes the first account of a fresh installation the root site administrator, and no later one', async () => {
      const anna = tk.client()
      expect((await anna.post('/api/v1/auth/login', { email: 'anna@example.org', password: PASSWORD })).status).to.equal(200)
      const members = await anna.get('/api/v1/site/members')
      expect(members.status, members.text).to.equal(200)
      expect(members.body.items.map((m: any) => [m.user.email, m.role])).to.deep.include(['Anna@Example.org', 'admin'])
      const second = await tk.signUp()
      expectProblem(await second.client.get('/api/v1/site/members'), 403, 'NOT_ADMIN')
    })

    it('answers 409 for an e-mail address that is taken, whatever its case', async () => {
      for (const email of ['anna@example.org', 'ANNA@EXAMPLE.ORG', 'Anna@example.ORG']) {
        const res = await tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Imposter' })
        expectProblem(res, 409, 'EMAIL_TAKEN')
      }
    })

    it('answers 400 naming /password for a password under 10 characters', async () => {
      const res = await tk.client().post('/api/v1/auth/register', { email: 'short@example.org', password: '123456789', name: 'Short' })
      const problem = expectProblem(res, 400)
      expect(problem.errors.map((e: any) => [e.in, e.location.pointer])).to.deep.equal([['body', '/password']])
      // Exactly ten is enough.
      expect((await tk.client().post('/api/v1/auth/register', { email: 'short@example.org', password: '1234567890', name: 'Short' })).status).to.equal(201)
    })

    it('answers 400 naming /email for an invalid e-mail address, and names every problem at once', async () => {
      const bad = await tk.client().post('/api/v1/auth/register', { email: 'not-an-address', password: PASSWORD, name: 'Bad' })
      expect(expectProblem(bad, 400).errors.map((e: any) => e.location.pointer)).to.deep.equal(['/email'])
      const both = await tk.client().post('/api/v1/auth/register', { email: 'nope', password: 'short', name: 'Bad' })
      expect(expectProblem(both, 400).errors.map((e: any) => e.location.pointer).sort()).to.deep.equal(['/email', '/password'])
    })

    it('stores a salted scrypt hash, never the password', async () => {
      const a = await tk.signUp({ password: PASSWORD })
      const b = await tk.signUp({ password: PASSWORD })
      const rows = await tk.kernel.db.query('SELECT id, password_hash FROM kernel_account WHERE id = ANY($1::uuid[])', [[a.user.id, b.user.id]])
      expect(rows).to.have.length(2)
      for (const row of rows) {
        expect(row.password_hash).to.match(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/)
        expect(row.password_hash).to.not.include(PASSWORD)
      }
      // A per-user salt: the same password gives two different hashes.
      expect(rows[0].password_hash).to.not.equal(rows[1].password_hash)
    })
  })

  describe('login', () => {
    let email: string

    before(async function () {
      this.timeout(60_000) // the first kernel of a process also builds the embedded database template
      email = `login-${Date.now()}@example.org`
      expect((await tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Lou' })).status).to.equal(201)
    })

    it('answers 200 { user, csrfToken } and sets an HttpOnly, SameSite=Lax session cookie on path / (not Secure over plain http)', async () => {
      const res = await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD })
      expect(res.status, res.text).to.equal(200)
      expect(Object.keys(res.body).sort()).to.deep.equal(['csrfToken', 'user'])
      expect(res.body.user).to.include({ name: 'Lou', email })
      expect(res.body.csrfToken).to.be.a('string').with.length.above(20)
      expectNoSecrets(res)
      const line = sessionCookieLine(res)!
      const attributes = line.split(';').slice(1).map(a => a.trim().toLowerCase())
      expect(attributes).to.include('httponly')
      expect(attributes).to.include('samesite=lax')
      expect(attributes).to.include('path=/')
      expect(attributes).to.not.include('secure')
      expect(sessionCookieValue(res)).to.have.length.above(30)
    })

    it('accepts the e-mail address in any case', async () => {
      expect((await tk.client().post('/api/v1/auth/login', { email: email.toUpperCase(), password: PASSWORD })).status).to.equal(200)
    })

    it('gives a wrong e-mail and a wrong password the same 401 answer, byte for byte apart from `instance`', async () => {
      const wrongEmail = await tk.client().post('/api/v1/auth/login', { email: `nobody-${Date.now()}@example.org`, password: PASSWORD })
      const wrongPassword = await tk.client().post('/api/v1/auth/login', { email, password: 'not the password at all' })
      expectProblem(wrongEmail, 401, 'INVALID_CREDENTIALS')
      expectProblem(wrongPassword, 401, 'INVALID_CREDENTIALS')
      const strip = (text: string) => text.replace(/,?"instance":"[^"]*"/, '')
      expect(strip(wrongEmail.text)).to.equal(strip(wrongPassword.text))
      expect(wrongEmail.text).to.not.equal(strip(wrongEmail.text), 'the answer carries an instance')
      expect(sessionCookieLine(wrongEmail)).to.equal(undefined)
      expect(sessionCookieLine(wrongPassword)).to.equal(undefined)
      const headerNames = (res: TestResponse) => Object.keys(res.headers).filter(h => !['date', 'x-request-id', 'content-length'].includes(h)).sort()
      expect(headerNames(wrongEmail)).to.deep.equal(headerNames(wrongPassword))
    })
  })

  describe('logs', () => {
    it('never logs a password, a session id or a CSRF token', async () => {
      const password = 'a very distinctive password 4711'
      const { client } = await tk.signUp({ password })
      await client.get('/api/v1/auth/me')
      await tk.client().post('/api/v1/auth/login', { email: 'nobody@example.org', password })
      const login = await client.post('/api/v1/auth/login', { email: (await client.get('/api/v1/auth/me')).body.user.email, password })
      const session = sessionCookieValue(login)
      await client.post('/api/v1/auth/logout')
      const all = logLines.join('\n')
      expect(logLines.length).to.be.above(5)
      expect(all).to.not.include(password)
      expect(all).to.not.include(session)
      expect(all).to.not.include(login.body.csrfToken)
    })
  })

  describe('me and logout', () => {
    it('answers me with 401 problem+json when nobody is signed in', async () => {
      expectProblem(await tk.client().get('/api/v1/auth/me'), 401, 'NOT_SIGNED_IN')
    })

    it('answers me with { user, csrfToken } for a signed-in user, with their own e-mail', async () => {
      const { client, user } = await tk.signUp()
      const me = await client.get('/api/v1/auth/me')
      expect(me.status).to.equal(200)
      expect(me.body.user).to.deep.equal(user)
      expect(me.body.user.email).to.be.a('string')
      expect(me.body.csrfToken).to.equal(client.csrfToken)
    })

    it('logs out with 204 and ends the session on the server: the old cookie no longer works', async () => {
      const email = `leaving-${Date.now()}@example.org`
      const client = tk.client()
      await client.post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Leaving' })
      const login = await client.post('/api/v1/auth/login', { email, password: PASSWORD })
      const cookie = sessionCookieValue(login)
      expect((await withCookie(client, cookie).get('/api/v1/auth/me')).status).to.equal(200)
      const out = await client.post('/api/v1/auth/logout')
      expect(out.status, out.text).to.equal(204)
      expect(out.text).to.equal('')
      // The browser is told to forget the cookie…
      expect(sessionCookieLine(out)).to.match(/^plein_session=;/)
      // …and replaying it by hand proves the session is gone on the server, not just in the browser.
      expectProblem(await withCookie(client, cookie).get('/api/v1/auth/me'), 401)
      expectProblem(await client.get('/api/v1/auth/me'), 401)
      const rows = await tk.kernel.db.query('SELECT count(*)::int AS n FROM kernel_session s JOIN kernel_account a ON a.id = s.account_id WHERE a.email = $1', [email])
      expect(rows[0].n).to.equal(0)
    })
  })


})

describe('identity: sign-in timing', () => {
  let tk: TestKernel

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    // The production hashing cost: with it, skipping the hash for unknown e-mails would show at once.
    tk = await createTestKernel({ passwordHashing: 'standard' })
  })
  after(() => tk?.close())

  it('takes about as long for a wrong e-mail as for a wrong password', async function () {
    this.timeout(60_000)
    const email = 'timing@example.org'
    expect((await tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Tim' })).status).to.equal(201)
    const timed = async (body: unknown) => {
      const t0 = performance.now()
      const res = await tk.client().post('/api/v1/auth/login', body)
      const ms = performance.now() - t0
      expect(res.status, res.text).to.equal(401)
      return ms
    }
    // Warm up both paths (the dummy hash for unknown e-mails is made on first use).
    await timed({ email: 'warm-up@example.org', password: PASSWORD })
    await timed({ email, password: 'warm up password' })
    const unknown: number[] = []
    const wrong: number[] = []
    // Interleaved pairs, and a success now and then: fewer than the 10 failures that trigger the account's limit.
    for (let i = 0; i < 6; i++) {
      unknown.push(await timed({ email: `unknown-${i}@example.org`, password: PASSWORD }))
      wrong.push(await timed({ email, password: `wrong password ${i}` }))
      if (i === 3) expect((await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD })).status).to.equal(200)
    }
    const ratio = median(unknown) / median(wrong)
    expect(ratio, `median ${median(unknown).toFixed(1)} ms (unknown e-mail) vs ${median(wrong).toFixed(1)} ms (wrong password)`).to.be.within(0.5, 2)
  })
})

describe('identity: administrators named in site.json', () => {
  let tk: TestKernel
  let first: SignedUp
  let boss: SignedUp

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({ site: { admins: ['Boss@Example.org'] } })
    // The first account of the installation, then the named administrator (registered in another case).
    first = await tk.signUp({ email: 'first@example.org' })
    boss = await tk.signUp({ email: 'boss@example.org' })
  })
  after(() => tk?.close())

  it('does not make the first account administrator when site.json names administrators', async () => {
    expectProblem(await first.client.get('/api/v1/site/members'), 403, 'NOT_ADMIN')
  })

  it('makes the account with a named e-mail address (any case) administrator', async () => {
    const members = await boss.client.get('/api/v1/site/members')
    expect(members.status, members.text).to.equal(200)
  })

  it('refuses to demote an administrator named in site.json (409)', async () => {
    expectProblem(await boss.client.patch(`/api/v1/site/members/${boss.user.id}`, { role: 'member' }), 409, 'ADMIN_IN_CONFIG')
    expect((await boss.client.get('/api/v1/site/members')).status).to.equal(200)
  })
})

describe('identity: session cookie on an https site', () => {
  let tk: TestKernel

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({ site: { publicUrl: 'https://intranet.example.nl' } })
  })
  after(() => tk?.close())

  it('marks the session cookie Secure when the public URL is https (the proxy in front speaks TLS)', async () => {
    const email = 'secure@example.org'
    await tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Sec' })
    const login = await tk.client().post('/api/v1/auth/login', { email, password: PASSWORD })
    expect(login.status, login.text).to.equal(200)
    const attributes = sessionCookieLine(login)!.split(';').slice(1).map(a => a.trim().toLowerCase())
    expect(attributes).to.include('secure')
    expect(attributes).to.include('httponly')
    expect(attributes).to.include('samesite=lax')
  })
})
