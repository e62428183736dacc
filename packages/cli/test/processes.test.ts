// Several processes on one PostgreSQL database: separate `plein start` processes (as on separate machines) and
// `plein start --workers N` (node:cluster). Sessions, site records, jobs and migrations are shared correctly.
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import pg from 'pg'
import { createTestDatabase, type TestDatabase } from '@plein/testing'
import { call, fixture, parseJson, reachableServer, signIn, startPlein, waitFor, type PleinProcess } from './support/processes.js'

/** True when a Redis server answers PING at `url` (host and port only). */
async function redisAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise(resolve => {
    const socket = connect({ host: hostname, port: Number(port || 6379) }, () => socket.write('PING\r\n'))
    socket.setTimeout(1000, () => (socket.destroy(), resolve(false)))
    socket.once('data', d => (socket.destroy(), resolve(String(d).startsWith('+PONG'))))
    socket.once('error', () => resolve(false))
  })
}

const SECRET = 'processes-test-secret-that-is-long-enough-0123456789'

describe('several processes on one database', function () {
  this.timeout(240_000)
  let server: string | undefined
  let database: TestDatabase
  const dirs: string[] = []
  const running: PleinProcess[] = []

  before(async function () {
    server = await reachableServer()
    // The embedded database belongs to one process: sharing needs a PostgreSQL server.
    if (!server) this.skip()
  })
  beforeEach(async () => {
    database = await createTestDatabase(server)
  })
  afterEach(async () => {
    await Promise.all(running.splice(0).map(p => p.stop()))
    await database?.drop()
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  const envFor = () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-proc-'))
    dirs.push(dataDir)
    return { DATABASE_URL: database.url!, PLEIN_SECRET: SECRET, PLEIN_DATA_DIR: dataDir }
  }
  const query = async <T = any>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    try {
      return (await client.query(sql, params)).rows
    } finally {
      await client.end()
    }
  }

  it('two processes: migrations once, a session from one valid on the other, a subsite change seen within 1 s, each job run once', async () => {
    // Both boot at once: the migration lock lets one migrate while the other waits.
    const a = startPlein(['start', fixture('ops')], envFor())
    const b = startPlein(['start', fixture('ops')], envFor())
    running.push(a, b)
    const [portA, portB] = await Promise.all([a.port(), b.port()])
    const pidA = (await call(portA, 'GET', '/api/v1/ops-probe/pid')).body.pid
    const pidB = (await call(portB, 'GET', '/api/v1/ops-probe/pid')).body.pid
    expect(pidA).to.not.equal(pidB)
    const migrations = await query<{ plugin_id: string; name: string; n: string }>(
      'SELECT plugin_id, name, count(*) AS n FROM kernel_migration GROUP BY plugin_id, name HAVING count(*) > 1',
    )
    expect(migrations).to.deep.equal([])

    // A session made on A is valid on B, and B's CSRF check accepts A's token.
    const admin = await signIn(portA, 'beheer@example.org')
    const me = await call(portB, 'GET', '/api/v1/auth/me', { headers: { cookie: admin.cookie } })
    expect(me.status).to.equal(200)
    expect(me.body.user.id).to.equal(admin.userId)

    // B learns the host is unknown (and caches that), then A creates a subsite on it: B must see it soon.
    const host = 'team.example.org'
    expect((await call(portB, 'GET', '/api/v1/site', { host })).status).to.equal(404)
    const created = await call(portA, 'POST', '/api/v1/subsites', {
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      body: { name: 'Team', host, plugins: ['ops-probe'] },
    })
    expect(created.status, a.lines.filter(l => parseJson(l)?.level >= 50).join("\n")).to.equal(201)
    const seenCreate = Date.now()
    await waitFor(async () => ((await call(portB, 'GET', '/api/v1/site', { host })).status === 200 ? true : undefined), 5000)
    expect(Date.now() - seenCreate).to.be.below(1000)

    // A renames it: B's cached site record is dropped through the change notice.
    expect((await call(portB, 'GET', '/api/v1/site', { host })).body.name).to.equal('Team')
    const renamed = await call(portA, 'PATCH', `/api/v1/subsites/${created.body.id}`, {
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      body: { name: 'Team Noord' },
    })
    expect(renamed.status).to.equal(200)
    const seenRename = Date.now()
    await waitFor(async () => ((await call(portB, 'GET', '/api/v1/site', { host })).body.name === 'Team Noord' ? true : undefined), 5000)
    expect(Date.now() - seenRename).to.be.below(1000)

    // Jobs queued on both run exactly once each, on whichever process claims them.
    const keys = Array.from({ length: 30 }, (_, i) => `job-${i}`)
    await Promise.all(keys.map((key, i) => call(i % 2 ? portA : portB, 'POST', '/api/v1/ops-probe/jobs', { body: { key } })))
    const runs = await waitFor(async () => {
      const rows = await query<{ job_key: string; pid: number }>('SELECT job_key, pid FROM ops_probe_job_run')
      return rows.length >= keys.length ? rows : undefined
    }, 30_000)
    await new Promise(r => setTimeout(r, 1500)) // a job run twice would show up by now
    const after = await query<{ job_key: string }>('SELECT job_key FROM ops_probe_job_run')
    expect(after.map(r => r.job_key).sort()).to.deep.equal([...keys].sort())
    expect(new Set(runs.map(r => r.pid)).size).to.be.at.least(1)

    expect(await a.stop()).to.equal(0)
    expect(await b.stop()).to.equal(0)
  })

  it('--workers 2: workers share the port, a killed worker is replaced, SIGTERM stops all and exits 0', async () => {
    const primary = startPlein(['start', fixture('ops'), '--workers', '2'], envFor())
    running.push(primary)
    const port = await primary.port()
    const pids = async (n = 20) => {
      const seen = new Set<number>()
      for (let i = 0; i < n; i++) {
        const res = await call(port, 'GET', '/api/v1/ops-probe/pid').catch(() => undefined)
        if (res?.status === 200) seen.add(res.body.pid)
      }
      return seen
    }
    const first = await waitFor(async () => {
      const seen = await pids()
      return seen.size === 2 ? seen : undefined
    }, 60_000)
    expect(first.has(primary.child.pid!)).to.equal(false)
    // Migrations ran once, in the primary, before the workers started.
    const started = primary.lines.map(parseJson).find(l => l?.msg === 'started 2 workers')
    expect(started?.pid).to.equal(primary.child.pid)

    // One scrape of the shared port answers for both workers, each sample labelled with its worker.
    const metrics = await call(port, 'GET', '/metrics')
    expect(metrics.status).to.equal(200)
    const pidLines = String(metrics.body).split('\n').filter(l => l.startsWith('process_pid{'))
    expect(pidLines.map(l => Number(l.split(' ').pop())).sort()).to.deep.equal([...first].sort())
    expect(pidLines.map(l => /worker="(\d+)"/.exec(l)![1]).sort()).to.deep.equal(['1', '2'])
    expect(String(metrics.body).match(/^# TYPE process_pid /gm)).to.have.length(1)
    expect(String(metrics.body)).to.match(/^plein_http_requests_total\{worker="\d",site="root",route="ops-probe\.pid",method="GET",status="200"\} \d+$/m)

    const [victim] = [...first]
    process.kill(victim!, 'SIGKILL')
    const replaced = await waitFor(async () => {
      const seen = await pids()
      return seen.size === 2 && !seen.has(victim!) ? seen : undefined
    }, 60_000)
    expect([...replaced].filter(pid => first.has(pid))).to.have.length(1)
    expect(primary.lines.some(l => parseJson(l)?.msg?.startsWith('worker ') && parseJson(l)?.pid === victim)).to.equal(true)

    expect(await primary.stop()).to.equal(0)
    for (const pid of replaced) expect(() => process.kill(pid, 0)).to.throw()
  })

  it('with REDIS_URL, change notices go through Redis: a subsite created on one process is seen on the other within 1 s', async function () {
    const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
    if (!(await redisAnswers(redisUrl))) this.skip()
    const a = startPlein(['start', fixture('ops')], { ...envFor(), REDIS_URL: redisUrl })
    const b = startPlein(['start', fixture('ops')], { ...envFor(), REDIS_URL: redisUrl })
    running.push(a, b)
    const [portA, portB] = await Promise.all([a.port(), b.port()])
    const admin = await signIn(portA, 'beheer@example.org')
    const host = 'redis-team.example.org'
    expect((await call(portB, 'GET', '/api/v1/site', { host })).status).to.equal(404)
    const created = await call(portA, 'POST', '/api/v1/subsites', {
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      body: { name: 'Team', host, plugins: ['ops-probe'] },
    })
    expect(created.status).to.equal(201)
    const sent = Date.now()
    await waitFor(async () => ((await call(portB, 'GET', '/api/v1/site', { host })).status === 200 ? true : undefined), 5000)
    expect(Date.now() - sent).to.be.below(1000)
    // Not through PostgreSQL: no process listens there.
    expect(await query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'plein-changes' AND datname = current_database()`)).to.deep.equal([])
  })

  it('--workers needs a PostgreSQL server', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-proc-'))
    dirs.push(dataDir)
    const run = startPlein(['start', fixture('ops'), '--workers', '2'], { DATABASE_URL: '', PLEIN_DATA_DIR: dataDir })
    expect(await run.exited).to.equal(1)
    expect(run.lines.join('\n')).to.include('--workers needs DATABASE_URL')
  })
})
