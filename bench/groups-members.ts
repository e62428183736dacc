// Groups: does a 20,000-member group's member page answer as fast as a 20-member one? (issue 5)
// A benchmark, not a timed test. Boots a kernel with the groups plugin, makes two groups over HTTP, seeds
// their members directly with SQL (generate_series), then times N sequential requests of the first members
// page and of `q` name searches for each group and prints the medians and the ratio big / small.
//
//   node --import tsx --conditions=source bench/groups-members.ts
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test   a fresh database on this server (else embedded)
//   BENCH_N=200          measured requests per case (after BENCH_WARMUP=20 unmeasured ones)
//   BENCH_MEMBERS=20000  members of the big group
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createLogger, Kernel } from '@plein/core'
import { groupsPlugin } from '@plein/plugin-groups'
import { createTestDatabase, signUp, TestClient, TEST_SITE_SETTINGS } from '@plein/testing'

const N = Number(process.env.BENCH_N ?? 200)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20)
const BIG = Number(process.env.BENCH_MEMBERS ?? 20_000)
const SMALL = 20
const serverUrl = process.env.BENCH_DATABASE_URL || undefined

const SURNAMES = ['Jansen', 'de Vries', 'van den Berg', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot']

const database = await createTestDatabase(serverUrl)
const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-bench-groups-'))
const kernel = await Kernel.boot({
  siteDir: process.cwd(),
  dataDir,
  databaseUrl: database.url,
  embeddedDir: 'memory://',
  config: { name: 'Benchmark site', hosts: ['127.0.0.1', 'localhost'], admins: [], plugins: {}, settings: TEST_SITE_SETTINGS },
  plugins: [{ source: groupsPlugin }],
  secret: 'benchmark-secret-that-is-long-enough-0123456789',
  log: createLogger({ level: 'warn', pretty: false }),
  passwordHashing: 'fast',
})

try {
  const address = await kernel.listen(0, '127.0.0.1')
  const url = `http://127.0.0.1:${address.port}`
  const owner = await signUp(new TestClient(url), { name: 'Bench Owner' })
  const make = async (name: string) => {
    const res = await owner.client.post('/api/v1/groups', { name, membership: 'closed' })
    if (res.status !== 201) throw new Error(`creating a group answered ${res.status}: ${res.text}`)
    return res.body.id as string
  }
  const big = await make('Big group')
  const small = await make('Small group')
  const siteId = kernel.rootSite.id

  // Accounts "Member 1 Jansen" … and memberships with distinct join times (newest first in the list).
  const t0 = performance.now()
  await kernel.db.transaction(async m => {
    await m.query(
      `INSERT INTO kernel_account (email, name, password_hash, email_verified_at)
       SELECT 'bench' || i || '@example.org', 'Member ' || i || ' ' || ($2::text[])[1 + i % ${SURNAMES.length}], 'not-a-hash', now()
         FROM generate_series(1, $1::int) AS i`,
      [BIG, SURNAMES],
    )
    const seed = (group: string, limit: number) =>
      m.query(
        `INSERT INTO groups_member (site_id, group_id, account_id, role, status, created_at)
         SELECT $1, $2, a.id, 'member', 'member', now() - (row_number() OVER (ORDER BY a.email)) * interval '1 second'
           FROM (SELECT id, email FROM kernel_account WHERE email LIKE 'bench%@example.org' ORDER BY email LIMIT $3) a`,
        [siteId, group, limit],
      )
    await seed(big, BIG)
    await seed(small, SMALL - 1)
    await m.query(`UPDATE groups_group g SET member_count = (SELECT count(*) FROM groups_member WHERE group_id = g.entity_id AND status = 'member')`)
  })
  await kernel.db.query('ANALYZE kernel_account')
  await kernel.db.query('ANALYZE groups_member')
  const seedMs = performance.now() - t0
  const counts = await kernel.db.query('SELECT entity_id, member_count FROM groups_group WHERE entity_id = ANY($1::uuid[])', [[big, small]])
  const countOf = (id: string) => counts.find((r: any) => r.entity_id === id)?.member_count

  const time = async (path: string): Promise<{ median: number; p95: number; items: number }> => {
    let items = 0
    for (let i = 0; i < WARMUP; i++) await owner.client.get(path)
    const ms: number[] = []
    for (let i = 0; i < N; i++) {
      const start = performance.now()
      const res = await owner.client.get(path)
      ms.push(performance.now() - start)
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.text}`)
      items = res.body.items.length
    }
    ms.sort((a, b) => a - b)
    return { median: ms[Math.floor(ms.length / 2)]!, p95: ms[Math.floor(ms.length * 0.95)]!, items }
  }

  const cases = [
    { label: 'first page (limit 20)', query: 'limit=20' },
    { label: 'q=jansen (common surname)', query: 'q=jansen&limit=20' },
    { label: 'q=member 7 (a prefix of many names)', query: `q=${encodeURIComponent('member 7')}&limit=20` },
    { label: 'q=member 19 jansen (one or no match)', query: `q=${encodeURIComponent('member 19 jansen')}&limit=20` },
  ]
  const rows: string[] = []
  console.log(`database: ${serverUrl ? 'PostgreSQL server' : 'embedded (PGlite)'}; members: big ${countOf(big)}, small ${countOf(small)}; seeded in ${Math.round(seedMs)} ms; N=${N}`)
  for (const c of cases) {
    const b = await time(`/api/v1/groups/${big}/members?${c.query}`)
    const s = await time(`/api/v1/groups/${small}/members?${c.query}`)
    const ratio = b.median / s.median
    rows.push(`| ${c.label} | ${b.median.toFixed(2)} ms (p95 ${b.p95.toFixed(2)}, ${b.items} items) | ${s.median.toFixed(2)} ms (p95 ${s.p95.toFixed(2)}, ${s.items} items) | ${ratio.toFixed(2)} |`)
  }
  console.log('\n| request | 20,000-member group | 20-member group | ratio |\n|---|---|---|---|')
  for (const r of rows) console.log(r)
} finally {
  await kernel.stop()
  await database.drop()
  rmSync(dataDir, { recursive: true, force: true })
}
