// The intranet's web pages: the dashboard renders every widget the administrators placed as HTML (latest news,
// my groups, upcoming events, quick links, people search, announcements), the announcement banner only between
// its times, the menu builder's menu, and the administrators' forms (CSRF, errors next to the field).
import { expect } from 'chai'
import { ManualClock } from '@plein/core'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { eventsPlugin } from '@plein/plugin-events'
import { groupsPlugin } from '@plein/plugin-groups'
import { intranetPlugin } from '@plein/plugin-intranet'
import { newsPlugin } from '@plein/plugin-news'
import { peoplePlugin } from '@plein/plugin-people'
import { parseLines } from '../src/pages.js'

const html = { accept: 'text/html' }

function postForm(client: TestClient, path: string, fields: Record<string, string>, csrf = client.csrfToken ?? '') {
  return client.post(path, undefined, {
    raw: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-csrf-token': '' },
  })
}

const h1s = (text: string) => text.match(/<h1\b/g)?.length ?? 0
/** The HTML of the dashboard section whose heading is `title`. */
const section = (text: string, title: string): string => {
  const at = text.indexOf(`>${title}</h2>`)
  expect(at, `a widget titled ${title}`).to.be.greaterThan(-1)
  const end = text.indexOf('</section>', at)
  return text.slice(at, end)
}
/** "2025-12-05T14:00" in Amsterdam for an instant (winter or summer time). */
const amsterdam = (d: Date) => {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Amsterdam', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(d).map(x => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`
}

describe('intranet: web pages', () => {
  let tk: TestKernel
  let clock: ManualClock
  let admin: SignedUp
  let member: SignedUp
  const t0 = new Date(Math.floor(Date.now() / 60_000) * 60_000)

  before(async function () {
    this.timeout(60_000)
    clock = new ManualClock(t0)
    tk = await createTestKernel({ plugins: [intranetPlugin, newsPlugin, groupsPlugin, eventsPlugin, peoplePlugin], clock, settings: { people: { directory: 'logged_in' } } })
    admin = await tk.signUp({ name: 'Beheerder' })
    member = await tk.signUp({ name: 'Merel Medewerker' })
  })
  after(() => tk?.close())

  it('reads "name | address" lines, with sub-items for the menu', () => {
    expect(parseLines('Home | /\n- Sub | /sub\n\nWebmail | https://mail.example.org', true)).to.deep.equal({
      items: [{ label: 'Home', url: '/', children: [{ label: 'Sub', url: '/sub' }] }, { label: 'Webmail', url: 'https://mail.example.org' }],
    })
    expect(parseLines('- Orphan | /x', true)).to.deep.equal({ line: 1, problem: 'child' })
    expect(parseLines('ok | /\nno address', false)).to.deep.equal({ line: 2, problem: 'invalid' })
    expect(parseLines('Bad | javascript:alert(1)', false)).to.deep.equal({ line: 1, problem: 'invalid' })
  })

  it('renders each placed widget as HTML from its plugin, with the data the viewer may see', async () => {
    expect((await admin.client.put(`/api/v1/news/editors/${admin.user.id}`)).status).to.be.oneOf([200, 204])
    const news = await admin.client.post('/api/v1/news', { title: 'Nieuwe koffieautomaat', body: '<p>Eindelijk.</p>', access: { read: ['logged_in'] } })
    expect(news.status, news.text).to.equal(201)
    const group = await member.client.post('/api/v1/groups', { name: 'Koffieclub', membership: 'open' })
    expect(group.status, group.text).to.equal(201)
    const start = new Date(t0.getTime() + 7 * 86400_000)
    const event = await admin.client.post('/api/v1/events', { title: 'Personeelsuitje', startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 3600_000).toISOString() })
    expect(event.status, event.text).to.equal(201)
    const layout = {
      widgets: [
        { type: 'news.latest', column: 'main', config: { count: 3 } },
        { type: 'events.upcoming', column: 'main' },
        { type: 'people.search', column: 'main', config: { count: 0 } },
        { type: 'groups.mine', column: 'side' },
        { type: 'intranet.quickLinks', column: 'side', config: { links: [{ label: 'Roosters', url: '/wiki/roosters' }] } },
        { type: 'intranet.announcements', column: 'side' },
      ],
    }
    const put = await admin.client.put('/api/v1/intranet/dashboard', layout)
    expect(put.status, put.text).to.equal(200)

    const page = await member.client.get('/intranet', { headers: html })
    expect(page.status, page.text).to.equal(200)
    expect(h1s(page.text)).to.equal(1)
    expect(page.text).to.contain('href="/intranet"')
    expect(section(page.text, 'Laatste nieuws')).to.contain(`href="/news/${news.body.id}"`).and.contain('Nieuwe koffieautomaat')
    expect(section(page.text, 'Agenda')).to.contain(`href="/events/${event.body.id}"`).and.contain('Personeelsuitje').and.contain('(Europe/Amsterdam)')
    expect(section(page.text, 'Collega zoeken')).to.contain('action="/people"').and.contain('for="field-q"')
    expect(section(page.text, 'Mijn groepen')).to.contain(`href="/groups/${group.body.id}"`).and.contain('Koffieclub')
    expect(section(page.text, 'Snelkoppelingen')).to.contain('href="/wiki/roosters"').and.contain('Roosters')
    expect(section(page.text, 'Mededelingen')).to.contain('Geen mededelingen.')
    // Not an administrator: no link to arrange it.
    expect(page.text).not.to.contain('href="/intranet/manage"')
    // A visitor sees the same widgets, with only what they may read.
    const visitor = await tk.client().get('/intranet', { headers: html })
    expect(visitor.status).to.equal(200)
    expect(visitor.text).not.to.contain('Nieuwe koffieautomaat').and.not.contain('Koffieclub')
    expect(section(visitor.text, 'Mijn groepen')).to.contain('Log in om je groepen te zien.')
    const english = await member.client.get('/intranet', { headers: { accept: 'text/html', 'accept-language': 'en' } })
    expect(english.text).to.contain('>Latest news</h2>').and.contain('>My groups</h2>').and.contain('>Quick links</h2>')
  })

  it('lets only administrators use the management page and its forms (CSRF checked)', async () => {
    expect((await tk.client().get('/intranet/manage', { headers: html })).status).to.equal(302)
    expect((await member.client.get('/intranet/manage', { headers: html })).status).to.equal(403)
    expect((await postForm(member.client, '/intranet/manage/menu', { menu: 'X | /x' })).status).to.equal(403)
    const page = await admin.client.get('/intranet/manage', { headers: html })
    expect(page.status, page.text).to.equal(200)
    expect(h1s(page.text)).to.equal(1)
    for (const action of ['/intranet/manage/widgets', '/intranet/manage/widgets/add', '/intranet/manage/links', '/intranet/manage/announcements', '/intranet/manage/menu']) expect(page.text).to.contain(`action="${action}"`)
    expect(page.text).to.contain('Roosters | /wiki/roosters')
    expect((await postForm(admin.client, '/intranet/manage/menu', { menu: 'X | /x' }, '')).status).to.equal(403)
    expect((await admin.client.get('/intranet', { headers: html })).text).to.contain('href="/intranet/manage"')
  })

  it('shows an announcement set with the form above every page (the dashboard too) only between its start and end', async () => {
    const bad = await postForm(admin.client, '/intranet/manage/announcements', { text: '', level: 'warning', startsAt: 'morgen', endsAt: amsterdam(t0) })
    expect(bad.status, bad.text).to.equal(400)
    expect(bad.text).to.contain('id="field-text-error"').and.contain('id="field-startsAt-error"').and.contain('Schrijf de tekst van de mededeling.')
    const order = await postForm(admin.client, '/intranet/manage/announcements', { text: 'x', level: 'info', startsAt: amsterdam(new Date(t0.getTime() + 7200_000)), endsAt: amsterdam(new Date(t0.getTime() + 3600_000)) })
    expect(order.text).to.contain('id="field-endsAt-error"').and.contain('Het einde moet na het begin liggen.')
    const ok = await postForm(admin.client, '/intranet/manage/announcements', {
      text: 'Storing: de VPN is vanavond niet bereikbaar',
      level: 'warning',
      startsAt: amsterdam(new Date(t0.getTime() + 3600_000)),
      endsAt: amsterdam(new Date(t0.getTime() + 3 * 3600_000)),
    })
    expect(ok.status, ok.text).to.equal(302)
    expect(ok.headers.location).to.equal('/intranet/manage?saved=1')
    const listed = (await admin.client.get('/api/v1/intranet/announcements')).body.items[0]
    expect(listed).to.include({ text: 'Storing: de VPN is vanavond niet bereikbaar', level: 'warning', startsAt: new Date(t0.getTime() + 3600_000).toISOString() })
    expect((await member.client.get('/intranet', { headers: html })).text).not.to.contain('de VPN is vanavond')
    clock.set(new Date(t0.getTime() + 2 * 3600_000))
    const during = await member.client.get('/intranet', { headers: html })
    expect(during.text).to.contain('<div class="plein-banners"><div class="utrecht-alert utrecht-alert--warning" role="status"><p class="utrecht-paragraph">Storing: de VPN is vanavond niet bereikbaar</p></div></div>')
    // The kernel's banner slot: above the heading of every page, once.
    const other = await member.client.get('/events', { headers: html })
    expect(other.text.match(/de VPN is vanavond/g)).to.have.length(1)
    expect(other.text.indexOf('de VPN is vanavond')).to.be.lessThan(other.text.indexOf('<h1'))
    // On the dashboard: the banner, and the announcements widget placed earlier.
    expect(during.text.match(/de VPN is vanavond/g)).to.have.length(2)
    expect(section(during.text, 'Mededelingen')).to.contain('Storing: de VPN is vanavond niet bereikbaar')
    clock.set(new Date(t0.getTime() + 4 * 3600_000))
    expect((await member.client.get('/intranet', { headers: html })).text).not.to.contain('de VPN is vanavond')
    clock.set(t0)
    // Deleting it from the page.
    expect((await postForm(admin.client, `/intranet/manage/announcements/${listed.id}/delete`, {})).status).to.equal(302)
    expect((await admin.client.get('/api/v1/intranet/announcements')).body.items).to.deep.equal([])
  })

  it('builds the menu with the form: on the dashboard (with sub-items) and in the site menu', async () => {
    const bad = await postForm(admin.client, '/intranet/manage/menu', { menu: 'Home | /\nzonder adres' })
    expect(bad.status).to.equal(400)
    expect(bad.text).to.contain('id="field-menu-error"').and.contain('Regel 2:').and.contain('zonder adres</textarea>')
    const ok = await postForm(admin.client, '/intranet/manage/menu', { menu: 'Afdelingen | /groups\n- HR | /groups/hr\nSmoelenboek | /people' })
    expect(ok.status, ok.text).to.equal(302)
    expect((await admin.client.get('/api/v1/intranet/menu')).body.items).to.deep.equal([
      { label: 'Afdelingen', url: '/groups', children: [{ label: 'HR', url: '/groups/hr' }] },
      { label: 'Smoelenboek', url: '/people' },
    ])
    const page = await member.client.get('/intranet', { headers: html })
    expect(page.text).to.contain('<nav class="plein-subnav" aria-label="Intranetmenu">').and.contain('href="/groups/hr"')
    // The top items are in the site's main menu on every page.
    const other = await member.client.get('/events', { headers: html })
    expect(other.text).to.contain('>Smoelenboek</a>').and.contain('>Afdelingen</a>').and.not.contain('href="/groups/hr"')
  })

  it('arranges widgets, quick links and settings with the forms; errors name the field', async () => {
    const links = await postForm(admin.client, '/intranet/manage/links', { links: 'Roosters | /wiki/roosters\nWebmail | https://mail.example.org' })
    expect(links.status, links.text).to.equal(302)
    const badLinks = await postForm(admin.client, '/intranet/manage/links', { links: 'Kapot | ftp://x' })
    expect(badLinks.status).to.equal(400)
    expect(badLinks.text).to.contain('id="field-links-error"').and.contain('Regel 1:')
    const layout = (await admin.client.get('/api/v1/intranet/dashboard')).body.widgets as Array<{ id: string; type: string }>
    const id = (type: string) => layout.find(w => w.type === type)!.id
    // Move the events to the top of the side column, remove the announcements, show 2 news items.
    const form: Record<string, string> = {}
    layout.forEach((w, i) => {
      form[`order-${w.id}`] = String(i + 2)
    })
    form[`order-${id('events.upcoming')}`] = '0'
    const invalid = await postForm(admin.client, '/intranet/manage/widgets', form)
    expect(invalid.status).to.equal(400)
    expect(invalid.text).to.contain(`id="field-order-${id('events.upcoming')}-error"`)
    form[`order-${id('events.upcoming')}`] = '1'
    form[`column-${id('events.upcoming')}`] = 'side'
    form[`remove-${id('intranet.announcements')}`] = 'true'
    form[`config-${id('news.latest')}-count`] = '99'
    const tooMany = await postForm(admin.client, '/intranet/manage/widgets', form)
    expect(tooMany.status).to.equal(400)
    expect(tooMany.text).to.contain(`id="field-config-${id('news.latest')}-count-error"`)
    form[`config-${id('news.latest')}-count`] = '2'
    const saved = await postForm(admin.client, '/intranet/manage/widgets', form)
    expect(saved.status, saved.text).to.equal(302)
    const after = (await admin.client.get('/api/v1/intranet/dashboard')).body.widgets as Array<{ id: string; type: string; column: string; data: any }>
    expect(after.map(w => w.type)).to.deep.equal(['events.upcoming', 'news.latest', 'people.search', 'groups.mine', 'intranet.quickLinks'])
    expect(after[0]!.column).to.equal('side')
    expect(after.find(w => w.type === 'intranet.quickLinks')!.data.links).to.deep.equal([{ label: 'Roosters', url: '/wiki/roosters' }, { label: 'Webmail', url: 'https://mail.example.org' }])
    const put = await admin.client.get('/api/v1/intranet/dashboard')
    expect(put.status).to.equal(200)
    // Adding a widget with its defaults.
    expect((await postForm(admin.client, '/intranet/manage/widgets/add', { type: 'intranet.announcements', column: 'main' })).status).to.equal(302)
    expect((await postForm(admin.client, '/intranet/manage/widgets/add', { type: 'nope.widget', column: 'main' })).status).to.equal(400)
    expect(((await admin.client.get('/api/v1/intranet/dashboard')).body.widgets as any[]).map(w => w.type)).to.include('intranet.announcements')
  })
})
