// Database faults under load: a `plein start` process writes in a loop while its PostgreSQL server (a cluster of
// this test's own) is stopped and started again. Answers turn into quick 503s, /readyz says 503, nothing hangs
// or crashes, Plein recovers without a restart, and every acknowledged write is stored.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import pg from 'pg'
import { call, fixture, parseJson, startPlein, waitFor, type Answer, type PleinProcess } from './support/processes.js'
import { createPostgresCluster, postgresBinaries, type PostgresCluster } from './support/postgres-cluster.js'

interface Write {
  key: string
  /** When the request was sent, relative to the start of the run. */
  at: number
  answer?: Answer
  error?: string
}

describe('PostgreSQL stopped under load', function () {
  this.timeout(300_000)
  let cluster: PostgresCluster | undefined
  let plein: PleinProcess | undefined
  let dataDir: string | undefined

  before(async function () {
    const binaries = postgresBinaries()
    if (!binaries) {
      // Nothing to stop and start without a PostgreSQL installation of our own.
      console.log('    (skipped: no initdb/pg_ctl found in /usr/lib/postgresql/*/bin, /usr/local/bin or /usr/bin)')
      this.skip()
    }
    cluster = await createPostgresCluster(binaries!)
  })
  afterEach(function () {
    // When it fails, what the server said last (a crash shows here, not in the test's own error).
    if (this.currentTest?.state === 'failed' && plein) console.log(`    the server's last lines:\n${plein.lines.slice(-40).join('\n')}`)
  })
  after(async () => {
    await plein?.stop()
    await cluster?.destroy()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('answers 503 quickly while it is down, recovers by itself, and loses no acknowledged write', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'plein-faults-'))
    plein = startPlein(['start', fixture('ops')], {
      DATABASE_URL: cluster!.url,
      PLEIN_DATA_DIR: dataDir,
      PLEIN_SECRET: 'faults-test-secret-that-is-long-enough-0123456789',
      PLEIN_DB_CONNECT_TIMEOUT_MS: '1000',
    })
    const port = await plein.port()
    const t0 = Date.now()
    const writes: Write[] = []
    let writing = true
    let n = 0
    const writer = async (id: number) => {
      while (writing) {
        const write: Write = { key: `w-${id}-${n++}`, at: Date.now() - t0 }
        writes.push(write)
        try {
          write.answer = await call(port, 'POST', '/api/v1/ops-probe/notes', { body: { key: write.key }, timeoutMs: 15_000 })
        } catch (error) {
          write.error = (error as Error).message
        }
        if (write.answer?.status !== 201) await new Promise(r => setTimeout(r, 20))
      }
    }
    const writers = Promise.all(Array.from({ length: 6 }, (_, i) => writer(i)))
    const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

    // Up: every write is acknowledged.
    await sleep(2000)
    const stopAt = Date.now() - t0
    await cluster!.stop()
    const downAt = Date.now() - t0

    // Down: answers are 503 problem+json with Retry-After, fast; /readyz is 503; /healthz still 200.
    await sleep(1000)
    const ready = await call(port, 'GET', '/readyz')
    expect(ready.status).to.equal(503)
    expect(ready.ms).to.be.below(2000)
    expect((await call(port, 'GET', '/healthz')).status).to.equal(200)
    await sleep(2000)
    const startAt = Date.now() - t0
    await cluster!.start()

    // Back: Plein recovers by itself.
    const recovered = await waitFor(async () => ((await call(port, 'GET', '/readyz')).status === 200 ? Date.now() - t0 : undefined), 30_000)
    await waitFor(() => (writes.some(w => w.at > recovered && w.answer?.status === 201) ? true : undefined), 30_000)
    await sleep(1500)
    writing = false
    await writers

    const problems = writes.filter(w => w.error || (w.answer!.status !== 201 && w.answer!.status !== 503))
    expect(problems.map(w => ({ key: w.key, error: w.error, status: w.answer?.status, body: w.answer?.body })), 'only 201 and 503 answers').to.deep.equal([])
    const before = writes.filter(w => w.at + (w.answer?.ms ?? 0) < stopAt)
    expect(before.length).to.be.above(0)
    expect(before.every(w => w.answer!.status === 201)).to.equal(true)
    // Sent while the server was fully down: 503 problem+json with Retry-After, within the connect timeout and a margin.
    const down = writes.filter(w => w.at > downAt && w.at + w.answer!.ms < startAt)
    expect(down.length).to.be.above(5)
    for (const w of down) {
      expect(w.answer!.status, w.key).to.equal(503)
      expect(String(w.answer!.headers['content-type'])).to.match(/^application\/problem\+json/)
      expect(w.answer!.headers['retry-after']).to.equal('5')
      expect(w.answer!.body.code).to.equal('DATABASE_UNAVAILABLE')
      expect(w.answer!.ms, `${w.key} took ${w.answer!.ms} ms`).to.be.below(2500)
    }
    // After recovery, writes succeed again.
    const afterwards = writes.filter(w => w.at > recovered + 500)
    expect(afterwards.length).to.be.above(0)
    expect(afterwards.every(w => w.answer!.status === 201)).to.equal(true)
    expect(plein.child.exitCode).to.equal(null)
    // The change-notice listener is back too, and told the caches that notices may have been missed.
    await waitFor(() => (plein!.lines.some(l => parseJson(l)?.msg === 'change notices: listening again; caches start afresh') ? true : undefined), 15_000)

    // No acknowledged write lost.
    const acknowledged = writes.filter(w => w.answer?.status === 201).map(w => w.key)
    const client = new pg.Client({ connectionString: cluster!.url })
    await client.connect()
    try {
      const stored = new Set((await client.query<{ key: string }>('SELECT key FROM ops_probe_note')).rows.map(r => r.key))
      expect(acknowledged.filter(k => !stored.has(k))).to.deep.equal([])
    } finally {
      await client.end()
    }
    console.log(
      `    writes: ${writes.length}, acknowledged ${acknowledged.length}, 503 while down ${down.length} ` +
        `(slowest ${Math.max(...down.map(w => w.answer!.ms))} ms), ready again ${recovered - startAt} ms after the server started`,
    )
    expect(await plein.stop()).to.equal(0)
  })
})
