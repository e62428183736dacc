// Site isolation: profiles belong to one site. A subsite with the people plugin sees nothing of the root
// site's directory and the other way round, through every endpoint; its administrators are not the root's;
// a subsite without the plugin has no people routes. Also: changing a subsite's fields at run time re-indexes.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { peoplePlugin } from '@plein/plugin-people'
import { subsitesPlugin } from '@plein/plugin-subsites'
import { csvRows, expectProblem, importCsv, listAll, TEST_FIELDS } from './helpers.js'

const OTHER = 'people-other.example.org'
const BARE = 'people-bare.example.org'

describe('people: site isolation', () => {
  let tk: TestKernel
  let rootAdmin: SignedUp
  let subAdmin: SignedUp
  let alice: SignedUp
  let bob: SignedUp
  let subsiteId: string
  /** Signed in on the subsite. */
  const on: Record<string, TestClient> = {}

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [peoplePlugin, subsitesPlugin], settings: { people: { fields: TEST_FIELDS } } })
    rootAdmin = await tk.signUp({ name: 'Root Admin' })
    subAdmin = await tk.signUp({ name: 'Sub Admin' })
    alice = await tk.signUp({ name: 'Alice Isolated' })
    bob = await tk.signUp({ name: 'Bob Outsider' })
    const created = await rootAdmin.client.post('/api/v1/subsites', {
      name: 'Other',
      host: OTHER,
      plugins: ['people'],
      membership: 'invite',
      admins: [subAdmin.user.email],
      settings: { people: { fields: TEST_FIELDS, directory: 'members' } },
    })
    expect(created.status, created.text).to.equal(201)
    subsiteId = created.body.id
    expect((await rootAdmin.client.post('/api/v1/subsites', { name: 'Bare', host: BARE, plugins: [], membership: 'open' })).status).to.equal(201)
    for (const [name, who] of [['subAdmin', subAdmin], ['alice', alice], ['bob', bob], ['rootAdmin', rootAdmin]] as const) on[name] = await tk.signIn(who, OTHER)
    // Alice is a member of the subsite; Bob and the root's administrator are not.
    expect((await on.subAdmin!.patch(`/api/v1/site/members/${alice.user.id}`, { role: 'member' })).status).to.equal(200)
    expect((await alice.client.put('/api/v1/people/me', { department: 'Root dept', skills: ['Rootskill'] })).status).to.equal(201)
  })
  after(() => tk?.close())

  it('shows nothing of a root profile on the subsite: 404 and absent from lists, search and the export', async () => {
    for (const client of [on.subAdmin!, on.alice!]) {
      expectProblem(await client.get(`/api/v1/people/${alice.user.id}`), 404, 'PERSON_NOT_FOUND')
      expect(await listAll(client, '/api/v1/people')).to.deep.equal([])
      expect(await listAll(client, '/api/v1/people?q=isolated')).to.deep.equal([])
      expect(await listAll(client, '/api/v1/people?department=root dept')).to.deep.equal([])
    }
    expectProblem(await on.alice!.get('/api/v1/people/me'), 404)
    expect(csvRows((await on.subAdmin!.get('/api/v1/people/export')).text)).to.have.length(1)
    expectProblem(await on.subAdmin!.delete(`/api/v1/people/${alice.user.id}`), 404)
    expect((await alice.client.get('/api/v1/people/me')).body.fields.department).to.equal('Root dept')
  })

  it('keeps a subsite profile of the same person apart from the root one', async () => {
    const sub = await on.alice!.put('/api/v1/people/me', { department: 'Sub dept' })
    expect(sub.status, sub.text).to.equal(201)
    expect((await alice.client.get('/api/v1/people/me')).body.fields).to.deep.equal({ department: 'Root dept', skills: ['Rootskill'] })
    expect((await rootAdmin.client.get('/api/v1/people?department=sub dept')).body.items).to.deep.equal([])
    expect((await on.subAdmin!.get(`/api/v1/people/${alice.user.id}`)).body.fields).to.deep.equal({ department: 'Sub dept' })
    expect((await on.alice!.delete('/api/v1/people/me')).status).to.equal(204)
    expect((await alice.client.get('/api/v1/people/me')).status).to.equal(200)
  })

  it('lets the subsite’s administrators manage its directory, and not the root’s administrators (nor the other way round)', async () => {
    expectProblem(await on.rootAdmin!.put(`/api/v1/people/${alice.user.id}`, { department: 'x' }), 403)
    expectProblem(await importCsv(on.rootAdmin!, 'email,name\nx@example.org,X\n'), 403)
    expectProblem(await on.rootAdmin!.get('/api/v1/people/export'), 403)
    expectProblem(await subAdmin.client.put(`/api/v1/people/${alice.user.id}`, { department: 'x' }), 403)
    const imported = await importCsv(on.subAdmin!, 'email,name,department\nsub.only@example.org,Sub Only,Subzaken\n')
    expect(imported.status, imported.text).to.equal(200)
    expect((await rootAdmin.client.get('/api/v1/people?q=sub only')).body.items).to.deep.equal([])
    expect((await on.subAdmin!.get('/api/v1/people?q=sub only')).body.items.map((p: any) => p.name)).to.deep.equal(['Sub Only'])
  })

  it('keeps a members-only directory from signed-in accounts that are not members (403)', async () => {
    expectProblem(await on.bob!.get('/api/v1/people'), 403, 'PEOPLE_DIRECTORY_CLOSED')
    expectProblem(await on.bob!.get(`/api/v1/people/${subAdmin.user.id}`), 403)
    expectProblem(await on.bob!.get('/api/v1/people/fields'), 403)
    expectProblem(await on.bob!.put('/api/v1/people/me', { department: 'x' }), 403, 'PEOPLE_MEMBERS_ONLY')
    expectProblem(await tk.client(OTHER).get('/api/v1/people'), 401)
  })

  it('re-indexes search when the site’s fields change at run time', async () => {
    expect((await on.subAdmin!.put(`/api/v1/people/${alice.user.id}`, { function: 'Zoekwoordfunctie' })).status).to.equal(201)
    expect((await on.alice!.get('/api/v1/people?q=zoekwoordfunctie')).body.items).to.have.length(1)
    const hidden = { ...TEST_FIELDS, function: { ...TEST_FIELDS.function, visibility: 'admins' } }
    const patched = await rootAdmin.client.patch(`/api/v1/subsites/${subsiteId}`, { settings: { people: { fields: hidden, directory: 'members' } } })
    expect(patched.status, patched.text).to.equal(200)
    expect((await on.alice!.get('/api/v1/people?q=zoekwoordfunctie')).body.items).to.deep.equal([])
    expect((await on.subAdmin!.get('/api/v1/people?q=zoekwoordfunctie')).body.items).to.have.length(1)
    // The person still sees their own field; other members no longer do.
    expect((await on.alice!.get('/api/v1/people/me')).body.fields.function).to.equal('Zoekwoordfunctie')
  })

  it('has no people routes on a subsite that does not enable the plugin', async () => {
    const bare = tk.client(BARE)
    expectProblem(await bare.get('/api/v1/people'), 404)
    expectProblem(await bare.get(`/api/v1/people/${alice.user.id}`), 404)
    expect(Object.keys((await bare.get('/api/v1/openapi.json')).body.paths).filter(p => p.startsWith('/people'))).to.deep.equal([])
  })
})
