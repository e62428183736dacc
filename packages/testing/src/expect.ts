// Checks the plugins' tests share: problem answers in the ADR form, and lists followed to their end.
import assert from 'node:assert/strict'
import type { TestClient, TestResponse } from './client.js'

/** An application/problem+json answer with this status (and code), a title and a detail; returns its body. */
export function expectProblem(res: TestResponse, status: number, code?: string): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/, res.text)
  assert.equal(res.body.status, status, res.text)
  for (const key of ['title', 'detail']) assert.ok(typeof res.body[key] === 'string' && res.body[key] !== '', `problem without a ${key}: ${res.text}`)
  if (code !== undefined) assert.equal(res.body.code, code, res.text)
  return res.body
}

/** A 400 whose errors are in the ADR form (in, location, detail, code) and name at least these `[in, pointer-or-name]` locations. */
export function expectInvalid(res: TestResponse, locations: Array<[string, string]>): any[] {
  const body = expectProblem(res, 400)
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, `no errors: ${res.text}`)
  for (const e of body.errors) {
    assert.deepEqual(Object.keys(e).sort(), ['code', 'detail', 'in', 'location'], res.text)
    assert.ok(typeof e.detail === 'string' && e.detail !== '', `an error without a detail: ${res.text}`)
    assert.ok(typeof e.code === 'string' && e.code !== '', `an error without a code: ${res.text}`)
  }
  const seen: Array<[string, string]> = body.errors.map((e: any) => [e.in, e.location.pointer ?? e.location.name])
  for (const [where, name] of locations) assert.ok(seen.some(([w, n]) => w === where && n === name), `no error at ${where} ${name}: ${res.text}`)
  return body.errors
}

/** Every item of a list answer (`{ items, nextCursor }`), following nextCursor to the end. */
export async function listAll(client: TestClient, url: string, limit = 100): Promise<any[]> {
  const all: any[] = []
  let cursor: string | null = null
  const sep = url.includes('?') ? '&' : '?'
  for (let page = 0; page < 1000; page++) {
    const res: TestResponse = await client.get(`${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    assert.equal(res.status, 200, `${client.host} ${url}: ${res.text}`)
    all.push(...res.body.items)
    cursor = res.body.nextCursor
    if (cursor === null) return all
  }
  throw new Error(`listAll ${url}: the list never ended`)
}

export const ids = (items: Array<{ id: string }>) => items.map(i => i.id)
