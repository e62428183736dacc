// PostgreSQL full-text search: Dutch and English stemming plus an unstemmed copy for prefix matching,
// title weighted above body, access filtered in the same query, cursor paging over (rank, id). Only the newest
// CANDIDATES readable matches are ranked, so a query's cost is bounded by that, not by how many items match
// (docs/search-and-notifications.md, "At scale").
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
}

const encode = (c: Cursor) => Buffer.from(`${c.rank}|${c.id}`).toString('base64url')
function decode(value: string | undefined): Cursor | undefined {
  if (!value) return undefined
  const text = Buffer.from(value, 'base64url').toString('utf8')
  const [rank, id] = text.split('|')
  if (!rank || !id || !Number.isFinite(Number(rank)) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new HttpProblem({
      status: 400,
      detail: 'The cursor is not valid: pass the nextCursor of an earlier answer unchanged.',
      code: 'INVALID_CURSOR',
      errors: [{ in: 'query', location: { name: 'cursor' }, detail: 'is not a cursor this API gave out', code: 'cursor' }],
    })
  }
  return { rank: Number(rank), id }
}

export class PostgresSearchEngine implements SearchEngine {
  /** candidates: how many of the newest readable matches are ranked (default CANDIDATES). */
  constructor(
    private readonly ctx: PluginContext,
    private readonly options: { candidates?: number } = {},
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
    const all = (prefix: boolean, weight: string) => placeholders.map((p, i) => term(p, i, { prefix, weight })).join(' && ')
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
    const clauses = [where.sql, `e.search_vector @@ (${match})`, `(e.kind = ANY(${add(query.kinds)}::text[])) IS TRUE`]
    if (query.containerId) clauses.push(`e.container_id = ${add(query.containerId)}`)
    if (query.from) clauses.push(`e.created_at >= ${add(query.from)}`)
    if (query.to) clauses.push(`e.created_at < ${add(query.to)}`)
    const after = cursor ? `WHERE (r.rank, r.id) < (${add(cursor.rank)}::float8, ${add(cursor.id)}::uuid)` : ''
    const limit = add(query.limit + 1)
    // Only the newest CANDIDATES readable matches are ranked (the subquery's LIMIT): the cost is bounded by
    // that, not by how many items match. The tsquery is written out (not taken from a CTE) so that the
    // planner can estimate how many rows match and choose between the GIN index and the newest-first index.
    // The vector is detoasted once per candidate (`|| ''`), not once per use in the score; ts_headline runs
    // only for the page, and the page's entity rows come back with it (no lookup per hit).
    const sql = `WITH ranked AS MATERIALIZED (
         SELECT c.id, ${score} AS rank
           FROM (SELECT e.id, e.search_vector AS v0 FROM entity e WHERE ${clauses.join(' AND ')}
                  ORDER BY e.created_at DESC, e.id DESC LIMIT ${Math.max(1, Math.floor(this.options.candidates ?? CANDIDATES))}) m
                CROSS JOIN LATERAL (SELECT m.id, m.v0 || ''::tsvector AS v OFFSET 0) c
       ),
       page AS (SELECT r.id, r.rank FROM ranked r ${after} ORDER BY r.rank DESC, r.id DESC LIMIT ${limit})
       SELECT ${ENTITY_SQL.columns('e')}, p.rank,
              ts_headline('dutch', coalesce(nullif(t.body, ''), e.title), (${anyWord}),
                          'StartSel=${START}, StopSel=${STOP}, MaxFragments=2, MaxWords=25, MinWords=8, FragmentDelimiter=" … "') AS snippet
         FROM page p JOIN entity e ON e.id = p.id LEFT JOIN search_text t ON t.entity_id = p.id
        ORDER BY p.rank DESC, p.id DESC`
    const rows = await this.run(sql, params)
    const more = rows.length > query.limit
    const shown = more ? rows.slice(0, query.limit) : rows
    const last = shown[shown.length - 1]
    return {
      hits: shown.map(r => ({ id: r.id, snippet: highlight(r.snippet ?? ''), entity: ENTITY_SQL.fromRow(r) })),
      nextCursor: more && last ? encode({ rank: last.rank, id: last.id }) : null,
    }
  }

  /** Runs the search under its own statement timeout: one pathological query cannot hold a connection for long. */
  private async run(sql: string, params: unknown[]): Promise<Array<EntityRow & { rank: number; snippet: string | null }>> {
    try {
      return await this.ctx.db.transaction(async m => {
        await m.query(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`)
        return m.query(sql, params)
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
