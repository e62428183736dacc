// Shared by the wiki plugin's tests: problem answers, a page factory, list walking.
import { expect } from 'chai'
import type { TestClient } from '@plein/testing'
export { expectProblem, expectInvalid, listAll, ids } from '@plein/testing'

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

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

export const privateAccess = (ownerId: string) => ({ read: [`user:${ownerId}`], write: [`user:${ownerId}`] })

/** A made-up word no other test uses (letters only, so search keeps it whole). */
export function uniqueWord(prefix = 'zw'): string {
  let w = prefix
  for (let i = 0; i < 8; i++) w += String.fromCharCode(97 + Math.floor(Math.random() * 26))
  return w
}
