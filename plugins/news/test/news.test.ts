// The news plugin: editors, scheduled publishing (with a controllable clock), drafts, order, filters, the Atom
// feed; alone on a site and together with comments, search and intranet.
import { expect } from 'chai'
import { ManualClock } from '@plein/core'
import { createTestKernel, type SignedUp, type TestKernel, type TestResponse } from '@plein/testing'
import { newsPlugin } from '@plein/plugin-news'
import { commentsPlugin } from '@plein/plugin-comments'
import { searchPlugin } from '@plein/plugin-search'
import { intranetPlugin } from '@plein/plugin-intranet'

const PUBLIC = { read: ['public'] }
const SIGNED_IN = { read: ['logged_in'] }

function expectProblem(res: TestResponse, status: number, code?: string): any {
  expect(res.status, res.text).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
  if (code !== undefined) expect(res.body.code, res.text).to.equal(code)
  return res.body
}

describe('news: alone on a site', () => {
  let tk: TestKernel
  let clock: ManualClock
  let admin: SignedUp
  let editor: SignedUp
  let reader: SignedUp
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000)

  const write = async (who: SignedUp, body: Record<string, unknown>) => {
    const res = await who.client.post('/api/v1/news', { body: '<p>Text</p>', access: PUBLIC, ...body })
    expect(res.status, res.text).to.equal(201)
    return res.body
  }
  const listIds = async (client: SignedUp['client'], query = '') => {
    const res = await client.get(`/api/v1/news?limit=100${query}`)
    expect(res.status, res.text).to.equal(200)
    return (res.body.items as Array<{ id: string }>).map(i => i.id)
  }

  before(async function () {
    this.timeout(120_000)
    clock = new ManualClock(t0)
    tk = await createTestKernel({ plugins: [newsPlugin], clock, site: { settings: { access: { allowPublic: true, allowLoggedIn: true } } } })
    admin = await tk.signUp({ name: 'Admin' })
    editor = await tk.signUp({ name: 'Editor' })
    reader = await tk.signUp({ name: 'Reader' })
  })
  after(async () => {
    await tk?.close()
  })

  it('lists only the news plugin among the site plugins', async () => {
    const res = await tk.http.get('/api/v1/site')
    expect(res.status, res.text).to.equal(200)
    expect(JSON.stringify(res.body)).to.include('news').and.not.include('"comments"')
  })

  it('lets only administrators and editors write (403 otherwise, 401 anonymous)', async () => {
    expectProblem(await reader.client.post('/api/v1/news', { title: 'No', body: '<p>x</p>' }), 403, 'NOT_EDITOR')
    expectProblem(await editor.client.post('/api/v1/news', { title: 'No', body: '<p>x</p>' }), 403, 'NOT_EDITOR')
    expect((await tk.client().post('/api/v1/news', { title: 'No', body: '<p>x</p>' })).status).to.be.oneOf([401, 403])
    // Only administrators name editors.
    expectProblem(await editor.client.put(`/api/v1/news/editors/${editor.user.id}`), 403, 'NOT_ADMIN')
    expectProblem(await reader.client.get('/api/v1/news/editors'), 403, 'NOT_ADMIN')
    expect((await admin.client.put(`/api/v1/news/editors/${editor.user.id}`)).status).to.equal(204)
    expectProblem(await admin.client.put('/api/v1/news/editors/00000000-0000-4000-8000-000000000000'), 404)
    const editors = await admin.client.get('/api/v1/news/editors')
    expect(editors.status, editors.text).to.equal(200)
    expect(editors.body.items.map((p: any) => p.id)).to.deep.equal([editor.user.id])

    const byEditor = await write(editor, { title: 'By the editor', lead: 'Lead' })
    expect(byEditor).to.include({ title: 'By the editor', lead: 'Lead', featured: false })
    const byAdmin = await write(admin, { title: 'By the admin' })
    expect(byAdmin.lead).to.equal('Text')
    // A reader still cannot change or delete.
    expectProblem(await reader.client.patch(`/api/v1/news/${byEditor.id}`, { title: 'Mine now' }), 403, 'NOT_EDITOR')
    expectProblem(await reader.client.delete(`/api/v1/news/${byEditor.id}`), 403, 'NOT_EDITOR')
    const patched = await editor.client.patch(`/api/v1/news/${byEditor.id}`, { title: 'Changed', featured: true })
    expect(patched.status, patched.text).to.equal(200)
    expect(patched.body).to.include({ title: 'Changed', featured: true, lead: 'Lead' })
    // Taking the role away takes writing away.
    expect((await admin.client.delete(`/api/v1/news/editors/${editor.user.id}`)).status).to.equal(204)
    expectProblem(await editor.client.post('/api/v1/news', { title: 'No', body: '<p>x</p>' }), 403, 'NOT_EDITOR')
    expect((await admin.client.put(`/api/v1/news/editors/${editor.user.id}`)).status).to.equal(204)
    expect((await editor.client.delete(`/api/v1/news/${byAdmin.id}`)).status).to.equal(204)
    expect((await editor.client.delete(`/api/v1/news/${byEditor.id}`)).status).to.equal(204)
  })

  it('publishes a scheduled article exactly at its time', async () => {
    const at = new Date(clock.now().getTime() + 3600_000)
    const a = await write(editor, { title: 'Scheduled', publishAt: at.toISOString() })
    expect(a.publishedAt).to.equal(at.toISOString())
    clock.set(at.getTime() - 1000)
    expect(await listIds(reader.client)).to.not.include(a.id)
    expect(await listIds(tk.client())).to.not.include(a.id)
    expectProblem(await reader.client.get(`/api/v1/news/${a.id}`), 404)
    // Its writers see it coming.
    expect((await editor.client.get(`/api/v1/news/${a.id}`)).status).to.equal(200)
    clock.set(at)
    expect(await listIds(reader.client)).to.include(a.id)
    expect(await listIds(tk.client())).to.include(a.id)
    expect((await reader.client.get(`/api/v1/news/${a.id}`)).status).to.equal(200)
  })

  it('shows drafts (publishAt null) only to their writers', async () => {
    const d = await write(editor, { title: 'Draft', publishAt: null })
    expect(d.publishedAt).to.equal(null)
    expect((await editor.client.get(`/api/v1/news/${d.id}`)).status).to.equal(200)
    expect((await admin.client.get(`/api/v1/news/${d.id}`)).status).to.equal(200)
    expectProblem(await reader.client.get(`/api/v1/news/${d.id}`), 404)
    expectProblem(await tk.client().get(`/api/v1/news/${d.id}`), 404)
    expect(await listIds(reader.client)).to.not.include(d.id)
    // Publishing the draft makes it visible.
    const published = await editor.client.patch(`/api/v1/news/${d.id}`, { publishAt: clock.now().toISOString() })
    expect(published.status, published.text).to.equal(200)
    expect((await reader.client.get(`/api/v1/news/${d.id}`)).status).to.equal(200)
  })

  it('orders by publication, newest first, across pages, and filters by category and featured', async () => {
    clock.advance(60_000)
    const base = clock.now().getTime()
    const made: string[] = []
    // Created in an order that differs from their publication order.
    for (const [i, offset] of [[0, -5000], [1, -1000], [2, -3000], [3, -2000]] as const) {
      const a = await write(editor, { title: `Ordered ${i}`, publishAt: new Date(base + offset).toISOString(), categories: i % 2 === 0 ? ['Beleid', 'beleid '] : ['personeel'], featured: i === 3 })
      made[i] = a.id
    }
    const expected = [made[1], made[3], made[2], made[0]]
    const all = await listIds(reader.client)
    expect(all.filter(id => expected.includes(id))).to.deep.equal(expected)
    // Paging keeps the order.
    const paged: string[] = []
    let cursor: string | null = null
    do {
      const res: TestResponse = await reader.client.get(`/api/v1/news?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      expect(res.status, res.text).to.equal(200)
      paged.push(...res.body.items.map((i: any) => i.id))
      cursor = res.body.nextCursor
    } while (cursor)
    expect(paged).to.deep.equal(all)
    const beleid = await listIds(reader.client, '&category=beleid')
    expect(beleid).to.deep.equal([made[2], made[0]])
    const one = await reader.client.get(`/api/v1/news/${made[0]}`)
    expect(one.body.categories).to.deep.equal(['beleid'])
    expect(await listIds(reader.client, '&featured=true')).to.deep.equal([made[3]])
    const notFeatured = await listIds(reader.client, '&featured=false')
    expect(notFeatured).to.include.members([made[0], made[1], made[2]]).and.not.include(made[3])
  })

  it('rejects invalid input with 400', async () => {
    expectProblem(await editor.client.post('/api/v1/news', { title: ' ', body: '<p>x</p>' }), 400)
    expectProblem(await editor.client.post('/api/v1/news', { title: 'x', body: '<p>x</p>', publishAt: 'tomorrow' }), 400)
    expectProblem(await editor.client.post('/api/v1/news', { title: 'x', body: '<p>x</p>', imageUrl: 'javascript:alert(1)' }), 400)
  })

  it('has an Atom feed of public, published articles only', async () => {
    const pub = await write(editor, { title: 'Public & <open>' })
    const internal = await write(editor, { title: 'Internal only', access: SIGNED_IN })
    const later = await write(editor, { title: 'Not yet', publishAt: new Date(clock.now().getTime() + 86400_000).toISOString() })
    const draft = await write(editor, { title: 'Draft in feed', publishAt: null })
    const res = await tk.client().get('/news/feed.xml')
    expect(res.status).to.equal(200)
    expect(String(res.headers['content-type'])).to.match(/^application\/atom\+xml/)
    expect(res.text).to.match(/^<\?xml/)
    expect(res.text).to.include('<feed').and.include(`/news/${pub.id}`).and.include('Public &amp; &lt;open&gt;')
    for (const hidden of [internal, later, draft]) expect(res.text).to.not.include(hidden.id)
    expect(res.text).to.not.include('Internal only').and.not.include('Not yet').and.not.include('Draft in feed')
  })

  it('carries no comment count without the comments plugin', async () => {
    const a = await write(editor, { title: 'No comments here' })
    expect(a.commentCount).to.equal(undefined)
  })
})

describe('news: with comments, search and intranet', () => {
  let tk: TestKernel
  let admin: SignedUp
  let reader: SignedUp

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({ plugins: [newsPlugin, commentsPlugin, searchPlugin, intranetPlugin], site: { settings: { access: { allowPublic: true } } } })
    admin = await tk.signUp({ name: 'Admin' })
    reader = await tk.signUp({ name: 'Reader' })
  })
  after(async () => {
    await tk?.close()
  })

  it('makes articles commentable', async () => {
    const res = await admin.client.post('/api/v1/news', { title: 'Talk about me', body: '<p>Hello</p>', access: PUBLIC })
    expect(res.status, res.text).to.equal(201)
    const comment = await reader.client.post(`/api/v1/entities/${res.body.id}/comments`, { body: '<p>Nice</p>' })
    expect(comment.status, comment.text).to.equal(201)
    const again = await reader.client.get(`/api/v1/news/${res.body.id}`)
    expect(again.body.commentCount).to.equal(1)
  })

  it('offers the news.latest widget to the intranet', async () => {
    const types = await tk.http.get('/api/v1/intranet/widget-types')
    expect(types.status, types.text).to.equal(200)
    expect(types.body.items.map((t: any) => t.type)).to.include('news.latest')
    const set = await admin.client.put('/api/v1/intranet/dashboard', { widgets: [{ type: 'news.latest', config: { count: 3 } }] })
    expect(set.status, set.text).to.equal(200)
    const dash = await reader.client.get('/api/v1/intranet/dashboard')
    expect(dash.status, dash.text).to.equal(200)
    expect(dash.body.widgets[0].type).to.equal('news.latest')
    expect(dash.body.widgets[0].data.items.map((i: any) => i.title)).to.include('Talk about me')
  })
})
