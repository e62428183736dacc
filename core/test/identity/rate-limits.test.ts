// Rate limits on sign-in and registration: 429 with Retry-After, configurable per site, kept in the database.
import { expect } from 'chai'
import { createTestKernel, type TestKernel, type TestResponse } from '@plein/testing'
import { expectProblem } from './helpers.js'

const PASSWORD = 'correct horse battery staple'

/** A 429 problem with a Retry-After of whole seconds within the window; returns the seconds. */
function expectLimited(res: TestResponse, windowSeconds: number): number {
  expectProblem(res, 429, 'RATE_LIMITED')
  const header = String(res.headers['retry-after'])
  expect(header).to.match(/^\d+$/)
  const seconds = Number(header)
  expect(seconds).to.be.within(1, windowSeconds)
  return seconds
}

describe('identity: rate limits', () => {
  describe('failed sign-ins per account (default 10 per 15 minutes)', () => {
    let tk: TestKernel

    before(async function () {
      this.timeout(60_000) // the first kernel of a process also builds the embedded database template
      tk = await createTestKernel()
    })
    after(() => tk?.close())

    const register = async (email: string) => expect((await tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: 'R' })).status).to.equal(201)
    const login = (email: string, password = PASSWORD) => tk.client().post('/api/v1/auth/login', { email, password })

    it('answers the 11th attempt after 10 failures with 429 and Retry-After, even with the right password', async () => {
      const email = 'target@example.org'
      await register(email)
      for (let i = 0; i < 10; i++) expectProblem(await login(email, `wrong password ${i}`), 401)
      expectLimited(await login(email), 900)
      expectLimited(await login(email, 'wrong again and again'), 900)
      // Other accounts from the same address are not affected.
      await register('bystander@example.org')
      expect((await login('bystander@example.org')).status).to.equal(200)
    })

    it('counts per account whatever the case of the e-mail address', async () => {
      const email = 'mixed@example.org'
      await register(email)
      for (let i = 0; i < 10; i++) await login(i % 2 ? email.toUpperCase() : email, `wrong password ${i}`)
      expectLimited(await login('MIXED@example.org'), 900)
    })

    it('also limits guesses at addresses without an account (no difference to tell them apart)', async () => {
      for (let i = 0; i < 10; i++) expectProblem(await login('ghost@example.org', `guess ${i}`), 401)
      expectLimited(await login('ghost@example.org'), 900)
    })

    it('starts counting afresh after a successful sign-in', async () => {
      const email = 'forgetful@example.org'
      await register(email)
      for (let i = 0; i < 9; i++) await login(email, `wrong password ${i}`)
      expect((await login(email)).status).to.equal(200)
      for (let i = 0; i < 9; i++) expectProblem(await login(email, `wrong password ${i}`), 401)
      expect((await login(email)).status).to.equal(200)
    })

    it('holds against parallel guesses: of 30 at once, at most 10 are even checked', async () => {
      const email = 'burst@example.org'
      await register(email)
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => login(email, `parallel guess ${i}`)))
      const statuses = answers.map(a => a.status)
      expect(statuses.filter(s => s === 401).length, statuses.join(' ')).to.be.at.most(10)
      expect(statuses.filter(s => s !== 401 && s !== 429)).to.deep.equal([])
      expectLimited(await login(email), 900)
    })

    it('keeps its state in the database (kernel_rate_limit): no process memory holds it', async () => {
      const email = 'stored@example.org'
      await register(email)
      for (let i = 0; i < 10; i++) await login(email, `wrong password ${i}`)
      const rows = await tk.kernel.db.query('SELECT key, hits FROM kernel_rate_limit')
      const row = rows.find((r: any) => r.key.includes(email))
      expect(row, JSON.stringify(rows)).to.not.equal(undefined)
      expect(row.hits).to.equal(10)
      expectLimited(await login(email), 900)
      // Once the window in the database is over, the account may try again.
      await tk.kernel.db.query(`UPDATE kernel_rate_limit SET window_start = now() - interval '16 minutes' WHERE key = $1`, [row.key])
      expect((await login(email)).status).to.equal(200)
      // The success cleared the count…
      expect(await tk.kernel.db.query('SELECT 1 FROM kernel_rate_limit WHERE key = $1', [row.key])).to.have.length(0)
      // …and a count written into the database (as by another process sharing it) holds here at once.
      await tk.kernel.db.query('INSERT INTO kernel_rate_limit (key, hits, window_start) VALUES ($1, 10, now())', [row.key])
      const seconds = expectLimited(await login(email), 900)
      expect(seconds).to.be.above(800)
    })
  })

  describe('per-address limits set in the site settings', () => {
    let tk: TestKernel

    before(async function () {
      this.timeout(60_000) // the first kernel of a process also builds the embedded database template
      tk = await createTestKernel({
        site: {
          settings: {
            rateLimits: { loginPerIp: { max: 3, windowSeconds: 120 }, registerPerIp: { max: 3, windowSeconds: 600 }, mailRequestsPerIp: { max: 4, windowSeconds: 900 } },
          },
        },
      })
    })
    after(() => tk?.close())

    let registered: string

    it('limits registrations per address, also when they come at once: 3 of 12 succeed, the rest get 429 with Retry-After', async () => {
      const emails = Array.from({ length: 12 }, (_, i) => `reg${i}@example.org`)
      const answers = await Promise.all(emails.map((email, i) => tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: `R${i}` })))
      const created = emails.filter((_, i) => answers[i]!.status === 201)
      expect(created, answers.map(a => a.status).join(' ')).to.have.length(3)
      for (const a of answers.filter(a => a.status !== 201)) expectLimited(a, 600)
      const rows = await tk.kernel.db.query(`SELECT count(*)::int AS n FROM kernel_account`)
      expect(rows[0].n).to.equal(3)
      expectLimited(await tk.client().post('/api/v1/auth/register', { email: 'late@example.org', password: PASSWORD, name: 'Late' }), 600)
      registered = created[0]!
    })

    it('limits failed sign-ins per address across accounts: then even the right password is 429', async () => {
      expect((await tk.client().post('/api/v1/auth/login', { email: registered, password: PASSWORD })).status, 'a success is not a failure').to.equal(200)
      for (let i = 0; i < 3; i++) expectProblem(await tk.client().post('/api/v1/auth/login', { email: `nobody${i}@example.org`, password: 'wrong password' }), 401)
      const seconds = expectLimited(await tk.client().post('/api/v1/auth/login', { email: registered, password: PASSWORD }), 120)
      expect(seconds).to.be.above(100)
      const rows = await tk.kernel.db.query(`SELECT hits FROM kernel_rate_limit WHERE key LIKE 'login:ip:%'`)
      expect(rows).to.have.length(1)
      expect(rows[0].hits).to.be.at.least(3)
    })

    it('limits password-reset and confirm-again requests per address, the same for known and unknown addresses', async () => {
      const jobs = async () => (await tk.kernel.db.query(`SELECT count(*)::int AS n FROM kernel_job WHERE name = 'kernel.accountMail'`))[0].n as number
      const before = await jobs()
      // Two known, two unknown: all accepted alike (202), four requests stored.
      for (const email of [registered, 'nobody-a@example.org']) {
        expect((await tk.client().post('/api/v1/auth/password-reset', { email })).status).to.equal(202)
        expect((await tk.client().post('/api/v1/auth/verify-email/resend', { email })).status).to.equal(202)
      }
      expect((await jobs()) - before).to.equal(4)
      // The fifth from this address is refused, whichever address it asks about; nothing more is stored.
      expectLimited(await tk.client().post('/api/v1/auth/password-reset', { email: registered }), 900)
      expectLimited(await tk.client().post('/api/v1/auth/verify-email/resend', { email: 'nobody-b@example.org' }), 900)
      expect((await jobs()) - before).to.equal(4)
    })
  })
})
