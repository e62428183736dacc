// Opaque cursors over (created_at, id) and the shared list query schema.
import { HttpProblem } from './problem.js'

/**
 * A position in a newest-first list. The time is kept in microseconds (PostgreSQL's precision) as a
 * decimal string: a JavaScript Date has milliseconds only, and a rounded cursor would skip or repeat items.
 */
export interface Cursor {
  micros: string
  id: string
}

const MAX_MICROS = 2n ** 53n

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** SQL for a row's cursor time; select it as `cursor_us` next to `id`. */
export const cursorColumn = (alias: string, column = 'created_at') => `(extract(epoch FROM ${alias}.${column}) * 1000000)::bigint::text`

/** SQL turning a cursor parameter back into a timestamptz, exactly. */
export const cursorTime = (param: string) => `('epoch'::timestamptz + ${param}::bigint * interval '1 microsecond')`

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.micros}|${c.id}`).toString('base64url')
}

/** A cursor the client sent back; anything that is not one of ours is a 400 naming the `cursor` parameter. */
export function decodeCursor(value: string | undefined): Cursor | undefined {
  if (value === undefined || value === '') return undefined
  const bad = () =>
    new HttpProblem({
      status: 400,
      detail: 'The cursor is not valid: pass the nextCursor of an earlier answer unchanged.',
      code: 'INVALID_CURSOR',
      errors: [{ in: 'query', location: { name: 'cursor' }, detail: 'is not a cursor this API gave out', code: 'cursor' }],
    })
  if (value.length > 200 || !/^[A-Za-z0-9_-]+$/.test(value)) throw bad()
  const text = Buffer.from(value, 'base64url').toString('utf8')
  const bar = text.indexOf('|')
  const micros = text.slice(0, bar)
  const id = text.slice(bar + 1)
  if (bar < 0 || !/^-?\d{1,19}$/.test(micros) || !uuid.test(id)) throw bad()
  // Within ±2^53 µs (about 1685–2255): beyond it the database's bigint or timestamp overflows (a 500, not a 400).
  if (BigInt(micros) > MAX_MICROS || BigInt(micros) < -MAX_MICROS) throw bad()
  return { micros, id }
}

/** `limit` 1..100 (default 20) and `cursor`: every list endpoint's query, to extend with its own filters. */
export const pageQueryProperties = {
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Items per page (1–100).' },
  cursor: { type: 'string', maxLength: 200, description: 'The nextCursor of the previous page.' },
} as const

export const pageQuerySchema = { type: 'object', properties: pageQueryProperties } as const

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

/** Given up to limit+1 rows (each with `cursor_us` and `id`), the page and the cursor of the next one. */
export function toPage<R extends { cursor_us: string; id: string }, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit
  const shown = more ? rows.slice(0, limit) : rows
  const last = shown[shown.length - 1]
  return {
    items: shown.map(map),
    nextCursor: more && last ? encodeCursor({ micros: last.cursor_us, id: last.id }) : null,
  }
}

/**
 * Cursors for lists ordered by something other than creation time (titles, revision numbers): the sort key
 * of the last row, base64url-encoded JSON. `check` says what a valid key looks like; anything else is a 400
 * naming `cursor`, like decodeCursor.
 */
export function encodeKey(values: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url')
}

export function decodeKey<T extends Array<string | number>>(value: string | undefined, check: (values: unknown[]) => values is T): T | undefined {
  if (value === undefined || value === '') return undefined
  let parsed: unknown
  try {
    if (value.length > 1500 || !/^[A-Za-z0-9_-]+$/.test(value)) throw new Error('not base64url')
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'))
  } catch {
    parsed = undefined
  }
  if (!Array.isArray(parsed) || !check(parsed)) {
    throw new HttpProblem({
      status: 400,
      detail: 'The cursor is not valid: pass the nextCursor of an earlier answer unchanged.',
      code: 'INVALID_CURSOR',
      errors: [{ in: 'query', location: { name: 'cursor' }, detail: 'is not a cursor this API gave out', code: 'cursor' }],
    })
  }
  return parsed
}
