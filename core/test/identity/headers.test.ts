// Security headers on every answer: JSON, HTML, problems, 404s, health checks, unknown hosts.
import { expect } from 'chai'
import { createTestKernel, type TestKernel, type TestResponse } from '@plein/testing'

/** The directives of a Content-Security-Policy header, by name. */
function csp(res: TestResponse): Map<string, string[]> {
  const header = res.headers['content-security-policy']
  expect(header, `Content-Security-Policy on ${res.status}`).to.be.a('string')
  return new Map(
    String(header)
      .split(';')
      .map(d => d.trim().split(/\s+/))
      .filter(parts => parts[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  )
}

function expectSecurityHeaders(res: TestResponse, frameAncestors = ["'none'"]): void {
  const policy = csp(res)
  expect(String(res.headers['content-security-policy'])).to.not.include("'unsafe-inline'")
  expect(String(res.headers['content-security-policy'])).to.not.include("'unsafe-eval'")
  // No inline script: scripts only from the site itself (script-src, or default-src when it is absent).
  expect(policy.get('script-src') ?? policy.get('default-src')).to.deep.equal(["'self'"])
  expect(policy.get('frame-ancestors')).to.deep.equal(frameAncestors)
  expect(res.headers['x-content-type-options']).to.equal('nosniff')
  expect(res.headers['referrer-policy']).to.be.oneOf(['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'])
}

describe('security headers', () => {
  let tk: TestKernel

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel()
  })
  after(() => tk?.close())

  it('sends them on a JSON answer', async () => {
    const res = await tk.http.get('/api/v1/site')
    expect(res.status).to.equal(200)
    expectSecurityHeaders(res)
  })

  it('sends them on an HTML page, which has no inline script', async () => {
    const res = await tk.http.get('/auth/reset-password?token=abc', { headers: { accept: 'text/html' } })
    expect(res.status).to.equal(200)
    expect(String(res.headers['content-type'])).to.match(/^text\/html/)
    expectSecurityHeaders(res)
    expect(res.text).to.not.match(/<script(?![^>]*\bsrc=)/i)
    expect(res.text).to.not.match(/\son[a-z]+=/i)
  })

  it('sends them on problem answers: 400, 401, 403 and 404', async () => {
    await tk.signUp() // the administrator
    const member = await tk.signUp()
    const answers: Array<[TestResponse, number]> = [
      [await tk.http.post('/api/v1/auth/register', { email: 'x' }), 400],
      [await tk.http.get('/api/v1/auth/me'), 401],
      [await member.client.get('/api/v1/site/members'), 403],
      [await tk.http.get('/api/v1/no-such-route'), 404],
    ]
    for (const [res, status] of answers) {
      expect(res.status).to.equal(status)
      expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
      expectSecurityHeaders(res)
    }
  })

  it('sends them on the health checks and on a host no site answers to', async () => {
    for (const res of [await tk.http.get('/healthz'), await tk.http.get('/readyz'), await tk.http.get('/api/v1/site', { host: 'unknown.example' })]) {
      expectSecurityHeaders(res)
    }
  })
})

describe('security headers with embedding allowed', () => {
  let tk: TestKernel

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({ site: { settings: { security: { frameAncestors: ['https://portal.example.nl', 'https://intranet.example.nl:8443'] } } } })
  })
  after(() => tk?.close())

  it("lists the site's frameAncestors in frame-ancestors instead of 'none'", async () => {
    for (const res of [await tk.http.get('/api/v1/site'), await tk.http.get('/api/v1/no-such-route')]) {
      expectSecurityHeaders(res, ['https://portal.example.nl', 'https://intranet.example.nl:8443'])
    }
  })
})
