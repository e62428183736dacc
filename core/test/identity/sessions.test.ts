// Sessions: server-side in the database, a new id at every sign-in, idle and absolute expiry.
import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { createTestKernel, type TestKernel } from '@plein/testing'
import { SESSION_COOKIE, expectProblem, sessionCookieLine, sessionCookieValue, withCookie } from './helpers.js'

describe('identity: sessions', () => {
  let tk: TestKernel

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({ site: { settings: { sessions: { idleMinutes: 5, absoluteDays: 2 } } } })
  })
  after(() => tk?.close())

  /** A fresh account, signed in; returns its id, password, e-mail and the session cookie value. */
  async function signedIn() {
    const { client, user, password } = await tk.signUp()
    const login = await client.post('/api/v1/auth/login', { email: user.email, password })
    return { client, user, password, cookie: sessionCookieValue(login), login }
  }

  const me = (cookie: string) => withCookie(tk.http, cookie).get('/api/v1/auth/me')

  it('gives a new session id at every sign-in, and the previous one stops working (no fixation)', async () => {
    const { client, user, password, cookie: before } = await signedIn()
    // The client still sends the old cookie with this second sign-in.
    const again = await client.post('/api/v1/auth/login', { email: user.email, password })
    expect(again.status).to.equal(200)
    const after = sessionCookieValue(again)
    expect(after).to.not.equal(before)
    expectProblem(await me(before), 401)
    expect((await me(after)).status).to.equal(200)
    // The CSRF token is new, too.
    expect(again.body.csrfToken).to.be.a('string')
  })

  it('never adopts a session id planted before sign-in', async () => {
    const { user, password } = await signedIn()
    const planted = randomBytes(32).toString('base64url')
    const login = await withCookie(tk.http, planted).post('/api/v1/auth/login', { email: user.email, password })
    expect(login.status).to.equal(200)
    const issued = sessionCookieValue(login)
    expect(issued).to.not.equal(planted)
    expectProblem(await me(planted), 401)
    expect((await me(issued)).status).to.equal(200)
  })

  it('keeps the session in the database, stored under a hash of its id', async () => {
    const { user, cookie, login } = await signedIn()
    const rows = await tk.kernel.db.query('SELECT * FROM kernel_session WHERE account_id = $1', [user.id])
    expect(rows).to.have.length(1)
    expect(JSON.stringify(rows)).to.not.include(cookie)
    expect(rows[0].csrf_token).to.equal(login.body.csrfToken)
  })

  it('signs the user out within a second when the session row is deleted from the database (the cache holds it no longer)', async () => {
    const { user, cookie } = await signedIn()
    expect((await me(cookie)).status).to.equal(200)
    await tk.kernel.db.query('DELETE FROM kernel_session WHERE account_id = $1', [user.id])
    const deleted = Date.now()
    while ((await me(cookie)).status === 200) {
      expect(Date.now() - deleted, 'still signed in').to.be.below(1500)
      await new Promise(r => setTimeout(r, 50))
    }
    expectProblem(await me(cookie), 401)
  })

  it('signs the user out at once on sign-out, though the session was cached', async () => {
    const { cookie } = await signedIn()
    expect((await me(cookie)).status).to.equal(200)
    expect((await me(cookie)).status).to.equal(200)
    const csrf = (await me(cookie)).body.csrfToken
    const out = await withCookie(tk.http, cookie, { 'x-csrf-token': csrf }).post('/api/v1/auth/logout', {})
    expect(out.status).to.equal(204)
    expectProblem(await me(cookie), 401)
  })

  it('ends a session after idleMinutes without a request', async () => {
    const { user, cookie } = await signedIn()
    await tk.kernel.db.query(`UPDATE kernel_session SET last_seen_at = now() - interval '10 minutes' WHERE account_id = $1`, [user.id])
    const res = await me(cookie)
    expectProblem(res, 401)
    // The dead cookie is cleared in the browser as well.
    expect(sessionCookieLine(res)).to.match(new RegExp(`^${SESSION_COOKIE}=;`))
  })

  it('keeps a session that is used within idleMinutes alive, and moves its last_seen_at forward', async () => {
    const { user, cookie } = await signedIn()
    await tk.kernel.db.query(`UPDATE kernel_session SET last_seen_at = now() - interval '4 minutes' WHERE account_id = $1`, [user.id])
    expect((await me(cookie)).status).to.equal(200)
    const [row] = await tk.kernel.db.query(`SELECT last_seen_at > now() - interval '1 minute' AS fresh FROM kernel_session WHERE account_id = $1`, [user.id])
    expect(row.fresh).to.equal(true)
    // Four more minutes later it is still alive, because the clock restarted with the last request.
    await tk.kernel.db.query(`UPDATE kernel_session SET last_seen_at = last_seen_at - interval '4 minutes' WHERE account_id = $1`, [user.id])
    expect((await me(cookie)).status).to.equal(200)
  })

  it('ends a session at its absolute expiry, however active it is', async () => {
    const { user, cookie } = await signedIn()
    await tk.kernel.db.query(`UPDATE kernel_session SET expires_at = now() - interval '1 second' WHERE account_id = $1`, [user.id])
    expectProblem(await me(cookie), 401)
  })

  it('sets the absolute expiry (and the cookie lifetime) from sessions.absoluteDays', async () => {
    const { user, login } = await signedIn()
    const [row] = await tk.kernel.db.query(
      'SELECT extract(epoch FROM (expires_at - created_at))::int AS seconds FROM kernel_session WHERE account_id = $1',
      [user.id],
    )
    expect(row.seconds).to.be.within(2 * 86400 - 5, 2 * 86400 + 5)
    const maxAge = /max-age=(\d+)/i.exec(sessionCookieLine(login)!)
    const expires = /expires=([^;]+)/i.exec(sessionCookieLine(login)!)
    const lifetime = maxAge ? Number(maxAge[1]) : (Date.parse(expires![1]!) - Date.now()) / 1000
    expect(lifetime).to.be.within(2 * 86400 - 60, 2 * 86400 + 60)
  })

  it('works for any number of parallel sessions of one account, each with its own CSRF token', async () => {
    const { client, user, password, cookie } = await signedIn()
    const other = await client.fresh().post('/api/v1/auth/login', { email: user.email, password })
    const second = sessionCookieValue(other)
    expect((await me(cookie)).status).to.equal(200)
    expect((await me(second)).status).to.equal(200)
    const rows = await tk.kernel.db.query('SELECT csrf_token FROM kernel_session WHERE account_id = $1', [user.id])
    expect(rows).to.have.length(2)
    expect(rows[0].csrf_token).to.not.equal(rows[1].csrf_token)
  })
})
