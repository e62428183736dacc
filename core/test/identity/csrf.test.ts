// CSRF: a cookie session's changing requests must carry the session's token (header or `_csrf` form field).
import { expect } from 'chai'
import { definePlugin, escapeHtml } from '@plein/core'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { expectProblem, sessionCookieValue, withBearer, withCookie } from './helpers.js'

const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const

const probe = definePlugin({
  id: 'probe',
  version: '1.0.0',
  register(ctx) {
    ctx.routes(r => {
      const answer = (c: any) => ({ method: c.method, user: c.viewer.user?.id ?? null })
      r.get('probe.get', '/api/v1/probe', answer)
      r.post('probe.post', '/api/v1/probe', answer)
      r.put('probe.put', '/api/v1/probe', answer)
      r.patch('probe.patch', '/api/v1/probe', answer)
      r.delete('probe.delete', '/api/v1/probe', answer)
      // An HTML form route: the kernel takes `_csrf` from the fields and checks it.
      r.post<{ note: string }>(
        'probe.form',
        '/probe/form',
        { hidden: true, form: { type: 'object', required: ['note'], properties: { note: { type: 'string', maxLength: 100 } } } },
        c => {
          c.type = 'text/html; charset=utf-8'
          c.body = `<!doctype html><p>saved ${escapeHtml(c.input.body.note)} for ${escapeHtml(c.viewer.user?.name ?? 'nobody')}</p>`
        },
      )
    })
  },
})

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()

describe('identity: CSRF', () => {
  let tk: TestKernel
  let person: SignedUp
  let cookie: string
  let csrf: string

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({ plugins: [probe] })
    person = await tk.signUp()
    const login = await person.client.post('/api/v1/auth/login', { email: person.user.email, password: person.password })
    cookie = sessionCookieValue(login)
    csrf = login.body.csrfToken
  })
  after(() => tk?.close())

  it('refuses a cookie-authenticated POST, PUT, PATCH and DELETE without X-CSRF-Token (403 CSRF_TOKEN_INVALID)', async () => {
    for (const method of METHODS) {
      const res = await withCookie(tk.http, cookie).request(method, '/api/v1/probe')
      expectProblem(res, 403, 'CSRF_TOKEN_INVALID')
    }
  })

  it('refuses them with a wrong token, also an empty one or the token of another session', async () => {
    const other = await tk.signUp()
    const tokens = [csrf.slice(0, -1) + (csrf.endsWith('A') ? 'B' : 'A'), '', 'x', other.client.csrfToken!]
    for (const method of METHODS) {
      for (const token of tokens) {
        const res = await withCookie(tk.http, cookie, { 'x-csrf-token': token }).request(method, '/api/v1/probe')
        expectProblem(res, 403, 'CSRF_TOKEN_INVALID')
      }
    }
  })

  it('accepts them with the session token from the login answer', async () => {
    for (const method of METHODS) {
      const res = await withCookie(tk.http, cookie, { 'x-csrf-token': csrf }).request(method, '/api/v1/probe')
      expect(res.status, `${method}: ${res.text}`).to.equal(200)
      expect(res.body).to.deep.equal({ method, user: person.user.id })
    }
  })

  it('hands out the same token from /auth/me', async () => {
    const me = await withCookie(tk.http, cookie).get('/api/v1/auth/me')
    expect(me.body.csrfToken).to.equal(csrf)
  })

  it('needs no token for GET', async () => {
    const res = await withCookie(tk.http, cookie).get('/api/v1/probe')
    expect(res.status).to.equal(200)
    expect(res.body.user).to.equal(person.user.id)
  })

  it('refuses before the handler runs: a refused POST /auth/tokens creates no token', async () => {
    const res = await withCookie(tk.http, cookie).post('/api/v1/auth/tokens', { name: 'sneaky' })
    expectProblem(res, 403, 'CSRF_TOKEN_INVALID')
    const list = await person.client.get('/api/v1/auth/tokens')
    expect(list.body.items.map((t: any) => t.name)).to.not.include('sneaky')
  })

  it('protects logout too: a cross-site POST cannot sign the user out', async () => {
    expectProblem(await withCookie(tk.http, cookie).post('/api/v1/auth/logout'), 403, 'CSRF_TOKEN_INVALID')
    expect((await withCookie(tk.http, cookie).get('/api/v1/auth/me')).status).to.equal(200)
  })

  it('needs no token for Bearer-token requests', async () => {
    const created = await person.client.post('/api/v1/auth/tokens', { name: 'cli' })
    expect(created.status).to.equal(201)
    for (const method of METHODS) {
      const res = await withBearer(tk.http, created.body.token).request(method, '/api/v1/probe')
      expect(res.status, `${method}: ${res.text}`).to.equal(200)
      expect(res.body.user).to.equal(person.user.id)
    }
  })

  it('needs no token from an anonymous visitor (no session, no authority to borrow)', async () => {
    const res = await tk.client().post('/api/v1/probe')
    expect(res.status).to.equal(200)
    expect(res.body.user).to.equal(null)
  })

  describe('HTML forms', () => {
    const post = (body: string, extra: Record<string, string> = {}) =>
      tk.http.fresh().post('/probe/form', undefined, {
        raw: body,
        headers: { cookie: `plein_session=${cookie}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...extra },
      })

    it('accepts a form post that carries the session token in the `_csrf` field (removed before validation)', async () => {
      const res = await post(form({ note: 'hello', _csrf: csrf }))
      expect(res.status, res.text).to.equal(200)
      expect(res.text).to.include(`saved hello for ${escapeHtml(person.user.name)}`)
    })

    it('refuses a form post without `_csrf`, or with a wrong one (403 problem+json)', async () => {
      expectProblem(await post(form({ note: 'hello' })), 403, 'CSRF_TOKEN_INVALID')
      expectProblem(await post(form({ note: 'hello', _csrf: 'forged-token' })), 403, 'CSRF_TOKEN_INVALID')
    })

    it('also accepts the X-CSRF-Token header on a form post', async () => {
      const res = await post(form({ note: 'via header' }), { 'x-csrf-token': csrf })
      expect(res.status, res.text).to.equal(200)
    })
  })
})
