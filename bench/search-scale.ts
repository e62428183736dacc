// `npm run bench:search` (issue 10's benchmark): search latency over seeded content at 20 concurrent
// searches on PostgreSQL, through the real server (`plein start`). Goal: p99 < 50 ms over 1,000,000 items.
// See docs/search-and-notifications.md and docs/performance.md, "Search at scale".
//  - Seeds (or reuses) SEARCH_BENCH_DB at SEARCH_BENCH_SCALE × the Pleio scale (1 = 1,000,000 items).
//  - Signs in SEARCH_BENCH_SESSIONS seeded users; SEARCH_BENCH_CONCURRENCY loops search for
//    SEARCH_BENCH_DURATION seconds with queries drawn from the seed's vocabulary: a rare word, a word of
//    middling frequency, two words, a prefix as typed (3–5 letters), and a very common word.
//  - Prints req/s and p50/p95/p99 per kind of query and in all, /healthz alone as the baseline, and the
//    EXPLAIN (ANALYZE, BUFFERS) of the engine's query for a common, a middling and a rare word and a prefix;
//    writes bench/results/search.json.
//
//   SEARCH_BENCH_SERVER=postgres://postgres@127.0.0.1:5432  SEARCH_BENCH_DB=plein_bench  SEARCH_BENCH_SCALE=0.1
//   SEARCH_BENCH_SEED=1  SEARCH_BENCH_DURATION=20  SEARCH_BENCH_CONCURRENCY=20  SEARCH_BENCH_SESSIONS=100
//   SEARCH_BENCH_DROP=1 drop the database at the end   BENCH_STRICT=1 exit 1 when the goal is missed
//   SEARCH_BENCH_RATES=10,20,40  also run the mix open loop at these offered rates (searches/s in all, over the
//     same connections; latency counted from when each search was due): the rate up to which the goal holds
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { SEED_VOCABULARY } from '@plein/core'
import { explainSearch } from './search-explain.js'
import { client, dropDatabase, ensureSeeded, load, printRows, resultsDir, rootSiteOf, scaleOf, signInMany, startServer, summarise, useConnections, type Endpoint, type Row, type Server, type Tally } from './seeded.js'

const env = process.env
const DURATION = Number(env.SEARCH_BENCH_DURATION ?? 20)
const CONCURRENCY = Number(env.SEARCH_BENCH_CONCURRENCY ?? 20)
const SESSIONS = Number(env.SEARCH_BENCH_SESSIONS ?? 100)
const GOAL_P99_MS = 50

const q = (words: string) => `/api/v1/search?q=${encodeURIComponent(words)}&limit=20`
const at = (rank: number) => SEED_VOCABULARY[rank % SEED_VOCABULARY.length]!

/** A row per kind of query, then one for all searches together. */
function perKindAndAll(tallies: Map<string, Tally>): Row[] {
  const all: Tally = { ms: [...tallies.values()].flatMap(t => t.ms), statuses: {}, errors: [...tallies.values()].reduce((a, t) => a + t.errors, 0) }
  return [...[...tallies].map(([name, t]) => summarise(name, t, DURATION)), summarise('all searches', all, DURATION)]
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'plein-bench-search-'))
  const options = {
    server: env.SEARCH_BENCH_SERVER ?? 'postgres://postgres@127.0.0.1:5432',
    database: env.SEARCH_BENCH_DB ?? 'plein_bench',
    scale: Number(env.SEARCH_BENCH_SCALE ?? 0.1),
    seed: Number(env.SEARCH_BENCH_SEED ?? 1),
    dataDir,
  }
  const scale = scaleOf(options)
  console.log(`Search benchmark: ${scale.items} items (${options.scale} × the Pleio scale) in ${options.database}, ${CONCURRENCY} concurrent searches, ${DURATION} s`)
  useConnections(CONCURRENCY)
  let server: Server | undefined
  try {
    const seeded = await ensureSeeded(options)
    console.log(seeded === 0 ? 'Seed: reused.' : `Seed: ${seeded.toFixed(1)} s`)
    server = await startServer(options)
    const port = server.port
    const sessions = await signInMany(port, scale.users, SESSIONS)
    // Ranks in the seed vocabulary (Zipf: rank 0 is in nearly every item, rank 5,000 in few).
    const endpoints: Endpoint[] = [
      { name: 'rare word', weight: 30, make: (_s, n) => ({ method: 'GET', url: q(at(2000 + ((n * 37) % 9000))) }) },
      { name: 'middling word', weight: 30, make: (_s, n) => ({ method: 'GET', url: q(at(150 + ((n * 13) % 1500))) }) },
      { name: 'two words', weight: 20, make: (_s, n) => ({ method: 'GET', url: q(`${at(20 + (n % 100))} ${at(300 + ((n * 7) % 3000))}`) }) },
      { name: 'prefix as typed', weight: 15, make: (_s, n) => ({ method: 'GET', url: q(at(200 + ((n * 11) % 5000)).slice(0, 3 + (n % 3))) }) },
      { name: 'very common word', weight: 5, make: (_s, n) => ({ method: 'GET', url: q(at(n % 10)) }) },
    ]
    await load(port, sessions, endpoints, 3, CONCURRENCY)
    const alone = await load(port, sessions, [{ name: 'healthz', weight: 1, make: () => ({ method: 'GET', url: '/healthz' }) }], Math.min(DURATION, 10), CONCURRENCY)
    const mix = await load(port, sessions, endpoints, DURATION, CONCURRENCY)
    const rows: Row[] = [summarise('healthz (alone)', alone.get('healthz')!, Math.min(DURATION, 10)), ...perKindAndAll(mix)]
    console.log(`\nload average ${os.loadavg().map(l => l.toFixed(1)).join(' ')}\n`)
    printRows(rows)

    // Open loop at fixed offered rates: what p99 a given search traffic gets (the closed loop above keeps
    // CONCURRENCY searches in flight whatever they cost, so its latency is the queue they make).
    const open: Array<{ rate: number; rows: Row[] }> = []
    for (const rate of (env.SEARCH_BENCH_RATES ?? '').split(',').map(Number).filter(r => r > 0)) {
      const tallies = await load(port, sessions, endpoints, DURATION, CONCURRENCY, rate)
      const at = perKindAndAll(tallies)
      open.push({ rate, rows: at })
      const total = at[at.length - 1]!
      console.log(`\nOpen loop: ${rate} searches/s offered (${total.rps} answered per s), ${CONCURRENCY} connections, ${DURATION} s; load average ${os.loadavg().map(l => l.toFixed(1)).join(' ')}\n`)
      printRows(at)
      console.log(total.p99 < GOAL_P99_MS && total.errors === 0 ? `At ${rate} searches/s: p99 ${total.p99} ms < ${GOAL_P99_MS} ms, 0 errors.` : `At ${rate} searches/s over the goal: p99 ${total.p99} ms, ${total.errors} errors.`)
    }

    // How the engine's query runs (the SQL PostgresSearchEngine sends) for a common, a middling and a rare
    // word and a prefix, as a signed-in user without groups sees them; timed alone, median of 5 runs.
    const db = client(options)
    await db.connect()
    let explain = ''
    try {
      const site = await rootSiteOf(db)
      for (const word of [at(0), at(400), at(5000), at(300).slice(0, 4)]) {
        const r = await explainSearch(db, site, word, { repeat: 5 })
        explain += `\nEXPLAIN of "${word}" (${r.matches} items on the root site match it; alone: median ${r.ms[2]!.toFixed(1)} ms of 5 runs):\n${r.plan}\n`
      }
    } finally {
      await db.end()
    }
    console.log(explain)
    const total = rows[rows.length - 1]!
    const met = total.p99 < GOAL_P99_MS && total.errors === 0
    console.log(met ? `\nGoal met: p99 ${total.p99} ms < ${GOAL_P99_MS} ms, 0 errors.` : `\nGoal missed: p99 ${total.p99} ms (goal < ${GOAL_P99_MS} ms), ${total.errors} errors.`)
    mkdirSync(resultsDir, { recursive: true })
    writeFileSync(path.join(resultsDir, 'search.json'), JSON.stringify({ at: new Date().toISOString(), scale, concurrency: CONCURRENCY, duration: DURATION, loadavg: os.loadavg(), rows, open, explain }, null, 2) + '\n')
    if (env.BENCH_STRICT === '1' && !met) process.exitCode = 1
  } finally {
    await server?.stop()
    rmSync(dataDir, { recursive: true, force: true })
    if (env.SEARCH_BENCH_DROP === '1') await dropDatabase(options)
  }
}

await main()
