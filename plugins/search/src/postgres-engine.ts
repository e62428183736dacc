// PostgreSQL full-text search: Dutch and English stemming plus an unstemmed copy for prefix matching,
// title weighted above body, access filtered in the same query, cursor paging over (rank, id).
import { escapeHtml, HttpProblem, type EntityRecord, type PluginContext, type Site, type Viewer } from '@plein/core'
import type { SearchDocument, SearchEngine, SearchHit, SearchQuery } from './api.js'

const MAX_BODY = 200_000
const MAX_WORDS = 10
const START = '\u0002'
const STOP = '\u0003'

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
  constructor(private readonly ctx: PluginContext) {}

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
    // Each word matches stemmed (Dutch or English) or as typed; the last also as a prefix (as-you-type).
    const parts = words.map((w, i) => {
      const p = add(w)
      const simple = i === words.length - 1 ? `to_tsquery('simple', ${p} || ':*')` : `to_tsquery('simple', ${p})`
      return `(to_tsquery('dutch', ${p}) || to_tsquery('english', ${p}) || ${simple})`
    })
    const tsquery = parts.join(' && ')
    // The snippet marks any of the words: with all of them required, a query whose words are split between
    // title and body would find no passage in the body and come back without highlights.
    const anyWord = parts.join(' || ')
    const clauses = [where.sql, 'e.search_vector @@ q.query', `e.kind = ANY(${add(query.kinds)}::text[])`]
    if (query.containerId) clauses.push(`e.container_id = ${add(query.containerId)}`)
    if (query.from) clauses.push(`e.created_at >= ${add(query.from)}`)
    if (query.to) clauses.push(`e.created_at < ${add(query.to)}`)
    const rank = `ts_rank_cd(e.search_vector, q.query)::float8`
    if (cursor) clauses.push(`(${rank}, e.id) < (${add(cursor.rank)}::float8, ${add(cursor.id)}::uuid)`)
    const limit = add(query.limit + 1)
    const rows: Array<{ id: string; rank: number; snippet: string | null }> = await this.ctx.db.query(
      `WITH q AS (SELECT ${tsquery} AS query, ${anyWord} AS any_word),
       hits AS (
         SELECT e.id, ${rank} AS rank FROM entity e, q WHERE ${clauses.join(' AND ')}
         ORDER BY rank DESC, e.id DESC LIMIT ${limit}
       )
       SELECT h.id, h.rank,
              ts_headline('dutch', coalesce(nullif(t.body, ''), e.title), q.any_word,
                          'StartSel=${START}, StopSel=${STOP}, MaxFragments=2, MaxWords=25, MinWords=8, FragmentDelimiter=" … "') AS snippet
         FROM hits h JOIN entity e ON e.id = h.id LEFT JOIN search_text t ON t.entity_id = h.id, q
        ORDER BY h.rank DESC, h.id DESC`,
      params,
    )
    const more = rows.length > query.limit
    const shown = more ? rows.slice(0, query.limit) : rows
    const last = shown[shown.length - 1]
    return {
      hits: shown.map(r => ({ id: r.id, snippet: highlight(r.snippet ?? '') })),
      nextCursor: more && last ? encode({ rank: last.rank, id: last.id }) : null,
    }
  }
}

/** Escapes the snippet's text and turns the markers into <mark> elements. */
export function highlight(snippet: string): string {
  return escapeHtml(snippet).replaceAll(START, '<mark>').replaceAll(STOP, '</mark>')
}
