// Site isolation: events belong to one site. On the root site and a subsite, an event of one is never listed,
// fetched by id, answered, counted (going, waiting), shown in an attendee list, an .ics file, the calendar feed,
// the events page or the agenda widget of the other, not even for the other site's administrators; a group of
// one site is no container on the other; being an administrator or organiser on one site gives no power on the other.
import { expect } from 'chai'
import { createTestKernel, expectProblem, ids, listAll, type SignedUp, type TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { eventsPlugin } from '@plein/plugin-events'
import { groupsPlugin } from '@plein/plugin-groups'
import { intranetPlugin } from '@plein/plugin-intranet'
import { subsitesPlugin } from '@plein/plugin-subsites'

const OTHER = 'events-other.example.org'
const BARE = 'events-bare.example.org'
const PUBLIC = { read: ['public'] }
const hour = 3600_000
const iso = (ms: number) => new Date(ms).toISOString()

describe('events: site isolation', () => {
  let tk: TestKernel
  let rootAdmin: SignedUp
  let subAdmin: SignedUp
  /** Organises on the root site. */
  let organiser: SignedUp
  /** Answer events on both sites. */
  let alice: SignedUp
  let bob: SignedUp
  /** Signed in on the subsite, by name. */
  const on: Record<string, TestClient> = {}
  let rootEvent: any
  let rootGroupEvent: any
  let rootGroup: any
  let otherEvent: any
  const start = Date.now() + 24 * hour

  const create = async (client: TestClient, body: Record<string, unknown>) => {
    const res = await client.post('/api/v1/events', { startsAt: iso(start), endsAt: iso(start + 2 * hour), capacity: 1, access: PUBLIC, ...body })
    expect(res.status, res.text).to.equal(201)
    return res.body
  }
  const rsvp = async (client: TestClient, id: string, status: string) => {
    const res = await client.post(`/api/v1/events/${id}/rsvp`)
    expect(res.status, res.text).to.equal(200)
    expect(res.body.status).to.equal(status)
  }

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [eventsPlugin, groupsPlugin, intranetPlugin, subsitesPlugin], site: { settings: { access: { allowPublic: true } } } })
    rootAdmin = await tk.signUp({ name: 'Root Admin' })
    subAdmin = await tk.signUp({ name: 'Sub Admin' })
    organiser = await tk.signUp({ name: 'Organiser' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    for (const [host, plugins] of [
      [OTHER, ['events', 'groups', 'intranet']],
      [BARE, []],
    ] as const) {
      const res = await rootAdmin.client.post('/api/v1/subsites', { name: host, host, plugins, membership: 'open', admins: [subAdmin.user.email], siteSettings: { access: { allowPublic: true } } })
      expect(res.status, res.text).to.equal(201)
    }
    for (const [name, who] of [['rootAdmin', rootAdmin], ['subAdmin', subAdmin], ['organiser', organiser], ['alice', alice], ['bob', bob]] as const) on[name] = await tk.signIn(who, OTHER)

    rootGroup = (await organiser.client.post('/api/v1/groups', { name: 'Rootgroep', membership: 'open' })).body
    rootEvent = await create(organiser.client, { title: 'Rootborrel', location: 'Rootzaal' })
    rootGroupEvent = await create(organiser.client, { title: 'Rootgroepoverleg', containerId: rootGroup.id, access: undefined })
    otherEvent = await create(on.subAdmin!, { title: 'Subborrel', location: 'Subzaal' })
    // Root: Alice goes, Bob waits. Subsite: Bob goes, Alice waits.
    await rsvp(alice.client, rootEvent.id, 'going')
    await rsvp(bob.client, rootEvent.id, 'waitlist')
    await rsvp(on.bob!, otherEvent.id, 'going')
    await rsvp(on.alice!, otherEvent.id, 'waitlist')
    for (const client of [rootAdmin.client, on.subAdmin!]) {
      const res = await client.put('/api/v1/intranet/dashboard', { widgets: [{ type: 'events.upcoming', config: { count: 20 } }] })
      expect(res.status, res.text).to.equal(200)
    }
  })
  after(() => tk?.close())

  /** Every API endpoint about one event, as this client. */
  const everyEndpoint = (client: TestClient, id: string): Array<Promise<TestResponse>> => [
    client.get(`/api/v1/events/${id}`),
    client.patch(`/api/v1/events/${id}`, { title: 'Taken over', capacity: 1000 }),
    client.post(`/api/v1/events/${id}/rsvp`),
    client.delete(`/api/v1/events/${id}/rsvp`),
    client.get(`/api/v1/events/${id}/attendees`),
    client.get(`/api/v1/events/${id}/ical`),
    client.delete(`/api/v1/events/${id}`),
  ]
  const html = { headers: { accept: 'text/html' } }

  it('answers 404 on the subsite for every endpoint of a root event, even to the subsite’s administrator and its attendees', async () => {
    for (const client of [on.subAdmin!, on.alice!, on.bob!, on.organiser!]) {
      for (const event of [rootEvent, rootGroupEvent]) {
        for (const res of await Promise.all(everyEndpoint(client, event.id))) expectProblem(res, 404)
        expect((await client.get(`/events/${event.id}`, html)).status).to.equal(404)
        expect((await client.get(`/events/${event.id}/edit`, html)).status).to.equal(404)
      }
    }
    const anonymous = await Promise.all(everyEndpoint(tk.client(OTHER), rootEvent.id))
    expect(anonymous.map(r => r.status)).to.deep.equal([404, 401, 401, 401, 401, 404, 401])
    // Nothing moved on the root site: Alice still goes, Bob still waits, the title and capacity are the organiser's.
    const seen = await alice.client.get(`/api/v1/events/${rootEvent.id}`)
    expect(seen.body).to.include({ title: 'Rootborrel', capacity: 1, going: 1, waitlist: 1, viewerRsvp: 'going' })
    const attendees = await organiser.client.get(`/api/v1/events/${rootEvent.id}/attendees`)
    expect(attendees.body.going.map((a: any) => a.user.id)).to.deep.equal([alice.user.id])
    expect(attendees.body.waitlist.map((a: any) => a.user.id)).to.deep.equal([bob.user.id])
  })

  it('answers 404 on the root site for every endpoint of a subsite event, even to the root’s administrator', async () => {
    for (const client of [rootAdmin.client, alice.client, bob.client, subAdmin.client]) {
      for (const res of await Promise.all(everyEndpoint(client, otherEvent.id))) expectProblem(res, 404)
      expect((await client.get(`/events/${otherEvent.id}`, html)).status).to.equal(404)
    }
    const seen = await on.bob!.get(`/api/v1/events/${otherEvent.id}`)
    expect(seen.body).to.include({ title: 'Subborrel', going: 1, waitlist: 1, viewerRsvp: 'going' })
  })

  it('counts and lists each site’s own answers only: the same person going here and waiting there', async () => {
    expect((await on.alice!.get(`/api/v1/events/${otherEvent.id}`)).body).to.include({ going: 1, waitlist: 1, viewerRsvp: 'waitlist' })
    expect((await bob.client.get(`/api/v1/events/${rootEvent.id}`)).body).to.include({ going: 1, waitlist: 1, viewerRsvp: 'waitlist' })
    const sub = await on.subAdmin!.get(`/api/v1/events/${otherEvent.id}/attendees`)
    expect(sub.status, sub.text).to.equal(200)
    expect(sub.body.going.map((a: any) => a.user.id)).to.deep.equal([bob.user.id])
    expect(sub.body.waitlist.map((a: any) => a.user.id)).to.deep.equal([alice.user.id])
    // Cancelling on the subsite moves Alice up there, and leaves her and Bob where they were on the root site.
    expect((await on.bob!.delete(`/api/v1/events/${otherEvent.id}/rsvp`)).status).to.equal(204)
    expect((await on.alice!.get(`/api/v1/events/${otherEvent.id}`)).body).to.include({ going: 1, waitlist: 0, viewerRsvp: 'going' })
    expect((await alice.client.get(`/api/v1/events/${rootEvent.id}`)).body).to.include({ going: 1, waitlist: 1, viewerRsvp: 'going' })
    expect((await bob.client.get(`/api/v1/events/${rootEvent.id}`)).body).to.include({ viewerRsvp: 'waitlist' })
    await rsvp(on.bob!, otherEvent.id, 'waitlist')
  })

  it('lists, feeds and shows only the site’s own events (API, calendar.ics, events page, agenda widget)', async () => {
    const rootWords = ['Rootborrel', 'Rootzaal', 'Rootgroepoverleg', rootEvent.id, rootGroupEvent.id]
    const otherWords = ['Subborrel', 'Subzaal', otherEvent.id]
    const noneOf = (text: string, words: string[], where: string) => {
      for (const w of words) expect(text, `${where} shows ${w}`).to.not.include(w)
    }
    for (const client of [on.subAdmin!, on.alice!, on.organiser!, tk.client(OTHER)]) {
      expect(ids(await listAll(client, '/api/v1/events')), client.host).to.deep.equal([otherEvent.id])
      expect(ids(await listAll(client, `/api/v1/events?from=${iso(0)}`))).to.deep.equal([otherEvent.id])
      expect(await listAll(client, `/api/v1/events?containerId=${rootGroup.id}`)).to.deep.equal([])
    }
    for (const client of [rootAdmin.client, alice.client, subAdmin.client]) {
      const listed = ids(await listAll(client, '/api/v1/events'))
      expect(listed, client.host).to.include(rootEvent.id)
      expect(listed, client.host).to.not.include(otherEvent.id)
    }
    for (const [client, foreign, own] of [
      [on.subAdmin!, rootWords, 'Subborrel'],
      [on.alice!, rootWords, 'Subborrel'],
      [rootAdmin.client, otherWords, 'Rootborrel'],
    ] as const) {
      const feed = await client.get('/events/calendar.ics')
      expect(feed.status).to.equal(200)
      expect(feed.text).to.include(own)
      noneOf(feed.text, foreign, `${client.host} calendar.ics`)
      const group = await client.get(`/events/calendar.ics?containerId=${rootGroup.id}`)
      if (client.host === OTHER) expect(group.text).to.not.include('BEGIN:VEVENT')
      const page = await client.get('/events', html)
      expect(page.status).to.equal(200)
      expect(page.text).to.include(own)
      noneOf(page.text, foreign, `${client.host} /events`)
      const dashboard = await client.get('/api/v1/intranet/dashboard')
      expect(dashboard.status, dashboard.text).to.equal(200)
      const titles = dashboard.body.widgets.flatMap((w: any) => w.data.items.map((i: any) => i.title))
      expect(titles).to.include(own)
      noneOf(JSON.stringify(titles), foreign, `${client.host} widget`)
    }
    const own = await organiser.client.get(`/api/v1/events/${rootEvent.id}/ical`)
    expect(own.text).to.include('Rootborrel')
  })

  it('takes no group of the other site as the container of an event', async () => {
    const res = await on.organiser!.post('/api/v1/events', { title: 'In a root group', startsAt: iso(start), endsAt: iso(start + hour), containerId: rootGroup.id })
    expect(res.status, res.text).to.be.oneOf([400, 404])
    expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
    expect(ids(await listAll(organiser.client, `/api/v1/events?containerId=${rootGroup.id}`))).to.deep.equal([rootGroupEvent.id])
  })

  it('gives an administrator or organiser on one site no power over the other site’s events', async () => {
    // The root administrator and the root organiser on the subsite: readers, not organisers.
    for (const client of [on.rootAdmin!, on.organiser!]) {
      expectProblem(await client.get(`/api/v1/events/${otherEvent.id}/attendees`), 403, 'NOT_ORGANISER')
      expectProblem(await client.patch(`/api/v1/events/${otherEvent.id}`, { title: 'Taken over' }), 403)
      expectProblem(await client.delete(`/api/v1/events/${otherEvent.id}`), 403)
      expect((await client.get(`/events/${otherEvent.id}/edit`, html)).status).to.equal(403)
    }
    // The subsite's administrator on the root site.
    expectProblem(await subAdmin.client.get(`/api/v1/events/${rootEvent.id}/attendees`), 403, 'NOT_ORGANISER')
    expectProblem(await subAdmin.client.patch(`/api/v1/events/${rootEvent.id}`, { title: 'Taken over' }), 403)
    expectProblem(await subAdmin.client.delete(`/api/v1/events/${rootEvent.id}`), 403)
    expect((await rootAdmin.client.get(`/api/v1/events/${rootEvent.id}`)).body.title).to.equal('Rootborrel')
    expect((await on.subAdmin!.get(`/api/v1/events/${otherEvent.id}`)).body.title).to.equal('Subborrel')
  })

  it('has no events routes on a subsite that does not enable the plugin', async () => {
    const bare = tk.client(BARE)
    expectProblem(await bare.get('/api/v1/events'), 404)
    expectProblem(await bare.get(`/api/v1/events/${rootEvent.id}/ical`), 404)
    expect((await bare.get('/events/calendar.ics')).status).to.equal(404)
    expect(Object.keys((await bare.get('/api/v1/openapi.json')).body.paths).filter(p => p.startsWith('/events'))).to.deep.equal([])
  })
})
