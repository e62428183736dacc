// Shared by the groups plugin's tests: problem answers, a group factory, list walking.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import type { TestClient, TestResponse } from '@plein/testing'

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

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
    expect(e).to.have.all.keys('in', 'location', 'detail', 'code')
    expect(e.detail).to.be.a('string').and.not.equal('')
  }
  const seen = body.errors.map((e: any) => [e.in, e.location.pointer ?? e.location.name])
  for (const l of locations) expect(seen, res.text).to.deep.include(l)
  return body.errors
}

export interface GroupInput {
  name?: string
  description?: string
  membership?: 'open' | 'closed'
  hidden?: boolean
  membersOnly?: boolean
  contentTypes?: string[] | null
  icon?: string | null
}

/** Creates a group (201 expected) and returns its JSON. */
export async function createGroup(who: TestClient | { client: TestClient }, input: GroupInput = {}): Promise<any> {
  const client = 'client' in who ? who.client : who
  const res = await client.post('/api/v1/groups', { name: 'A group', membership: 'open', ...input })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

/** Creates a blog post (201 expected), e.g. in a group with containerId. */
export async function createPost(client: TestClient, input: Record<string, unknown> = {}): Promise<any> {
  const res = await client.post('/api/v1/blogs', { title: 'A post', body: '<p>Text</p>', ...input })
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

/** The text of every mail the kernel wrote to its data folder (as .eml files), oldest first. */
export function mails(dataDir: string): string[] {
  const dir = path.join(dataDir, 'mail')
  let files: string[]
  try {
    files = readdirSync(dir).filter(f => f.endsWith('.eml')).sort()
  } catch {
    return []
  }
  return files.map(f => readFileSync(path.join(dir, f), 'utf8'))
}
