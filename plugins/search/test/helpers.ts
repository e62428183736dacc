// Shared by the search plugin's tests: unique words, a search call that walks pages, problem answers.
import { expect } from 'chai'
import type { TestClient, TestResponse } from '@plein/testing'

/**
 * A made-up word no other test uses (letters only, so every text-search configuration keeps it whole).
 * Tests put one in every item they make and in every query, so items of other tests never match.
 */
export function uniqueWord(prefix = 'zq'): string {
  let w = prefix
  for (let i = 0; i < 8; i++) w += String.fromCharCode(97 + Math.floor(Math.random() * 26))
  return w
}

export interface SearchParams {
  q?: string
  type?: string
  containerId?: string
  from?: string
  to?: string
  limit?: number
  cursor?: string
}

export const searchPath = (params: SearchParams) => {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v))
  return `/api/v1/search?${qs}`
}

/** One page of search results (200 expected). */
export async function search(client: TestClient, params: SearchParams): Promise<{ items: any[]; nextCursor: string | null }> {
  const res = await client.get(searchPath(params))
  expect(res.status, res.text).to.equal(200)
  return res.body
}

/** Every search result, following nextCursor to the end; fails on a repeated item. */
export async function searchAll(client: TestClient, params: SearchParams): Promise<any[]> {
  const all: any[] = []
  let cursor: string | undefined
  for (let page = 0; page < 100; page++) {
    const body = await search(client, { ...params, cursor })
    all.push(...body.items)
    if (body.nextCursor === null) {
      const ids = all.map(i => i.id)
      expect(new Set(ids).size, `no item twice in ${ids.join(', ')}`).to.equal(ids.length)
      return all
    }
    cursor = body.nextCursor
  }
  throw new Error('searchAll: the result never ended')
}

/** Every item of a list endpoint, following nextCursor to the end. */
export async function listAll(client: TestClient, path: string): Promise<any[]> {
  const all: any[] = []
  let cursor: string | null = null
  const sep = path.includes('?') ? '&' : '?'
  for (let page = 0; page < 1000; page++) {
    const res: TestResponse = await client.get(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    expect(res.status, res.text).to.equal(200)
    all.push(...res.body.items)
    cursor = res.body.nextCursor
    if (cursor === null) return all
  }
  throw new Error(`listAll ${path}: the list never ended`)
}

/** An application/problem+json answer with this status; returns its body. */
export function expectProblem(res: TestResponse, status: number): any {
  expect(res.status, res.text).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status })
  expect(res.body.detail).to.be.a('string').and.not.equal('')
  return res.body
}

export const ids = (items: Array<{ id: string }>) => items.map(i => i.id)
export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))
