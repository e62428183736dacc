// What PostgreSQL row-level security would cost as a second wall between sites (issue 6, point 3).
//
// The kernel scopes every tenant query by `site_id` itself (AccessService.readableWhere, the content and
// plugin services). Row-level security would repeat that inside PostgreSQL: a policy
// `site_id = current_setting('plein.site_id')::uuid` on every table with a site_id, a database role that
// does not bypass it, and the site of the request set on the connection before its queries run.
//
// This benchmark measures that cost on the activity path, with the activity benchmark's data (bulk
// seeded accounts and posts with mixed access):
//  1. boots a kernel (comments + blog) on a fresh PostgreSQL database, seeds it, signs a member up, and
//     records the exact queries (SQL and parameters) of one `GET /api/v1/activity?limit=20` request;
//  2. enables row-level security on every table with a site_id column and makes a role without BYPASSRLS;
//  3. replays the recorded request against the database in three ways, in alternating rounds:
//       today    — each query on whichever pooled connection is free, as superuser (no policies apply);
//       pinned   — the request holds one connection: set_config(site) once, its queries, RESET (RLS on);
//       per-query — each query in its own transaction with SET LOCAL of the site (RLS on);
//     and prints requests/s, p50 and p99 at BENCH_CONCURRENCY concurrent requests, plus each mode's
//     one-at-a-time latency and the plan PostgreSQL chooses for the activity query under the policy;
//  4. checks the wall works: under the policy another site id sees no rows, the right one the same rows.
// Request-level cost is then estimated from the HTTP request's own one-at-a-time latency.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx --conditions=source bench/rls.ts
//   BENCH_ITEMS=100000 BENCH_ACCOUNTS=10000 BENCH_CONCURRENCY=20 BENCH_DURATION=5 (s per round) BENCH_ROUNDS=3
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { randomBytes, randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { createLogger, definePlugin, Kernel } from '@plein/core'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { createTestDatabase, signUp, TestClient, TEST_SITE_SETTINGS } from '@plein/testing'
import { seedActivity } from './activity-seed.js'

const env = process.env
const SERVER = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const ITEMS = Number(env.BENCH_ITEMS ?? 100_000)
const ACCOUNTS = Number(env.BENCH_ACCOUNTS ?? 10_000)
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? 20)
const DURATION = Number(env.BENCH_DURATION ?? 5)
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3)
const GROUPS_HELD = 5

interface Query {
  sql: string
  params: unknown[]
}
type Mode = 'today' | 'pinned' | 'per-query'

const groupTokens = Array.from({ length: 50 }, () => `group:${randomUUID()}`)
let viewerId: string | null = null
const tokensFixture = definePlugin({
  id: 'bench-tokens',
  register(ctx) {
    ctx.hooks.access.viewerTokens.tap((tokens, { viewer }) => (viewer.user && viewer.user.id === viewerId ? [...tokens, ...groupTokens.slice(0, GROUPS_HELD)] : tokens))
  },
})

const database = await createTestDatabase(SERVER)
const dbUrl = database.url!
const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-bench-rls-'))
const role = `plein_rls_${randomBytes(4).toString('hex')}`
const pools: pg.Pool[] = []
try {
  const kernel = await Kernel.boot({
    siteDir: process.cwd(),
    dataDir,
    databaseUrl: dbUrl,
    config: { name: 'RLS benchmark', hosts: ['127.0.0.1', 'localhost'], admins: [], plugins: {}, settings: TEST_SITE_SETTINGS },
    plugins: [commentsPlugin, blogPlugin, tokensFixture].map(source => ({ source })),
    secret: 'benchmark-secret-that-is-long-enough-0123456789',
    log: createLogger({ level: 'warn', pretty: false, destination: createWriteStream(path.join(dataDir, 'server.log')) }),
    passwordHashing: 'fast',
  })
  const siteId = kernel.rootSite.id
  const t0 = performance.now()
  await seedActivity(kernel.db, siteId, { items: ITEMS, accounts: ACCOUNTS, groupTokens })
  console.log(`seeded ${ITEMS} items and ${ACCOUNTS} accounts in ${Math.round(performance.now() - t0)} ms`)

  const { port } = await kernel.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${port}`
  const user = await signUp(new TestClient(url), { name: 'Bench Viewer' })
  viewerId = user.user.id as string
  const created = await user.client.post('/api/v1/auth/tokens', { name: 'bench' })
  if (created.status !== 201) throw new Error(`creating a token answered ${created.status}: ${created.text}`)
  const auth = { headers: { authorization: `Bearer ${created.body.token as string}` } }
  const client = new TestClient(url)

  // The HTTP request, one at a time (warm), for the request-level estimate.
  const httpMs: number[] = []
  for (let i = 0; i < 120; i++) {
    const start = performance.now()
    const res = await client.get('/api/v1/activity?limit=20', auth)
    if (res.status !== 200 || (res.body.items as unknown[]).length !== 20) throw new Error(`activity answered ${res.status}`)
    if (i >= 20) httpMs.push(performance.now() - start)
  }

  // Record one request's queries, with their parameters, as the kernel sends them.
  const source = kernel.db.source as unknown as { query: (sql: string, params?: unknown[]) => Promise<unknown> }
  const original = source.query
  const request: Query[] = []
  source.query = async function (this: unknown, sql: string, params?: unknown[]) {
    request.push({ sql, params: params ?? [] })
    return original.call(this, sql, params)
  }
  await client.get('/api/v1/activity?limit=20', auth)
  source.query = original
  await kernel.stop()
  console.log(`one activity request sends ${request.length} queries:`)
  for (const q of request) console.log(`  ${q.sql.replace(/\s+/g, ' ').slice(0, 120)}`)

  // Row-level security on every table with a site_id, and a role that is subject to it.
  const admin = new pg.Pool({ connectionString: dbUrl, max: 10 })
  pools.push(admin)
  admin.on('error', () => undefined) // connections cut when the database is dropped at the end
  const tables = (await admin.query(`SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'site_id' ORDER BY 1`)).rows.map(r => r.table_name as string)
  await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS`)
  await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`)
  for (const t of tables) {
    await admin.query(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`)
    await admin.query(`CREATE POLICY plein_site ON ${t} USING (site_id = current_setting('plein.site_id', true)::uuid) WITH CHECK (site_id = current_setting('plein.site_id', true)::uuid)`)
  }
  console.log(`row-level security on ${tables.length} tables: ${tables.join(', ')}`)
  const roleUrl = new URL(dbUrl)
  roleUrl.username = role
  const scoped = new pg.Pool({ connectionString: roleUrl.toString(), max: 10 })
  pools.push(scoped)
  scoped.on('error', () => undefined)

  const activity = request.find(q => /FROM entity e/.test(q.sql))
  if (!activity) throw new Error('the recorded request has no activity query')

  // The wall: under the policy, the right site sees the same rows as today, any other site none.
  const under = async (site: string, q: Query) => {
    const c = await scoped.connect()
    try {
      await c.query(`SELECT set_config('plein.site_id', $1, false)`, [site])
      return (await c.query(q.sql, q.params)).rows
    } finally {
      await c.query('RESET plein.site_id')
      c.release()
    }
  }
  const todayRows = (await admin.query(activity.sql, activity.params)).rows
  const sameRows = await under(siteId, activity)
  const otherSite = await under(randomUUID(), { sql: 'SELECT count(*)::int AS n FROM entity', params: [] })
  if (JSON.stringify(sameRows.map(r => r.id)) !== JSON.stringify(todayRows.map(r => r.id))) throw new Error('under the policy, the site sees other rows than today')
  for (const q of request) {
    const a = (await admin.query(q.sql, q.params)).rows
    const b = await under(siteId, q)
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`under the policy, the request's query answers differently: ${q.sql.slice(0, 80)}`)
  }
  if (otherSite[0].n !== 0) throw new Error(`under the policy, another site sees ${otherSite[0].n} entity rows`)
  console.log(`wall checked: every query of the request answers the same under the policy (${todayRows.length} activity rows), 0 entity rows for another site id`)
  const plan = await under(siteId, { sql: `EXPLAIN (ANALYZE, BUFFERS) ${activity.sql}`, params: activity.params })
  console.log(`\nplan of the activity query under the policy:\n${plan.map(r => Object.values(r)[0]).join('\n')}\n`)

  const run: Record<Mode, () => Promise<void>> = {
    async today() {
      for (const q of request) await admin.query(q.sql, q.params)
    },
    async pinned() {
      const c = await scoped.connect()
      try {
        await c.query(`SELECT set_config('plein.site_id', $1, false)`, [siteId])
        for (const q of request) await c.query(q.sql, q.params)
      } finally {
        await c.query('RESET plein.site_id')
        c.release()
      }
    },
    async 'per-query'() {
      for (const q of request) {
        const c = await scoped.connect()
        try {
          // siteId is a uuid the kernel made: safe to inline, and one round trip for both statements.
          await c.query(`BEGIN; SELECT set_config('plein.site_id', '${siteId}', true)`)
          await c.query(q.sql, q.params)
          await c.query('COMMIT')
        } finally {
          c.release()
        }
      }
    },
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!
  const modes: Mode[] = ['today', 'pinned', 'per-query']

  // One at a time, the modes interleaved so that a busy moment of the machine hits all three alike.
  const oneAtATime: Record<Mode, number[]> = { today: [], pinned: [], 'per-query': [] }
  for (let i = 0; i < 320; i++) {
    for (const mode of modes) {
      const start = performance.now()
      await run[mode]()
      if (i >= 20) oneAtATime[mode].push(performance.now() - start)
    }
  }
  const sequential = Object.fromEntries(modes.map(m => [m, median(oneAtATime[m])])) as Record<Mode, number>

  const load = async (mode: Mode) => {
    const latencies: number[] = []
    const end = performance.now() + DURATION * 1000
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const start = performance.now()
          await run[mode]()
          latencies.push(performance.now() - start)
        }
      }),
    )
    return { rps: latencies.length / DURATION, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) }
  }
  const figures: Record<Mode, Array<{ rps: number; p50: number; p99: number }>> = { today: [], pinned: [], 'per-query': [] }
  for (const mode of modes) await load(mode) // warm-up
  for (let round = 0; round < ROUNDS; round++) for (const mode of round % 2 ? [...modes].reverse() : modes) figures[mode].push(await load(mode))

  // Ratios within each round (the machine's load changes between rounds more than within one).
  const httpMedian = median(httpMs)
  console.log(`replayed request (${request.length} queries), ${CONCURRENCY} concurrent, ${ROUNDS} rounds of ${DURATION} s per mode; medians over rounds:`)
  console.log('| mode | req/s | req/s ratio to today (median of per-round ratios) | p50 (ms) | p99 (ms) | one at a time (ms) | one at a time, added to the HTTP request |')
  console.log('|---|---|---|---|---|---|---|')
  for (const mode of modes) {
    const rps = median(figures[mode].map(f => f.rps))
    const ratio = median(figures[mode].map((f, i) => f.rps / figures.today[i]!.rps))
    const extra = sequential[mode] - sequential.today
    console.log(
      `| ${mode} | ${rps.toFixed(0)} | ${ratio.toFixed(2)} | ${median(figures[mode].map(f => f.p50)).toFixed(2)} | ${median(figures[mode].map(f => f.p99)).toFixed(2)} | ${sequential[mode].toFixed(2)} | ${mode === 'today' ? '—' : `${extra >= 0 ? '+' : ''}${((extra / httpMedian) * 100).toFixed(1)} %`} |`,
    )
  }
  console.log(`\nthe HTTP activity request one at a time: median ${httpMedian.toFixed(2)} ms`)
  console.log(`req/s per round: ${modes.map(m => `${m} ${figures[m].map(f => f.rps.toFixed(0)).join('/')}`).join('; ')}`)
} finally {
  for (const p of pools) await p.end()
  await database.drop()
  const admin = new pg.Client({ connectionString: SERVER })
  await admin.connect()
  await admin.query(`DROP ROLE IF EXISTS ${role}`)
  await admin.end()
  rmSync(dataDir, { recursive: true, force: true })
}
