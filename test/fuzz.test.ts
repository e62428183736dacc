// Bad input at scale (issue 12, point 6): random and malformed requests for every operation of the OpenAPI
// document of a site with every bundled plugin, made with fast-check: path parameters (existing and unknown ids,
// random and huge strings, unicode, `../`), query strings (wrong types, arrays, huge and negative numbers, garbage
// cursors), bodies (values from the schema, wrong types, missing and extra fields, deep nesting, invalid JSON,
// wrong content types, oversized), as an anonymous visitor, with a bearer token (an administrator's and a
// member's) and with a cookie session that sends no CSRF token. Never a 5xx, every 4xx is problem+json, every
// answer within 5 s, and the server still answers at the end.
// A fixed seed; PLEIN_FUZZ_RUNS (runs per operation, default 15) and PLEIN_FUZZ_SEED to explore further.
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { expect } from 'chai'
import fc from 'fast-check'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { eventsPlugin } from '@plein/plugin-events'
import { filesPlugin } from '@plein/plugin-files'
import { groupsPlugin } from '@plein/plugin-groups'
import { intranetPlugin } from '@plein/plugin-intranet'
import { newsPlugin } from '@plein/plugin-news'
import { notificationsPlugin } from '@plein/plugin-notifications'
import { peoplePlugin } from '@plein/plugin-people'
import { pollsPlugin } from '@plein/plugin-polls'
import { searchPlugin } from '@plein/plugin-search'
import { subsitesPlugin } from '@plein/plugin-subsites'
import { wikiPlugin } from '@plein/plugin-wiki'
import { createTestKernel, type SignedUp, type TestKernel, type TestResponse } from '@plein/testing'

const RUNS = Number(process.env.PLEIN_FUZZ_RUNS ?? 15)
const SEED = Number(process.env.PLEIN_FUZZ_SEED ?? 20261128)
const TIME_BOUND_MS = 5000
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

type Identity = 'anonymous' | 'adminBearer' | 'memberBearer' | 'cookieNoCsrf'
interface Operation {
  method: (typeof METHODS)[number]
  path: string
  parameters: Array<{ in: 'path' | 'query' | 'header' | 'cookie'; name: string; schema?: any }>
  /** Content types of the request body and the JSON body's schema. */
  bodyTypes: string[]
  bodySchema?: any
}
interface FuzzRequest {
  identity: Identity
  url: string
  body?: { raw: Buffer | string; contentType?: string }
}
interface Answer {
  status: number
  contentType: string
  text: string
  ms: number
}

/** A raw request with a time bound: no client-side normalisation of the path, headers exactly as given. */
function send(port: number, method: string, url: string, headers: Record<string, string>, body?: Buffer | string): Promise<Answer> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: method.toUpperCase(), path: url, headers }, res => {
      const chunks: Buffer[] = []
      res.on('data', c => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        clearTimeout(timer)
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started })
      })
    })
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${TIME_BOUND_MS} ms`)), TIME_BOUND_MS)
    req.on('error', error => {
      clearTimeout(timer)
      // The server may refuse an oversized body before reading it all: an early answer is still an answer.
      reject(error)
    })
    req.end(body)
  })
}

// ---- generators ----

/** Percent-encodes any string, also one with lone surrogates (as the bytes Node would send for it). */
const enc = (s: string) => {
  try {
    return encodeURIComponent(s)
  } catch {
    return [...Buffer.from(s)].map(b => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
  }
}

const hugeString = 'x'.repeat(20_000)
const nasty = ['', ' ', '..', '../..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f', '%00', '%', '%ZZ', '%C0%AE', '-1', '0', '1.5', '1e309', '99999999999999999999', 'null', 'undefined', 'true', '[]', '{}', '{id}', '%20', "'; DROP TABLE entity; --", '<script>', 'ﬀ', '%F0%9F%92%A9', hugeString]

/** Strings databases and parsers choke on: NUL, lone surrogates, control and direction characters, long emoji. */
const weird = ['\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\u202e\u0007\b\f', '👩‍👩‍👧‍👦'.repeat(20), '\\', '%s%n', '${x}', '<!--', ' \t\r\n ']

/** A path parameter: an existing id, an unknown uuid, random or unicode strings (encoded), or a nasty raw segment. */
const pathParam = (pool: string[], name: string, preferred: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    ...(preferred.length > 0 ? [{ weight: 5, arbitrary: fc.constantFrom(...preferred) }] : []),
    { weight: 3, arbitrary: fc.constantFrom(...pool) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map(enc) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map(enc) },
    { weight: 1, arbitrary: fc.integer({ min: -10, max: 3 }).map(String) },
    { weight: 2, arbitrary: fc.constantFrom(...nasty.filter(n => /^[\x21-\x7e]*$/.test(n))) },
    ...(name === 'name' ? [{ weight: 2, arbitrary: fc.constantFrom('report.txt', 'a%2Fb.txt', '.hidden', 'CON', 'x'.repeat(300)) }] : []),
  )

/** A value from a JSON Schema, as the API would take it (more or less: patterns and formats are only approximated). */
function fromSchema(schema: any, pool: string[], depth = 0): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object' || depth > 4) return fc.jsonValue({ maxDepth: 1 })
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum)
  if ('const' in schema) return fc.constant(schema.const)
  const variants = schema.oneOf ?? schema.anyOf
  if (Array.isArray(variants) && variants.length > 0) return fc.oneof(...variants.map((s: any) => fromSchema(s, pool, depth + 1)))
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) return fromSchema(Object.assign({}, ...schema.allOf), pool, depth + 1)
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.properties ? ['object'] : []
  if (types.length === 0) return fc.jsonValue({ maxDepth: 2 })
  return fc.oneof(
    ...types.map((type): fc.Arbitrary<unknown> => {
      switch (type) {
        case 'null':
          return fc.constant(null)
        case 'boolean':
          return fc.boolean()
        case 'integer':
          // Past 32 bits too: an unbounded integer must not reach an int column unchecked.
          return fc.oneof({ weight: 5, arbitrary: fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 }) }, { weight: 1, arbitrary: fc.constantFrom(2147483648, -2147483649, 9007199254740991, 1e20) })
        case 'number':
          return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true })
        case 'string':
          if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...pool), fc.uuid())
          if (schema.format === 'date-time') return fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map(d => d.toISOString())
          if (schema.format === 'date') return fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map(d => d.toISOString().slice(0, 10))
          if (schema.format === 'email') return fc.emailAddress()
          if (schema.format === 'uri' || /https/.test(String(schema.pattern ?? ''))) return fc.webUrl()
          return fc.oneof(
            { weight: 6, arbitrary: fc.string({ minLength: Math.min(schema.minLength ?? 0, 40), maxLength: Math.max(Math.min(schema.maxLength ?? 40, 40), Math.min(schema.minLength ?? 0, 40)) }) },
            { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
            { weight: 1, arbitrary: fc.constantFrom(...weird) },
          )
        case 'array':
          return fc.array(fromSchema(schema.items, pool, depth + 1), { maxLength: 3 })
        case 'object': {
          const props: Record<string, any> = schema.properties ?? {}
          const required: string[] = (schema.required ?? []).filter((k: string) => k in props)
          if (Object.keys(props).length === 0) return fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })
          return fc.record(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, fromSchema(s, pool, depth + 1)])), { requiredKeys: required })
        }
        default:
          return fc.jsonValue({ maxDepth: 1 })
      }
    }),
  )
}

/** Deeply nested JSON (arrays or objects), as text. */
const deep = (n: number, object: boolean) => (object ? '{"a":'.repeat(n) + '1' + '}'.repeat(n) : '['.repeat(n) + ']'.repeat(n))

/** A request body: from the schema, mutated, or broken on purpose. */
function bodyArbitrary(op: Operation, pool: string[]): fc.Arbitrary<FuzzRequest['body']> {
  const json = (value: unknown, contentType = 'application/json') => ({ raw: JSON.stringify(value) ?? 'null', contentType })
  const valid = op.bodySchema ? fromSchema(op.bodySchema, pool) : fc.jsonValue({ maxDepth: 2 })
  const mutated = fc.tuple(valid, fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 12 }), fc.nat()).map(([v, other, key, n]) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return other
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) }
    const keys = Object.keys(out)
    switch (n % 4) {
      case 0: // a field of another type
        if (keys.length > 0) out[keys[n % keys.length]!] = other
        break
      case 1: // a field left out
        if (keys.length > 0) delete out[keys[n % keys.length]!]
        break
      case 2: // a field too many
        out[key || 'extra'] = other
        break
      default: // a prototype-looking key
        for (const [k, v] of [['__proto__', { isAdmin: true }], ['constructor', { prototype: { polluted: true } }]] as const) {
          Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
        }
    }
    return out
  })
  return fc.oneof(
    { weight: 8, arbitrary: valid.map(v => json(v)) },
    { weight: 8, arbitrary: mutated.map(v => json(v)) },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(v => json(v)) },
    { weight: 2, arbitrary: fc.constantFrom(deep(5000, false), deep(5000, true), deep(60, true)).map(raw => ({ raw, contentType: 'application/json' })) },
    { weight: 2, arbitrary: fc.constantFrom('{"a":', 'nul', '{"title": "x",}', '\u0000', "{'a': 1}", '', '"\\ud800"', '{"__proto__": {"x": 1}}').map(raw => ({ raw, contentType: 'application/json' })) },
    { weight: 2, arbitrary: fc.tuple(valid, fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin-1', 'application/octet-stream', '')).map(([v, ct]) => json(v, ct)) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map(bytes => ({ raw: Buffer.from(bytes), contentType: op.bodyTypes.find(t => t !== 'application/json') ?? 'application/octet-stream' })) },
    // Oversized: past every JSON limit (the kernel's is 1 MB by default).
    { weight: 1, arbitrary: fc.constant({ raw: JSON.stringify({ title: 'x'.repeat(3 * 1024 * 1024), body: 'y' }), contentType: 'application/json' }) },
  )
}

/** One query parameter's value(s): from its schema, of a wrong type, repeated (an array), huge or negative. */
function queryValue(schema: any, pool: string[]): fc.Arbitrary<string[]> {
  const fromIt = fromSchema(schema, pool).map(v => [typeof v === 'string' ? v : JSON.stringify(v)])
  return fc.oneof(
    { weight: 15, arbitrary: fromIt },
    { weight: 5, arbitrary: fc.tuple(fromIt, fromIt).map(([a, b]) => [...a, ...b]) },
    { weight: 10, arbitrary: fc.constantFrom(...nasty.filter(s => s !== hugeString), ...weird, '-5', '0', '100000', '9007199254740993', 'abc', 'eyJ0IjoiYSJ9', 'eyJ0IjoiMjAyMC0wMS0wMVQwMDowMDowMFoiLCJpIjoiLi4vIn0', 'AAAA').map(s => [s]) },
    { weight: 5, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map(s => [s]) },
    { weight: 1, arbitrary: fc.constant<string[]>([hugeString]) },
  )
}

function queryArbitrary(op: Operation, pool: string[]): fc.Arbitrary<string> {
  const params = op.parameters.filter(p => p.in === 'query')
  const each = params.map(p => fc.option(queryValue(p.schema, pool), { nil: undefined, freq: 3 }).map(values => (values ? values.map(v => `${enc(p.name)}=${enc(v)}`) : [])))
  const extra = fc.oneof(
    { weight: 6, arbitrary: fc.constant([] as string[]) },
    { weight: 1, arbitrary: fc.constantFrom('%', 'a=%ZZ', 'q=%FF', 'cursor=%ED%A0%80', 'limit=%00', 'limit[]=1', 'limit[a]=2', '=', '&&&', 'cursor', `x=${'y'.repeat(9000)}`).map(s => [s]) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([k, v]) => [`${enc(k)}=${enc(v)}`]) },
  )
  return fc.tuple(fc.tuple(...each), extra).map(([parts, more]) => {
    const all = [...parts.flat(), ...more]
    return all.length > 0 ? `?${all.join('&')}` : ''
  })
}

// ---- the test ----

describe('fuzzing every endpoint of the OpenAPI document', function () {
  this.timeout(240_000)
  let tk: TestKernel
  let doc: any
  let admin: SignedUp
  let member: SignedUp
  const tokens: Record<'admin' | 'member', string> = { admin: '', member: '' }
  let adminCookie = ''
  /** Ids that exist (users, groups, posts, files …), by parameter name where it matters. */
  const pool: string[] = []
  const named: Record<string, string[]> = {}

  before(async () => {
    tk = await createTestKernel({
      plugins: [commentsPlugin, blogPlugin, groupsPlugin, searchPlugin, notificationsPlugin, filesPlugin, subsitesPlugin, intranetPlugin, newsPlugin, eventsPlugin, wikiPlugin, peoplePlugin, pollsPlugin],
    })
    admin = await tk.signUp({ name: 'Fuzz Admin' })
    member = await tk.signUp({ name: 'Fuzz Member' })
    const made = async (res: Promise<TestResponse>, into?: string) => {
      const r = await res
      expect(r.status, r.text).to.be.oneOf([200, 201])
      if (r.body?.id) {
        pool.push(r.body.id)
        if (into) (named[into] ??= []).push(r.body.id)
      }
      return r.body
    }
    tokens.admin = (await made(admin.client.post('/api/v1/auth/tokens', { name: 'fuzz' }), 'auth')).token
    tokens.member = (await made(member.client.post('/api/v1/auth/tokens', { name: 'fuzz' }))).token
    // A cookie session of the administrator without its CSRF token: signed in, but no write may pass.
    adminCookie = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: tk.port, method: 'POST', path: '/api/v1/auth/login', headers: { host: '127.0.0.1', 'content-type': 'application/json' } }, res => {
        res.resume()
        res.on('end', () => resolve((res.headers['set-cookie'] ?? []).map(c => c.split(';')[0]).join('; ')))
      })
      req.on('error', reject)
      req.end(JSON.stringify({ email: admin.user.email, password: admin.password }))
    })
    expect(adminCookie).to.not.equal('')
    named.userId = named.users = [admin.user.id, member.user.id]
    pool.push(admin.user.id, member.user.id)

    const a = admin.client
    const group = await made(a.post('/api/v1/groups', { name: 'Fuzz group', membership: 'closed' }), 'groups')
    await member.client.post(`/api/v1/groups/${group.id}/join`)
    const post = await made(a.post('/api/v1/blogs', { title: 'Fuzz post', body: '<p>x</p>', containerId: group.id }), 'blogs')
    await made(a.post(`/api/v1/entities/${post.id}/comments`, { body: 'A comment' }), 'comments')
    const folder = await made(a.post('/api/v1/folders', { name: 'Fuzz folder' }), 'folders')
    const file = await made(a.put(`/api/v1/folders/${folder.id}/files/report.txt`, undefined, { raw: 'Some text', headers: { 'content-type': 'text/plain' } }), 'files')
    await made(a.post(`/api/v1/files/${file.id}/links`, {}), 'linkId')
    await made(a.post('/api/v1/wiki', { title: 'Fuzz page', body: '<p>x</p>' }), 'wiki')
    await made(a.post('/api/v1/news', { title: 'Fuzz news', body: '<p>x</p>' }), 'news')
    await made(a.post('/api/v1/events', { title: 'Fuzz event', startsAt: new Date(Date.now() + 86400_000).toISOString(), endsAt: new Date(Date.now() + 90000_000).toISOString(), capacity: 1 }), 'events')
    await made(a.post('/api/v1/polls', { title: 'Fuzz poll', mode: 'single', options: ['A', 'B'] }), 'polls')
    await made(a.post('/api/v1/intranet/announcements', { text: 'Fuzz', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 86400_000).toISOString() }), 'intranet')
    await made(a.post('/api/v1/subsites', { name: 'Fuzz subsite', host: 'fuzz.example.org', plugins: ['comments', 'blog'] }), 'subsites')
    named.entities = [post.id, group.id]
    named.version = ['1', '2', '2147483648', '99999999999999999999']
    named.rev = ['1', '2']
    named.name = ['report.txt']

    doc = (await admin.client.get('/api/v1/openapi.json')).body
  })
  after(() => tk?.close())

  it('refuses NUL characters in any input with a 400 naming the field (PostgreSQL stores none)', async () => {
    const headers = { host: '127.0.0.1', accept: 'application/json', authorization: `Bearer ${tokens.member}`, 'content-type': 'application/json' }
    const token = await send(tk.port, 'post', '/api/v1/auth/tokens', headers, JSON.stringify({ name: 'a\u0000b' }))
    expect(token.status, token.text).to.equal(400)
    expect(token.contentType).to.match(/^application\/problem\+json/)
    expect(JSON.parse(token.text).errors).to.deep.include({ in: 'body', location: { pointer: '/name' }, detail: 'must not contain NUL characters', code: 'nul' })
    const key = await send(tk.port, 'put', '/api/v1/intranet/dashboard', { ...headers, authorization: `Bearer ${tokens.admin}` }, JSON.stringify({ widgets: [{ type: 'intranet.quickLinks', config: { 'x\u0000': 1 } }] }))
    expect(key.status, key.text).to.equal(400)
    expect(JSON.parse(key.text).errors.map((e: any) => e.location.pointer)).to.include('/widgets/0/config/x\u0000')
    const query = await send(tk.port, 'get', '/api/v1/search?q=a%00b', headers)
    expect(query.status, query.text).to.equal(400)
    expect(JSON.parse(query.text).errors).to.deep.include({ in: 'query', location: { name: 'q' }, detail: 'must not contain NUL characters', code: 'nul' })
  })

  it('answers requests Node’s HTTP parser refuses with problem+json too (too long a URL, not HTTP at all)', async () => {
    const long = await send(tk.port, 'get', `/api/v1/site?q=${'x'.repeat(20_000)}`, { host: '127.0.0.1' })
    expect(long.status).to.equal(431)
    expect(long.contentType).to.match(/^application\/problem\+json/)
    expect(JSON.parse(long.text)).to.include({ status: 431, code: 'REQUEST_HEADERS_TOO_LARGE' })
    const garbage = await new Promise<string>((resolve, reject) => {
      const socket = connect(tk.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'))
      const chunks: Buffer[] = []
      socket.on('data', c => chunks.push(c))
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
      socket.on('error', reject)
    })
    expect(garbage).to.match(/^HTTP\/1\.1 400 /)
    expect(garbage).to.match(/content-type: application\/problem\+json/i)
    expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).to.include({ status: 400, code: 'MALFORMED_REQUEST' })
  })

  it(`answers every operation with no 5xx, problem+json for every 4xx, within ${TIME_BOUND_MS} ms (${RUNS} runs each)`, async () => {
    const base = new URL(doc.servers?.[0]?.url ?? '/api/v1', 'http://127.0.0.1').pathname.replace(/\/$/, '')
    const operations: Operation[] = []
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const method of METHODS) {
        const o = item[method]
        if (!o) continue
        const content = o.requestBody?.content ?? {}
        operations.push({ method, path, parameters: [...(item.parameters ?? []), ...(o.parameters ?? [])], bodyTypes: Object.keys(content), bodySchema: content['application/json']?.schema })
      }
    }
    expect(operations.length).to.be.greaterThan(100)
    // Reads first, deletions last, and whatever ends the administrator's own account at the very end, so the
    // ids stay useful as long as possible.
    const rank = (o: Operation) => METHODS.indexOf(o.method) + (/\/(users|people)\/me$|\/auth\//.test(o.path) ? 10 : 0)
    operations.sort((x, y) => rank(x) - rank(y))

    const failures: string[] = []
    let requests = 0
    let slowest = { ms: 0, what: '' }
    /** Answers by identity and status class, to see the fuzzing reaches the handlers (not only 401 and 404). */
    const seen: Record<string, number> = {}
    const started = Date.now()
    for (const [index, op] of operations.entries()) {
      let last = ''
      const pathParams = op.parameters.filter(p => p.in === 'path')
      // An `id` is most often one of the resource the path names (a group for /groups/{id}), else any id or none.
      const preferred = (name: string) => (name === 'id' ? named[op.path.split('/')[1]!] : named[name]) ?? []
      const pathArb = fc.tuple(...pathParams.map(p => pathParam(pool, p.name, preferred(p.name)))).map(values => {
        let url = `${base}${op.path}`
        pathParams.forEach((p, i) => (url = url.replace(`{${p.name}}`, values[i]!)))
        return url
      })
      const withBody = op.method !== 'get' && op.method !== 'delete'
      const requestArb = fc.record({
        identity: fc.constantFrom<Identity>('anonymous', 'adminBearer', 'memberBearer', 'cookieNoCsrf'),
        url: fc.tuple(pathArb, queryArbitrary(op, pool)).map(([p, q]) => p + q),
        body: withBody ? bodyArbitrary(op, pool) : fc.constant(undefined),
      })
      try {
        await fc.assert(
          fc.asyncProperty(requestArb, async req => {
            const headers: Record<string, string> = { host: '127.0.0.1', accept: 'application/json' }
            if (req.identity === 'adminBearer') headers.authorization = `Bearer ${tokens.admin}`
            if (req.identity === 'memberBearer') headers.authorization = `Bearer ${tokens.member}`
            if (req.identity === 'cookieNoCsrf') headers.cookie = adminCookie
            if (req.body?.contentType) headers['content-type'] = req.body.contentType
            let answer: Answer
            try {
              requests++
              answer = await send(tk.port, op.method, req.url, headers, req.body?.raw)
            } catch (error) {
              // An oversized body may be answered (413) and the socket closed before it was all sent.
              if (/EPIPE|ECONNRESET/.test(String((error as Error).message)) && Buffer.byteLength(req.body?.raw ?? '') > 1_000_000) return
              throw error
            }
            const key = `${req.identity} ${String(answer.status)[0]}xx`
            seen[key] = (seen[key] ?? 0) + 1
            if (answer.ms > slowest.ms) slowest = { ms: answer.ms, what: `${op.method.toUpperCase()} ${req.url.slice(0, 120)}` }
            const problem = answer.status >= 500 ? 'a 5xx' : answer.status >= 400 && !/^application\/problem\+json/.test(answer.contentType) ? `a ${answer.contentType || 'bodiless'} 4xx` : undefined
            if (problem) {
              last = `${problem} for ${req.identity} ${req.url.slice(0, 200)} (body ${String(req.body?.contentType)}: ${String(req.body?.raw ?? '').slice(0, 200)}) → ${answer.status} ${answer.text.slice(0, 300)}`
              throw new Error(last)
            }
          }),
          { seed: SEED + index, numRuns: RUNS, endOnFailure: true },
        )
      } catch (error) {
        const seed = /seed: (-?\d+), path: "([^"]*)"/.exec(String((error as Error).message))
        failures.push(`${op.method.toUpperCase()} ${op.path} (seed ${seed?.[1]}, path ${seed?.[2]}): ${last || String((error as Error).message).slice(-600)}`)
      }
    }
    // The server is still up and answers.
    const site = await send(tk.port, 'get', `${base}/site`, { host: '127.0.0.1', accept: 'application/json' })
    expect(site.status, site.text).to.equal(200)
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    if (process.env.PLEIN_FUZZ_VERBOSE) console.log(`fuzz: ${operations.length} operations, ${requests} requests in ${seconds} s; slowest ${slowest.ms} ms (${slowest.what})`, seen)
    // Not only refusals: signed-in requests got through validation and access checks to real work.
    expect(seen['adminBearer 2xx'] ?? 0, JSON.stringify(seen)).to.be.greaterThan(RUNS * 3)
    expect(seen['memberBearer 2xx'] ?? 0, JSON.stringify(seen)).to.be.greaterThan(RUNS)
    expect(failures, failures.join('\n\n')).to.deep.equal([])
  })
})
