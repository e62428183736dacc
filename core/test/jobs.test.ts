// Background jobs (issue 10): durable before enqueue returns, run once (also with several processes on one
// PostgreSQL database, and after a process is killed between queueing and running), retried with backoff,
// singletons, recurring schedules, and the administrators' list and retry.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { Kernel } from '@plein/core'
import { createTestDatabase, createTestKernel, usesServerDatabase, type SignedUp, type TestKernel } from '@plein/testing'
import { healed, jobsFixture, runs } from './fixtures/jobs/plugin.js'
import { TEST_SECRET, reopenableDatabase, repoRoot, silentLog, testConfig } from './support/kit.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const runsOf = (id: string) => runs.filter(r => r.id === id)

describe('jobs', () => {
  describe('in one kernel', () => {
    let tk: TestKernel
    let admin: SignedUp
    let alice: SignedUp
    const row = async (id: string) => {
      const rows = await tk.kernel.db.query(
        `SELECT *, extract(epoch FROM run_at - now())::float8 AS due_in, extract(epoch FROM now())::float8 AS db_now FROM kernel_job WHERE id = $1`,
        [id],
      )
      return rows[0]
    }
    /** Makes a queued job due now (instead of waiting out its backoff). */
    const makeDue = (id: string) => tk.kernel.db.query(`UPDATE kernel_job SET run_at = now() WHERE id = $1`, [id])

    before(async function () {
      this.timeout(60_000)
      tk = await createTestKernel({ plugins: [jobsFixture()] })
      admin = await tk.signUp({ name: 'Admin' })
      alice = await tk.signUp({ name: 'Alice' })
    })
    after(() => tk?.close())

    describe('durability', () => {
      it('stores a job before enqueue() returns: the row is there, queued, with its payload and run time', async () => {
        const id = await tk.kernel.jobs.enqueue('jobs-fixture.record', { n: 1 }, { delayMs: 3_600_000, maxAttempts: 7 })
        expect(id).to.be.a('string')
        const r = await row(id!)
        expect(r, 'the job row').to.not.equal(undefined)
        expect(r).to.include({ name: 'jobs-fixture.record', status: 'queued', attempts: 0, max_attempts: 7 })
        expect(r.payload).to.deep.equal({ n: 1 })
        expect(r.due_in).to.be.within(3590, 3610)
      })

      it('stores a job queued in a request before the answer arrives', async () => {
        const res = await alice.client.post('/api/v1/jobs-fixture', { note: 'from a request' })
        expect(res.status, res.text).to.equal(201)
        const r = await row(res.body.id)
        expect(r).to.include({ name: 'jobs-fixture.record', status: 'queued', site_id: tk.kernel.rootSite.id })
        expect(r.payload).to.deep.equal({ note: 'from a request' })
      })

      it('queued inside a transaction, a job exists exactly when the transaction commits', async () => {
        let rolledBack: string | undefined
        await tk.kernel.db
          .transaction(async m => {
            rolledBack = await tk.kernel.jobs.enqueue('jobs-fixture.record', { tx: 'rolled back' }, { manager: m, delayMs: 3_600_000 })
            throw new Error('roll back')
          })
          .catch(() => undefined)
        expect(rolledBack).to.be.a('string')
        expect(await row(rolledBack!)).to.equal(undefined)
        const committed = await tk.kernel.db.transaction(m => tk.kernel.jobs.enqueue('jobs-fixture.record', { tx: 'committed' }, { manager: m, delayMs: 3_600_000 }))
        expect(await row(committed!)).to.include({ status: 'queued' })
      })
    })

    describe('running', () => {
      it('runs a due job once, with its payload, its site and attempt 1, and marks it done', async () => {
        const id = (await tk.kernel.jobs.enqueue('jobs-fixture.record', { hello: 'world' }, { site: tk.kernel.rootSite }))!
        await tk.kernel.jobs.drain()
        await tk.kernel.jobs.drain()
        const ran = runsOf(id)
        expect(ran).to.have.length(1)
        expect(ran[0]).to.deep.include({ name: 'jobs-fixture.record', payload: { hello: 'world' }, attempt: 1, siteId: tk.kernel.rootSite.id })
        const r = await row(id)
        expect(r).to.include({ status: 'done', attempts: 1, last_error: null, locked_by: null })
        expect(r.finished_at).to.be.instanceOf(Date)
      })

      it('does not run a job before its runAt', async () => {
        const id = (await tk.kernel.jobs.enqueue('jobs-fixture.record', {}, { runAt: new Date(Date.now() + 60_000) }))!
        await tk.kernel.jobs.drain()
        expect(runsOf(id)).to.have.length(0)
        expect(await row(id)).to.include({ status: 'queued', attempts: 0 })
      })

      it('retries a failing job with growing backoff, then marks it failed with the last error', async () => {
        const id = (await tk.kernel.jobs.enqueue('jobs-fixture.fail', { reason: 'the disk is full' }, { maxAttempts: 3 }))!
        await tk.kernel.jobs.drain()
        let r = await row(id)
        expect(r).to.include({ status: 'queued', attempts: 1 })
        expect(r.last_error).to.equal('refused on attempt 1: the disk is full')
        // 2 s after the first failure, 4 s after the second (exponential, at most an hour).
        expect(r.due_in).to.be.within(1, 2.5)
        await tk.kernel.jobs.drain()
        expect(runsOf(id), 'not again before its backoff has passed').to.have.length(1)

        await makeDue(id)
        await tk.kernel.jobs.drain()
        r = await row(id)
        expect(r).to.include({ status: 'queued', attempts: 2, last_error: 'refused on attempt 2: the disk is full' })
        expect(r.due_in).to.be.within(3, 4.5)
        expect(r.finished_at).to.equal(null)

        await makeDue(id)
        await tk.kernel.jobs.drain()
        r = await row(id)
        expect(r).to.include({ status: 'failed', attempts: 3, last_error: 'refused on attempt 3: the disk is full', locked_by: null })
        expect(r.finished_at).to.be.instanceOf(Date)
        await makeDue(id)
        await tk.kernel.jobs.drain()
        expect(runsOf(id).map(x => x.attempt)).to.deep.equal([1, 2, 3])
      })

      it('runs each of many jobs exactly once in one drain', async () => {
        const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => tk.kernel.jobs.enqueue('jobs-fixture.record', { i, sleepMs: 5 })))
        await tk.kernel.jobs.drain()
        for (const id of ids) expect(runsOf(id!), `job ${id}`).to.have.length(1)
      })

      it('enqueueMany stores one job per payload in one statement, and each runs once with its own payload', async () => {
        expect(await tk.kernel.jobs.enqueueMany('jobs-fixture.record', [])).to.deep.equal([])
        const payloads = Array.from({ length: 25 }, (_, i) => ({ i, text: `it's "quoted", {braced} \\ ${i}` }))
        const ids = await tk.kernel.jobs.enqueueMany('jobs-fixture.record', payloads, { maxAttempts: 3 })
        expect(ids).to.have.length(25)
        expect(new Set(ids).size).to.equal(25)
        const stored = await tk.kernel.db.query(`SELECT max_attempts, status FROM kernel_job WHERE id = ANY($1::uuid[])`, [ids])
        expect(stored.map(r => [r.max_attempts, r.status])).to.deep.equal(ids.map(() => [3, 'queued']))
        await tk.kernel.jobs.drain()
        for (const id of ids) expect(runsOf(id), `job ${id}`).to.have.length(1)
        expect(ids.map(id => runsOf(id)[0]!.payload)).to.deep.equal(payloads)
      })
    })

    describe('singletons', () => {
      it('drops a second job with the same singletonKey while the first is queued, and accepts one after it ran', async () => {
        const first = await tk.kernel.jobs.enqueue('jobs-fixture.record', { which: 'first' }, { singletonKey: 'only-one', runAt: new Date(Date.now() + 60_000) })
        const second = await tk.kernel.jobs.enqueue('jobs-fixture.record', { which: 'second' }, { singletonKey: 'only-one' })
        expect(first).to.be.a('string')
        expect(second).to.equal(undefined)
        const rows = await tk.kernel.db.query(`SELECT payload FROM kernel_job WHERE singleton_key = 'only-one'`)
        expect(rows.map(r => r.payload)).to.deep.equal([{ which: 'first' }])
        // The same key under another job name is another singleton.
        expect(await tk.kernel.jobs.enqueue('jobs-fixture.fail', {}, { singletonKey: 'only-one', runAt: new Date(Date.now() + 60_000) })).to.be.a('string')

        await makeDue(first!)
        await tk.kernel.jobs.drain()
        expect(await row(first!)).to.include({ status: 'done' })
        const third = await tk.kernel.jobs.enqueue('jobs-fixture.record', { which: 'third' }, { singletonKey: 'only-one' })
        expect(third).to.be.a('string').and.not.equal(first)
        await tk.kernel.jobs.drain()
        expect(runsOf(third!)).to.have.length(1)
      })
    })

    describe('schedules', () => {
      it('stores every() as a schedule that first comes due one interval after start', async () => {
        const [s] = await tk.kernel.db.query(
          `SELECT every_seconds, extract(epoch FROM next_run_at - now())::float8 AS due_in FROM kernel_job_schedule WHERE name = 'jobs-fixture.tick'`,
        )
        expect(s.every_seconds).to.equal(3600)
        expect(s.due_in).to.be.within(3000, 3600)
      })

      it('queues one job when the schedule is due, then not again until the next interval', async () => {
        const before = runs.filter(r => r.name === 'jobs-fixture.tick').length
        await tk.kernel.db.query(`UPDATE kernel_job_schedule SET next_run_at = now() - interval '1 second' WHERE name = 'jobs-fixture.tick'`)
        await tk.kernel.jobs.drain()
        expect(runs.filter(r => r.name === 'jobs-fixture.tick')).to.have.length(before + 1)
        const [s] = await tk.kernel.db.query(`SELECT extract(epoch FROM next_run_at - now())::float8 AS due_in FROM kernel_job_schedule WHERE name = 'jobs-fixture.tick'`)
        expect(s.due_in).to.be.within(3500, 3601)
        await tk.kernel.jobs.drain()
        expect(runs.filter(r => r.name === 'jobs-fixture.tick')).to.have.length(before + 1)
      })
    })

    describe('GET /api/v1/admin/jobs and POST /api/v1/admin/jobs/:id/retry', () => {
      let failedId: string
      const key = `heal-${Math.random().toString(36).slice(2)}`

      before(async () => {
        failedId = (await tk.kernel.jobs.enqueue('jobs-fixture.heal', { key }, { maxAttempts: 1, site: tk.kernel.rootSite }))!
        await tk.kernel.jobs.drain()
        expect(await row(failedId)).to.include({ status: 'failed' })
      })

      it('lists failed jobs for administrators with name, status, attempts and the reason', async () => {
        const res = await admin.client.get('/api/v1/admin/jobs?status=failed')
        expect(res.status, res.text).to.equal(200)
        expect(res.body.items.every((j: any) => j.status === 'failed')).to.equal(true)
        const job = res.body.items.find((j: any) => j.id === failedId)
        expect(job, res.text).to.not.equal(undefined)
        expect(job).to.include({ name: 'jobs-fixture.heal', status: 'failed', attempts: 1, maxAttempts: 1, lastError: `not healed yet: ${key}`, siteId: tk.kernel.rootSite.id })
        expect(Date.parse(job.createdAt)).to.be.a('number').and.not.NaN
        expect(Date.parse(job.finishedAt)).to.be.a('number').and.not.NaN
      })

      it('lists queued jobs, newest first', async () => {
        const a = await tk.kernel.jobs.enqueue('jobs-fixture.record', { order: 'a' }, { delayMs: 3_600_000 })
        // Two jobs queued in the same millisecond would tie on created_at: make the order unambiguous.
        await tk.kernel.db.query(`UPDATE kernel_job SET created_at = created_at - interval '1 second' WHERE id = $1`, [a])
        const b = await tk.kernel.jobs.enqueue('jobs-fixture.record', { order: 'b' }, { delayMs: 3_600_000 })
        const res = await admin.client.get('/api/v1/admin/jobs?status=queued&limit=100')
        expect(res.status, res.text).to.equal(200)
        const ids = res.body.items.map((j: any) => j.id)
        expect(ids).to.include.members([a, b])
        expect(ids.indexOf(b)).to.be.below(ids.indexOf(a))
        expect(res.body.items.every((j: any) => j.status === 'queued')).to.equal(true)
      })

      it('answers 401 to anonymous visitors and 403 to accounts that are not administrators', async () => {
        const anonymous = await tk.client().get('/api/v1/admin/jobs')
        expect(anonymous.status).to.equal(401)
        const list = await alice.client.get('/api/v1/admin/jobs?status=failed')
        expect(list.status, list.text).to.equal(403)
        expect(String(list.headers['content-type'])).to.match(/^application\/problem\+json/)
        const retry = await alice.client.post(`/api/v1/admin/jobs/${failedId}/retry`)
        expect(retry.status, retry.text).to.equal(403)
        expect(await row(failedId)).to.include({ status: 'failed' })
      })

      it('answers 400 for an unknown status filter', async () => {
        const res = await admin.client.get('/api/v1/admin/jobs?status=lost')
        expect(res.status, res.text).to.equal(400)
      })

      it('retry queues a failed job again (202), and it runs', async () => {
        healed.add(key)
        const res = await admin.client.post(`/api/v1/admin/jobs/${failedId}/retry`)
        expect(res.status, res.text).to.equal(202)
        expect(res.body).to.deep.equal({ status: 'queued' })
        const queued = await admin.client.get('/api/v1/admin/jobs?status=queued&limit=100')
        expect(queued.body.items.find((j: any) => j.id === failedId)).to.include({ status: 'queued', attempts: 0, lastError: null })
        await tk.kernel.jobs.drain()
        expect(await row(failedId)).to.include({ status: 'done', attempts: 1 })
        expect(runsOf(failedId).map(r => r.attempt)).to.deep.equal([1, 1])
      })

      it('retry answers 404 for a job that is not failed, or does not exist', async () => {
        const again = await admin.client.post(`/api/v1/admin/jobs/${failedId}/retry`)
        expect(again.status, again.text).to.equal(404)
        const unknown = await admin.client.post('/api/v1/admin/jobs/00000000-0000-4000-8000-000000000000/retry')
        expect(unknown.status, unknown.text).to.equal(404)
        const invalid = await admin.client.post('/api/v1/admin/jobs/not-a-uuid/retry')
        expect(invalid.status, invalid.text).to.equal(400)
      })
    })
  })

  describe('two kernels polling one PostgreSQL database', () => {
    const kernels: Kernel[] = []
    let drop: (() => Promise<void>) | undefined

    before(async function () {
      // The embedded database belongs to one process (PGlite opens its folder exclusively): several
      // processes sharing one queue is a PostgreSQL-server deployment, so this runs on the server only.
      if (!usesServerDatabase()) this.skip()
      this.timeout(60_000)
      const db = await createTestDatabase()
      drop = db.drop
      for (const label of ['k1', 'k2']) {
        kernels.push(
          await Kernel.boot({
            siteDir: repoRoot,
            config: testConfig(),
            plugins: [{ source: jobsFixture(label) }],
            databaseUrl: db.url,
            dataDir: mkdtempSync(path.join(tmpdir(), 'plein-jobs-')),
            secret: TEST_SECRET,
            log: silentLog(),
            jobPollMs: 20,
          }),
        )
      }
    })
    after(async () => {
      for (const k of kernels) await k.stop()
      for (const k of kernels) rmSync(k.dataDir, { recursive: true, force: true })
      await drop?.()
    })

    it('runs each of 20 jobs exactly once while both kernels poll and drain at the same time', async () => {
      const [k1, k2] = kernels as [Kernel, Kernel]
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? k1 : k2).jobs.enqueue('jobs-fixture.record', { i, sleepMs: 15 })))
      await Promise.all([k1.jobs.drain(), k2.jobs.drain(), k1.jobs.drain(), k2.jobs.drain()])
      for (const id of ids) expect(runsOf(id!), `job ${id}`).to.have.length(1)
      const rows = await k1.db.query(`SELECT status, attempts FROM kernel_job WHERE id = ANY($1::uuid[])`, [ids])
      expect(rows).to.have.length(20)
      expect(rows.every(r => r.status === 'done' && r.attempts === 1)).to.equal(true)
    })
  })

  describe('a process killed between queueing and running', () => {
    it('keeps the job, and another kernel on the same database runs it', async function () {
      this.timeout(90_000)
      // A server database, or the embedded database in a folder on disk (not in memory).
      const db = await reopenableDatabase()
      const note = `survivor-${Math.random().toString(36).slice(2)}`
      let second: Kernel | undefined
      try {
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            '--conditions=source',
            path.join(here, 'fixtures/jobs/child.ts'),
            JSON.stringify({ ...db.options, siteDir: repoRoot, secret: TEST_SECRET, payload: { note } }),
          ],
          { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
        )
        let stderr = ''
        child.stderr.on('data', d => (stderr += d))
        const exited = new Promise<NodeJS.Signals | null>(resolve => child.once('exit', (_code, signal) => resolve(signal)))
        const queued = await new Promise<string>((resolve, reject) => {
          let out = ''
          child.stdout.on('data', d => {
            out += d
            const line = out.split('\n').find(l => l.startsWith('{'))
            if (line) resolve(JSON.parse(line).queued)
          })
          child.once('exit', code => reject(new Error(`the child exited (${code}) before queueing:\n${stderr}`)))
        })
        expect(queued).to.be.a('string')
        child.kill('SIGKILL')
        expect(await exited).to.equal('SIGKILL')
        expect(runsOf(queued), 'nothing ran it in this process yet').to.have.length(0)

        second = await Kernel.boot({
          siteDir: repoRoot,
          config: testConfig(),
          plugins: [{ source: jobsFixture('after-kill') }],
          ...db.options,
          secret: TEST_SECRET,
          log: silentLog(),
        })
        const [r] = await second.db.query(`SELECT status, attempts, payload FROM kernel_job WHERE id = $1`, [queued])
        expect(r, 'the job row after the kill').to.deep.include({ status: 'queued', attempts: 0, payload: { note } })
        await second.jobs.drain()
        expect(runsOf(queued).map(x => [x.kernel, x.payload.note])).to.deep.equal([['after-kill', note]])
        const [done] = await second.db.query(`SELECT status FROM kernel_job WHERE id = $1`, [queued])
        expect(done.status).to.equal('done')
      } finally {
        await second?.stop()
        await db.drop()
      }
    })
  })
})
