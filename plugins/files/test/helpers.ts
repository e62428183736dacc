// Shared by the files plugin's tests: problem answers, raw byte requests (downloads are bytes, not text),
// personal tokens, folder and file factories, and looks at the database and the blob folder.
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import path from 'node:path'
import { expect } from 'chai'
import type { SignedUp, TestClient, TestKernel, TestResponse } from '@plein/testing'

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

export interface Bytes {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  /** false when the server cut the answer off before its end. */
  complete: boolean
  /** The body as JSON when it is JSON. */
  json?: any
}

export interface RawOptions {
  method?: string
  headers?: Record<string, string>
  body?: Buffer | string
  /** A personal API token (Authorization: Bearer). */
  token?: string
  /** HTTP Basic credentials (link passwords). */
  basic?: [string, string]
  /** Send the body in these pieces with Transfer-Encoding: chunked (no Content-Length). */
  chunks?: Buffer[]
}

/** One request with the answer's bytes kept exactly (and whether it arrived whole). */
export function raw(baseUrl: string, pathname: string, options: RawOptions = {}): Promise<Bytes> {
  const headers: Record<string, string> = { host: '127.0.0.1', ...options.headers }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.basic) headers.authorization = `Basic ${Buffer.from(options.basic.join(':')).toString('base64')}`
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body)
  if (body) headers['content-length'] = String(body.length)
  if (options.chunks) headers['transfer-encoding'] = 'chunked'
  return new Promise((resolve, reject) => {
    // The path goes out as written (no URL normalisation: `%2E%2E` stays what it is).
    const base = new URL(baseUrl)
    const req = httpRequest({ hostname: base.hostname, port: base.port, path: pathname, method: options.method ?? 'GET', headers, agent: false }, res => {
      const chunks: Buffer[] = []
      let settled = false
      const done = () => {
        if (settled) return
        settled = true
        const buf = Buffer.concat(chunks)
        let json: any
        if (/json/.test(String(res.headers['content-type'] ?? '')) && buf.length > 0 && res.complete) {
          try {
            json = JSON.parse(buf.toString('utf8'))
          } catch {
            // not JSON after all
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, complete: res.complete, json })
      }
      res.on('data', c => chunks.push(c))
      res.on('error', () => done())
      res.on('end', done)
      res.on('close', done)
    })
    req.on('error', reject)
    if (options.chunks) {
      for (const c of options.chunks) req.write(c)
      req.end()
    } else {
      req.end(body)
    }
  })
}

/** A personal API token for raw requests as this person. */
export async function tokenOf(who: SignedUp): Promise<string> {
  const res = await who.client.post('/api/v1/auth/tokens', { name: `files tests ${Math.random().toString(36).slice(2, 6)}` })
  expect(res.status, res.text).to.equal(201)
  return res.body.token
}

/** Creates a folder (201 expected) and returns its JSON. */
export async function folder(client: TestClient, input: Record<string, unknown> = {}): Promise<any> {
  const res = await client.post('/api/v1/folders', { name: `Folder ${Math.random().toString(36).slice(2, 8)}`, ...input })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

/** Uploads bytes with PUT (201 or 200 expected) and returns the file JSON. */
export async function upload(client: TestClient, folderId: string, name: string, content: Buffer | string, headers: Record<string, string> = {}): Promise<any> {
  const res = await put(client, folderId, name, content, headers)
  expect([200, 201], res.text).to.include(res.status)
  return res.body
}

export function put(client: TestClient, folderId: string, name: string, content: Buffer | string, headers: Record<string, string> = {}): Promise<TestResponse> {
  return client.put(`/api/v1/folders/${folderId}/files/${encodeURIComponent(name)}`, undefined, {
    raw: content,
    headers: { 'content-type': 'application/octet-stream', ...headers },
  })
}

export const random = (n: number) => randomBytes(n)

/** Every file under a folder (recursively, dot folders included), as paths relative to it. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(path.relative(dir, p))
    }
  }
  walk(dir)
  return out.sort()
}

/** The files plugin's blob folder of a test kernel. */
export const blobDir = (tk: TestKernel) => path.join(tk.dataDir, 'blobs', 'files')

/** The stored blob of a file's version (path on disk). */
export async function blobPath(tk: TestKernel, fileId: string, version?: number): Promise<string> {
  const rows = await tk.kernel.db.query<{ blob_key: string }>(
    'SELECT blob_key FROM files_version WHERE entity_id = $1 ORDER BY version DESC',
    [fileId],
  )
  const row = version === undefined ? rows[0] : (await tk.kernel.db.query<{ blob_key: string }>('SELECT blob_key FROM files_version WHERE entity_id = $1 AND version = $2', [fileId, version]))[0]
  expect(row, `a version row for ${fileId}`).to.not.equal(undefined)
  return path.join(blobDir(tk), row!.blob_key)
}

/** Every item of a folder's children, following nextCursor to the end. */
export async function allChildren(client: TestClient, folderId: string, limit = 100): Promise<any[]> {
  const all: any[] = []
  let cursor: string | null = null
  for (let page = 0; page < 10_000; page++) {
    const res: TestResponse = await client.get(`/api/v1/folders/${folderId}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    expect(res.status, res.text).to.equal(200)
    all.push(...res.body.children.items)
    cursor = res.body.children.nextCursor
    if (cursor === null) return all
  }
  throw new Error('the folder never ended')
}

export const names = (items: Array<{ name?: string; title?: string }>) => items.map(i => i.name ?? i.title)

export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise(r => setTimeout(r, 25))
  }
}
