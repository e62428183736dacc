// Site isolation: a subsite with the wiki sees nothing of the root site's pages and the other way round,
// through every wiki endpoint (404, absent from lists), and a subsite without the wiki has no wiki routes.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { subsitesPlugin } from '@plein/plugin-subsites'
import { wikiPlugin } from '@plein/plugin-wiki'
import { createPage, expectInvalid, expectProblem, ids, listAll } from './helpers.js'

const OTHER = 'wiki-other.example.org'
const BARE = 'wiki-bare.example.org'

describe('wiki: site isolation', () => {
  let tk: TestKernel
  let admin: SignedUp
  /** The same account, signed in on the subsite. */
  let adminOther: TestClient
  let alice: SignedUp
  let aliceOther: TestClient
  let rootPage: any
  let otherPage: any

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [wikiPlugin, subsitesPlugin] })
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    for (const [host, plugins] of [
      [OTHER, ['wiki']],
      [BARE, []],
    ] as const) {
      const res = await admin.client.post('/api/v1/subsites', { name: host, host, plugins, membership: 'open', admins: [admin.user.email] })
      expect(res.status, res.text).to.equal(201)
    }
    adminOther = await tk.signIn(admin, OTHER)
    aliceOther = await tk.signIn(alice, OTHER)
    rootPage = await createPage(alice.client, { title: 'Root page', body: '<p>root</p>', access: { read: ['public'] } })
    otherPage = await createPage(aliceOther, { title: 'Other page', body: '<p>other</p>', access: { read: ['public'] } })
  })
  after(() => tk?.close())

  /** Every wiki endpoint about one page, as this client. */
  const everyEndpoint = (client: TestClient, id: string): Array<Promise<TestResponse>> => [
    client.get(`/api/v1/wiki/${id}`),
    client.patch(`/api/v1/wiki/${id}`, { title: 'taken over' }),
    client.get(`/api/v1/wiki/${id}/revisions`),
    client.get(`/api/v1/wiki/${id}/revisions/1`),
    client.get(`/api/v1/wiki/${id}/diff`),
    client.post(`/api/v1/wiki/${id}/revisions/1/restore`),
    client.delete(`/api/v1/wiki/${id}`),
  ]

  it('answers 404 on a subsite for every endpoint of a root page, even to the subsite’s administrator', async () => {
    for (const client of [adminOther, aliceOther]) {
      for (const res of await Promise.all(everyEndpoint(client, rootPage.id))) expectProblem(res, 404)
    }
    // Anonymous visitors: reads are 404, changes ask to sign in first (401); neither tells the page exists.
    const anonymous = await Promise.all(everyEndpoint(tk.client(OTHER), rootPage.id))
    expect(anonymous.map(r => r.status)).to.deep.equal([404, 401, 404, 404, 404, 401, 401])
    expect((await alice.client.get(`/api/v1/wiki/${rootPage.id}`)).body.title).to.equal('Root page')
  })

  it('answers 404 on the root site for every endpoint of a subsite page', async () => {
    for (const client of [admin.client, alice.client]) {
      for (const res of await Promise.all(everyEndpoint(client, otherPage.id))) expectProblem(res, 404)
    }
    expect((await aliceOther.get(`/api/v1/wiki/${otherPage.id}`)).body.title).to.equal('Other page')
  })

  it('lists only the site’s own pages', async () => {
    expect(ids(await listAll(admin.client, '/api/v1/wiki'))).to.include(rootPage.id).and.not.include(otherPage.id)
    expect(ids(await listAll(adminOther, '/api/v1/wiki'))).to.deep.equal([otherPage.id])
    expect(ids(await listAll(tk.client(OTHER), '/api/v1/wiki?topLevel=true'))).to.deep.equal([otherPage.id])
  })

  it('takes no parent from another site, and shows no title of a linked page there', async () => {
    expectInvalid(await aliceOther.post('/api/v1/wiki', { title: 'x', body: '', parentId: rootPage.id }), [['body', '/parentId']])
    const linking = await createPage(aliceOther, { title: 'Linking', body: `<p><a href="/wiki/${rootPage.id}">root</a></p>` })
    expect(linking.links).to.deep.equal([{ id: rootPage.id, title: null, url: null }])
    expect((await alice.client.get(`/api/v1/wiki/${rootPage.id}`)).body.backlinks).to.deep.equal([])
  })

  it('has no wiki routes on a subsite that does not enable the plugin', async () => {
    const bare = tk.client(BARE)
    expectProblem(await bare.get('/api/v1/wiki'), 404)
    expectProblem(await bare.get(`/api/v1/wiki/${rootPage.id}`), 404)
    const doc = (await bare.get('/api/v1/openapi.json')).body
    expect(Object.keys(doc.paths).filter(p => p.startsWith('/wiki'))).to.deep.equal([])
  })
})
