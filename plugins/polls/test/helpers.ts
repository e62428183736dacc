// Shared by the polls tests: problem answers, polls made through the API, and the mail the kernel writes.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import type { TestClient, TestResponse } from '@plein/testing'
import { expectProblem } from '@plein/testing'
export { expectProblem, listAll, ids } from '@plein/testing'

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A 400 naming at least these body pointers (or query/path names). */
export function expectInvalid(res: TestResponse, locations: string[]): any[] {
  const body = expectProblem(res, 400)
  const seen = body.errors.map((e: any) => e.location.pointer ?? e.location.name)
  for (const l of locations) expect(seen, res.text).to.include(l)
  return body.errors
}

export const inAnHour = () => new Date(Date.now() + 3600_000).toISOString()

export async function createPoll(client: TestClient, body: Record<string, unknown> = {}): Promise<any> {
  const res = await client.post('/api/v1/polls', {
    title: 'Which day suits the neighbourhood meeting?',
    mode: 'single',
    options: ['Monday', 'Wednesday', 'Saturday'],
    access: { read: ['public'] },
    ...body,
  })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

export interface Mail {
  to: string
  subject: string
  text: string
}

const decodeQuotedPrintable = (s: string) =>
  Buffer.from(s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')

const decodeWords = (value: string) =>
  value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    )

/** Every mail the kernel wrote as an .eml file into the data folder (no SMTP in tests), oldest first. */
export function mails(dataDir: string): Mail[] {
  const dir = path.join(dataDir, 'mail')
  let files: string[]
  try {
    files = readdirSync(dir).filter(f => f.endsWith('.eml')).sort()
  } catch {
    return []
  }
  return files.map(f => {
    const raw = readFileSync(path.join(dir, f), 'utf8')
    const at = raw.search(/\r?\n\r?\n/)
    const headers: Record<string, string> = {}
    for (const line of raw.slice(0, at).replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
      const colon = line.indexOf(':')
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const body = raw.slice(at).replace(/^\r?\n\r?\n/, '')
    const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase()
    const text = encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body
    return { to: (headers.to ?? '').toLowerCase(), subject: decodeWords(headers.subject ?? ''), text }
  })
}

/** The mails to one address. */
export const mailsTo = (dataDir: string, address: string) => mails(dataDir).filter(m => m.to.includes(address.toLowerCase()))

/** The confirmation link in a mail, and its token. */
export function confirmationLink(mail: Mail): { url: URL; token: string } {
  const match = /https?:\/\/\S+\/polls\/[0-9a-f-]{36}\/confirm\?token=\S+/.exec(mail.text)
  expect(match, mail.text).to.not.equal(null)
  const url = new URL(match![0])
  return { url, token: url.searchParams.get('token')! }
}
