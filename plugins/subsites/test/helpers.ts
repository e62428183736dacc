// Shared by the subsites plugin's tests: problem answers, list walking, and people signed in on several hosts.
import { expect } from 'chai'
import { signUp, TestClient, type TestKernel } from '@plein/testing'
export { expectProblem, expectInvalid, listAll, ids } from '@plein/testing'

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const ROOT_HOST = '127.0.0.1'

/**
 * An account and its clients, one per host: a session belongs to the site it was made on, so a person
 * signs in on each site they visit (cookie session + CSRF token, like a browser per host).
 */
export interface Person {
  user: { id: string; name: string; email: string }
  email: string
  password: string
  /** The client signed in on this host (signs in on first use). */
  on(host: string): Promise<TestClient>
}

export async function person(tk: TestKernel, who: { name: string; email?: string }): Promise<Person> {
  const signed = await signUp(new TestClient(tk.url, ROOT_HOST), who)
  const clients = new Map<string, TestClient>([[ROOT_HOST, signed.client]])
  return {
    user: signed.user,
    email: signed.user.email,
    password: signed.password,
    async on(host: string) {
      let client = clients.get(host)
      if (!client) {
        client = new TestClient(tk.url, host)
        const res = await client.post('/api/v1/auth/login', { email: signed.user.email, password: signed.password })
        expect(res.status, `sign-in of ${signed.user.name} on ${host}: ${res.text}`).to.equal(200)
        clients.set(host, client)
      }
      return client
    },
  }
}

/** Creates a subsite as a root administrator (201 expected) and returns its record. */
export async function createSubsite(rootAdmin: TestClient, input: Record<string, unknown>): Promise<any> {
  const res = await rootAdmin.post('/api/v1/subsites', input)
  expect(res.status, res.text).to.equal(201)
  return res.body
}

/** Waits until `check` passes (it throws until then), up to `ms`. */
export async function eventually(check: () => Promise<void>, ms = 5000, every = 50): Promise<number> {
  const start = Date.now()
  for (;;) {
    try {
      await check()
      return Date.now() - start
    } catch (error) {
      if (Date.now() - start > ms) throw error
      await new Promise(resolve => setTimeout(resolve, every))
    }
  }
}
