// Shared by the people plugin's tests: problem answers, list walking, site membership, the test fields.
import { expect } from 'chai'
import type { SignedUp, TestClient, TestResponse } from '@plein/testing'
import { parseCsv } from '../src/csv.js'

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

/** Makes `who` a member of the site (by an administrator). */
export async function makeMember(admin: SignedUp, who: SignedUp): Promise<void> {
  const res = await admin.client.patch(`/api/v1/site/members/${who.user.id}`, { role: 'member' })
  expect(res.status, res.text).to.equal(200)
}

const label = (en: string) => ({ nl: en, en })

/** Fields of every type and visibility. */
export const TEST_FIELDS = {
  department: { type: 'string', label: label('Department'), visibility: 'public', searchable: true },
  function: { type: 'string', label: label('Function'), visibility: 'logged_in', searchable: true, maxLength: 50 },
  phone: { type: 'phone', label: label('Phone'), visibility: 'members' },
  workEmail: { type: 'email', label: label('Work e-mail'), visibility: 'members', searchable: true },
  skills: { type: 'string[]', label: label('Skills'), visibility: 'logged_in', searchable: true, maxItems: 5, maxLength: 30 },
  salaryScale: { type: 'string', label: label('Salary scale'), visibility: 'admins', searchable: true, editableBy: 'admins' },
}

/** Sends CSV text to the import. */
export const importCsv = (client: TestClient, csv: string, type = 'text/csv; charset=utf-8') =>
  client.request('POST', '/api/v1/people/import', { raw: csv, headers: { 'content-type': type } })

/** The records of a CSV answer (header first). */
export const csvRows = (text: string) => {
  const parsed = parseCsv(text)
  expect(parsed.error).to.equal(undefined)
  return parsed.records.map(r => r.values)
}

/** A made-up word no other test uses. */
export function uniqueWord(prefix = 'zp'): string {
  let w = prefix
  for (let i = 0; i < 8; i++) w += String.fromCharCode(97 + Math.floor(Math.random() * 26))
  return w
}
