// EXPLAIN (ANALYZE, BUFFERS) of the search engine's own query for a few queries on a seeded database, as a
// signed-in user without groups sees them: `node --import tsx --conditions=source bench/search-explain.ts`.
//   SEARCH_BENCH_SERVER=postgres://postgres@127.0.0.1:5432  SEARCH_BENCH_DB=plein_bench  SEARCH_EXPLAIN_Q='beleid|gemeen'
import pg from 'pg'
import { PostgresSearchEngine } from '../plugins/search/src/postgres-engine.js'

const env = process.env
const url = `${env.SEARCH_BENCH_SERVER ?? 'postgres://postgres@127.0.0.1:5432'}/${env.SEARCH_BENCH_DB ?? 'plein_bench'}`
const queries = (env.SEARCH_EXPLAIN_Q ?? 'beleid|gemeen').split('|')
const db = new pg.Client(url)
await db.connect()
try {
  const site = (await db.query(`SELECT id FROM kernel_site WHERE key NOT LIKE 'subsite:%' ORDER BY created_at LIMIT 1`)).rows[0].id as string
  for (const q of queries) {
    let captured: { sql: string; params: unknown[] } | undefined
    const run = async (sql: string, params: unknown[] = []) => {
      if (sql.startsWith('SET')) return []
      captured = { sql, params }
      return (await db.query(sql, params)).rows
    }
    const ctx = {
      db: { query: run, transaction: (fn: (m: unknown) => unknown) => fn({ query: run }) },
      access: {
        readableWhere: (_v: unknown, s: { id: string }, a: string, first: number) => ({
          sql: `${a}.site_id = $${first} AND ${a}.readers && $${first + 1}::text[] AND (${a}.published_at <= $${first + 2}::timestamptz OR ${a}.write_access && $${first + 1}::text[])`,
          params: [s.id, ['public', 'logged_in'], new Date()],
        }),
      },
    }
    const engine = new PostgresSearchEngine(ctx as never)
    const kinds = ['blog', 'news', 'wiki', 'group', 'file', 'folder']
    const t0 = performance.now()
    const r = await engine.query({} as never, { id: site } as never, { q, kinds, limit: 20 })
    const ms = performance.now() - t0
    const count = (await db.query(`SELECT count(*)::int AS n FROM entity WHERE site_id = $1 AND search_vector @@ (to_tsquery('dutch', $2) || to_tsquery('english', $2) || to_tsquery('simple', $2 || ':*'))`, [site, q])).rows[0].n
    const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${captured!.sql}`, captured!.params)
    console.log(`\n=== "${q}": ${count} matching items on the site, ${r.hits.length} hits, ${ms.toFixed(1)} ms (unexplained run)\n${plan.rows.map(x => x['QUERY PLAN']).join('\n')}`)
  }
} finally {
  await db.end()
}
