// The intranet plugin alone on a site (only its own widgets), its access rules, announcements in time
// (with a controllable clock), the menu builder; and the whole sites/intranet composition booting.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { Kernel, ManualClock, createLogger } from '@plein/core'
import { createTestDatabase, createTestKernel, TestClient, type SignedUp, type TestKernel, type TestResponse } from '@plein/testing'
import { intranetPlugin } from '@plein/plugin-intranet'

function expectProblem(res: TestResponse, status: number, code?: string): any {
  expect(res.status, res.text).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
  if (code !== undefined) expect(res.body.code, res.text).to.equal(code)
  return res.body
}

const pointers = (body: any): string[] => body.errors.map((e: any) => e.location.pointer)

describe('intranet: alone on a site', () => {
  let tk: TestKernel
  let clock: ManualClock
  let admin: SignedUp
  let member: SignedUp
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000)

  before(async function () {
    this.timeout(120_000)
    clock = new ManualClock(t0)
    tk = await createTestKernel({ plugins: [intranetPlugin], clock })
    admin = await tk.signUp({ name: 'Admin' })
    member = await tk.signUp({ name: 'Member' })
  })
  after(async () => {
    await tk?.close()
  })

  it('offers only its own widget types when no other plugin is enabled', async () => {
    const res = await member.client.get('/api/v1/intranet/widget-types')
    expect(res.status, res.text).to.equal(200)
    expect(res.body.items.map((t: any) => t.type).sort()).to.deep.equal(['intranet.announcements', 'intranet.quickLinks'])
    const site = await tk.http.get('/api/v1/site')
    expect(site.body.plugins.map((p: any) => p.name)).to.deep.equal(['intranet'])
  })

  it('lets only administrators arrange the dashboard', async () => {
    const layout = { widgets: [{ type: 'intranet.quickLinks', config: { links: [] } }] }
    expectProblem(await member.client.put('/api/v1/intranet/dashboard', layout), 403, 'NOT_ADMIN')
    expect((await tk.client().put('/api/v1/intranet/dashboard', layout)).status).to.be.oneOf([401, 403])
    expectProblem(await member.client.put('/api/v1/intranet/menu', { items: [] }), 403, 'NOT_ADMIN')
    expectProblem(await member.client.post('/api/v1/intranet/announcements', { text: 'x', startsAt: t0.toISOString(), endsAt: new Date(t0.getTime() + 1000).toISOString() }), 403, 'NOT_ADMIN')
    expectProblem(await member.client.get('/api/v1/intranet/announcements'), 403, 'NOT_ADMIN')
  })

  it('rejects an unknown widget type (naming /widgets/i/type) and config that breaks its schema', async () => {
    const unknown = await admin.client.put('/api/v1/intranet/dashboard', { widgets: [{ type: 'intranet.quickLinks' }, { type: 'news.latest', config: { count: 3 } }] })
    expect(pointers(expectProblem(unknown, 400))).to.deep.equal(['/widgets/1/type'])
    const bad = await admin.client.put('/api/v1/intranet/dashboard', { widgets: [{ type: 'intranet.quickLinks', config: { links: [{ label: 'Evil', url: 'javascript:alert(1)' }] } }] })
    expect(pointers(expectProblem(bad, 400))).to.deep.equal(['/widgets/0/config/links/0/url'])
    const missing = await admin.client.put('/api/v1/intranet/dashboard', { widgets: [{ type: 'intranet.quickLinks', config: { links: [{ url: '/wiki' }] } }] })
    expect(pointers(expectProblem(missing, 400))).to.deep.equal(['/widgets/0/config/links/0'])
    expectProblem(await admin.client.put('/api/v1/intranet/dashboard', { widgets: [{ type: 'intranet.quickLinks', column: 'footer' }] }), 400)
    // Nothing was stored by the failed attempts.
    const dash = await member.client.get('/api/v1/intranet/dashboard')
    expect(dash.body.widgets).to.deep.equal([])
  })

  it('arranges widgets with defaults and shows them to everyone in order', async () => {
    const set = await admin.client.put('/api/v1/intranet/dashboard', {
      widgets: [
        { type: 'intranet.announcements', column: 'side' },
        { type: 'intranet.quickLinks', config: { links: [{ label: 'Wiki', url: '/wiki' }] } },
        { type: 'intranet.quickLinks' },
      ],
    })
    expect(set.status, set.text).to.equal(200)
    expect(set.body.widgets.map((w: any) => [w.type, w.column])).to.deep.equal([['intranet.announcements', 'side'], ['intranet.quickLinks', 'main'], ['intranet.quickLinks', 'main']])
    expect(set.body.widgets[2].config).to.deep.equal({ links: [] })
    const dash = await member.client.get('/api/v1/intranet/dashboard')
    expect(dash.status, dash.text).to.equal(200)
    expect(dash.body.widgets.map((w: any) => w.id)).to.deep.equal(set.body.widgets.map((w: any) => w.id))
    expect(dash.body.widgets[1].data).to.deep.equal({ links: [{ label: 'Wiki', url: '/wiki' }] })
    expect(dash.body.widgets[1].title).to.deep.equal({ nl: 'Snelkoppelingen', en: 'Quick links' })
  })

  it('leaves out a placed widget whose plugin is not enabled on the site', async () => {
    // As if news had been enabled when the dashboard was arranged and switched off since.
    const layout = [
      { id: 'a', type: 'news.latest', column: 'main', config: { count: 5 } },
      { id: 'b', type: 'intranet.quickLinks', column: 'side', config: { links: [] } },
      { id: 'c', type: 'events.upcoming', column: 'side', config: {} },
    ]
    await tk.kernel.db.query('UPDATE intranet_dashboard SET layout = $2 WHERE site_id = $1', [tk.kernel.rootSite.id, JSON.stringify(layout)])
    const dash = await member.client.get('/api/v1/intranet/dashboard')
    expect(dash.status, dash.text).to.equal(200)
    expect(dash.body.widgets.map((w: any) => w.id)).to.deep.equal(['b'])
  })

  it('shows an announcement only between its start and end', async () => {
    const startsAt = new Date(t0.getTime() + 3600_000)
    const endsAt = new Date(startsAt.getTime() + 3600_000)
    expectProblem(await admin.client.post('/api/v1/intranet/announcements', { text: 'Backwards', startsAt: endsAt.toISOString(), endsAt: startsAt.toISOString() }), 400, 'INVALID_RANGE')
    const made = await admin.client.post('/api/v1/intranet/announcements', { text: 'Storing vanavond', level: 'warning', startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() })
    expect(made.status, made.text).to.equal(201)
    const now = async () => {
      const res = await member.client.get('/api/v1/intranet/announcements/current')
      expect(res.status, res.text).to.equal(200)
      const dash = await member.client.get('/api/v1/intranet/dashboard')
      expect(dash.body.announcements.map((a: any) => a.id)).to.deep.equal(res.body.items.map((a: any) => a.id))
      return res.body.items.map((a: any) => a.id) as string[]
    }
    clock.set(startsAt.getTime() - 1000)
    expect(await now()).to.not.include(made.body.id)
    clock.set(startsAt)
    expect(await now()).to.include(made.body.id)
    const banner = await member.client.get('/api/v1/intranet/dashboard')
    const widget = banner.body.widgets.find((w: any) => w.type === 'intranet.announcements')
    expect(widget?.data.items.map((a: any) => a.text) ?? ['Storing vanavond']).to.include('Storing vanavond')
    clock.set(endsAt.getTime() - 1000)
    expect(await now()).to.include(made.body.id)
    clock.set(endsAt)
    expect(await now()).to.not.include(made.body.id)
    // Administrators see past ones too, and take them down.
    const all = await admin.client.get('/api/v1/intranet/announcements')
    expect(all.body.items.map((a: any) => a.id)).to.include(made.body.id)
    expect((await admin.client.delete(`/api/v1/intranet/announcements/${made.body.id}`)).status).to.equal(204)
    expectProblem(await admin.client.delete(`/api/v1/intranet/announcements/${made.body.id}`), 404)
  })

  it('round-trips the navigation menu', async () => {
    expect((await member.client.get('/api/v1/intranet/menu')).body).to.deep.equal({ items: [] })
    const items = [
      { label: 'Nieuws', url: '/news' },
      { label: 'Organisatie', url: 'https://voorbeeld.example/org', children: [{ label: 'Afdelingen', url: '/org/afdelingen' }, { label: 'Wie is wie', url: '/people' }] },
    ]
    const put = await admin.client.put('/api/v1/intranet/menu', { items })
    expect(put.status, put.text).to.equal(200)
    expect(put.body).to.deep.equal({ items })
    expect((await member.client.get('/api/v1/intranet/menu')).body).to.deep.equal({ items })
    expect((await tk.client().get('/api/v1/intranet/menu')).body).to.deep.equal({ items })
    expectProblem(await admin.client.put('/api/v1/intranet/menu', { items: [{ label: 'Bad', url: 'javascript:x' }] }), 400)
    expectProblem(await admin.client.put('/api/v1/intranet/menu', { items: [{ label: '', url: '/x' }] }), 400)
    expect((await member.client.get('/api/v1/intranet/menu')).body).to.deep.equal({ items })
  })
})

describe('sites/intranet: the whole composition', () => {
  const siteDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../sites/intranet')
  let kernel: Kernel | undefined
  let dataDir: string
  let drop: () => Promise<void> = async () => undefined

  after(async function () {
    this.timeout(30_000)
    await kernel?.stop()
    await drop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('boots, creates the sample content on first start and lists the intranet plugins', async function () {
    this.timeout(120_000)
    const database = await createTestDatabase()
    drop = () => database.drop()
    dataDir = mkdtempSync(path.join(tmpdir(), 'plein-intranet-site-'))
    kernel = await Kernel.boot({
      siteDir,
      dataDir,
      databaseUrl: database.url,
      embeddedDir: 'memory://',
      secret: 'x'.repeat(40),
      log: createLogger({ level: process.env.PLEIN_TEST_LOG ?? 'silent', pretty: false }),
      passwordHashing: 'fast',
      shutdownTimeoutMs: 2000,
    })
    const { port } = await kernel.listen(0, '127.0.0.1')
    const client = new TestClient(`http://127.0.0.1:${port}`)

    const site = await client.get('/api/v1/site')
    expect(site.status, site.text).to.equal(200)
    const names = site.body.plugins.map((p: any) => p.name)
    expect(names).to.include.members(['intranet', 'news', 'events', 'wiki', 'people', 'groups', 'files', 'blog', 'comments', 'search', 'sample-content'])
    expect(site.body.disabledPlugins).to.deep.equal([])

    const deadline = Date.now() + 30_000
    const count = async (sql: string) => Number((await kernel!.db.query(sql))[0].n)
    let kinds: Record<string, number> = {}
    for (;;) {
      const rows = await kernel.db.query('SELECT kind, count(*)::int AS n FROM entity GROUP BY kind')
      kinds = Object.fromEntries(rows.map((r: any) => [r.kind, Number(r.n)]))
      const menu = await count('SELECT count(*)::int AS n FROM intranet_menu')
      const announcements = await count('SELECT count(*)::int AS n FROM intranet_announcement')
      if (menu > 0 && announcements > 0 && (kinds.wiki ?? 0) >= 2 && (kinds.blog ?? 0) >= 1 && (kinds.news ?? 0) >= 2 && (kinds.event ?? 0) >= 2) break
      if (Date.now() > deadline) throw new Error(`no sample content after 30 s: ${JSON.stringify(kinds)}`)
      await new Promise(r => setTimeout(r, 250))
    }
    expect(kinds).to.include({ news: 2, event: 2, wiki: 2, blog: 1, group: 2 })
    const [dashboard] = await kernel.db.query('SELECT layout FROM intranet_dashboard WHERE site_id = $1', [kernel.rootSite.id])
    expect(dashboard.layout.map((w: any) => w.type)).to.deep.equal(['news.latest', 'events.upcoming', 'intranet.quickLinks', 'intranet.announcements'])

    // Anonymous visitors see the menu, and the widget types of every enabled plugin.
    const menu = await client.get('/api/v1/intranet/menu')
    expect(menu.body.items.map((i: any) => i.label)).to.deep.equal(['Nieuws', 'Agenda', 'Wiki', 'Groepen'])
    const types = await client.get('/api/v1/intranet/widget-types')
    expect(types.body.items.map((t: any) => t.type)).to.include.members(['news.latest', 'events.upcoming', 'intranet.quickLinks', 'intranet.announcements'])
  })
})
