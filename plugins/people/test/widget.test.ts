// With the intranet plugin: a people-search widget on the dashboard, showing each viewer only what the
// directory shows them (nothing to those it is closed to).
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { intranetPlugin } from '@plein/plugin-intranet'
import { peoplePlugin } from '@plein/plugin-people'

describe('people: the intranet widget', () => {
  let tk: TestKernel
  let admin: SignedUp
  let alice: SignedUp

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [peoplePlugin, intranetPlugin] })
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice Nieuw' })
    expect((await alice.client.put('/api/v1/people/me', { department: 'ICT', phone: '020 123 4567' })).status).to.equal(201)
    const placed = await admin.client.put('/api/v1/intranet/dashboard', { widgets: [{ type: 'people.search', config: { count: 3 } }] })
    expect(placed.status, placed.text).to.equal(200)
  })
  after(() => tk?.close())

  const widget = async (client = tk.client()) => {
    const res = await client.get('/api/v1/intranet/dashboard')
    expect(res.status, res.text).to.equal(200)
    return res.body.widgets.find((w: any) => w.type === 'people.search')
  }

  it('is offered as a widget type and rejects a bad setting', async () => {
    const types = (await admin.client.get('/api/v1/intranet/widget-types')).body.items.map((t: any) => t.type)
    expect(types).to.include('people.search')
    expect((await admin.client.put('/api/v1/intranet/dashboard', { widgets: [{ type: 'people.search', config: { count: 99 } }] })).status).to.equal(400)
  })

  it('shows members the newest colleagues with the fields they may see, and the filters they may use', async () => {
    const w = await widget(admin.client)
    expect(w.title).to.deep.equal({ nl: 'Collega zoeken', en: 'Find a colleague' })
    expect(w.data).to.deep.include({ available: true, search: '/api/v1/people', filters: ['department', 'skill'] })
    expect(w.data.newest.map((p: any) => p.name)).to.deep.equal(['Alice Nieuw'])
    expect(w.data.newest[0].fields).to.deep.equal({ department: 'ICT', phone: '020 123 4567' })
  })

  it('shows visitors the directory is closed to nothing of it', async () => {
    const w = await widget()
    expect(w.data).to.deep.equal({ available: false })
  })
})
