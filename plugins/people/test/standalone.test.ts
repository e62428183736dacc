// The people plugin boots alone: default fields, a directory for members (on an open site every signed-in
// account is one), no groups on profile pages, import and export without other plugins.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { peoplePlugin } from '@plein/plugin-people'
import { csvRows, expectProblem, importCsv } from './helpers.js'

describe('people: alone on a site', () => {
  let tk: TestKernel
  let admin: SignedUp
  let alice: SignedUp

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [peoplePlugin] })
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
  })
  after(() => tk?.close())

  it('boots with people as the only plugin, with the default fields', async () => {
    expect((await tk.client().get('/api/v1/site')).body.plugins.map((p: any) => p.name)).to.deep.equal(['people'])
    const fields = await alice.client.get('/api/v1/people/fields')
    expect(fields.body.items.map((f: any) => f.name)).to.deep.equal(['department', 'function', 'phone', 'location', 'skills'])
  })

  it('keeps the directory for members: anonymous visitors get 401 everywhere', async () => {
    const anonymous = tk.client()
    expectProblem(await anonymous.get('/api/v1/people'), 401)
    expectProblem(await anonymous.get('/api/v1/people/fields'), 401)
    expectProblem(await anonymous.get(`/api/v1/people/${alice.user.id}`), 401)
  })

  it('writes and shows a profile without groups, and with no content kinds no recent items', async () => {
    const res = await alice.client.put('/api/v1/people/me', { department: 'ICT', skills: ['GIS'] })
    expect(res.status, res.text).to.equal(201)
    expect(res.body).to.not.have.property('groups')
    expect(res.body.recent).to.deep.equal([])
    const found = await admin.client.get('/api/v1/people?skill=gis')
    expect(found.body.items.map((p: any) => p.id)).to.deep.equal([alice.user.id])
  })

  it('imports and exports without other plugins', async () => {
    expect((await importCsv(admin.client, 'email,name,department\nzelf@example.org,Zelf Standig,HR\n')).status).to.equal(200)
    const rows = csvRows((await admin.client.get('/api/v1/people/export')).text)
    expect(rows.map(r => r[0])).to.include.members(['email', alice.user.email, 'zelf@example.org'])
  })
})
