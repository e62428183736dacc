// The comments plugin boots alone: it knows no other plugin, and without a commentable kind every item answers 404.
import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { commentsPlugin } from '@plein/plugin-comments'
import { expectProblem } from './helpers.js'

describe('comments: alone on a site', () => {
  let tk: TestKernel
  let admin: SignedUp
  let bob: SignedUp
  let itemId: string

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [commentsPlugin] })
    admin = await tk.signUp({ name: 'Admin' })
    bob = await tk.signUp({ name: 'Bob' })
    // An item every viewer may read, of a kind no plugin declares commentable.
    itemId = randomUUID()
    await tk.kernel.db.query(
      `INSERT INTO entity (id, site_id, kind, owner_id, title, read_access, write_access) VALUES ($1, $2, 'page', $3, 'A page', $4::text[], $5::text[])`,
      [itemId, tk.kernel.rootSite.id, bob.user.id, ['public'], [`user:${bob.user.id}`]],
    )
  })
  after(() => tk?.close())

  it('boots with the comments plugin as the only plugin', async () => {
    const site = await tk.client().get('/api/v1/site')
    expect(site.status, site.text).to.equal(200)
    expect(site.body.plugins.map((p: any) => p.name)).to.deep.equal(['comments'])
  })

  it('answers 404 for the comments of any item when no kind is commentable, to read and to post', async () => {
    for (const id of [itemId, randomUUID()]) {
      for (const client of [bob.client, admin.client, tk.client()]) {
        expectProblem(await client.get(`/api/v1/entities/${id}/comments`), 404)
      }
      expectProblem(await bob.client.post(`/api/v1/entities/${id}/comments`, { body: 'Hello' }), 404)
      expectProblem(await admin.client.post(`/api/v1/entities/${id}/comments`, { body: 'Hello' }), 404)
    }
    const rows = await tk.kernel.db.query('SELECT count(*)::int AS n FROM comments_comment')
    expect(rows[0].n).to.equal(0)
  })

  it('still asks anonymous visitors to sign in before posting', async () => {
    const res = await tk.client().post(`/api/v1/entities/${itemId}/comments`, { body: 'Hello' })
    expect(expectProblem(res, 401).detail).to.match(/must be logged in to post a comment/i)
  })

  it('has no blog routes', async () => {
    expectProblem(await bob.client.get('/api/v1/blogs'), 404)
    expect((await tk.client().get('/blogs/feed.xml')).status).to.equal(404)
  })
})
