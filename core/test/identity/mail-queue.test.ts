// Mail through the kernel.mail job: a request never waits for the mail server, a 4xx answer is retried, a 5xx is a
// bounce that ends the job, a sent message leaves no body in the job row, and a reset request does the same work
// for every address. The background poller is stopped here: jobs run only when a test drains them.
import { createServer } from 'node:net'
import { expect } from 'chai'
import { createTestKernel, TestClient, type TestKernel } from '@plein/testing'
import { itemsPlugin, linkIn, newItemsState, sleep, startMailCatcher, type MailCatcher } from './helpers.js'

const PASSWORD = 'correct horse battery staple'

/** The second try of a job waits backoffSeconds(1) = 2 s. */
const FIRST_BACKOFF_MS = 2000

describe('mail through a queue job (kernel.mail)', function () {
  this.timeout(20_000)
  let smtp: MailCatcher
  let tk: TestKernel
  let admin: TestClient
  /** Answers the mail server gives an address at RCPT TO, one per attempt (then it takes the mail). */
  const refusals = new Map<string, number[]>()
  let n = 0
  const newEmail = () => `queued-${++n}-${Date.now()}@example.org`

  const jobIds = async (name: string): Promise<string[]> => (await tk.kernel.db.query('SELECT id FROM kernel_job WHERE name = $1', [name])).map((r: { id: string }) => r.id)
  const job = async (id: string) => (await tk.kernel.db.query('SELECT status, attempts, last_error, payload, site_id FROM kernel_job WHERE id = $1', [id]))[0]
  /** The jobs of `name` a step added. */
  async function added(name: string, step: () => Promise<unknown>): Promise<string[]> {
    const before = new Set(await jobIds(name))
    await step()
    return (await jobIds(name)).filter(id => !before.has(id))
  }
  const register = (email: string) => tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Noor' })

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    smtp = await startMailCatcher({ refuse: address => refusals.get(address)?.shift() })
    tk = await createTestKernel({ smtpUrl: smtp.url, site: { settings: { auth: { requireEmailVerification: true } } } })
    await tk.kernel.jobs.stop()
    // The first account is the root site's administrator (for the jobs API and page).
    const email = newEmail()
    expect((await register(email)).status).to.equal(201)
    await tk.kernel.jobs.drain()
    const { token } = linkIn((await smtp.next(email)).text, '/auth/verify-email')
    expect((await tk.client().post('/api/v1/auth/verify-email', { token })).status).to.equal(200)
    admin = tk.client()
    expect((await admin.post('/api/v1/auth/login', { email, password: PASSWORD })).status).to.equal(200)
  })
  after(async () => {
    await tk?.close()
    await smtp?.close()
  })

  it('answers the request while the mail server says 451, and delivers the mail on a later try', async () => {
    const email = newEmail()
    refusals.set(email, [451])
    const since = smtp.mails.length
    let res: Awaited<ReturnType<typeof register>> | undefined
    const [id] = await added('kernel.mail', async () => (res = await register(email)))
    expect(res!.status, res!.text).to.equal(201)
    expect(id, 'one kernel.mail job, stored before the answer').to.be.a('string')
    await tk.kernel.jobs.drain()
    expect(await job(id!)).to.deep.include({ status: 'queued', attempts: 1 })
    expect((await job(id!)).last_error).to.match(/451/)
    expect(smtp.mails.length, 'nothing delivered yet').to.equal(since)
    await sleep(FIRST_BACKOFF_MS + 200)
    await tk.kernel.jobs.drain()
    expect(await job(id!)).to.deep.include({ status: 'done', attempts: 2, last_error: null })
    const { token } = linkIn((await smtp.next(email, since)).text, '/auth/verify-email')
    expect((await tk.client().post('/api/v1/auth/verify-email', { token })).status).to.equal(200)
  })

  it('answers the request when the mail server says 550, fails the job at once and records the bounce', async () => {
    const email = newEmail()
    refusals.set(email, [550, 550])
    let res: Awaited<ReturnType<typeof register>> | undefined
    const [id] = await added('kernel.mail', async () => (res = await register(email)))
    expect(res!.status, res!.text).to.equal(201)
    await tk.kernel.jobs.drain()
    const row = await job(id!)
    expect(row).to.deep.include({ status: 'failed', attempts: 1, site_id: tk.kernel.rootSite.id })
    expect(row.last_error).to.match(/550/)
    const bounces = await tk.kernel.db.query('SELECT site_id, code, command, account_id FROM kernel_mail_bounce WHERE email = $1', [email])
    expect(bounces).to.deep.equal([{ site_id: tk.kernel.rootSite.id, code: 550, command: 'RCPT TO', account_id: res!.body.user.id }])
    const [account] = await tk.kernel.db.query('SELECT email_bounced_at FROM kernel_account WHERE id = $1', [res!.body.user.id])
    expect(account.email_bounced_at).to.be.an.instanceOf(Date)
    // Administrators see it among the bounces.
    const listed = await admin.get('/api/v1/admin/mail/bounces')
    expect(listed.status, listed.text).to.equal(200)
    expect(listed.body.items.map((b: { email: string }) => b.email)).to.include(email)
  })

  it('keeps no message body in the job row once the mail is sent', async () => {
    const email = newEmail()
    const since = smtp.mails.length
    const [id] = await added('kernel.mail', () => register(email))
    const queued = await job(id!)
    expect(queued.payload.text, 'the body waits in the job until it is sent').to.include('/auth/verify-email?token=')
    await tk.kernel.jobs.drain()
    const { token } = linkIn((await smtp.next(email, since)).text, '/auth/verify-email')
    const sent = await job(id!)
    expect(sent.status).to.equal('done')
    expect(sent.payload).to.deep.equal({ to: `q***@example.org`, subject: queued.payload.subject })
    expect(JSON.stringify(sent)).to.not.include(token).and.not.include(email)
  })

  it('never shows a job payload (which may hold a one-time link) in the admin jobs API or page', async () => {
    const email = newEmail()
    refusals.set(email, [451, 451, 451])
    const [id] = await added('kernel.mail', () => register(email))
    await tk.kernel.jobs.drain()
    const { token } = linkIn((await job(id!)).payload.text, '/auth/verify-email')
    const api = await admin.get('/api/v1/admin/jobs?status=queued')
    expect(api.status, api.text).to.equal(200)
    const item = api.body.items.find((j: { id: string }) => j.id === id)
    expect(item, 'the queued mail job is listed').to.include({ name: 'kernel.mail', status: 'queued', attempts: 1 })
    expect(item).to.not.have.property('payload')
    expect(api.text).to.not.include(token).and.not.include(email)
    const page = await admin.get('/admin/jobs?status=queued', { headers: { accept: 'text/html' } })
    expect(page.status).to.equal(200)
    expect(page.text).to.include('kernel.mail').and.not.include(token).and.not.include(email)
  })

  it('does the same inside a reset request for a known and an unknown address: it stores one job, nothing more', async () => {
    const known = newEmail()
    expect((await register(known)).status).to.equal(201)
    await tk.kernel.jobs.drain()
    const unknown = newEmail()
    /** What a request left behind: jobs by name, one-time tokens, delivered mails. */
    const state = async () => ({
      jobs: Object.fromEntries((await tk.kernel.db.query('SELECT name, count(*)::int AS n FROM kernel_job GROUP BY name')).map((r: { name: string; n: number }) => [r.name, r.n])),
      tokens: (await tk.kernel.db.query('SELECT count(*)::int AS n FROM kernel_one_time_token'))[0].n as number,
      mails: smtp.mails.length,
    })
    const effect = async (email: string) => {
      const before = await state()
      const res = await tk.client().post('/api/v1/auth/password-reset', { email })
      const after = await state()
      const jobs = Object.fromEntries(Object.entries(after.jobs).map(([name, count]) => [name, count - (before.jobs[name] ?? 0)]).filter(([, d]) => d !== 0))
      return { status: res.status, body: res.text, jobs, tokens: after.tokens - before.tokens, mails: after.mails - before.mails }
    }
    const forKnown = await effect(known)
    const forUnknown = await effect(unknown)
    expect(forKnown).to.deep.equal({ status: 202, body: forKnown.body, jobs: { 'kernel.accountMail': 1 }, tokens: 0, mails: 0 })
    expect(forUnknown).to.deep.equal(forKnown)
    const payloads = await tk.kernel.db.query(`SELECT payload FROM kernel_job WHERE name = 'kernel.accountMail' AND status = 'queued' ORDER BY created_at`)
    expect(payloads.map((r: { payload: object }) => Object.keys(r.payload).sort())).to.deep.equal([
      ['email', 'origin', 'purpose'],
      ['email', 'origin', 'purpose'],
    ])

    // The jobs look the addresses up: only the known one gets mail, and the jobs keep no address.
    const since = smtp.mails.length
    await tk.kernel.jobs.drain()
    expect(linkIn((await smtp.next(known, since)).text, '/auth/reset-password').token).to.be.a('string')
    expect(smtp.mails.slice(since).map(m => m.to)).to.deep.equal([[known]])
    const left = await tk.kernel.db.query(
      `SELECT status, payload FROM kernel_job WHERE name = 'kernel.accountMail' AND (payload::text || coalesce(singleton_key, '')) ILIKE '%' || $1 || '%'`,
      [unknown],
    )
    expect(left).to.deep.equal([])
    const states = await tk.kernel.db.query(`SELECT status, payload FROM kernel_job WHERE name = 'kernel.accountMail' AND created_at > now() - interval '1 minute'`)
    expect(states).to.have.length(2)
    expect(states.every((r: { status: string; payload: object }) => r.status === 'done' && Object.keys(r.payload).length === 0)).to.equal(true)
  })
})

describe('mail through a queue job: the mail server is down', () => {
  let tk: TestKernel

  before(async function () {
    this.timeout(60_000)
    // A port that was free a moment ago: nothing answers there.
    const port = await new Promise<number>(resolve => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    tk = await createTestKernel({ smtpUrl: `smtp://127.0.0.1:${port}?tls=off`, site: { settings: { auth: { requireEmailVerification: true } } } })
    await tk.kernel.jobs.stop()
  })
  after(() => tk?.close())

  it('still registers (201) and keeps the mail queued for a later try', async () => {
    const email = `down-${Date.now()}@example.org`
    const res = await tk.client().post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Daan' })
    expect(res.status, res.text).to.equal(201)
    await tk.kernel.jobs.drain()
    const rows = await tk.kernel.db.query(`SELECT status, attempts, last_error, payload->>'to' AS "to" FROM kernel_job WHERE name = 'kernel.mail'`)
    expect(rows).to.have.length(1)
    expect(rows[0]).to.deep.include({ status: 'queued', attempts: 1, to: email })
    expect(rows[0].last_error).to.be.a('string').and.not.equal('')
  })
})

describe('mail through a queue job: a site whose plugin list does not name the kernel', () => {
  let smtp: MailCatcher
  let tk: TestKernel

  before(async function () {
    this.timeout(60_000)
    smtp = await startMailCatcher()
    // other.test enables the items plugin only: plugin jobs wait there, the kernel's own run.
    tk = await createTestKernel({ plugins: [itemsPlugin(newItemsState({ otherHost: 'other.test' }))], smtpUrl: smtp.url, site: { settings: { auth: { requireEmailVerification: true } } } })
    await tk.kernel.jobs.stop()
  })
  after(async () => {
    await tk?.close()
    await smtp?.close()
  })

  it('sends the mail queued for that site', async () => {
    const client = tk.client('other.test')
    const siteId = (await client.get('/api/v1/site')).body.id
    expect(siteId).to.not.equal(tk.kernel.rootSite.id)
    const email = `other-${Date.now()}@example.org`
    const res = await client.post('/api/v1/auth/register', { email, password: PASSWORD, name: 'Olga' })
    expect(res.status, res.text).to.equal(201)
    await tk.kernel.jobs.drain()
    const rows = await tk.kernel.db.query(`SELECT status, site_id FROM kernel_job WHERE name = 'kernel.mail'`)
    expect(rows).to.deep.equal([{ status: 'done', site_id: siteId }])
    expect(linkIn((await smtp.next(email)).text, '/auth/verify-email').link).to.match(/^http:\/\/other\.test(:\d+)?\//)
  })
})
