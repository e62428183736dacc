// PostgreSQL full-text search: Dutch and English stemming plus an unstemmed copy for prefix matching,
// title weighted above body, access filtered in the same query, cursor paging over (rank, id). Only the newest
// CANDIDATES readable matches are ranked, so a query's cost is bounded by that, not by how many items match
// (docs/search-and-notifications.md, "At scale"). Two plans give the same answer; the engine picks one from
// the planner's estimates (see choosePlan). Every vector carries marks (its site, the month and year it was
// created) so that the GIN index finds a word's matches on one site and in a recent span only (see marksSql).
// The candidates' vectors are detoasted once each (`|| ''` in a lateral subquery), not once per use in the score.
import { ENTITY_SQL, escapeHtml, HttpProblem, type EntityRecord, type EntityRow, type PluginContext, type Site, type Viewer } from '@plein/core'
import type { SearchDocument, SearchEngine, SearchHit, SearchQuery } from './api.js'

/** The most characters of an item's text that are indexed and kept for snippets. */
export const MAX_BODY = 200_000
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
/**
 * The spans the GIN path tries, in months back from the current month (the current month and the months
 * before it): the first whose estimated matches reach SPAN_MARGIN × CANDIDATES is searched; when it holds
 * fewer readable matches than CANDIDATES, the whole site is searched instead.
 */
export const SPANS = [1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64] as const
export const SPAN_MARGIN = 3
/** A span is searched only when it is expected to hold at most this share of the site's items. */
export const MAX_SPAN_SHARE = 0.5
/** The plan of one query: its path, and for the GIN path the first month (YYYYMM) of the span searched (none: all). */
export interface SearchPlan {
  path: SearchPath
  since?: string
}
/** How long the planner's estimates for a query are kept (ms), and for how many queries at most. */
export const ESTIMATE_TTL_MS = 5 * 60_000
export const ESTIMATE_CACHE_SIZE = 2000
/**
 * Searches one process runs on the database at once (default of the `maxConcurrentSearches` setting); more
 * wait their turn, at most QUEUE_TIMEOUT_MS, then answer 503 SEARCH_BUSY. A burst of searches (each 15–50 ms
 * of database time at 1,000,000 items) cannot take every pooled connection nor every core of the database:
 * measured on 2 cores at the Pleio scale, 50 connections of mixed traffic, the other endpoints' p99 was
 * 85–160 ms with 2, 118–169 ms with 4, and 213–337 ms without a limit (docs/performance.md).
 */
export const MAX_CONCURRENT_SEARCHES = 2
export const QUEUE_TIMEOUT_MS = 3000
/** statement_timeout of a search query (ms). */
export const STATEMENT_TIMEOUT_MS = 3000

/** The words of a query: letters and digits only, so nothing in them means anything to to_tsquery. */
export function queryWords(q: string): string[] {
  return (q.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_WORDS)
}

/** The title and body as they are indexed: PostgreSQL text cannot hold NUL (a stray one must not keep an item out of the index for ever), and the body is cut at MAX_BODY. */
export function indexedText(document: { title: string; body: string }): { title: string; body: string } {
  return { title: document.title.replace(/\u0000/g, ' '), body: document.body.replace(/\u0000/g, ' ').slice(0, MAX_BODY) }
}

export const vectorSql = (title: string, body: string) =>
  `setweight(to_tsvector('dutch', ${title}), 'A') || setweight(to_tsvector('english', ${title}), 'A') || setweight(to_tsvector('simple', ${title}), 'A') ||
   setweight(to_tsvector('dutch', ${body}), 'B') || setweight(to_tsvector('english', ${body}), 'B') || setweight(to_tsvector('simple', ${body}), 'B')`

/**
 * The marks every indexed item's vector carries besides its words: `~s<site id>`, `~y<year>` and
 * `~m<year><month>` of its creation (UTC). Words never produce them (queryWords keeps letters and digits only,
 * and a lexeme starting with `~` matches no prefix of a word), and ranking ignores them (no query word is one).
 */
export const marksSql = (site: string, created: string) =>
  `array_to_tsvector(ARRAY['~s' || (${site})::text, '~y' || to_char((${created}) AT TIME ZONE 'UTC', 'YYYY'), '~m' || to_char((${created}) AT TIME ZONE 'UTC', 'YYYYMM')])`

/** An item's whole vector: its words (vectorSql) and its marks (marksSql). */
export const documentSql = (title: string, body: string, site: string, created: string) => `(${vectorSql(title, body)} || ${marksSql(site, created)})`

/** The marks a match must carry: the site's (unless undefined), and when `since` (YYYYMM) is given, a month or year from then on. */
export function marksQuery(siteId: string | undefined, since: string | undefined, now: Date): string {
  const site = siteId === undefined ? '' : `'~s${siteId}'`
  if (!since) return site
  const year = Number(since.slice(0, 4))
  const terms: string[] = []
  for (let month = Number(since.slice(4)); month <= 12; month++) terms.push(`'~m${year}${String(month).padStart(2, '0')}'`)
  // Every later year up to next year's (an item stamped a little ahead by another process's clock).
  const last = Math.max(now.getUTCFullYear(), new Date().getUTCFullYear()) + 1
  for (let y = year + 1; y <= last; y++) terms.push(`'~y${y}'`)
  return site ? `${site} & (${terms.join(' | ')})` : terms.join(' | ')
}

/** The first month (YYYYMM) of a span of `months` months ending with the current one. */
export function spanStart(months: number, now: Date): string {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1))
  return `${start.getUTCFullYear()}${String(start.getUTCMonth() + 1).padStart(2, '0')}`
}

interface Cursor {
  rank: number
  id: string
  /** The plan the first page took: later pages take it too (an older cursor has none and is planned again). */
  plan?: SearchPlan
}

const encodePlan = (p: SearchPlan) => (p.path === 'newest' ? 'n' : `i${p.since ?? ''}`)
const encode = (c: Cursor) => Buffer.from(`${c.rank}|${c.id}${c.plan ? `|${encodePlan(c.plan)}` : ''}`).toString('base64url')
function decode(value: string | undefined): Cursor | undefined {
  if (!value) return undefined
  const text = Buffer.from(value, 'base64url').toString('utf8')
  const [rank, id, code, ...rest] = text.split('|')
  const span = code === undefined ? undefined : /^i(\d{4}(?:0[1-9]|1[0-2]))?$/.exec(code)
  const plan: SearchPlan | undefined | null = code === undefined ? undefined : code === 'n' ? { path: 'newest' } : span ? { path: 'index', ...(span[1] ? { since: span[1] } : {}) } : null
  if (!rank || !id || !Number.isFinite(Number(rank)) || !/^[0-9a-f-]{36}$/.test(id) || plan === null || rest.length > 0) {
    throw new HttpProblem({
      status: 400,
      detail: 'The cursor is not valid: pass the nextCursor of an earlier answer unchanged.',
      code: 'INVALID_CURSOR',
      errors: [{ in: 'query', location: { name: 'cursor' }, detail: 'is not a cursor this API gave out', code: 'cursor' }],
    })
  }
  return { rank: Number(rank), id, ...(plan ? { plan } : {}) }
}

export class PostgresSearchEngine implements SearchEngine {
  /**
   * candidates: how many of the newest readable matches are ranked (default: the site's `rankedMatches`
   * setting, else CANDIDATES); path: always this path instead of choosing one per query, and span: for the
   * GIN path, always a span of this many months (tests, benchmarks; without it the GIN path still chooses
   * its span); concurrency (default: the site's `maxConcurrentSearches` setting) and queueTimeoutMs: see
   * MAX_CONCURRENT_SEARCHES.
   */
  constructor(
    private readonly ctx: PluginContext,
    private readonly options: { candidates?: number; path?: SearchPath; span?: number; concurrency?: number; queueTimeoutMs?: number } = {},
  ) {}

  private active = 0
  private readonly waiting: Array<() => void> = []

  /** A place among the searches running now, or a 503 when none came free in time. Call the result to give it back. */
  private async place(limit: number): Promise<() => void> {
    let released = false
    const release = () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
    if (this.active < Math.max(1, limit)) {
      this.active++
      return release
    }
    await new Promise<void>((resolve, reject) => {
      const turn = () => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(turn), 1)
        reject(
          new HttpProblem({
            status: 503,
            detail: 'Too many searches are running. Try again in a moment.',
            code: 'SEARCH_BUSY',
            headers: { 'Retry-After': '1' },
          }),
        )
      }, this.options.queueTimeoutMs ?? QUEUE_TIMEOUT_MS)
      this.waiting.push(turn)
    })
    // The place of the search that finished passed straight to this one (active unchanged).
    return release
  }

  async index(entity: EntityRecord, document: SearchDocument): Promise<void> {
    if (document.exclude) {
      // An empty vector, not NULL: it matches nothing, and the backfill (which looks for NULL) leaves it alone.
      await this.ctx.db.transaction(async m => {
        await m.query(`UPDATE entity SET search_vector = ''::tsvector WHERE id = $1`, [entity.id])
        await m.query('DELETE FROM search_text WHERE entity_id = $1', [entity.id])
      })
      return
    }
    const { title, body } = indexedText(document)
    await this.ctx.db.transaction(async m => {
      await m.query(`UPDATE entity SET search_vector = ${documentSql('$2', '$3', 'site_id', 'created_at')} WHERE id = $1`, [entity.id, title, body])
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
    // Spans are counted back from the kernel's clock; marks run to next year of the later of it and the real time.
    const now = this.ctx.clock?.now() ?? new Date()
    const settings = this.ctx.settings?.<{ rankedMatches?: number; maxConcurrentSearches?: number }>(site)
    const count = Math.max(1, Math.floor(this.options.candidates ?? settings?.rankedMatches ?? CANDIDATES))
    const concurrency = this.options.concurrency ?? settings?.maxConcurrentSearches ?? MAX_CONCURRENT_SEARCHES
    // A word matches stemmed (Dutch or English) or as typed; the last one also as a prefix (as you type),
    // when it has at least MIN_PREFIX characters: a shorter prefix matches too much to be worth ranking.
    /** One form of word `i` (parameter `p`): stemmed by `config`, or with 'simple' as typed (and as a prefix). */
    const form = (config: string, p: string, i: number, { prefix, weight }: { prefix: boolean; weight: string }) =>
      config === 'simple' && prefix && i === words.length - 1 && words[i]!.length >= MIN_PREFIX
        ? `to_tsquery('simple', ${p} || ':*${weight}')`
        : `to_tsquery('${config}', ${weight ? `${p} || ':${weight}'` : p})`
    const configs = ['dutch', 'english', 'simple']
    const term = (p: string, i: number, options: { prefix: boolean; weight: string }) => `(${configs.map(c => form(c, p, i, options)).join(' || ')})`
    const all = (ps: string[], prefix: boolean, weight: string) => ps.map((p, i) => term(p, i, { prefix, weight })).join(' && ')

    /** The statement for one plan, with its own parameters. */
    const statement = (plan: SearchPlan) => {
      const where = this.ctx.access.readableWhere(viewer, site, 'e', 1)
      const params: unknown[] = [...where.params]
      const add = (value: unknown) => {
        params.push(value)
        return `$${params.length}`
      }
      const placeholders = words.map(w => add(w))
      const match = all(placeholders, true, '')
      // The snippet marks any of the words: with all of them required, a query whose words are split between
      // title and body would find no passage in the body and come back without highlights.
      const anyWord = placeholders.map((p, i) => term(p, i, { prefix: true, weight: '' })).join(' || ')
      // The score: 2 when every word is in the title (weight A), plus 1 when every word matches exactly (not
      // only as a prefix), plus ts_rank normalised to [0, 1) (title weighted above body by the vector's weights).
      // ts_rank, not ts_rank_cd: the cover density cost ~7× as much per candidate (~18 against ~2.5 µs for a
      // vector of ~150 words) and only breaks ties within the first two tiers (docs/performance.md).
      const score = `(CASE WHEN c.v @@ (${all(placeholders, true, 'A')}) THEN 2 ELSE 0 END + CASE WHEN c.v @@ (${all(placeholders, false, '')}) THEN 1 ELSE 0 END)::float8
                   + ts_rank(c.v, (${match}), 32)::float8`
      // `IS TRUE` keeps the kind filter (all enabled kinds, nearly every row) from being ANDed into the GIN
      // match as a bitmap of the whole site: measured, that bitmap cost more than the rare word's matches.
      const clauses = [where.sql, `(e.kind = ANY(${add(query.kinds)}::text[])) IS TRUE`]
      if (query.containerId) clauses.push(`e.container_id = ${add(query.containerId)}`)
      if (query.from) clauses.push(`e.created_at >= ${add(query.from)}`)
      if (query.to) clauses.push(`e.created_at < ${add(query.to)}`)
      const after = cursor ? `WHERE (r.rank, r.id) < (${add(cursor.rank)}::float8, ${add(cursor.id)}::uuid)` : ''
      const limit = add(query.limit + 1)
      // Only the newest CANDIDATES readable matches are ranked (the LIMIT): the cost is bounded by that, not
      // by how many items match. Two ways to find them, with the same rows as the answer:
      //  - newest: walk the site's items newest first (entity_site_created), test each one's vector, stop at
      //    CANDIDATES. Cheap when most items match; every item read costs a detoast. (Detoasting once into a
      //    copy for both the test and the score was measured slower: `|| ''` merges the lexemes, ~4 µs a row,
      //    paid for every row read instead of every candidate.)
      //  - index: the GIN index gives the matches that carry the site's mark (and, with a span, a month or
      //    year mark from `since` on: the newest part of the site), behind OFFSET 0 so that neither the
      //    readers bitmap nor the newest-first index is combined with it (and the site test `IS TRUE`: as
      //    a plain equality the planner ANDed the site's whole index into the bitmap, 40 ms at 521,000
      //    items, for rows the site mark has already chosen); those are filtered and sorted by
      //    date, and only the candidates' vectors are detoasted. Every match in the span is a heap read.
      // ts_headline runs only for the page, and the page's entity rows come back with it (no lookup per hit).
      const candidates =
        plan.path === 'index'
          ? `SELECT c.id, c.v FROM (
               SELECT e.id, e.search_vector AS v0
                 FROM (SELECT * FROM entity e WHERE (e.site_id = ${add(site.id)}) IS TRUE AND e.search_vector @@ ((${match}) && ${add(marksQuery(site.id, plan.since, now))}::tsquery) OFFSET 0) e
                WHERE ${clauses.join(' AND ')}
                ORDER BY e.created_at DESC, e.id DESC LIMIT ${count}
             ) m CROSS JOIN LATERAL (SELECT m.id, m.v0 || ''::tsvector AS v OFFSET 0) c`
          : `SELECT c.id, c.v FROM (
               SELECT e.id, e.search_vector AS v0 FROM entity e WHERE ${[...clauses, `e.search_vector @@ (${match})`].join(' AND ')}
                ORDER BY e.created_at DESC, e.id DESC LIMIT ${count}
             ) m CROSS JOIN LATERAL (SELECT m.id, m.v0 || ''::tsvector AS v OFFSET 0) c`
      const sql = `WITH ranked AS MATERIALIZED (SELECT c.id, ${score} AS rank FROM (${candidates}) c),
         page AS (SELECT r.id, r.rank FROM ranked r ${after} ORDER BY r.rank DESC, r.id DESC LIMIT ${limit})
         SELECT ${ENTITY_SQL.columns('e')}, p.rank, (SELECT count(*) FROM ranked)::int AS candidates,
                ts_headline('dutch', coalesce(nullif(t.body, ''), e.title), (${anyWord}),
                            'StartSel=${START}, StopSel=${STOP}, MaxFragments=2, MaxWords=25, MinWords=8, FragmentDelimiter=" … "') AS snippet
           FROM page p JOIN entity e ON e.id = p.id LEFT JOIN search_text t ON t.entity_id = p.id
          ORDER BY p.rank DESC, p.id DESC`
      return { sql, params }
    }
    type Row = EntityRow & { rank: number; candidates: number; snippet: string | null }

    // The plan is chosen on the first page and carried in the cursor, so a page sequence keeps one plan
    // (every plan gives the same rows; this saves the estimate on later pages).
    // One estimate per configuration (every word's Dutch stems, English stems, or words as typed, the last
    // one also as a prefix), not one for the three ORed: an item's vector holds all three forms of its words,
    // so their matches nearly coincide, but the planner takes them for independent and estimated ~3× too many.
    const byConfig = (config: string) => words.map((_, i) => form(config, `$${i + 2}`, i, { prefix: true, weight: '' })).join(' && ')
    const estimate = { sql: configs.map(c => `e.search_vector @@ (${byConfig(c)})`), params: [site.id, ...words] }
    const { rows, plan } = await this.run(concurrency, async m => {
      const planned = cursor?.plan
      const estimates = () => this.estimates(m, site.id, words, estimate, now)
      let plan: SearchPlan = planned ?? choosePlan(await estimates(), count, now)
      if (!planned && this.options.path === 'index' && this.options.span) plan = { path: 'index', since: spanStart(this.options.span, now) }
      else if (this.options.path && this.options.path !== plan.path) plan = this.options.path === 'index' ? { path: 'index', ...spanOf(await estimates(), count, now) } : { path: 'newest' }
      let run = statement(plan)
      let rows = (await m.query(run.sql, run.params)) as Row[]
      // A span with fewer readable matches than CANDIDATES (or none left for this page) is not enough:
      // the whole site then. (A plan carried in a cursor was enough on the first page, or it would not be there.)
      if (plan.path === 'index' && plan.since && !planned && (rows[0]?.candidates ?? 0) < count) {
        plan = { path: 'index' }
        run = statement(plan)
        rows = (await m.query(run.sql, run.params)) as Row[]
      }
      return { rows, plan }
    })
    const more = rows.length > query.limit
    const shown = more ? rows.slice(0, query.limit) : rows
    const last = shown[shown.length - 1]
    return {
      hits: shown.map(r => ({ id: r.id, snippet: highlight(r.snippet ?? ''), entity: ENTITY_SQL.fromRow(r) })),
      nextCursor: more && last ? encode({ rank: last.rank, id: last.id, plan }) : null,
    }
  }

  /**
   * The planner's estimates for these words on this site, kept ESTIMATE_TTL_MS (the statistics they come from
   * change only when the table is analyzed): a popular query skips the EXPLAIN (~0.3 ms). Least recently
   * used out first, at most ESTIMATE_CACHE_SIZE. The spans' shares do not depend on the words: they are kept
   * once for all queries (their EXPLAIN cost ~2.3 ms, most of a new query's estimate).
   */
  private readonly estimated = new Map<string, { at: number; value: Omit<Estimates, 'since'> | undefined }>()
  private spanShares: { month: string; at: number; value: number[] | undefined } | undefined
  private async estimates(m: Queryable, siteId: string, words: string[], match: { sql: string[]; params: unknown[] }, now: Date): Promise<Estimates | undefined> {
    const month = spanStart(1, now)
    if (!this.spanShares || this.spanShares.month !== month || performance.now() - this.spanShares.at >= ESTIMATE_TTL_MS) {
      this.spanShares = { month, at: performance.now(), value: await estimateSpans(m, now) }
    }
    const since = this.spanShares.value
    const key = `${siteId} ${words.join(' ')}`
    let hit = this.estimated.get(key)
    this.estimated.delete(key)
    if (!hit || performance.now() - hit.at >= ESTIMATE_TTL_MS) hit = { at: performance.now(), value: await estimateMatches(m, match) }
    this.estimated.set(key, hit)
    if (this.estimated.size > ESTIMATE_CACHE_SIZE) this.estimated.delete(this.estimated.keys().next().value!)
    return hit.value && since ? { ...hit.value, since } : undefined
  }

  /** Runs the search under its own statement timeout: one pathological query cannot hold a connection for long. */
  private async run<T>(concurrency: number, work: (m: Queryable) => Promise<T>): Promise<T> {
    const release = await this.place(concurrency)
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
    } finally {
      release()
    }
  }
}

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any[]>
}

interface Estimates {
  /** The site's items. */
  items: number
  /** Those matching. */
  matches: number
  /** The share of all items created in each of SPANS (months back), same order. */
  since: number[]
}

/**
 * The planner's row estimates of `branches` (one EXPLAIN of their UNION ALL, planning only: no rows read),
 * in order; undefined when the plan does not have one per branch.
 */
async function plannedRows(m: Queryable, branches: string[], params: unknown[]): Promise<number[] | undefined> {
  const rows = await m.query(`EXPLAIN (FORMAT JSON) ${branches.join(' UNION ALL ')}`, params)
  const raw = rows[0]?.['QUERY PLAN']
  type Plan = { 'Plan Rows'?: number; Plans?: Plan[] }
  const plans = ((typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan?: Plan }>)[0]?.Plan?.Plans
  const figures = plans?.map(p => p['Plan Rows'])
  if (!figures || figures.length !== branches.length || figures.some(f => f === undefined)) return undefined
  return figures as number[]
}

/**
 * The site's items and the query's matches on it ($1 is the site; `match.sql` one condition per
 * configuration, the largest estimate taken), from the column statistics. A bounded count on the GIN index
 * (`LIMIT 5000`) was measured too: 0.4–6 ms for rare words, but 35–135 ms for common ones.
 */
async function estimateMatches(m: Queryable, match: { sql: string[]; params: unknown[] }): Promise<Omit<Estimates, 'since'> | undefined> {
  const figures = await plannedRows(m, ['SELECT 1 FROM entity e WHERE e.site_id = $1', ...match.sql.map(sql => `SELECT 1 FROM entity e WHERE e.site_id = $1 AND ${sql}`)], match.params)
  if (!figures) return undefined
  const [items, ...matches] = figures
  return { items: items!, matches: Math.max(...matches) }
}

/**
 * The share of all items created in each of SPANS, from the month and year marks' statistics (the vector's
 * most common elements), not from `created_at >= …`: a date past the histogram's end makes the planner read
 * the index for the real maximum, once per branch (16 ms for seven spans, measured).
 */
async function estimateSpans(m: Queryable, now: Date): Promise<number[] | undefined> {
  const spans = SPANS.map(months => marksQuery(undefined, spanStart(months, now), now))
  const figures = await plannedRows(m, ['SELECT 1 FROM entity e', ...spans.map((_, i) => `SELECT 1 FROM entity e WHERE e.search_vector @@ $${1 + i}::tsquery`)], spans)
  if (!figures) return undefined
  const [all, ...since] = figures
  return since.map(n => (all! > 0 ? Math.min(1, n / all!) : 1))
}

/**
 * Chooses the plan from the estimates. The newest-first walk while estimated matches² > INDEX_PATH_FACTOR ×
 * CANDIDATES × items (it reads about CANDIDATES × items / matches items), else the GIN path, over the
 * shortest span expected to hold SPAN_MARGIN × CANDIDATES matches (or the whole site).
 */
function choosePlan(e: Estimates | undefined, candidates: number, now: Date): SearchPlan {
  if (!e) return { path: 'newest' }
  if (e.matches * e.matches > INDEX_PATH_FACTOR * candidates * e.items) return { path: 'newest' }
  return { path: 'index', ...pickSpan(e, candidates, now) }
}

function spanOf(e: Estimates | undefined, candidates: number, now: Date): { since?: string } {
  return e ? pickSpan(e, candidates, now) : {}
}

function pickSpan(e: Estimates, candidates: number, now: Date): { since?: string } {
  const wanted = SPAN_MARGIN * candidates
  if (e.matches <= wanted || e.items <= 0) return {}
  const i = e.since.findIndex(share => e.matches * share >= wanted)
  // A span of more than half the site saves little, and when the matches were overestimated (1.4–4× seen)
  // it holds too few and costs a second query: search it all.
  if (i < 0 || e.since[i]! > MAX_SPAN_SHARE) return {}
  return { since: spanStart(SPANS[i]!, now) }
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
