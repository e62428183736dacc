// The wiki plugin boots alone: no comments, no search, no groups. Pages, revisions and diffs still work;
// a containerId names no container (400), and pages carry no comment count.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { wikiPlugin } from '@plein/plugin-wiki'
import { createPage, expectInvalid, expectProblem, ids, listAll, privateAccess } from './helpers.js'

describe('wiki: alone on a site', () => {
  let tk: TestKernel
  let alice: SignedUp
  let bob: SignedUp

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [wikiPlugin] })
    await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
  })
  after(() => tk?.close())

  it('boots with the wiki as the only plugin', async () => {
    const site = await tk.client().get('/api/v1/site')
    expect(site.body.plugins.map((p: any) => p.name)).to.deep.equal(['wiki'])
  })

  it('writes, changes, diffs and restores pages without its optional plugins', async () => {
    const page = await createPage(alice.client, { title: 'Alleen', body: '<p>een</p>', access: { read: ['public'] } })
    expect(page).to.not.have.property('commentCount')
    const changed = await alice.client.patch(`/api/v1/wiki/${page.id}`, { body: '<p>een</p><p>twee</p>' }, { headers: { 'If-Match': '"1"' } })
    expect(changed.status, changed.text).to.equal(200)
    const diff = await tk.client().get(`/api/v1/wiki/${page.id}/diff`)
    expect(diff.body.diff).to.deep.equal([
      { op: 'equal', lines: ['een'] },
      { op: 'insert', lines: ['twee'] },
    ])
    const restored = await alice.client.post(`/api/v1/wiki/${page.id}/revisions/1/restore`)
    expect(restored.body).to.include({ revision: 3, body: '<p>een</p>' })
    const child = await createPage(bob.client, { title: 'Kind', parentId: page.id })
    expect(child.ancestors.map((a: any) => a.id)).to.deep.equal([page.id])
  })

  it('answers 400 for a containerId: without groups nothing is a container', async () => {
    expectInvalid(await alice.client.post('/api/v1/wiki', { title: 'x', body: '', containerId: '00000000-0000-4000-8000-000000000000' }), [['body', '/containerId']])
  })

  it('keeps private pages private', async () => {
    const page = await createPage(alice.client, { title: 'Privé', access: privateAccess(alice.user.id) })
    expectProblem(await bob.client.get(`/api/v1/wiki/${page.id}`), 404)
    expect(ids(await listAll(bob.client, '/api/v1/wiki'))).to.not.include(page.id)
  })

  it('has no comment or search routes', async () => {
    expectProblem(await bob.client.get('/api/v1/search?q=x'), 404)
  })
})
