// The activity stream at scale (issue 4, point 6): a signed-in user's activity page (limit 20) over
// 100,000 items with mixed access and 10,000 accounts, under load, next to a trivial kernel route and a bare
// primary-key findOne route served by the same kernel in the same run.
//  - The child process boots a kernel (comments + blog + two fixture plugins), seeds in bulk with SQL
//    (generate_series, then ANALYZE), signs a user up over HTTP, makes it a personal API token, prints the
//    EXPLAIN (ANALYZE, BUFFERS) of the activity query once, and serves until SIGTERM.
//  - The parent loads each route with autocannon (2 s warm-up, then BENCH_DURATION s) and prints req/s, p99
//    and the ratio activity / findOne. Goals on PostgreSQL: p99 < 25 ms and ≥ 0.5 × findOne's req/s.
//
//   node --import tsx --conditions=source bench/activity.ts
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test   a fresh database on this server (default: embedded, in memory)
//   BENCH_PROFILE=/tmp/dir   write a CPU profile of the server process there
//   BENCH_DURATION=10 (seconds per route)  BENCH_CONNECTIONS=50  BENCH_ITEMS=100000  BENCH_ACCOUNTS=10000
import { spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const env = process.env
const ITEMS = Number(env.BENCH_ITEMS ?? 100_000)
const ACCOUNTS = Number(env.BENCH_ACCOUNTS ?? 10_000)
/** Group-like tokens on ~20 % of the items; the viewer holds GROUPS_HELD of them. */
const GROUPS = 50
const GROUPS_HELD = 5

interface Ready {
  port: number
  token: string
  accountId: string
  seedMs: number
  readable: number
  viewer: { isAdmin: boolean; tokens: string[] }
  explain: string
  logFile: string
  traced: Array<{ sql: string; ms: number }>
  sequential: Record<string, number>
}

if (env.BENCH_ACTIVITY_SERVER === '1') await server()
else await driver()

/** The child process: seeds, reports, then serves until SIGTERM. */
async function server(): Promise<void> {
  http.globalAgent = new http.Agent({ keepAlive: false })
  const { createLogger, definePlugin, Kernel } = await import('@plein/core')
  const { blogPlugin } = await import('@plein/plugin-blog')
  const { commentsPlugin } = await import('@plein/plugin-comments')
  const { createTestDatabase, signUp, TestClient, TEST_SITE_SETTINGS } = await import('@plein/testing')
  const { seedActivity } = await import('./activity-seed.js')

  const groupTokens = Array.from({ length: GROUPS }, () => `group:${randomUUID()}`)
  const held = groupTokens.slice(0, GROUPS_HELD)
  let viewerId: string | null = null

  // The signed-in benchmark user holds a few of the group-like tokens, as a groups plugin would add them.
  const tokensFixture = definePlugin({
    id: 'bench-tokens',
    register(ctx) {
      ctx.hooks.access.viewerTokens.tap((tokens, { viewer }) => (viewer.user && viewer.user.id === viewerId ? [...tokens, ...held] : tokens))
    },
  })
  // A trivial route, a bare findOne by primary key, and a check of who the viewer is.
  const routesFixture = definePlugin({
    id: 'bench-routes',
    register(ctx) {
      ctx.routes(router => {
        router.get('bench-routes.ping', '/api/v1/bench/ping', { summary: 'Trivial route.', responses: { 200: { description: 'ok', schema: { type: 'object' } } } }, () => ({ ok: true }))
        router.get(
          'bench-routes.account',
          '/api/v1/bench/accounts/:id',
          { summary: 'One account by primary key.', params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } } } },
          async c => {
            const rows = await ctx.db.query('SELECT id, email, name, created_at FROM kernel_account WHERE id = $1', [(c.input.params as { id: string }).id])
            return rows[0] ?? { missing: true }
          },
        )
        router.get('bench-routes.whoami', '/api/v1/bench/whoami', { summary: 'The viewer.' }, c => ({ isAdmin: c.viewer.isAdmin, tokens: [...c.viewer.tokens] }))
      })
    },
  })

  const database = await createTestDatabase(env.BENCH_DATABASE_URL || undefined)
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-bench-activity-'))
  const logFile = path.join(dataDir, 'server.log')
  const kernel = await Kernel.boot({
    siteDir: process.cwd(),
    dataDir,
    databaseUrl: database.url,
    embeddedDir: 'memory://',
    config: { name: 'Benchmark site', hosts: ['127.0.0.1', 'localhost'], admins: [], plugins: {}, settings: TEST_SITE_SETTINGS },
    plugins: [commentsPlugin, blogPlugin, tokensFixture, routesFixture].map(source => ({ source })),
    secret: 'benchmark-secret-that-is-long-enough-0123456789',
    log: createLogger({ level: 'warn', pretty: false, destination: createWriteStream(logFile) }),
    passwordHashing: 'fast',
  })
  const stop = async () => {
    await kernel.stop()
    await database.drop()
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop())
  process.on('SIGINT', () => void stop())

  const siteId = kernel.rootSite.id
  const t0 = performance.now()
  // Accounts first: the first account registered over HTTP becomes the administrator, and an
  // administrator's lists skip the access test; the benchmark user must be an ordinary member.
  await seedActivity(kernel.db, siteId, { items: ITEMS, accounts: ACCOUNTS, groupTokens })
  const seedMs = performance.now() - t0

  const { port } = await kernel.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${port}`
  const user = await signUp(new TestClient(url), { name: 'Bench Viewer' })
  viewerId = user.user.id as string
  const created = await user.client.post('/api/v1/auth/tokens', { name: 'bench' })
  if (created.status !== 201) throw new Error(`creating a token answered ${created.status}: ${created.text}`)
  const token = created.body.token as string
  const auth = { headers: { authorization: `Bearer ${token}` } }
  const who = await new TestClient(url).get('/api/v1/bench/whoami', auth)
  const viewer = who.body as Ready['viewer']
  if (viewer.isAdmin) throw new Error('the benchmark user is an administrator: its lists would skip the access test')

  // The activity query as AccessService.list builds it for this viewer (kinds: blog; first page, limit 20 + 1).
  const params = [siteId, viewer.tokens, new Date(), ['blog'], 21]
  const sql = `SELECT e.id, e.site_id, e.kind, e.owner_id, e.container_id, e.title, e.read_access, e.write_access, e.published_at, e.created_at, e.updated_at
      FROM entity e
     WHERE e.site_id = $1 AND e.readers && $2::text[] AND (e.published_at <= $3::timestamptz OR e.write_access && $2::text[]) AND e.kind = ANY($4::text[])
     ORDER BY e.created_at DESC, e.id DESC LIMIT $5`
  await kernel.db.query(sql, params)
  const plan: Array<Record<string, string>> = await kernel.db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)
  const explain = plan.map(r => Object.values(r)[0]).join('\n')
  const readable = Number(
    (await kernel.db.query(`SELECT count(*) AS n FROM entity e WHERE e.site_id = $1 AND e.readers && $2::text[] AND (e.published_at <= $3::timestamptz OR e.write_access && $2::text[])`, params.slice(0, 3)))[0].n,
  )

  // One activity request traced: which queries it sends and how long each takes; then the sequential
  // (unloaded) latency of each route, to tell the work per request from queueing under load.
  const source = kernel.db.source as unknown as { query: (sql: string, params?: unknown[]) => Promise<unknown> }
  const original = source.query
  const traced: Array<{ sql: string; ms: number }> = []
  const client = new TestClient(url)
  for (let i = 0; i < 20; i++) await client.get('/api/v1/activity?limit=20', auth)
  source.query = async function (this: unknown, q: string, p?: unknown[]) {
    const start = performance.now()
    try {
      return await original.call(this, q, p)
    } finally {
      traced.push({ sql: q.replace(/\s+/g, ' ').slice(0, 110), ms: performance.now() - start })
    }
  }
  await client.get('/api/v1/activity?limit=20', auth)
  source.query = original
  const sequential: Record<string, number> = {}
  for (const p of ['/api/v1/activity?limit=20', '/api/v1/bench/ping', `/api/v1/bench/accounts/${viewerId}`]) {
    const ms: number[] = []
    for (let i = 0; i < 60; i++) {
      const start = performance.now()
      const res = await client.get(p, auth)
      if (i >= 10) ms.push(performance.now() - start)
      if (res.status !== 200) throw new Error(`${p}: ${res.status}`)
    }
    sequential[p] = ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!
  }

  const ready: Ready = { port, token, accountId: viewerId, seedMs, readable, viewer, explain, logFile, traced, sequential }
  process.stdout.write(JSON.stringify(ready) + '\n')
}

/** The parent: starts the server, loads it with autocannon, prints the figures. */
async function driver(): Promise<void> {
  const { default: autocannon } = await import('autocannon')
  const here = fileURLToPath(import.meta.url)
  const profile = env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${env.BENCH_PROFILE}`] : []
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', '--conditions=source', here], {
    env: { ...env, BENCH_ACTIVITY_SERVER: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
  const ready = await new Promise<Ready>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', line => {
      try {
        const parsed = JSON.parse(line)
        if (parsed.port) resolve(parsed)
      } catch {
        // not ours
      }
    })
    child.once('exit', code => reject(new Error(`the server exited (${code}) before it was ready`)))
  })
  try {
    const duration = Number(env.BENCH_DURATION ?? 10)
    const connections = Number(env.BENCH_CONNECTIONS ?? 50)
    const base = `http://127.0.0.1:${ready.port}`
    // Every route is asked with the same bearer token: the same viewer resolution in all three.
    const headers = { authorization: `Bearer ${ready.token}` }
    const routes = [
      { label: 'activity (limit 20)', path: '/api/v1/activity?limit=20' },
      { label: 'trivial route', path: '/api/v1/bench/ping' },
      { label: 'findOne (kernel_account by id)', path: `/api/v1/bench/accounts/${ready.accountId}` },
    ]
    const first = await fetch(base + routes[0]!.path, { headers })
    const page = (await first.json()) as { items: unknown[]; nextCursor: string | null }
    if (first.status !== 200 || page.items.length !== 20 || !page.nextCursor) throw new Error(`activity: ${first.status}, ${page.items?.length} items`)
    for (const r of routes.slice(1)) {
      const res = await fetch(base + r.path, { headers })
      if (res.status !== 200) throw new Error(`${r.path}: ${res.status}`)
    }

    console.log(`database: ${env.BENCH_DATABASE_URL ? 'PostgreSQL server' : 'embedded (PGlite, in the server process)'}`)
    console.log(`seeded ${ITEMS} items and ${ACCOUNTS} accounts in ${Math.round(ready.seedMs)} ms; the viewer may read ${ready.readable} items; tokens: ${ready.viewer.tokens.length} (${GROUPS_HELD} of ${GROUPS} group-like)`)
    console.log(`server log: ${ready.logFile}`)
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of the activity query (first page):\n${ready.explain}\n`)
    console.log(`queries of one activity request (${ready.traced.length}, through the kernel's database; timed from the server process):`)
    for (const q of ready.traced) console.log(`  ${q.ms.toFixed(2).padStart(7)} ms  ${q.sql}`)
    console.log(`sequential (one request at a time) median ms: ${Object.entries(ready.sequential).map(([p, ms]) => `${p} ${ms.toFixed(2)}`).join('; ')}\n`)

    const run = async (p: string, seconds: number) => {
      const result = await autocannon({ url: base + p, connections, duration: seconds, headers })
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${p}: ${result.non2xx} non-2xx, ${result.errors} errors`)
      return result
    }
    const figures: Array<{ label: string; rps: number; p50: number; p99: number }> = []
    for (const r of routes) {
      await run(r.path, 2)
      const result = await run(r.path, duration)
      figures.push({ label: r.label, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 })
    }
    console.log(`| route (${connections} connections, ${duration} s after a 2 s warm-up) | req/s | p50 (ms) | p99 (ms) |\n|---|---|---|---|`)
    for (const f of figures) console.log(`| ${f.label} | ${f.rps.toFixed(0)} | ${f.p50} | ${f.p99} |`)
    const [activity, , findOne] = figures as [(typeof figures)[0], (typeof figures)[0], (typeof figures)[0]]
    const ratio = activity.rps / findOne.rps
    console.log(`\nactivity / findOne req/s: ${ratio.toFixed(2)}`)
    console.log(`goals (PostgreSQL): p99 < 25 ms: ${activity.p99 < 25 ? 'met' : 'MISSED'} (${activity.p99} ms); ≥ 0.5 × findOne: ${ratio >= 0.5 ? 'met' : 'MISSED'} (${ratio.toFixed(2)})`)
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}
