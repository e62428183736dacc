// What the benchmarks on seeded data share (bench:load, bench:search, bench:digest): a PostgreSQL database
// filled by `plein seed bench/site` (reused when that seed is there already), the real server started with
// `plein start` in a child process, sessions of seeded users, and a keep-alive load loop that records every
// request's latency per endpoint.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { SEED_PASSWORD, scaleBy, type SeedScale } from '@plein/core'

const here = path.dirname(fileURLToPath(import.meta.url))
export const root = path.resolve(here, '..')
export const resultsDir = path.join(here, 'results')
export const benchSite = path.join(root, 'bench/site')
const SECRET = 'seeded-benchmark-secret-that-is-long-enough-0123456789'

export interface SeededOptions {
  /** postgres://user@host:port (no database). */
  server: string
  database: string
  /** Factor of the Pleio scale. */
  scale: number
  seed: number
  dataDir: string
}

export function scaleOf(options: SeededOptions): SeedScale {
  return scaleBy(options.scale)
}

const plainName = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name must be a plain name, not "${name}"`)
  return name
}

async function withAdmin<T>(server: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: `${server}/postgres` })
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.end()
  }
}

export async function dropDatabase(options: SeededOptions): Promise<void> {
  await withAdmin(options.server, c => c.query(`DROP DATABASE IF EXISTS ${plainName(options.database)} WITH (FORCE)`))
}

export function pleinEnv(options: SeededOptions, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: `${options.server}/${options.database}`, PLEIN_DATA_DIR: options.dataDir, PLEIN_SECRET: SECRET, LOG_LEVEL: 'warn', ...extra }
}

const plein = ['--import', 'tsx', '--conditions=source', path.join(root, 'packages/cli/src/bin.ts')]

export function client(options: SeededOptions): pg.Client {
  return new pg.Client({ connectionString: `${options.server}/${options.database}` })
}

/** The seeded root site's id (the first site that is not a subsite). */
export async function rootSiteOf(db: pg.Client): Promise<string> {
  return (await db.query(`SELECT id FROM kernel_site WHERE key NOT LIKE 'subsite:%' ORDER BY created_at LIMIT 1`)).rows[0].id as string
}

/** Published blog posts on a site that every signed-in user may read (the same ones, in id order, every run). */
export async function readableBlogs(db: pg.Client, site: string, count: number): Promise<string[]> {
  const rows = await db.query(`SELECT id FROM entity WHERE site_id = $1 AND kind = 'blog' AND read_access && '{public,logged_in}' AND published_at IS NOT NULL ORDER BY id LIMIT $2`, [site, count])
  return rows.rows.map(r => r.id as string)
}

/** The biggest groups on a site that are not hidden, biggest first. */
export async function biggestGroups(db: pg.Client, site: string, count: number): Promise<string[]> {
  const rows = await db.query(`SELECT e.id FROM entity e JOIN groups_group g ON g.entity_id = e.id WHERE e.site_id = $1 AND NOT g.hidden ORDER BY g.member_count DESC LIMIT $2`, [site, count])
  return rows.rows.map(r => r.id as string)
}

/** Creates the database when missing and seeds it unless this scale is there already; returns the seed's seconds (0: reused). */
export async function ensureSeeded(options: SeededOptions): Promise<number> {
  await withAdmin(options.server, async c => {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database])
    if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${plainName(options.database)}`)
  })
  const scale = scaleOf(options)
  const db = client(options)
  await db.connect()
  let there = false
  try {
    const n = await db.query(`SELECT count(*)::int AS n FROM kernel_account WHERE email LIKE 'seed-%@example.org'`).catch(() => ({ rows: [{ n: -1 }] }))
    const items = await db.query(`SELECT count(*)::int AS n FROM entity WHERE kind IN ('blog', 'news', 'wiki')`).catch(() => ({ rows: [{ n: -1 }] }))
    there = n.rows[0].n === scale.users && items.rows[0].n === scale.items
  } finally {
    await db.end()
  }
  if (there) return 0
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [...plein, 'seed', benchSite, '--scale', String(options.scale), '--seed', String(options.seed)], { cwd: root, env: pleinEnv(options), stdio: 'inherit' })
  if (r.status !== 0) throw new Error(`plein seed exited with ${r.status}`)
  const db2 = client(options)
  await db2.connect()
  await db2.query('VACUUM ANALYZE')
  await db2.end()
  return (performance.now() - t0) / 1000
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })

export interface Server {
  port: number
  child: ChildProcess
  stop(): Promise<void>
}

/** `plein start bench/site` on a free port, ready when /readyz answers 200. */
export async function startServer(options: SeededOptions, extra: Record<string, string> = {}): Promise<Server> {
  const port = await freePort()
  // BENCH_PROFILE=1: the server runs under --cpu-prof (profiles in bench/results/profile/server/; bench/profile.ts reads them).
  const profile = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${path.join(resultsDir, 'profile', 'server')}`] : []
  // BENCH_WORKERS=N: `plein start --workers N` (node:cluster), N server processes sharing the port.
  const workers = process.env.BENCH_WORKERS ? ['--workers', process.env.BENCH_WORKERS] : []
  const child = spawn(process.execPath, [...profile, ...plein, 'start', benchSite, ...workers], { cwd: root, env: pleinEnv(options, { PORT: String(port), HOST: '127.0.0.1', ...extra }), stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
  const server: Server = {
    port,
    child,
    async stop() {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`)
    const ok = await request(port, 'GET', '/readyz').then(r => r.status === 200, () => false)
    if (ok) return server
    if (i > 1200) {
      await server.stop()
      throw new Error('the server did not get ready in 120 s')
    }
    await new Promise(r => setTimeout(r, 100))
  }
}

let agent = new http.Agent({ keepAlive: true, maxSockets: 50 })
export function useConnections(n: number): void {
  agent = new http.Agent({ keepAlive: true, maxSockets: n })
}

export interface Answer {
  status: number
  body: string
  headers: http.IncomingHttpHeaders
}

export function request(port: number, method: string, url: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: url, agent, headers: { host: 'localhost', ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } },
      res => {
        const chunks: Buffer[] = []
        res.on('data', c => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

export interface Session {
  email: string
  cookie: string
  csrf: string
}

export async function signIn(port: number, email: string): Promise<Session> {
  const res = await request(port, 'POST', '/api/v1/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ email, password: SEED_PASSWORD }))
  if (res.status !== 200) throw new Error(`sign-in of ${email}: ${res.status} ${res.body.slice(0, 200)}`)
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map(c => c.split(';')[0]).join('; ')
  return { email, cookie, csrf: JSON.parse(res.body).csrfToken }
}

/** Sessions of `count` seeded users other than the administrator (seed-0), 8 sign-ins at a time. */
export async function signInMany(port: number, users: number, count: number): Promise<Session[]> {
  const emails = Array.from({ length: count }, (_, i) => `seed-${1 + ((i * 7919) % (users - 1))}@example.org`)
  const sessions: Session[] = []
  for (let i = 0; i < emails.length; i += 8) sessions.push(...(await Promise.all(emails.slice(i, i + 8).map(e => signIn(port, e)))))
  return sessions
}

export interface Endpoint {
  name: string
  weight: number
  make(s: Session, n: number): { method: string; url: string; headers?: Record<string, string>; body?: string }
}

export interface Tally {
  ms: number[]
  statuses: Record<string, number>
  errors: number
}

/**
 * `connections` loops, each sending one request after another for `seconds`, endpoints drawn by weight.
 * Closed loop by default: the next request leaves when the last one is answered, so the latency is the
 * queue the connections make. With `rate` (requests per second in all), open loop: each connection sends on
 * a fixed schedule (connections / rate seconds apart) and a request's latency counts from when it was due,
 * so time spent waiting for a late answer is counted, not hidden (no coordinated omission).
 */
export async function load(port: number, sessions: Session[], endpoints: Endpoint[], seconds: number, connections: number, rate?: number): Promise<Map<string, Tally>> {
  const tallies = new Map<string, Tally>(endpoints.map(e => [e.name, { ms: [], statuses: {}, errors: 0 }]))
  const total = endpoints.reduce((a, e) => a + e.weight, 0)
  const startAt = performance.now()
  const stopAt = startAt + seconds * 1000
  const interval = rate ? (connections / rate) * 1000 : 0
  let n = 0
  const worker = async (w: number) => {
    let due = startAt + (interval * w) / connections
    while ((rate ? due : performance.now()) < stopAt) {
      if (rate) {
        const wait = due - performance.now()
        if (wait > 0) await new Promise(r => setTimeout(r, wait))
      }
      const i = n++
      let r = (((i * 7919) % 1000) / 1000) * total
      const endpoint = endpoints.find(e => (r -= e.weight) < 0) ?? endpoints[0]!
      const session = sessions[(i * 104729) % sessions.length]!
      const spec = endpoint.make(session, i)
      const tally = tallies.get(endpoint.name)!
      // (A timer may fire a little early: then the latency counts from the actual send.)
      const start = rate ? Math.min(due, performance.now()) : performance.now()
      due += interval
      try {
        const res = await request(port, spec.method, spec.url, { cookie: session.cookie, ...(spec.headers ?? {}) }, spec.body)
        tally.ms.push(performance.now() - start)
        tally.statuses[res.status] = (tally.statuses[res.status] ?? 0) + 1
        if (res.status >= 400) tally.errors++
      } catch {
        tally.errors++
        tally.statuses.socket = (tally.statuses.socket ?? 0) + 1
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)))
  return tallies
}

const pct = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!)

export interface Row {
  endpoint: string
  requests: number
  rps: number
  p50: number
  p95: number
  p99: number
  errors: number
  statuses: Record<string, number>
}

export function summarise(name: string, t: Tally, seconds: number): Row {
  const sorted = [...t.ms].sort((a, b) => a - b)
  return { endpoint: name, requests: t.ms.length, rps: Math.round(t.ms.length / seconds), p50: +pct(sorted, 50).toFixed(1), p95: +pct(sorted, 95).toFixed(1), p99: +pct(sorted, 99).toFixed(1), errors: t.errors, statuses: t.statuses }
}

export function printRows(rows: Row[]): void {
  console.log('endpoint               req/s    p50 ms   p95 ms   p99 ms   errors')
  for (const r of rows) {
    console.log(`${r.endpoint.padEnd(22)} ${String(r.rps).padStart(6)} ${String(r.p50).padStart(8)} ${String(r.p95).padStart(8)} ${String(r.p99).padStart(8)}   ${r.errors}${r.errors ? ' ' + JSON.stringify(r.statuses) : ''}`)
  }
}
