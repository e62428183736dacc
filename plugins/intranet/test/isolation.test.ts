// Site isolation: the intranet of one site (dashboard and its widgets, quick links, menu, announcements) is
// never shown, listed or changed on the other, on the root site and a subsite, not even by the other site's
// administrators; an administrator of one site arranges nothing on the other; widget types follow each
// site's own plugins.
import { expect } from 'chai'
import { createTestKernel, expectProblem, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { intranetPlugin } from '@plein/plugin-intranet'
import { newsPlugin } from '@plein/plugin-news'
import { subsitesPlugin } from '@plein/plugin-subsites'

const OTHER = 'intranet-other.example.org'
const BARE = 'intranet-bare.example.org'
const hour = 3600_000

describe('intranet: site isolation', () => {
  let tk: TestKernel
  let rootAdmin: SignedUp
  let subAdmin: SignedUp
  let member: SignedUp
  /** Signed in on the subsite, by name. */
  const on: Record<string, TestClient> = {}
  const announced: Record<'root' | 'other', { current: string; future: string }> = {} as any
  const now = Date.now()
  const html = { headers: { accept: 'text/html' } }

  /** A site's whole intranet, each text carrying the site's word. */
  const arrange = async (admin: TestClient, word: string) => {
    const layout = await admin.put('/api/v1/intranet/dashboard', {
      widgets: [
        { type: 'intranet.quickLinks', column: 'side', config: { links: [{ label: `${word}link`, url: `/${word}-page` }] } },
        { type: 'intranet.announcements' },
      ],
    })
    expect(layout.status, layout.text).to.equal(200)
    const menu = await admin.put('/api/v1/intranet/menu', { items: [{ label: `${word}menu`, url: `/${word}-menu`, children: [{ label: `${word}sub`, url: 'https://example.org/' }] }] })
    expect(menu.status, menu.text).to.equal(200)
    const announce = async (text: string, from: number) => {
      const res = await admin.post('/api/v1/intranet/announcements', { text, level: 'warning', startsAt: new Date(from).toISOString(), endsAt: new Date(from + 48 * hour).toISOString() })
      expect(res.status, res.text).to.equal(201)
      return res.body.id as string
    }
    return { current: await announce(`${word}mededeling nu`, now - hour), future: await announce(`${word}mededeling later`, now + 24 * hour) }
  }

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [intranetPlugin, newsPlugin, subsitesPlugin] })
    rootAdmin = await tk.signUp({ name: 'Root Admin' })
    subAdmin = await tk.signUp({ name: 'Sub Admin' })
    member = await tk.signUp({ name: 'Member' })
    for (const [host, plugins] of [
      [OTHER, ['intranet']],
      [BARE, []],
    ] as const) {
      const res = await rootAdmin.client.post('/api/v1/subsites', { name: host, host, plugins, membership: 'open', admins: [subAdmin.user.email] })
      expect(res.status, res.text).to.equal(201)
    }
    for (const [name, who] of [['rootAdmin', rootAdmin], ['subAdmin', subAdmin], ['member', member]] as const) on[name] = await tk.signIn(who, OTHER)
    announced.root = await arrange(rootAdmin.client, 'Rootzq')
    announced.other = await arrange(on.subAdmin!, 'Subzq')
  })
  after(() => tk?.close())

  it('shows each site only its own dashboard, quick links, menu and current announcements (API and page)', async () => {
    for (const [clients, own, foreign] of [
      [[on.subAdmin!, on.member!, on.rootAdmin!, tk.client(OTHER)], 'Subzq', 'Rootzq'],
      [[rootAdmin.client, member.client, subAdmin.client, tk.client()], 'Rootzq', 'Subzq'],
    ] as const) {
      for (const client of clients) {
        const where = `${client.host} ${client.csrfToken ? 'signed in' : 'anonymous'}`
        for (const url of ['/api/v1/intranet/dashboard', '/api/v1/intranet/menu', '/api/v1/intranet/announcements/current']) {
          const res = await client.get(url)
          expect(res.status, `${where} ${url}: ${res.text}`).to.equal(200)
          expect(res.text, `${where} ${url}`).to.include(own)
          expect(res.text, `${where} ${url}`).to.not.include(foreign)
        }
        const dashboard = (await client.get('/api/v1/intranet/dashboard')).body
        expect(dashboard.widgets.map((w: any) => w.type)).to.deep.equal(['intranet.quickLinks', 'intranet.announcements'])
        expect(dashboard.widgets[0].data.links.map((l: any) => l.label)).to.deep.equal([`${own}link`])
        expect(dashboard.announcements.map((a: any) => a.text)).to.deep.equal([`${own}mededeling nu`])
        const page = await client.get('/intranet', html)
        expect(page.status, where).to.equal(200)
        expect(page.text, where).to.include(`${own}link`).and.include(`${own}menu`).and.include(`${own}mededeling nu`)
        expect(page.text, where).to.not.include(foreign)
      }
    }
  })

  it('lists to each site’s administrators only that site’s announcements, and takes none down on the other', async () => {
    const rootList = await rootAdmin.client.get('/api/v1/intranet/announcements')
    expect(rootList.body.items.map((a: any) => a.id).sort()).to.deep.equal([announced.root.current, announced.root.future].sort())
    const otherList = await on.subAdmin!.get('/api/v1/intranet/announcements')
    expect(otherList.body.items.map((a: any) => a.id).sort()).to.deep.equal([announced.other.current, announced.other.future].sort())
    const manage = await on.subAdmin!.get('/intranet/manage', html)
    expect(manage.status).to.equal(200)
    expect(manage.text).to.include('Subzqmededeling later').and.not.include('Rootzq')
    // Deleting the other site's announcement by id: 404 over the API, nothing happens through the form.
    expectProblem(await on.subAdmin!.delete(`/api/v1/intranet/announcements/${announced.root.current}`), 404)
    expectProblem(await rootAdmin.client.delete(`/api/v1/intranet/announcements/${announced.other.future}`), 404)
    const form = await on.subAdmin!.post(`/intranet/manage/announcements/${announced.root.future}/delete`, undefined, { raw: '', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } })
    expect(form.status, form.text).to.be.below(500)
    expect((await rootAdmin.client.get('/api/v1/intranet/announcements')).body.items).to.have.length(2)
    expect((await on.subAdmin!.get('/api/v1/intranet/announcements')).body.items).to.have.length(2)
  })

  it('gives an administrator of one site no power over the other site’s intranet', async () => {
    const layout = { widgets: [{ type: 'intranet.quickLinks', config: { links: [{ label: 'Takeover', url: '/x' }] } }] }
    const announcement = { text: 'Takeover', startsAt: new Date(now - hour).toISOString(), endsAt: new Date(now + hour).toISOString() }
    for (const client of [on.rootAdmin!, subAdmin.client]) {
      expectProblem(await client.put('/api/v1/intranet/dashboard', layout), 403, 'NOT_ADMIN')
      expectProblem(await client.put('/api/v1/intranet/menu', { items: [{ label: 'Takeover', url: '/x' }] }), 403, 'NOT_ADMIN')
      expectProblem(await client.post('/api/v1/intranet/announcements', announcement), 403, 'NOT_ADMIN')
      expectProblem(await client.get('/api/v1/intranet/announcements'), 403, 'NOT_ADMIN')
      const id = client === subAdmin.client ? announced.root.current : announced.other.current
      expectProblem(await client.delete(`/api/v1/intranet/announcements/${id}`), 403, 'NOT_ADMIN')
      expect((await client.get('/intranet/manage', html)).status).to.equal(403)
    }
    for (const client of [tk.client(), tk.client(OTHER), on.rootAdmin!, subAdmin.client]) {
      expect((await client.get('/api/v1/intranet/dashboard')).text).to.not.include('Takeover')
      expect((await client.get('/api/v1/intranet/menu')).text).to.not.include('Takeover')
    }
  })

  it('offers each site the widget types of its own plugins only', async () => {
    const types = async (client: TestClient) => (await client.get('/api/v1/intranet/widget-types')).body.items.map((t: any) => t.type).sort()
    expect(await types(rootAdmin.client)).to.include('news.latest')
    expect(await types(on.subAdmin!)).to.deep.equal(['intranet.announcements', 'intranet.quickLinks'])
    const res = await on.subAdmin!.put('/api/v1/intranet/dashboard', { widgets: [{ type: 'news.latest' }] })
    expect(expectProblem(res, 400).errors.map((e: any) => e.location.pointer)).to.deep.equal(['/widgets/0/type'])
  })

  it('has no intranet routes on a subsite that does not enable the plugin', async () => {
    const bare = tk.client(BARE)
    expectProblem(await bare.get('/api/v1/intranet/dashboard'), 404)
    expectProblem(await bare.get('/api/v1/intranet/announcements/current'), 404)
    expect((await bare.get('/intranet', html)).status).to.equal(404)
    const home = await bare.get('/', html)
    expect(home.text).to.not.include('Rootzq').and.not.include('Subzq')
    expect(Object.keys((await bare.get('/api/v1/openapi.json')).body.paths).filter(p => p.startsWith('/intranet'))).to.deep.equal([])
  })
})
