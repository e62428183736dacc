// Shared by the identity and access tests: a content fixture plugin on the shared entity table,
// cookie and problem helpers, an SMTP server on loopback and a quoted-printable reader for mails.
import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { SMTPServer } from 'smtp-server'
import { accessSchema, createLogger, definePlugin, pageQueryProperties, problems, type Logger, type PluginDefinition, type Site } from '@plein/core'
import type { TestClient, TestResponse } from '@plein/testing'

export const SESSION_COOKIE = 'plein_session'
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A problem+json answer with this status; returns its body. */
export function expectProblem(res: TestResponse, status: number, code?: string): any {
  expect(res.status, res.text).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status })
  expect(res.body.title).to.be.a('string').and.not.equal('')
  expect(res.body.detail).to.be.a('string').and.not.equal('')
  if (code !== undefined) expect(res.body.code).to.equal(code)
  return res.body
}

/** The Set-Cookie line for the session cookie in an answer (undefined when none was set). */
export function sessionCookieLine(res: TestResponse): string | undefined {
  const lines = ([] as string[]).concat(res.headers['set-cookie'] ?? [])
  return lines.find(l => l.startsWith(`${SESSION_COOKIE}=`))
}

/** The session id the answer set in the cookie. */
export function sessionCookieValue(res: TestResponse): string {
  const line = sessionCookieLine(res)
  expect(line, 'a session cookie is set').to.be.a('string')
  return line!.split(';')[0]!.slice(SESSION_COOKIE.length + 1)
}

/** A request from a client that has nothing but this session cookie (no CSRF token, no other cookies). */
export function withCookie(client: TestClient, value: string, extra: Record<string, string> = {}) {
  const bare = client.fresh()
  const headers = { cookie: `${SESSION_COOKIE}=${value}`, ...extra }
  return {
    get: (path: string) => bare.get(path, { headers }),
    post: (path: string, body?: unknown, more: Record<string, string> = {}) => bare.post(path, body, { headers: { ...headers, ...more } }),
    request: (method: string, path: string, body?: unknown, more: Record<string, string> = {}) =>
      bare.request(method, path, { body, headers: { ...headers, ...more } }),
  }
}

/** A client that signs in with a personal API token only. */
export function withBearer(client: TestClient, token: string) {
  const bare = client.fresh()
  const headers = { authorization: `Bearer ${token}` }
  return {
    get: (path: string) => bare.get(path, { headers }),
    post: (path: string, body?: unknown) => bare.post(path, body, { headers }),
    delete: (path: string) => bare.delete(path, { headers }),
    request: (method: string, path: string, body?: unknown) => bare.request(method, path, { body, headers }),
  }
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

/** A logger whose JSON lines are kept, to prove what never reaches a log. */
export function capturedLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = []
  const log = createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => void lines.push(line) } })
  return { log, lines }
}

// ---------------------------------------------------------------------------------------------
// The content fixture: items on the shared entity table, through the kernel's access helpers only.

export interface ItemsState {
  /** Group ids per account id: the fixture's `access.viewerTokens` tap adds `group:<id>` for each. */
  groups: Map<string, Set<string>>
  /** Accounts whose deletion the fixture vetoes (after deleting their items inside the transaction). */
  vetoDelete: Set<string>
  /** Host name of a second site the fixture answers for (kernel.resolveSite), with the items plugin on. */
  otherHost?: string
}

export const newItemsState = (more: Partial<ItemsState> = {}): ItemsState => ({ groups: new Map(), vetoDelete: new Set(), ...more })

export interface ItemJson {
  id: string
  title: string
  ownerId: string | null
  access: { read: string[]; write: string[] }
}

/** A second site (as the subsites plugin would make one) sharing the root site's kernel settings. */
function siteLike(root: Site, host: string): Site {
  const id = randomUUID()
  return Object.freeze({
    id,
    key: 'other',
    name: 'Other site',
    hosts: Object.freeze([host]),
    isRoot: false,
    plugins: Object.freeze(['items']),
    contact: {},
    admins: [],
    settings: root.settings,
    isEnabled: (pluginId: string) => pluginId === 'items',
    settingsOf: () => ({}),
  })
}

export function itemsPlugin(state: ItemsState): PluginDefinition {
  let other: Site | undefined
  return definePlugin({
    id: 'items',
    version: '1.0.0',
    register(ctx) {
      ctx.hooks.access.viewerTokens.tap((tokens, { viewer }) => {
        const mine = viewer.user ? state.groups.get(viewer.user.id) : undefined
        return mine ? [...tokens, ...[...mine].map(g => `group:${g}`)] : tokens
      })
      ctx.hooks.identity.beforeAccountDelete.tap(async (account, manager) => {
        if (!state.vetoDelete.has(account.id)) return undefined
        // Work done before the veto must be rolled back with the rest.
        await manager.query('DELETE FROM entity WHERE owner_id = $1', [account.id])
        return { reason: 'You still own items others depend on.' }
      })
      ctx.hooks.identity.exportAccount.tap(async (data, account) => ({ ...data, items: { groups: [...(state.groups.get(account.id) ?? [])] } }))
      if (state.otherHost) {
        const host = state.otherHost
        ctx.hooks.kernel.resolveSite.tap(h => (h === host ? (other ??= siteLike(ctx.rootSite, host)) : undefined))
        ctx.hooks.kernel.loadSite.tap(id => (other && other.id === id ? other : undefined))
      }
      const json = (e: { id: string; title: string; ownerId: string | null; readAccess: string[]; writeAccess: string[] }): ItemJson => ({
        id: e.id,
        title: e.title,
        ownerId: e.ownerId,
        access: { read: e.readAccess, write: e.writeAccess },
      })
      ctx.routes(r => {
        r.post<{ title: string; access?: { read?: string[]; write?: string[] } }>(
          'items.create',
          '/api/v1/items',
          { body: { type: 'object', required: ['title'], properties: { title: { type: 'string', minLength: 1, maxLength: 200 }, access: accessSchema } } },
          async c => {
            const viewer = c.viewer
            if (!viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
            const access = ctx.access.resolve(viewer, c.site, c.input.body.access)
            const rows = await ctx.db.query(
              `INSERT INTO entity (site_id, kind, owner_id, title, read_access, write_access)
               VALUES ($1, 'item', $2, $3, $4::text[], $5::text[]) RETURNING id`,
              [c.site.id, viewer.user.id, c.input.body.title, access.read, access.write],
            )
            c.status = 201
            return { id: rows[0].id, title: c.input.body.title, ownerId: viewer.user.id, access }
          },
        )
        r.get<unknown, { limit: number; cursor?: string }>('items.list', '/api/v1/items', { query: { type: 'object', properties: pageQueryProperties } }, async c => {
          const page = await ctx.access.list(c.viewer, c.site, { kinds: ['item'], limit: c.input.query.limit, cursor: c.input.query.cursor })
          return { items: page.items.map(json), nextCursor: page.nextCursor }
        })
        r.patch<{ title: string }, unknown, { id: string }>(
          'items.update',
          '/api/v1/items/:id',
          {
            params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } },
            body: { type: 'object', required: ['title'], properties: { title: { type: 'string', minLength: 1, maxLength: 200 } } },
          },
          async c => {
            const item = await ctx.access.find(c.site, c.input.params.id)
            if (!item || item.kind !== 'item') throw problems.notFound('Not found.', { code: 'NOT_FOUND' })
            ctx.access.assertWritable(c.viewer, item, c.site)
            await ctx.db.query('UPDATE entity SET title = $1, updated_at = now() WHERE id = $2 AND site_id = $3', [c.input.body.title, item.id, c.site.id])
            return json({ ...item, title: c.input.body.title })
          },
        )
        r.get<unknown, unknown, { id: string }>('items.get', '/api/v1/items/:id', { params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } } }, async c =>
          json(await ctx.access.get(c.viewer, c.site, c.input.params.id, 'item')),
        )
      })
    },
  })
}

/** Every item a client can list, following nextCursor to the end. */
export async function listAll(client: { get(path: string): Promise<TestResponse> }, limit: number): Promise<ItemJson[]> {
  const all: ItemJson[] = []
  let cursor: string | null = null
  for (let page = 0; page < 1000; page++) {
    const res: TestResponse = await client.get(`/api/v1/items?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    expect(res.status, res.text).to.equal(200)
    expect(res.body.items.length).to.be.at.most(limit)
    all.push(...res.body.items)
    cursor = res.body.nextCursor
    if (cursor === null) return all
  }
  throw new Error('listAll: the list never ended')
}

// ---------------------------------------------------------------------------------------------
// Mail: a real SMTP server on loopback.

export interface ReceivedMail {
  to: string[]
  raw: string
  /** The body with quoted-printable soft breaks and escapes undone. */
  text: string
}

export interface MailCatcher {
  url: string
  mails: ReceivedMail[]
  /** Resolves with the first mail to `to` received after `since` mails were there (polls). */
  next(to: string, since?: number, timeoutMs?: number): Promise<ReceivedMail>
  close(): Promise<void>
}

/** Undoes quoted-printable (soft line breaks and =XX escapes). */
export function decodeQuotedPrintable(s: string): string {
  const joined = s.replace(/=\r?\n/g, '')
  return Buffer.from(joined.replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')
}

/** `refuse` answers RCPT TO with that SMTP code (e.g. 451 try later, 550 no such mailbox) instead of taking the mail. */
export async function startMailCatcher(options: { refuse?: (address: string) => number | undefined } = {}): Promise<MailCatcher> {
  const mails: ReceivedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = options.refuse?.(address.address.toLowerCase())
      callback(code ? Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code }) : undefined)
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', c => chunks.push(c))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        mails.push({ to: session.envelope.rcptTo.map(r => r.address.toLowerCase()), raw, text: decodeQuotedPrintable(raw) })
        callback()
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as { port: number }).port
  return {
    url: `smtp://127.0.0.1:${port}?tls=off`,
    mails,
    async next(to, since = 0, timeoutMs = 5000) {
      const started = Date.now()
      for (;;) {
        const found = mails.slice(since).find(m => m.to.includes(to.toLowerCase()))
        if (found) return found
        if (Date.now() - started > timeoutMs) throw new Error(`no mail to ${to} within ${timeoutMs} ms`)
        await sleep(20)
      }
    },
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  }
}

/** The link with `path` in a mail's text, and the token in it. */
export function linkIn(text: string, path: string): { link: string; token: string } {
  const match = new RegExp(`https?://[^\\s]+${path.replace(/\//g, '\\/')}\\?token=([^\\s]+)`).exec(text)
  expect(match, `a ${path} link in:\n${text}`).to.not.equal(null)
  return { link: match![0], token: decodeURIComponent(match![1]!) }
}
