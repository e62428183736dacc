// The search engine's own query (PostgresSearchEngine), timed and with EXPLAIN (ANALYZE, BUFFERS), on a seeded
// database, as a signed-in user without groups sees it. Used by bench/search-scale.ts; run alone:
//   node --import tsx --conditions=source bench/search-explain.ts
//   SEARCH_BENCH_SERVER=postgres://postgres@127.0.0.1:5432  SEARCH_BENCH_DB=plein_bench  SEARCH_EXPLAIN_Q='beleid|gemeen'
//   SEARCH_EXPLAIN_REPEAT=1 (runs timed per query, the median is printed)  SEARCH_EXPLAIN_CANDIDATES=1000
//   SEARCH_EXPLAIN_PATH=index|newest (force one path; by default the engine chooses from its estimate)
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { PostgresSearchEngine, SEARCH_CANDIDATES as CANDIDATES, type SearchPath } from '@plein/plugin-search'
import { rootSiteOf } from './seeded.js'

const KINDS = ['blog', 'news', 'wiki', 'group', 'file', 'folder']


/** Times the engine's query for `q` (median of `repeat` runs) and returns its plan. */
export async function explainSearch(db: pg.Client, site: string, q: string, options: { repeat?: number; candidates?: number; path?: SearchPath } = {}): Promise<{ matches: number; hits: number; ms: number[]; plan: string }> {
  let captured: { sql: string; params: unknown[] } | undefined
  const run = async (sql: string, params: unknown[] = []) => {
    // The engine's SET LOCAL (its own transaction) becomes a session SET here, so that EXPLAIN runs under it too.
    if (sql.startsWith('SET LOCAL ')) return (await db.query(sql.replace('SET LOCAL ', 'SET '))).rows
    captured = { sql, params }
    return (await db.query(sql, params)).rows
  }
  const ctx = {
    db: { query: run, transaction: (fn: (m: unknown) => unknown) => fn({ query: run }) },
    access: {
      // The kernel's readable predicate (AccessService.readableWhere) for a signed-in user without groups.
      readableWhere: (_v: unknown, s: { id: string }, a: string, first: number) => ({
        sql: `${a}.site_id = $${first} AND ${a}.readers && $${first + 1}::text[] AND (${a}.published_at <= $${first + 2}::timestamptz OR ${a}.write_access && $${first + 1}::text[])`,
        params: [s.id, ['public', 'logged_in'], new Date()],
      }),
    },
  }
  const engine = new PostgresSearchEngine(ctx as never, { candidates: options.candidates ?? CANDIDATES, ...(options.path ? { path: options.path } : {}) })
  const ms: number[] = []
  let hits = 0
  for (let i = 0; i < (options.repeat ?? 1); i++) {
    const t0 = performance.now()
    hits = (await engine.query({} as never, { id: site } as never, { q, kinds: KINDS, limit: 20 })).hits.length
    ms.push(performance.now() - t0)
  }
  ms.sort((a, b) => a - b)
  // The engine's 3-second limit (a session SET here) must not cut the full count of a common word's matches.
  await db.query('RESET statement_timeout')
  // Every word, ANDed (the last also as a prefix), as the engine matches them.
  const words = q.trim().split(/\s+/)
  const term = (w: string, last: boolean) => `(to_tsquery('dutch', '${w}') || to_tsquery('english', '${w}') || to_tsquery('simple', '${w}${last ? ':*' : ''}'))`
  const safe = words.every(w => /^[\p{L}\p{N}]+$/u.test(w))
  const matches = safe
    ? ((await db.query(`SELECT count(*)::int AS n FROM entity WHERE site_id = $1 AND search_vector @@ (${words.map((w, i) => term(w, i === words.length - 1)).join(' && ')})`, [site])).rows[0].n as number)
    : -1
  const plan = (await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${captured!.sql}`, captured!.params)).rows.map(r => r['QUERY PLAN']).join('\n')
  return { matches, hits, ms, plan }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = process.env
  const db = new pg.Client(`${env.SEARCH_BENCH_SERVER ?? 'postgres://postgres@127.0.0.1:5432'}/${env.SEARCH_BENCH_DB ?? 'plein_bench'}`)
  await db.connect()
  try {
    const site = await rootSiteOf(db)
    for (const q of (env.SEARCH_EXPLAIN_Q ?? 'beleid|gemeen').split('|')) {
      const r = await explainSearch(db, site, q, { repeat: Number(env.SEARCH_EXPLAIN_REPEAT ?? 1), candidates: env.SEARCH_EXPLAIN_CANDIDATES ? Number(env.SEARCH_EXPLAIN_CANDIDATES) : undefined, path: env.SEARCH_EXPLAIN_PATH as SearchPath | undefined })
      const median = r.ms[Math.floor(r.ms.length / 2)]!
      console.log(`\n=== "${q}": ${r.matches} matching items on the site, ${r.hits} hits, ${median.toFixed(1)} ms (median of ${r.ms.length} runs, min ${r.ms[0]!.toFixed(1)} ms)\n${r.plan}`)
    }
  } finally {
    await db.end()
  }
}
