// Shared by the groups plugin's tests: problem answers, a group factory, list walking.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import type { TestClient } from '@plein/testing'
export { expectProblem, expectInvalid, listAll, ids } from '@plein/testing'

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

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
