// Two `plein start` processes on one PostgreSQL database: what one process caches per request (sessions, the
// accounts behind them, group memberships) stops being used on the other as soon as a change is made.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { createTestDatabase, type TestDatabase } from '@plein/testing'
import { call, fixture, reachableServer, signIn, startPlein, waitFor, type PleinProcess } from './support/processes.js'

const SECRET = 'caches-test-secret-that-is-long-enough-0123456789'
const PASSWORD = 'correct horse battery staple'
/**
 * A change must reach the other process through the change bus, not by the cache's entries running out: they
 * live for a second (the bound for a row changed behind the kernel's back), so seen within half a second means
 * the notice arrived.
 */
const FAST = 500

describe('caches shared by several processes', function () {
  this.timeout(240_000)
  let server: string | undefined
  let database: TestDatabase
  const dirs: string[] = []
  const running: PleinProcess[] = []
  let portA = 0
  let portB = 0

  before(async function () {
    server = await reachableServer()
    // The embedded database belongs to one process: sharing needs a PostgreSQL server.
    if (!server) this.skip()
  })
  beforeEach(async () => {
    database = await createTestDatabase(server)
    const envFor = () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-caches-'))
      dirs.push(dataDir)
      return { DATABASE_URL: database.url!, PLEIN_SECRET: SECRET, PLEIN_DATA_DIR: dataDir }
    }
    const a = startPlein(['start', fixture('caches')], envFor())
    running.push(a)
    portA = await a.port()
    const b = startPlein(['start', fixture('caches')], envFor())
    running.push(b)
    portB = await b.port()
  })
  afterEach(async () => {
    await Promise.all(running.splice(0).map(p => p.stop()))
    await database?.drop()
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  const login = async (port: number, email: string) => {
    const res = await call(port, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } })
    expect(res.status).to.equal(200)
    return { cookie: ([] as string[]).concat(res.headers['set-cookie'] ?? []).map(c => c.split(';')[0]).join('; '), csrf: res.body.csrfToken as string }
  }
  const me = (port: number, cookie: string) => call(port, 'GET', '/api/v1/auth/me', { headers: { cookie } })
  /** Milliseconds until `probe` holds on B (fails after 5 s). */
  const seenWithin = async (probe: () => Promise<boolean>): Promise<number> => {
    const started = Date.now()
    await waitFor(async () => ((await probe()) ? true : undefined), 5000)
    return Date.now() - started
  }

  it('a session cached on one process ends there at once on sign-out, a password change or account deletion on the other', async () => {
    await signIn(portA, 'beheer@example.org') // the first account: the site's administrator
    const user = await signIn(portA, 'jan@example.org')

    // B reads the session once and answers from its cache afterwards.
    expect((await me(portB, user.cookie)).status).to.equal(200)
    expect((await me(portB, user.cookie)).status).to.equal(200)
    const out = await call(portA, 'POST', '/api/v1/auth/logout', { headers: { cookie: user.cookie, 'x-csrf-token': user.csrf } })
    expect(out.status).to.equal(204)
    expect(await seenWithin(async () => (await me(portB, user.cookie)).status === 401)).to.be.below(FAST)

    // A password change ends the account's other sessions on every process; the one that changed it stays.
    const kept = await login(portA, 'jan@example.org')
    const other = await login(portA, 'jan@example.org')
    expect((await me(portB, other.cookie)).status).to.equal(200)
    expect((await me(portB, kept.cookie)).status).to.equal(200)
    const changed = await call(portA, 'PUT', '/api/v1/auth/password', {
      headers: { cookie: kept.cookie, 'x-csrf-token': kept.csrf },
      body: { currentPassword: PASSWORD, password: `${PASSWORD} again` },
    })
    expect(changed.status).to.equal(204)
    expect(await seenWithin(async () => (await me(portB, other.cookie)).status === 401)).to.be.below(FAST)
    expect((await me(portB, kept.cookie)).status).to.equal(200)

    // A deleted account's session ends everywhere.
    expect((await me(portB, kept.cookie)).status).to.equal(200)
    const deleted = await call(portA, 'DELETE', '/api/v1/users/me', { headers: { cookie: kept.cookie, 'x-csrf-token': kept.csrf } })
    expect(deleted.status).to.equal(204)
    expect(await seenWithin(async () => (await me(portB, kept.cookie)).status === 401)).to.be.below(FAST)
  })

  it('a role or a name changed on one process is seen on the other at once', async () => {
    const admin = await signIn(portA, 'beheer@example.org')
    const user = await signIn(portA, 'jan@example.org')
    const members = () => call(portB, 'GET', '/api/v1/site/members', { headers: { cookie: user.cookie } })
    expect((await members()).status).to.equal(403)
    const made = await call(portA, 'PATCH', `/api/v1/site/members/${user.userId}`, {
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      body: { role: 'admin' },
    })
    expect(made.status).to.equal(200)
    expect(await seenWithin(async () => (await members()).status === 200)).to.be.below(FAST)

    expect((await me(portB, user.cookie)).body.user.name).to.equal('Operator')
    const renamed = await call(portA, 'PATCH', '/api/v1/users/me', { headers: { cookie: user.cookie, 'x-csrf-token': user.csrf }, body: { name: 'Jan Jansen' } })
    expect(renamed.status).to.equal(200)
    expect(await seenWithin(async () => (await me(portB, user.cookie)).body.user.name === 'Jan Jansen')).to.be.below(FAST)
  })

  it('a group membership gained or lost on one process gives or takes its access on the other at once', async () => {
    const admin = await signIn(portA, 'beheer@example.org')
    const user = await signIn(portA, 'jan@example.org')
    // A hidden group is readable only with its group token: it is in a member's list of groups, no one else's.
    const created = await call(portA, 'POST', '/api/v1/groups', { headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, body: { name: 'Verborgen', hidden: true } })
    expect(created.status).to.equal(201)
    const groupId = created.body.id as string
    const listed = async () => ((await call(portB, 'GET', '/api/v1/groups', { headers: { cookie: user.cookie } })).body.items as Array<{ id: string }>).some(g => g.id === groupId)
    expect(await listed()).to.equal(false)

    const invited = await call(portA, 'POST', `/api/v1/groups/${groupId}/invitations`, { headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, body: { userId: user.userId } })
    expect(invited.status).to.equal(201)
    expect(await listed()).to.equal(false)
    const accepted = await call(portA, 'POST', `/api/v1/groups/${groupId}/invitations/accept`, { headers: { cookie: user.cookie, 'x-csrf-token': user.csrf } })
    expect(accepted.status).to.equal(200)
    expect(await seenWithin(listed)).to.be.below(FAST)

    const removed = await call(portA, 'DELETE', `/api/v1/groups/${groupId}/members/${user.userId}`, { headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf } })
    expect(removed.status).to.equal(204)
    expect(await seenWithin(async () => !(await listed()))).to.be.below(FAST)
  })
})
