// `npm run bench:load` (issue 12, point 2): a mix of real page and API requests from many signed-in users
// against a seeded PostgreSQL database, served by the real server (`plein start` in a child process),
// next to the trivial route (/healthz) measured in the same run. See docs/performance.md, "Load on seeded data".
//  1. Creates the database LOAD_BENCH_DB on LOAD_BENCH_SERVER (unless it is there) and seeds it with
//     `plein seed bench/site` at LOAD_BENCH_SCALE (skipped when that scale is there already).
//  2. Starts `plein start bench/site` on a free port; signs in LOAD_BENCH_SESSIONS seeded users (sessions);
//     the administrator makes a folder for signed-in users and uploads a few files.
//  3. Baseline: /healthz alone at LOAD_BENCH_CONNECTIONS connections for LOAD_BENCH_DURATION seconds.
//  4. The mix, same connections and time: activity (API), group page (HTML), blog read (API), comment post,
//     search, file download, and /healthz — each request by one of the signed-in users.
//  Prints req/s and p50/p95/p99 per endpoint and every non-2xx answer; writes bench/results/load.json.
//
//   LOAD_BENCH_SERVER=postgres://postgres@127.0.0.1:5432   LOAD_BENCH_DB=plein_bench   LOAD_BENCH_SCALE=0.02
//   LOAD_BENCH_SEED=1   LOAD_BENCH_DURATION=20   LOAD_BENCH_CONNECTIONS=50   LOAD_BENCH_SESSIONS=200
//   LOAD_BENCH_SKIP=search,…  leave endpoints out of the mix (e.g. to see the others without search's load)
//   LOAD_BENCH_DROP=1   drop the database at the end (default: keep it for the next run)
//   BENCH_STRICT=1      exit 1 when a goal is missed (p99 ≤ 100 ms per endpoint, 0 errors)
//   LOAD_BENCH_RATES=100,200,400  also run the mix open loop at these offered rates (req/s in all, over the
//                       same connections; latency from when each request was due), after the closed loop
//   BENCH_WORKERS=2     start the server with --workers 2
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PLEIO_SCALE } from '@plein/core'
import { biggestGroups, client, dropDatabase, ensureSeeded, load, printRows, readableBlogs, request, resultsDir, rootSiteOf, scaleOf, signIn, signInMany, startServer, summarise, useConnections, type Endpoint, type Row, type Server, type Session } from './seeded.js'

const env = process.env
const DURATION = Number(env.LOAD_BENCH_DURATION ?? 20)
const CONNECTIONS = Number(env.LOAD_BENCH_CONNECTIONS ?? 50)
const SESSIONS = Number(env.LOAD_BENCH_SESSIONS ?? 200)
const GOAL_P99_MS = 100

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'plein-bench-load-'))
  const options = {
    server: env.LOAD_BENCH_SERVER ?? 'postgres://postgres@127.0.0.1:5432',
    database: env.LOAD_BENCH_DB ?? 'plein_bench',
    scale: Number(env.LOAD_BENCH_SCALE ?? 0.02),
    seed: Number(env.LOAD_BENCH_SEED ?? 1),
    dataDir,
  }
  const scale = scaleOf(options)
  console.log(`Load benchmark: database ${options.database}, ${options.scale} × the Pleio scale (${scale.users} users, ${scale.groups} groups, ${scale.subsites} subsites, ${scale.items} items of ${PLEIO_SCALE.items}), seed ${options.seed}`)
  useConnections(CONNECTIONS)
  let server: Server | undefined
  try {
    const seeded = await ensureSeeded(options)
    console.log(seeded === 0 ? 'Seed: reused.' : `Seed: ${seeded.toFixed(1)} s (including boot and VACUUM ANALYZE)`)
    server = await startServer(options)
    const port = server.port
    const sessions = await signInMany(port, scale.users, SESSIONS)
    const admin = await signIn(port, 'seed-0@example.org')

    // Targets on the root site: readable blog posts, the biggest visible groups, a few uploaded files.
    const db = client(options)
    await db.connect()
    const rootSite = await rootSiteOf(db)
    const blogs = await readableBlogs(db, rootSite, 500)
    const groups = await biggestGroups(db, rootSite, 100)
    await db.end()
    const words = ['beleid', 'klimaat', 'participatie', 'energie', 'woningbouw', 'digitaal', 'privacy', 'samenwerking', 'omgevingswet', 'netwerk', 'overleg project', 'verslag']
    const asAdmin = { cookie: admin.cookie, 'x-csrf-token': admin.csrf }
    const folder = await request(port, 'POST', '/api/v1/folders', { ...asAdmin, 'content-type': 'application/json' }, JSON.stringify({ name: `bench-${Date.now()}`, access: { read: ['logged_in'] } }))
    if (folder.status !== 201) throw new Error(`folder: ${folder.status} ${folder.body}`)
    const folderId = JSON.parse(folder.body).id as string
    const files: string[] = []
    for (let i = 0; i < 5; i++) {
      const up = await request(port, 'PUT', `/api/v1/folders/${folderId}/files/report-${i}.bin`, { ...asAdmin, 'content-type': 'application/octet-stream' }, randomBytes(64 * 1024))
      if (up.status !== 201) throw new Error(`upload: ${up.status} ${up.body}`)
      files.push(JSON.parse(up.body).id)
    }
    const pick = <T>(list: T[], n: number) => list[n % list.length]!
    const json = (s: Session) => ({ 'content-type': 'application/json', 'x-csrf-token': s.csrf })
    let endpoints: Endpoint[] = [
      { name: 'activity', weight: 25, make: () => ({ method: 'GET', url: '/api/v1/activity?limit=20' }) },
      { name: 'group page', weight: 15, make: (_s, n) => ({ method: 'GET', url: `/groups/${pick(groups, n)}`, headers: { accept: 'text/html' } }) },
      { name: 'blog read', weight: 25, make: (_s, n) => ({ method: 'GET', url: `/api/v1/blogs/${pick(blogs, n)}` }) },
      { name: 'comment post', weight: 5, make: (s, n) => ({ method: 'POST', url: `/api/v1/entities/${pick(blogs, n)}/comments`, headers: json(s), body: JSON.stringify({ body: `<p>Benchmark comment ${n}</p>` }) }) },
      { name: 'search', weight: 15, make: (_s, n) => ({ method: 'GET', url: `/api/v1/search?q=${encodeURIComponent(pick(words, n))}&limit=20` }) },
      { name: 'file download', weight: 10, make: (_s, n) => ({ method: 'GET', url: `/api/v1/files/${pick(files, n)}/content` }) },
      { name: 'healthz (in the mix)', weight: 5, make: () => ({ method: 'GET', url: '/healthz' }) },
    ]
    const skip = new Set((env.LOAD_BENCH_SKIP ?? '').split(',').map(x => x.trim()).filter(Boolean))
    const unknown = [...skip].filter(x => !endpoints.some(e => e.name === x))
    if (unknown.length > 0) throw new Error(`LOAD_BENCH_SKIP names no endpoint: ${unknown.join(', ')}`)
    endpoints = endpoints.filter(e => !skip.has(e.name))
    // Warm-up, then the baseline alone, then the mix.
    await load(port, sessions, endpoints, 3, CONNECTIONS)
    const alone = await load(port, sessions, [{ name: 'healthz', weight: 1, make: () => ({ method: 'GET', url: '/healthz' }) }], DURATION, CONNECTIONS)
    const baseline = summarise('healthz (alone)', alone.get('healthz')!, DURATION)
    const mix = await load(port, sessions, endpoints, DURATION, CONNECTIONS)
    const rows = [baseline, ...[...mix].map(([name, t]) => summarise(name, t, DURATION))]
    const totalRps = rows.slice(1).reduce((a, r) => a + r.rps, 0)
    console.log(`\n${CONNECTIONS} connections, ${DURATION} s each; ${sessions.length} signed-in users; the mix: ${totalRps} req/s in all; load average ${os.loadavg().map(l => l.toFixed(1)).join(' ')}\n`)
    printRows(rows)
    // Open loop at fixed offered rates: the latency a given traffic gets, and the highest rate that keeps
    // every endpoint's p99 within the goal.
    const rates = (env.LOAD_BENCH_RATES ?? '').split(',').map(Number).filter(r => r > 0)
    const open: Array<{ rate: number; rows: Row[] }> = []
    for (const rate of rates) {
      const tallies = await load(port, sessions, endpoints, DURATION, CONNECTIONS, rate)
      const at = [...tallies].map(([name, t]) => summarise(name, t, DURATION))
      open.push({ rate, rows: at })
      const all = at.reduce((a, r) => a + r.rps, 0)
      console.log(`\nOpen loop: ${rate} req/s offered (${all} answered per s), ${CONNECTIONS} connections, ${DURATION} s; load average ${os.loadavg().map(l => l.toFixed(1)).join(' ')}\n`)
      printRows(at)
      const late = at.filter(r => r.p99 > GOAL_P99_MS || r.errors > 0)
      console.log(late.length === 0 ? `At ${rate} req/s every p99 ≤ ${GOAL_P99_MS} ms, 0 errors.` : `At ${rate} req/s over the goal: ${late.map(r => r.endpoint).join(', ')}`)
    }
    const missed = rows.filter(r => r.p99 > GOAL_P99_MS || r.errors > 0)
    console.log(missed.length === 0 ? `\nGoals met: every p99 ≤ ${GOAL_P99_MS} ms, 0 errors.` : `\nGoals missed by: ${missed.map(r => r.endpoint).join(', ')}`)
    mkdirSync(resultsDir, { recursive: true })
    writeFileSync(path.join(resultsDir, 'load.json'), JSON.stringify({ at: new Date().toISOString(), scale, seed: options.seed, connections: CONNECTIONS, duration: DURATION, sessions: sessions.length, workers: Number(env.BENCH_WORKERS ?? 1), loadavg: os.loadavg(), rows, open }, null, 2) + '\n')
    if (env.BENCH_STRICT === '1' && missed.length > 0) process.exitCode = 1
  } finally {
    await server?.stop()
    rmSync(dataDir, { recursive: true, force: true })
    if (env.LOAD_BENCH_DROP === '1') await dropDatabase(options)
  }
}

await main()
