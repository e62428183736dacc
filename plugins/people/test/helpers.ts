// Shared by the people plugin's tests: problem answers, list walking, site membership, the test fields.
import { expect } from 'chai'
import type { SignedUp, TestClient } from '@plein/testing'
import { parseCsv } from '../src/csv.js'
export { expectProblem, expectInvalid, listAll, ids } from '@plein/testing'

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
