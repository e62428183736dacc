// HTTP: problem+json answers, input validation, standard headers, health, site and the OpenAPI document.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { expect } from 'chai'
import { KERNEL_VERSION, definePlugin, problems } from '@plein/core'
import { createTestKernel, type TestKernel, type TestResponse } from '@plein/testing'
import { captureLog, type LogLine } from './support/kit.js'

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const things = definePlugin({
  id: 'things',
  version: '0.3.0',
  settings: {
    type: 'object',
    additionalProperties: false,
    properties: { greeting: { type: 'string', default: 'hallo' }, max: { type: 'integer', default: 5 } },
  },
  register(ctx) {
    ctx.routes(r => {
      r.get(
        'things.list',
        '/api/v1/things',
        {
          summary: 'List things.',
          query: {
            type: 'object',
            properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, cursor: { type: 'string' } },
          },
          responses: { 200: { description: 'Things.', schema: { type: 'object' } } },
        },
        c => ({ items: [], nextCursor: null, limit: c.input.query.limit }),
      )
      r.post(
        'things.create',
        '/api/v1/things',
        {
          body: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 20 },
              count: { type: 'integer' },
              tags: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' } } } },
            },
          },
          responses: { 201: { description: 'Created.' } },
        },
        c => {
          c.status = 201
          return { ...c.input.body }
        },
      )
      r.post('things.small', '/api/v1/small-things', { body: { type: 'object', properties: { s: { type: 'string' } } }, bodyLimit: 100 }, c => c.input.body)
      r.get(
        'things.get',
        '/api/v1/things/:id',
        { params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } } },
        c => {
          throw problems.notFound(`No thing ${c.input.params.id}.`, { code: 'THING_NOT_FOUND' })
        },
      )
      r.delete('things.delete', '/api/v1/things/:id', () => undefined)
      r.get('things.settings', '/api/v1/thing-settings', c => {
        const settings = ctx.settings<{ greeting: string; max: number }>(c.site)
        return { settings, frozen: Object.isFrozen(settings) }
      })
      r.get('things.crash', '/api/v1/crash', () => {
        throw new Error('secret detail: password=hunter2')
      })
      r.get('things.sql', '/api/v1/broken-sql', async () => ctx.db.query('SELECT secret_column FROM no_such_table WHERE id = $1', ['x']))
    })
  },
})

interface RawResult {
  status: number
  headers: IncomingHttpHeaders
  body: any
}

/**
 * A request written by hand: the body in chunks, with or without content-length, optionally never finished.
 * Resolves as soon as the answer is complete.
 */
function rawRequest(port: number, options: { method: string; path: string; headers: Record<string, string>; chunks: Buffer[]; finish: boolean }): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    let answered = false
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method, path: options.path, headers: { host: '127.0.0.1', ...options.headers } }, res => {
      answered = true
      const parts: Buffer[] = []
      res.on('data', c => parts.push(c))
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined })
        req.destroy()
      })
      res.on('error', reject)
    })
    // Writing after the server answered and closed may fail: that is the point of some of these tests.
    req.on('error', error => {
      if (!answered) reject(error)
    })
    for (const chunk of options.chunks) req.write(chunk)
    if (options.finish) req.end()
  })
}

function expectProblem(res: TestResponse | RawResult, status: number): any {
  expect(res.status).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status })
  expect(res.body.type).to.be.a('string')
  expect(res.body.title).to.be.a('string').and.not.equal('')
  expect(res.body.detail).to.be.a('string').and.not.equal('')
  return res.body
}

describe('HTTP', () => {
  let tk: TestKernel
  let lines: LogLine[]

  before(async () => {
    const captured = captureLog('info')
    lines = captured.lines
    tk = await createTestKernel({ plugins: [things], settings: { things: { greeting: 'hoi' } }, log: captured.log })
  })
  after(() => tk?.close())

  describe('problem answers', () => {
    it('answers malformed JSON with 400', async () => {
      const res = await tk.http.post('/api/v1/things', undefined, { raw: '{"name": "a",', headers: { 'content-type': 'application/json' } })
      const problem = expectProblem(res, 400)
      expect(problem.code).to.equal('MALFORMED_JSON')
      expect(problem.errors).to.deep.equal([{ in: 'body', location: { pointer: '' }, detail: 'is not valid JSON', code: 'json' }])
    })

    it('answers a body that is not JSON with 415, with or without a content type', async () => {
      const form = await tk.http.post('/api/v1/things', undefined, { raw: 'name=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      expect(expectProblem(form, 415).detail).to.include('application/x-www-form-urlencoded')
      const bare = await tk.http.post('/api/v1/things', undefined, { raw: '{"name":"a"}' })
      expectProblem(bare, 415)
    })

    it('accepts application/json with a charset and +json types', async () => {
      for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
        const res = await tk.http.post('/api/v1/things', undefined, { raw: '{"name":"a"}', headers: { 'content-type': type } })
        expect(res.status, type).to.equal(201)
      }
    })

    it('answers a missing body with 400 naming the body', async () => {
      const res = await tk.http.post('/api/v1/things')
      expect(expectProblem(res, 400).errors).to.deep.equal([{ in: 'body', location: { pointer: '' }, detail: 'a JSON body is required', code: 'required' }])
    })

    it('answers a body over the default 1 MiB limit with 413', async () => {
      const big = JSON.stringify({ name: 'a', tags: [{ label: 'x'.repeat(1024 * 1024) }] })
      const res = await tk.http.post('/api/v1/things', undefined, { raw: big, headers: { 'content-type': 'application/json' } })
      expect(expectProblem(res, 413)).to.include({ code: 'BODY_TOO_LARGE', limit: 1024 * 1024 })
    })

    it('answers 413 from the declared length alone, without waiting for the body', async () => {
      const res = await rawRequest(tk.port, {
        method: 'POST',
        path: '/api/v1/things',
        headers: { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) },
        chunks: [Buffer.from('{"name":"')],
        finish: false,
      })
      expectProblem(res, 413)
      expect(res.headers.connection).to.equal('close')
    })

    it('answers 413 to a chunked body without content-length as soon as it passes the limit', async () => {
      const res = await rawRequest(tk.port, {
        method: 'POST',
        path: '/api/v1/small-things',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        chunks: [Buffer.from('{"s":"'), Buffer.from('x'.repeat(200))],
        finish: false,
      })
      expect(res.headers['content-length']).to.not.equal(undefined)
      expect(expectProblem(res, 413)).to.include({ limit: 100 })
    })

    it('accepts a chunked body within the limit', async () => {
      const res = await rawRequest(tk.port, {
        method: 'POST',
        path: '/api/v1/small-things',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        chunks: [Buffer.from('{"s":'), Buffer.from('"ok"}')],
        finish: true,
      })
      expect(res.status).to.equal(200)
      expect(res.body).to.deep.equal({ s: 'ok' })
    })

    it('answers an unknown route with 404', async () => {
      const res = await tk.http.get('/api/v1/nothing-here')
      expect(expectProblem(res, 404).code).to.equal('ROUTE_NOT_FOUND')
      expectProblem(await tk.http.request('PATCH', '/api/v1/things'), 404)
    })

    it('answers an unknown field in a JSON body with 400 naming it', async () => {
      const res = await tk.http.post('/api/v1/things', { name: 'a', x: 1 })
      const problem = expectProblem(res, 400)
      expect(problem.code).to.equal('INVALID_INPUT')
      expect(problem.errors).to.deep.equal([{ in: 'body', location: { pointer: '/x' }, detail: 'is not a known field', code: 'additionalProperties' }])
      expect(problem.detail).to.include('/x')
    })

    it('names unknown fields in nested objects by their JSON pointer', async () => {
      const res = await tk.http.post('/api/v1/things', { name: 'a', tags: [{ label: 'ok' }, { label: 'ok', colour: 'red' }] })
      expect(expectProblem(res, 400).errors).to.deep.equal([
        { in: 'body', location: { pointer: '/tags/1/colour' }, detail: 'is not a known field', code: 'additionalProperties' },
      ])
    })

    it('lists every field error at once', async () => {
      const res = await tk.http.post('/api/v1/things', { count: 'many', extra: true, tags: 'none' })
      const errors: any[] = expectProblem(res, 400).errors
      expect(errors.map(e => [e.location.pointer, e.code])).to.have.deep.members([
        ['/name', 'required'],
        ['/count', 'type'],
        ['/extra', 'additionalProperties'],
        ['/tags', 'type'],
      ])
      for (const e of errors) expect(e).to.have.all.keys('in', 'location', 'detail', 'code')
    })

    it('names query errors by parameter name', async () => {
      let problem = expectProblem(await tk.http.get('/api/v1/things?limit=0'), 400)
      expect(problem.errors).to.deep.equal([{ in: 'query', location: { name: 'limit' }, detail: 'must be >= 1', code: 'minimum' }])
      problem = expectProblem(await tk.http.get('/api/v1/things?limit=lots&colour=red'), 400)
      expect(problem.errors.map((e: any) => [e.in, e.location, e.code])).to.have.deep.members([
        ['query', { name: 'limit' }, 'type'],
        ['query', { name: 'colour' }, 'additionalProperties'],
      ])
    })

    it('coerces valid query values and applies defaults', async () => {
      expect((await tk.http.get('/api/v1/things?limit=5')).body).to.deep.equal({ items: [], nextCursor: null, limit: 5 })
      expect((await tk.http.get('/api/v1/things')).body.limit).to.equal(20)
    })

    it('names path parameter errors by name', async () => {
      const problem = expectProblem(await tk.http.get('/api/v1/things/not-a-uuid'), 400)
      expect(problem.errors).to.deep.equal([{ in: 'path', location: { name: 'id' }, detail: 'must match format "uuid"', code: 'format' }])
    })

    it('answers a thrown HttpProblem with its status and code', async () => {
      const problem = expectProblem(await tk.http.get('/api/v1/things/5b1f8a0e-2a7d-4a53-9c43-3c1b2b9c1e11'), 404)
      expect(problem).to.include({ code: 'THING_NOT_FOUND', type: 'urn:plein:problem:thing-not-found', title: 'Not Found' })
    })

    it('answers a thrown error with 500 that reveals nothing, and logs it with the request id', async () => {
      const res = await tk.http.get('/api/v1/crash')
      const problem = expectProblem(res, 500)
      const requestId = String(res.headers['x-request-id'])
      expect(requestId).to.match(uuidPattern)
      expect(problem.detail).to.include(requestId)
      expect(res.text).not.to.include('hunter2').and.not.include('secret detail').and.not.match(/\bat .*\.ts/)
      const line = lines.find(l => l.reqId === requestId && l.msg === 'request failed')
      expect(line?.err?.message).to.include('secret detail')
    })

    it('answers a failing SQL query with 500 that shows no SQL', async () => {
      const res = await tk.http.get('/api/v1/broken-sql')
      expectProblem(res, 500)
      expect(res.text).not.to.include('no_such_table').and.not.include('SELECT').and.not.include('secret_column')
      expect(res.headers['x-request-id']).to.be.a('string')
    })
  })

  describe('headers', () => {
    it('sends X-Request-Id and API-Version on every answer', async () => {
      const answers = await Promise.all([
        tk.http.get('/healthz'),
        tk.http.get('/readyz'),
        tk.http.get('/api/v1/site'),
        tk.http.get('/api/v1/nothing-here'),
        tk.http.post('/api/v1/things', { bad: 1 }),
        tk.http.get('/api/v1/crash'),
        tk.http.delete('/api/v1/things/1'),
        tk.http.get('/healthz', { host: 'unknown.example.org' }),
        tk.http.get('/api/v1/site', { host: 'unknown.example.org' }),
      ])
      const ids = new Set<string>()
      for (const res of answers) {
        expect(res.headers['x-request-id']).to.match(uuidPattern)
        expect(res.headers['api-version']).to.equal(KERNEL_VERSION)
        ids.add(String(res.headers['x-request-id']))
      }
      expect(ids.size).to.equal(answers.length)
      expect(KERNEL_VERSION).to.match(/^\d+\.\d+\.\d+/)
    })

    it('keeps a well-formed X-Request-Id from the client and replaces a malformed one', async () => {
      expect((await tk.http.get('/healthz', { headers: { 'x-request-id': 'abc-123.DEF_4' } })).headers['x-request-id']).to.equal('abc-123.DEF_4')
      expect((await tk.http.get('/healthz', { headers: { 'x-request-id': 'no spaces <allowed>' } })).headers['x-request-id']).to.match(uuidPattern)
    })

    it('logs one line per request with request id, site, method, path and status', async () => {
      const res = await tk.http.get('/api/v1/things?limit=3')
      const line = lines.find(l => l.msg === 'request' && l.reqId === res.headers['x-request-id'])
      expect(line).to.include({ site: 'root', method: 'GET', path: '/api/v1/things', status: 200 })
      expect(line!.ms).to.be.a('number')
    })
  })

  describe('health and site', () => {
    it('GET /healthz answers 200 { status: "ok" }, on any host', async () => {
      for (const host of ['127.0.0.1', 'unknown.example.org']) {
        const res = await tk.http.get('/healthz', { host })
        expect(res.status).to.equal(200)
        expect(res.body).to.deep.equal({ status: 'ok' })
      }
    })

    it('GET /readyz answers 200 while the database answers', async () => {
      const res = await tk.http.get('/readyz')
      expect(res.status).to.equal(200)
    })

    it('GET /api/v1/site answers id, name, host and the enabled plugins with versions', async () => {
      const res = await tk.http.get('/api/v1/site', { host: 'localhost' })
      expect(res.status).to.equal(200)
      expect(String(res.headers['content-type'])).to.match(/^application\/json; charset=utf-8/)
      expect(res.body.id).to.match(uuidPattern)
      expect(res.body).to.deep.include({ name: 'Test site', host: 'localhost', plugins: [{ name: 'things', version: '0.3.0' }], disabledPlugins: [] })
      expect((await tk.http.get('/api/v1/site')).body.id).to.equal(res.body.id)
    })

    it('answers a host no site owns with a 404 problem', async () => {
      const res = await tk.http.get('/api/v1/site', { host: 'unknown.example.org:8080' })
      const problem = expectProblem(res, 404)
      expect(problem.code).to.equal('SITE_NOT_FOUND')
      expect(problem.detail).to.include('unknown.example.org')
    })

    it('matches host names without port and case', async () => {
      expect((await tk.http.get('/api/v1/site', { host: 'LocalHost:9999' })).status).to.equal(200)
    })

    it('gives a plugin its validated settings with defaults, frozen', async () => {
      const res = await tk.http.get('/api/v1/thing-settings')
      expect(res.body).to.deep.equal({ settings: { greeting: 'hoi', max: 5 }, frozen: true })
    })
  })

  describe('OpenAPI document', () => {
    let doc: any

    before(async () => {
      const res = await tk.http.get('/api/v1/openapi.json')
      expect(res.status).to.equal(200)
      doc = res.body
    })

    it('is served at /api/v1/openapi.json and /api/openapi.json for anyone (CORS *)', async () => {
      for (const url of ['/api/v1/openapi.json', '/api/openapi.json']) {
        const res = await tk.http.get(url)
        expect(res.status, url).to.equal(200)
        expect(res.headers['access-control-allow-origin'], url).to.equal('*')
        expect(res.body.openapi).to.equal('3.1.0')
      }
    })

    it('has a servers URL ending in /api/v1 and paths relative to it', async () => {
      // The test client sends a Host header without port; a browser sends the port, and the URL keeps it.
      const withPort = await tk.http.get('/api/openapi.json', { host: `127.0.0.1:${tk.port}` })
      expect(withPort.body.servers[0].url).to.equal(`http://127.0.0.1:${tk.port}/api/v1`)
      expect(doc.servers[0].url).to.match(/^http:\/\/127\.0\.0\.1(:\d+)?\/api\/v1$/)
      const paths = Object.keys(doc.paths)
      expect(paths).to.include.members(['/things', '/things/{id}', '/small-things', '/site', '/openapi.json'])
      for (const p of paths) {
        expect(p).to.match(/^\//)
        expect(p).not.to.match(/^\/api\//)
        expect(p).not.to.match(/.\/$/)
      }
    })

    it('declares a 400 answer on every operation, and API-Version on every 2xx answer', () => {
      const operations = Object.entries(doc.paths).flatMap(([p, methods]) => Object.entries(methods as object).map(([m, op]) => [`${m} ${p}`, op] as const))
      expect(operations.length).to.be.greaterThan(5)
      for (const [name, op] of operations) {
        if (name !== 'get /openapi.json') expect(op.responses, name).to.have.property('400')
        for (const [status, answer] of Object.entries(op.responses as Record<string, any>)) {
          if (status.startsWith('2')) expect(answer.headers, `${name} ${status}`).to.have.property('API-Version')
          else expect(answer.content, `${name} ${status}`).to.have.property('application/problem+json')
        }
      }
    })

    it('describes parameters and bodies from the schemas the routes validate with', () => {
      const list = doc.paths['/things'].get
      expect(list.parameters.map((p: any) => [p.in, p.name])).to.deep.equal([
        ['query', 'limit'],
        ['query', 'cursor'],
      ])
      const one = doc.paths['/things/{id}'].get
      expect(one.parameters[0]).to.deep.include({ in: 'path', name: 'id', required: true, schema: { type: 'string', format: 'uuid' } })
      expect(one.responses).to.have.property('404')
      const create = doc.paths['/things'].post
      expect(create.requestBody.content['application/json'].schema.required).to.deep.equal(['name'])
      expect(create.responses).to.include.keys('201', '400', '413', '415')
    })

    it('has a semver info.version and a contact with name, url and email', () => {
      expect(doc.info.version).to.equal(KERNEL_VERSION)
      expect(doc.info.contact).to.have.all.keys('name', 'url', 'email')
    })
  })
})
