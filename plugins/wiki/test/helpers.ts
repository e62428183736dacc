// Shared by the wiki plugin's tests: problem answers, a page factory, list walking.
import { expect } from 'chai'
import type { TestClient, TestResponse } from '@plein/testing'

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** An application/problem+json answer with this status (and code); returns its body. */
export function expectProblem(res: TestResponse, status: number, code?: string): any {
  expect(res.status, res.text).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status })
  expect(res.body.title).to.be.a('string').and.not.equal('')
  expect(res.body.detail).to.be.a('string').and.not.equal('')
  if (code !== undefined) expect(res.body.code, res.text).to.equal(code)
  return res.body
}

/** A 400 in the ADR form that names at least these `[in, pointer-or-name]` locations. */
export function expectInvalid(res: TestResponse, locations: Array<[string, string]>): any[] {
  const body = expectProblem(res, 400)
  expect(body.errors, res.text).to.be.an('array').that.is.not.empty
  for (const e of body.errors) {
    expect(e).to.include.keys('in', 'location', 'detail', 'code')
    expect(e.detail).to.be.a('string').and.not.equal('')
  }
  const seen = body.errors.map((e: any) => [e.in, e.location.pointer ?? e.location.name])
  for (const l of locations) expect(seen, res.text).to.deep.include(l)
  return body.errors
}

export interface PageInput {
  title?: string
  body?: string
  parentId?: string
  containerId?: string
  access?: { read?: string[]; write?: string[] }
  summary?: string
}

/** Creates a page (201 expected) and returns its JSON. */
export async function createPage(client: TestClient, input: PageInput = {}): Promise<any> {
  const res = await client.post('/api/v1/wiki', { title: 'A page', body: '<p>Text</p>', ...input })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

/** Every item of a list, following nextCursor to the end. */
export async function listAll(client: TestClient, url: string, limit = 100): Promise<any[]> {
  const all: any[] = []
  let cursor: string | null = null
  const sep = url.includes('?') ? '&' : '?'
  for (let page = 0; page < 1000; page++) {
    const res: TestResponse = await client.get(`${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    expect(res.status, `${url}: ${res.text}`).to.equal(200)
    all.push(...res.body.items)
    cursor = res.body.nextCursor
    if (cursor === null) return all
  }
  throw new Error(`listAll ${url}: the list never ended`)
}

export const ids = (items: Array<{ id: string }>) => items.map(i => i.id)

export const privateAccess = (ownerId: string) => ({ read: [`user:${ownerId}`], write: [`user:${ownerId}`] })

/** A made-up word no other test uses (letters only, so search keeps it whole). */
export function uniqueWord(prefix = 'zw'): string {
  let w = prefix
  for (let i = 0; i < 8; i++) w += String.fromCharCode(97 + Math.floor(Math.random() * 26))
  return w
}
