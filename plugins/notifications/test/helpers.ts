// Shared by the notifications plugin's tests: a real SMTP server on loopback, a small MIME reader, and
// helpers for posts and notification lists.
import { expect } from 'chai'
import { SMTPServer } from 'smtp-server'
import type { SignedUp, TestClient, TestResponse } from '@plein/testing'
export { expectProblem } from '@plein/testing'

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// Mail

export interface MailPart {
  contentType: string
  text: string
}

export interface ReceivedMail {
  /** Envelope recipients, lower case. */
  to: string[]
  raw: string
  /** Header names lower case, folded lines joined. */
  headers: Record<string, string>
  subject: string
  parts: MailPart[]
  /** The text/plain part, decoded. */
  text: string
  /** The text/html part, decoded. */
  html: string
}

function decodeQuotedPrintable(s: string): string {
  const joined = s.replace(/=\r?\n/g, '')
  return Buffer.from(joined.replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=) in a header value. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    )
}

function splitEntity(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/)
  const head = at < 0 ? raw : raw.slice(0, at)
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '')
  const headers: Record<string, string> = {}
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { headers, body }
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase()
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body)
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
  return body
}

/** The leaf parts of a MIME entity, decoded. */
function partsOf(raw: string): MailPart[] {
  const { headers, body } = splitEntity(raw)
  const type = headers['content-type'] ?? 'text/plain'
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1]
  if (/^multipart\//i.test(type) && boundary) {
    const pieces = body.split(`--${boundary}`).slice(1)
    return pieces.filter(p => !p.startsWith('--')).flatMap(p => partsOf(p.replace(/^\r?\n/, '')))
  }
  return [{ contentType: type.split(';')[0]!.trim().toLowerCase(), text: decodeBody(headers, body) }]
}

export function parseMail(raw: string, to: string[]): ReceivedMail {
  const { headers } = splitEntity(raw)
  const parts = partsOf(raw)
  return {
    to,
    raw,
    headers,
    subject: decodeWords(headers.subject ?? ''),
    parts,
    text: parts.find(p => p.contentType === 'text/plain')?.text ?? '',
    html: parts.find(p => p.contentType === 'text/html')?.text ?? '',
  }
}

export interface MailCatcher {
  url: string
  mails: ReceivedMail[]
  /** Mails to this address (received so far). */
  to(address: string): ReceivedMail[]
  /** Resolves with the first mail to `address` after `since` mails were there (polls). */
  next(address: string, since?: number, timeoutMs?: number): Promise<ReceivedMail>
  close(): Promise<void>
}

/** A real SMTP server on loopback that keeps every message. */
/** `refuse` answers an SMTP code (e.g. 550, 451) to refuse a recipient at RCPT TO or the message at DATA, or undefined to accept. */
export async function startMailCatcher(options: { refuse?: (address: string, stage: 'rcpt' | 'data') => number | undefined } = {}): Promise<MailCatcher> {
  const mails: ReceivedMail[] = []
  const refusal = (code: number) => Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code })
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = options.refuse?.(address.address.toLowerCase(), 'rcpt')
      callback(code ? refusal(code) : undefined)
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', c => chunks.push(c))
      stream.on('end', () => {
        const code = options.refuse?.(session.envelope.rcptTo[0]?.address.toLowerCase() ?? '', 'data')
        if (code) return callback(refusal(code))
        mails.push(parseMail(Buffer.concat(chunks).toString('utf8'), session.envelope.rcptTo.map(r => r.address.toLowerCase())))
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
    to: address => mails.filter(m => m.to.includes(address.toLowerCase())),
    async next(address, since = 0, timeoutMs = 5000) {
      const started = Date.now()
      for (;;) {
        const found = mails.slice(since).find(m => m.to.includes(address.toLowerCase()))
        if (found) return found
        if (Date.now() - started > timeoutMs) throw new Error(`no mail to ${address} within ${timeoutMs} ms`)
        await sleep(20)
      }
    },
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  }
}

/** The unsubscribe link in a mail's List-Unsubscribe header: its path and query, and the token. */
export function unsubscribeLink(mail: ReceivedMail): { pathAndQuery: string; token: string } {
  const header = mail.headers['list-unsubscribe']
  expect(header, 'a List-Unsubscribe header').to.be.a('string')
  const url = new URL(/^<([^>]+)>$/.exec(header!)![1]!)
  expect(url.pathname).to.equal('/notifications/unsubscribe')
  return { pathAndQuery: `${url.pathname}${url.search}`, token: url.searchParams.get('token')! }
}

// ---------------------------------------------------------------------------------------------
// Content and notifications

export interface PostInput {
  title?: string
  body?: string
  access?: { read?: string[]; write?: string[] }
  containerId?: string
  status?: 'draft' | 'published'
}

export async function createPost(author: SignedUp, input: PostInput = {}): Promise<any> {
  const res = await author.client.post('/api/v1/blogs', { title: 'A post', body: '<p>Text</p>', access: { read: ['public'] }, ...input })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

export async function createGroup(owner: SignedUp, input: { name: string; membership?: 'open' | 'closed'; hidden?: boolean }): Promise<any> {
  const res = await owner.client.post('/api/v1/groups', { membership: 'open', ...input })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

export async function comment(author: SignedUp, itemId: string, body: string): Promise<any> {
  const res = await author.client.post(`/api/v1/entities/${itemId}/comments`, { body })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

export async function follow(who: SignedUp, id: string): Promise<void> {
  const res = await who.client.post(`/api/v1/entities/${id}/follow`)
  expect(res.status, res.text).to.equal(204)
}

/** The whole notification list of a user (200 expected): items and the unread count. */
export async function notificationsOf(client: TestClient): Promise<{ items: any[]; unread: number }> {
  const items: any[] = []
  let cursor: string | null = null
  let unread = 0
  for (let page = 0; page < 100; page++) {
    const res: TestResponse = await client.get(`/api/v1/notifications?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    expect(res.status, res.text).to.equal(200)
    items.push(...res.body.items)
    unread = res.body.unread
    cursor = res.body.nextCursor
    if (cursor === null) return { items, unread }
  }
  throw new Error('the notification list never ended')
}

/** A user's notifications about one item, as [kind, actor id] pairs. */
export async function aboutItem(client: TestClient, itemId: string): Promise<Array<[string, string | undefined]>> {
  const { items } = await notificationsOf(client)
  return items.filter(n => n.item?.id === itemId).map(n => [n.kind, n.actor?.id])
}

export const mention = (who: SignedUp) => `@[${who.user.name}](${who.user.id})`

