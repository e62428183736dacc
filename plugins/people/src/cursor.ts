// Opaque cursors for lists that are not ordered newest first (titles, revision numbers): the sort key of
// the last row, base64url-encoded. Anything that is not one of ours is a 400 naming `cursor`, as in the kernel.
import { HttpProblem } from '@plein/core'

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** [sort text, uuid] */
export const isTextKey = (v: unknown[]): v is [string, string] =>
  v.length === 2 && typeof v[0] === 'string' && v[0].length <= 1000 && typeof v[1] === 'string' && UUID.test(v[1])

