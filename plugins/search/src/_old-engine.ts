// PostgreSQL full-text search: Dutch and English stemming plus an unstemmed copy for prefix matching,
// title weighted above body, access filtered in the same query, cursor paging over (rank, id). Only the newest
// CANDIDATES readable matches are ranked, so a query's cost is bounded by that, not by how many items match
// (docs/search-and-notifications.md, "At scale"). Two plans give the same answer; the engine picks one from
// the planner's estimate of the number of matches (see choosePath).
import { ENTITY_SQL, escapeHtml, HttpProblem, type EntityRecord, type EntityRow, type PluginContext, type Site, type Viewer } from '@plein/core'
import type { SearchDocument, SearchEngine, SearchHit, SearchQuery } from './api.js'

const MAX_BODY = 200_000
const MAX_WORDS = 10
const START = '\u0002'
const STOP = '\u0003'
/** How many of the newest readable matches are ranked: for a common term, results are the best among these. */
export const CANDIDATES = 1000
/** The last word matches as a prefix only from this many characters on. */
export const MIN_PREFIX = 3
/**
 * The candidates are found through the full-text (GIN) index while estimated matches² ≤ INDEX_PATH_FACTOR ×
 * CANDIDATES × the site's items, else by walking the site's newest items. The GIN path reads every match (a
 * heap read each); the walk reads about CANDIDATES × items / matches items (a detoast of the vector each).
 * Calibrated at 100,000 items (54,816 on the site): the two took the same time at ~13,000 matches, which the
 * planner estimates at ~20,000 (its estimates ran 1.4–2.8× high); so √(7 × 1,000 × 54,816) ≈ 19,600.
 */
export const INDEX_PATH_FACTOR = 7
/** How the newest CANDIDATES readable matches are found; both give the same rows. */
export type SearchPath = 'index' | 'newest'
/** statement_timeout of a search query (ms). */
export const STATEMENT_TIMEOUT_MS = 3000

/** The words of a query: letters and digits only, so nothing in them means anything to to_tsquery. */
export function queryWords(q: string): string[] {
  return (q.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_WORDS)
}

export const vectorSql = (title: string, body: string) =>
  `setweight(to_tsvector('dutch', ${title}), 'A') || setweight(to_tsvector('english', ${title}), 'A') || setweight(to_tsvector('simple', ${title}), 'A') ||
   setweight(to_tsvector('dutch', ${body}), 'B') || setweight(to_tsvector('english', ${body}), 'B') || setweight(to_tsvector('simple', ${body}), 'B')`

interface Cursor {
  rank: number
  id: string
  /** The path the first page took: later pages take it too (an older cursor has none and is estimated again). */
  path?: SearchPath
}

const PATH_CODE = { index: 'i', newest: 'n' } as const
const encode = (c: Cursor) => Buffer.from(`${c.rank}|${c.id}${c.path ? `|${PATH_CODE[c.path]}` : ''}`).toString('base64url')
function decode(value: string | undefined): Cursor | undefined {
  if (!value) return undefined
  const text = Buffer.from(value, 'base64url').toString('utf8')
  const [rank, id, code, ...rest] = text.split('|')
  const path = code === undefined ? undefined : code === 'i' ? 'index' : code === 'n' ? 'newest' : null
  if (!rank || !id || !Number.isFinite(Number(rank)) || !/^[0-9a-f-]{36}$/.test(id) || path === null || rest.length > 0) {
    throw new HttpProblem({
      status: 400,
      detail: 'The cursor is not valid: pass the nextCursor of an earlier answer unchanged.',
      code: 'INVALID_CURSOR',
      errors: [{ in: 'query', location: { name: 'cursor' }, detail: 'is not a cursor this API gave out', code: 'cursor' }],
    })
  }
  return { rank: Number(rank), id, ...(path ? { path } : {}) }
}

export class PostgresSearchEngine implements SearchEngine {
  /**
   * candidates: how many of the newest readable matches are ranked (default CANDIDATES); path: always this
   * path instead of choosing one per query (tests, benchmarks).
   */
  constructor(
    private readonly ctx: PluginContext,
    private readonly options: { candidates?: number; path?: SearchPath } = {},
  ) {}

  async index(entity: EntityRecord, document: SearchDocument): Promise<void> {
    if (document.exclude) {
      // An empty vector, not NULL: it matches nothing, and the backfill (which looks for NULL) leaves it alone.
      await this.ctx.db.transaction(async m => {
        await m.query(`UPDATE entity SET search_vector = ''::tsvector WHERE id = $1`, [entity.id])
        await m.query('DELETE FROM search_text WHERE entity_id = $1', [entity.id])
      })
      return
    }
    // PostgreSQL text cannot hold NUL; a stray one must not keep an item out of the index for ever.
    const body = document.body.replace(/\u0000/g, ' ').slice(0, MAX_BODY)
    await this.ctx.db.transaction(async m => {
      await m.query(`UPDATE entity SET search_vector = ${vectorSql('$2', '$3')} WHERE id = $1`, [entity.id, document.title.replace(/\u0000/g, ' '), body])
      await m.query(
        `INSERT INTO search_text (entity_id, body) VALUES ($1, $2) ON CONFLICT (entity_id) DO UPDATE SET body = EXCLUDED.body, indexed_at = now()`,
        [entity.id, body],
      )
    })
  }

  async remove(entityId: string): Promise<void> {
    await this.ctx.db.query('DELETE FROM search_text WHERE entity_id = $1', [entityId])
  }

  async query(viewer: Viewer, site: Site, query: SearchQuery): Promise<{ hits: SearchHit[]; nextCursor: string | null }> {
    const words = queryWords(query.q)
    if (words.length === 0 || query.kinds.length === 0) return { hits: [], nextCursor: null }
    const cursor = decode(query.cursor)
    const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
    const params: unknown[] = [...where.params]
    const add = (value: unknown) => {
      params.push(value)
      return `$${params.length}`
    }
    const placeholders = words.map(w => add(w))
    // A word matches stemmed (Dutch or English) or as typed; the last one also as a prefix (as you type),
    // when it has at least MIN_PREFIX characters: a shorter prefix matches too much to be worth ranking.
    const term = (p: string, i: number, { prefix, weight }: { prefix: boolean; weight: string }) => {
      const suffix = weight ? `':${weight}'` : ''
      const stemmed = (config: string) => `to_tsquery('${config}', ${suffix ? `${p} || ${suffix}` : p})`
      const asTyped = prefix && i === words.length - 1 && words[i]!.length >= MIN_PREFIX ? `to_tsquery('simple', ${p} || ':*${weight}')` : stemmed('simple')
      return `(${stemmed('dutch')} || ${stemmed('english')} || ${asTyped})`
    }
    const all = (prefix: boolean, weight: string, ps = placeholders) => ps.map((p, i) => term(p, i, { prefix, weight })).join(' && ')
    const match = all(true, '')
    // The snippet marks any of the words: with all of them required, a query whose words are split between
    // title and body would find no passage in the body and come back without highlights.
    const anyWord = placeholders.map((p, i) => term(p, i, { prefix: true, weight: '' })).join(' || ')
    // The score: 2 when every word is in the title (weight A), plus 1 when every word matches exactly (not
    // only as a prefix), plus ts_rank_cd normalised to [0, 1) (title weighted above body by the vector's weights).
    const score = `(CASE WHEN c.v @@ (${all(true, 'A')}) THEN 2 ELSE 0 END + CASE WHEN c.v @@ (${all(false, '')}) THEN 1 ELSE 0 END)::float8
                   + ts_rank_cd(c.v, (${match}), 32)::float8`
    // `IS TRUE` keeps the kind filter (all enabled kinds, nearly every row) from being ANDed into the GIN
    // match as a bitmap of the whole site: measured, that bitmap cost more than the rare word's matches.
    const clauses = [where.sql, `(e.kind = ANY(${add(query.kinds)}::text[])) IS TRUE`]
    if (query.containerId) clauses.push(`e.container_id = ${add(query.containerId)}`)
    if (query.from) clauses.push(`e.created_at >= ${add(query.from)}`)
    if (query.to) clauses.push(`e.created_at < ${add(query.to)}`)
    const after = cursor ? `WHERE (r.rank, r.id) < (${add(cursor.rank)}::float8, ${add(cursor.id)}::uuid)` : ''
    const limit = add(query.limit + 1)
    // Only the newest CANDIDATES readable matches are ranked (the subquery's LIMIT): the cost is bounded by
    // that, not by how many items match. Two ways to find them, with the same rows as the answer:
    //  - newest: walk the site's items newest first (entity_site_created) and test each one's vector, stopping
    //    at CANDIDATES; cheap when most items match, but every item read costs a detoast of its vector.
    //  - index: take every match from the GIN index (behind OFFSET 0, so that neither the readers bitmap nor
    //    the newest-first index is combined with it), filter and sort those by date; no vector is detoasted
    //    before the candidates are chosen, but every match is a heap read.
    // The planner alone took the newest-first walk for words of middling frequency (it does not know the
    // detoast's cost): 57,310 rows read, 503 ms, against 134 ms for the GIN path (1,000,000 items).
    // The vector is detoasted once per candidate (`|| ''`), not once per use in the score; ts_headline runs
    // only for the page, and the page's entity rows come back with it (no lookup per hit).
    const path = this.options.path ?? cursor?.path
    const count = Math.max(1, Math.floor(this.options.candidates ?? CANDIDATES))
    const candidates = (chosen: SearchPath) => {
      const source =
        chosen === 'index'
          ? `(SELECT * FROM entity e WHERE e.site_id = ${add(site.id)} AND e.search_vector @@ (${match}) OFFSET 0) e WHERE ${clauses.join(' AND ')}`
          : `entity e WHERE ${[...clauses, `e.search_vector @@ (${match})`].join(' AND ')}`
      return `SELECT e.id, e.search_vector AS v0 FROM ${source}
                  ORDER BY e.created_at DESC, e.id DESC LIMIT ${count}`
    }
    const sql = (chosen: SearchPath) => `WITH ranked AS MATERIALIZED (
         SELECT c.id, ${score} AS rank
           FROM (${candidates(chosen)}) m
                CROSS JOIN LATERAL (SELECT m.id, m.v0 || ''::tsvector AS v OFFSET 0) c
       ),
       page AS (SELECT r.id, r.rank FROM ranked r ${after} ORDER BY r.rank DESC, r.id DESC LIMIT ${limit})
       SELECT ${ENTITY_SQL.columns('e')}, p.rank,
              ts_headline('dutch', coalesce(nullif(t.body, ''), e.title), (${anyWord}),
                          'StartSel=${START}, StopSel=${STOP}, MaxFragments=2, MaxWords=25, MinWords=8, FragmentDelimiter=" … "') AS snippet
         FROM page p JOIN entity e ON e.id = p.id LEFT JOIN search_text t ON t.entity_id = p.id
        ORDER BY p.rank DESC, p.id DESC`
    // The path is chosen on the first page and carried in the cursor, so a page sequence keeps one plan
    // (both give the same rows; this saves the estimate on later pages).
    const estimate = { sql: `e.search_vector @@ (${all(true, '', words.map((_, i) => `$${i + 2}`))})`, params: [site.id, ...words] }
    const { rows, chosen } = await this.run(async m => {
      const chosen = path ?? (await choosePath(m, estimate, count))
      return { rows: (await m.query(sql(chosen), params)) as Array<EntityRow & { rank: number; snippet: string | null }>, chosen }
    })
    const more = rows.length > query.limit
    const shown = more ? rows.slice(0, query.limit) : rows
    const last = shown[shown.length - 1]
    return {
      hits: shown.map(r => ({ id: r.id, snippet: highlight(r.snippet ?? ''), entity: ENTITY_SQL.fromRow(r) })),
      nextCursor: more && last ? encode({ rank: last.rank, id: last.id, path: chosen }) : null,
    }
  }

  /** Runs the search under its own statement timeout: one pathological query cannot hold a connection for long. */
  private async run<T>(work: (m: Queryable) => Promise<T>): Promise<T> {
    try {
      return await this.ctx.db.transaction(async m => {
        await m.query(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`)
        return work(m)
      })
    } catch (error) {
      if (sqlState(error) === '57014') {
        throw new HttpProblem({
          status: 503,
          detail: 'The search took too long. Try again, or add a word or a filter to narrow it down.',
          code: 'SEARCH_TIMEOUT',
          headers: { 'Retry-After': '5' },
        })
      }
      throw error
    }
  }
}

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any[]>
}

/**
 * Chooses the path from the planner's estimates of the site's items and of those matching ($1 is the site):
 * one EXPLAIN, planning only (no rows read, ~0.3 ms), from the column statistics. A bounded count on the GIN
 * index (`LIMIT 5000`) was measured too: 0.4–6 ms for rare words, but 35–135 ms for common ones.
 */
async function choosePath(m: Queryable, match: { sql: string; params: unknown[] }, candidates: number): Promise<SearchPath> {
  const rows = await m.query(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM entity e WHERE e.site_id = $1 UNION ALL SELECT 1 FROM entity e WHERE e.site_id = $1 AND ${match.sql}`,
    match.params,
  )
  const raw = rows[0]?.['QUERY PLAN']
  type Plan = { 'Plan Rows'?: number; Plans?: Plan[] }
  const plans = ((typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan?: Plan }>)[0]?.Plan?.Plans
  const items = plans?.[0]?.['Plan Rows']
  const matches = plans?.[1]?.['Plan Rows']
  if (items === undefined || matches === undefined) return 'newest'
  return matches * matches <= INDEX_PATH_FACTOR * candidates * items ? 'index' : 'newest'
}

function sqlState(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
    e = (e as { driverError?: unknown }).driverError
  }
  return undefined
}

/** Escapes the snippet's text and turns the markers into <mark> elements. */
export function highlight(snippet: string): string {
  return escapeHtml(snippet).replaceAll(START, '<mark>').replaceAll(STOP, '</mark>')
}
