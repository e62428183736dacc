// Personal API tokens: shown once, listed without the secret, stored hashed, revoked at once.
import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { expectProblem, uuidPattern, withBearer } from './helpers.js'

describe('identity: personal API tokens', () => {
  let tk: TestKernel
  let owner: SignedUp

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel()
    await tk.signUp() // the administrator; the tests below use an ordinary account
    owner = await tk.signUp()
  })
  after(() => tk?.close())

  it('creates a token with 201 { id, name, token }; the token starts with plein_ and works as Bearer', async () => {
    const res = await owner.client.post('/api/v1/auth/tokens', { name: 'my script' })
    expect(res.status, res.text).to.equal(201)
    expect(res.body.id).to.match(uuidPattern)
    expect(res.body.name).to.equal('my script')
    expect(res.body.token).to.match(/^plein_[A-Za-z0-9_-]{30,}$/)
    const me = await withBearer(tk.http, res.body.token).get('/api/v1/auth/me')
    expect(me.status).to.equal(200)
    expect(me.body.user).to.deep.equal(owner.user)
  })

  it('shows the secret only once: the list has id, name, createdAt and lastUsedAt, never the token or its hash', async () => {
    const created = await owner.client.post('/api/v1/auth/tokens', { name: 'listed' })
    const list = await owner.client.get('/api/v1/auth/tokens')
    expect(list.status).to.equal(200)
    const item = list.body.items.find((t: any) => t.id === created.body.id)
    expect(Object.keys(item).sort()).to.deep.equal(['createdAt', 'id', 'lastUsedAt', 'name'])
    expect(item.name).to.equal('listed')
    expect(Date.parse(item.createdAt)).to.be.closeTo(Date.now(), 60_000)
    expect(item.lastUsedAt).to.equal(null)
    expect(list.text).to.not.include(created.body.token)
    expect(list.text).to.not.include(created.body.token.slice(6))
    expect(list.text.toLowerCase()).to.not.include('hash')
  })

  it('stores only a hash of the token', async () => {
    const created = await owner.client.post('/api/v1/auth/tokens', { name: 'stored' })
    const rows = await tk.kernel.db.query('SELECT * FROM kernel_api_token WHERE id = $1', [created.body.id])
    expect(rows).to.have.length(1)
    expect(JSON.stringify(rows)).to.not.include(created.body.token.slice(6))
  })

  it('sets lastUsedAt once the token is used', async () => {
    const created = await owner.client.post('/api/v1/auth/tokens', { name: 'used' })
    await withBearer(tk.http, created.body.token).get('/api/v1/auth/me')
    const list = await withBearer(tk.http, created.body.token).get('/api/v1/auth/tokens')
    const item = list.body.items.find((t: any) => t.id === created.body.id)
    expect(item.lastUsedAt).to.be.a('string')
    expect(Date.parse(item.lastUsedAt)).to.be.closeTo(Date.now(), 60_000)
  })

  it('stops working at once when deleted (204, then 401)', async () => {
    const created = await owner.client.post('/api/v1/auth/tokens', { name: 'doomed' })
    const bearer = withBearer(tk.http, created.body.token)
    expect((await bearer.get('/api/v1/auth/me')).status).to.equal(200)
    const del = await owner.client.delete(`/api/v1/auth/tokens/${created.body.id}`)
    expect(del.status, del.text).to.equal(204)
    expectProblem(await bearer.get('/api/v1/auth/me'), 401, 'INVALID_TOKEN')
    const list = await owner.client.get('/api/v1/auth/tokens')
    expect(list.body.items.map((t: any) => t.id)).to.not.include(created.body.id)
    // Deleting it again: it is gone.
    expectProblem(await owner.client.delete(`/api/v1/auth/tokens/${created.body.id}`), 404)
  })

  it('lets a token delete itself', async () => {
    const created = await owner.client.post('/api/v1/auth/tokens', { name: 'self-destruct' })
    const bearer = withBearer(tk.http, created.body.token)
    expect((await bearer.delete(`/api/v1/auth/tokens/${created.body.id}`)).status).to.equal(204)
    expectProblem(await bearer.get('/api/v1/auth/me'), 401)
  })

  it('answers a forged token with 401 (problem+json, WWW-Authenticate: Bearer), never as an anonymous visitor', async () => {
    for (const forged of [`plein_${randomBytes(32).toString('base64url')}`, 'plein_', 'not-even-ours', `plein_${'x'.repeat(200)}`]) {
      const res = await withBearer(tk.http, forged).get('/api/v1/site')
      expectProblem(res, 401)
      expect(String(res.headers['www-authenticate'])).to.match(/^Bearer/)
    }
  })

  it('answers 404 when deleting the token of someone else, and leaves it working', async () => {
    const created = await owner.client.post('/api/v1/auth/tokens', { name: 'mine' })
    const stranger = await tk.signUp()
    expectProblem(await stranger.client.delete(`/api/v1/auth/tokens/${created.body.id}`), 404, 'TOKEN_NOT_FOUND')
    expect((await withBearer(tk.http, created.body.token).get('/api/v1/auth/me')).status).to.equal(200)
    // …and does not list it either.
    const theirs = await stranger.client.get('/api/v1/auth/tokens')
    expect(theirs.body.items).to.deep.equal([])
  })

  it('needs a signed-in user to create or list tokens (401)', async () => {
    expectProblem(await tk.client().post('/api/v1/auth/tokens', { name: 'x' }), 401)
    expectProblem(await tk.client().get('/api/v1/auth/tokens'), 401)
  })

  it('answers me over a token without a CSRF token (csrfToken null)', async () => {
    const created = await owner.client.post('/api/v1/auth/tokens', { name: 'me' })
    const me = await withBearer(tk.http, created.body.token).get('/api/v1/auth/me')
    expect(me.body.csrfToken).to.equal(null)
  })
})
