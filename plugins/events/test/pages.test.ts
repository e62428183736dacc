// The events plugin's web pages: the upcoming list (site and group), an event page with times in its own time
// zone, RSVP and cancel buttons (CSRF), the waiting list with the viewer's place, the attendee list only for
// organisers, group events hidden from non-members, and the create/edit form with errors next to the field.
import { expect } from 'chai'
import { localInput, zonedTime } from '@plein/core'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { eventsPlugin } from '@plein/plugin-events'
import { groupsPlugin } from '@plein/plugin-groups'
import { formatRange } from '../src/pages.js'

const html = { accept: 'text/html' }
const hour = 3600_000

function postForm(client: TestClient, path: string, fields: Record<string, string>, csrf = client.csrfToken ?? '') {
  return client.post(path, undefined, {
    raw: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-csrf-token': '' },
  })
}

const h1s = (text: string) => text.match(/<h1\b/g)?.length ?? 0

describe('events: web pages', () => {
  let tk: TestKernel
  let organiser: SignedUp
  let a: SignedUp
  let b: SignedUp
  let c: SignedUp
  // A fixed winter time next year: 14:00 in Amsterdam is 13:00 UTC.
  const year = new Date().getUTCFullYear() + 1
  const start = new Date(`${year}-12-04T13:00:00Z`)
  const end = new Date(`${year}-12-04T15:30:00Z`)

  const create = async (who: SignedUp, body: Record<string, unknown> = {}) => {
    const res = await who.client.post('/api/v1/events', { title: 'An event', startsAt: start.toISOString(), endsAt: end.toISOString(), ...body })
    expect(res.status, res.text).to.equal(201)
    return res.body
  }

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [eventsPlugin, groupsPlugin] })
    await tk.signUp({ name: 'Admin' })
    organiser = await tk.signUp({ name: 'Olga Organisator' })
    a = await tk.signUp({ name: 'Anna Aanwezig' })
    b = await tk.signUp({ name: 'Bram Bezet' })
    c = await tk.signUp({ name: 'Cor Wachtend' })
  })
  after(() => tk?.close())

  it('converts form times in a time zone (daylight saving time included) and shows them in it', () => {
    expect(zonedTime('2025-12-04T14:00', 'Europe/Amsterdam')!.toISOString()).to.equal('2025-12-04T13:00:00.000Z')
    expect(zonedTime('2025-07-04T14:00', 'Europe/Amsterdam')!.toISOString()).to.equal('2025-07-04T12:00:00.000Z')
    expect(zonedTime('2025-07-04T14:00', 'America/New_York')!.toISOString()).to.equal('2025-07-04T18:00:00.000Z')
    expect(zonedTime('soon', 'Europe/Amsterdam')).to.equal(undefined)
    expect(localInput(new Date('2025-07-04T12:00:00Z'), 'Europe/Amsterdam')).to.equal('2025-07-04T14:00')
    expect(formatRange('nl', new Date('2025-12-04T13:00:00Z'), new Date('2025-12-04T15:30:00Z'), 'Europe/Amsterdam')).to.equal('donderdag 4 december 2025 14:00 – 16:30 (Europe/Amsterdam)')
  })

  it('lists upcoming events with the feed link and the menu entry, and shows an event in its own time zone', async () => {
    const e = await create(organiser, { title: 'Wijkoverleg', location: 'Stadhuis, zaal 2', onlineUrl: 'https://meet.example.org/wijk', description: '<p>Over de <b>speeltuin</b>.</p>', access: { read: ['public'] } })
    const ny = await create(organiser, { title: 'Sister city call', timeZone: 'America/New_York' })
    const list = await b.client.get('/events', { headers: html })
    expect(list.status, list.text).to.equal(200)
    expect(h1s(list.text)).to.equal(1)
    expect(list.text).to.contain(`href="/events/${e.id}"`).and.contain('href="/events/calendar.ics"').and.contain('href="/events"').and.contain('Agenda')
    expect(list.text).to.contain('rel="alternate" type="text/calendar"')
    const page = await a.client.get(`/events/${e.id}`, { headers: html })
    expect(page.status, page.text).to.equal(200)
    expect(h1s(page.text)).to.equal(1)
    expect(page.text).to.contain(`>Wijkoverleg</h1>`).and.contain(`14:00 – 16:30 (Europe/Amsterdam)`).and.contain('Stadhuis, zaal 2').and.contain('href="https://meet.example.org/wijk"')
    expect(page.text).to.contain('<b>speeltuin</b>').and.contain(`href="/api/v1/events/${e.id}/ical"`).and.contain('0 aanmeldingen, geen maximum')
    expect(page.text).to.contain('Je bent niet aangemeld.').and.contain(`action="/events/${e.id}/rsvp"`).and.contain('name="_csrf"')
    const nyPage = await a.client.get(`/events/${ny.id}`, { headers: { accept: 'text/html', 'accept-language': 'en' } })
    expect(nyPage.text).to.contain('8:00 – 10:30 (America/New_York)').and.contain('<html lang="en"')
    // A visitor is asked to sign in instead of a button.
    expect((await tk.client().get(`/events/${e.id}`, { headers: html })).text).to.contain(`/auth/sign-in?next=/events/${e.id}`).and.not.contain('/rsvp"')
  })

  it('signs up and cancels with the buttons (CSRF checked); a full event puts the next on the waiting list with their place', async () => {
    const e = await create(organiser, { title: 'Kleine zaal', capacity: 1 })
    expect((await postForm(a.client, `/events/${e.id}/rsvp`, {}, '')).status).to.equal(403)
    const going = await postForm(a.client, `/events/${e.id}/rsvp`, {})
    expect(going.status, going.text).to.equal(302)
    expect(going.headers.location).to.equal(`/events/${e.id}`)
    const aPage = await a.client.get(`/events/${e.id}`, { headers: html })
    expect(aPage.text).to.contain('Je bent aangemeld.').and.contain(`action="/events/${e.id}/cancel"`).and.contain('1 van 1 plaatsen bezet')
    // Full: the button says so, and the next two wait in order.
    expect((await b.client.get(`/events/${e.id}`, { headers: html })).text).to.contain('Op de wachtlijst zetten')
    expect((await postForm(b.client, `/events/${e.id}/rsvp`, {})).status).to.equal(302)
    expect((await postForm(c.client, `/events/${e.id}/rsvp`, {})).status).to.equal(302)
    expect((await b.client.get(`/events/${e.id}`, { headers: html })).text).to.contain('Je staat op de wachtlijst, plaats 1.')
    const cPage = await c.client.get(`/events/${e.id}`, { headers: html })
    expect(cPage.text).to.contain('Je staat op de wachtlijst, plaats 2.').and.contain('2 op de wachtlijst')
    // Attendees: only for the organiser.
    expect(cPage.text).not.to.contain('Deelnemers')
    const orgPage = await organiser.client.get(`/events/${e.id}`, { headers: html })
    expect(orgPage.text).to.contain('Deelnemers').and.contain('Aangemeld (1)').and.contain('Anna Aanwezig').and.contain('Wachtlijst (2)')
    expect(orgPage.text.indexOf('Bram Bezet')).to.be.lessThan(orgPage.text.indexOf('Cor Wachtend'))
    expect(orgPage.text).to.contain(`href="/events/${e.id}/edit"`)
    // Anna cancels: Bram moves up, Cor is first in line.
    expect((await postForm(a.client, `/events/${e.id}/cancel`, {})).status).to.equal(302)
    expect((await b.client.get(`/events/${e.id}`, { headers: html })).text).to.contain('Je bent aangemeld.')
    expect((await c.client.get(`/events/${e.id}`, { headers: html })).text).to.contain('Je staat op de wachtlijst, plaats 1.')
  })

  it('hides an event in a closed group from non-members: not listed, 404 on its page, no RSVP', async () => {
    const group = await organiser.client.post('/api/v1/groups', { name: 'Besloten team', membership: 'closed' })
    expect(group.status, group.text).to.equal(201)
    const e = await create(organiser, { title: 'Teamuitje geheim', containerId: group.body.id })
    expect((await organiser.client.get(`/events?group=${group.body.id}`, { headers: html })).text).to.contain('Teamuitje geheim').and.contain('Agenda van Besloten team')
    expect((await organiser.client.get(`/groups/${group.body.id}`, { headers: html })).text).to.contain(`href="/events?group=${group.body.id}"`)
    expect((await organiser.client.get(`/events/${e.id}`, { headers: html })).text).to.contain('alleen leden van de groep zien deze activiteit')
    expect((await a.client.get('/events', { headers: html })).text).not.to.contain('Teamuitje geheim')
    expect((await a.client.get(`/events/${e.id}`, { headers: html })).status).to.equal(404)
    expect((await tk.client().get(`/events/${e.id}`, { headers: html })).status).to.equal(404)
    expect((await postForm(a.client, `/events/${e.id}/rsvp`, {})).status).to.equal(404)
  })

  it('creates and changes an event with the form: errors next to the field, times in the chosen time zone; only organisers edit', async () => {
    const form = await a.client.get('/events/new', { headers: html })
    expect(form.status).to.equal(200)
    expect(h1s(form.text)).to.equal(1)
    for (const f of ['title', 'startsAt', 'endsAt', 'timeZone', 'location', 'onlineUrl', 'capacity', 'description']) expect(form.text).to.contain(`for="field-${f}"`)
    expect((await tk.client().get('/events/new', { headers: html })).status).to.equal(302)
    const bad = await postForm(a.client, '/events/new', { title: ' ', startsAt: `${year}-06-01T10:00`, endsAt: `${year}-06-01T09:00`, timeZone: 'Mars/Base', onlineUrl: 'http://x', capacity: '0' })
    expect(bad.status, bad.text).to.equal(400)
    for (const f of ['title', 'timeZone', 'onlineUrl', 'capacity']) expect(bad.text).to.contain(`id="field-${f}-error"`)
    expect(bad.text).to.contain('Geef de activiteit een titel.').and.contain('Dit is geen bekende tijdzone.')
    const order = await postForm(a.client, '/events/new', { title: 'Borrel', startsAt: `${year}-06-01T10:00`, endsAt: `${year}-06-01T09:00` })
    expect(order.text).to.contain('id="field-endsAt-error"').and.contain('Het einde ligt vóór het begin.')
    const ok = await postForm(a.client, '/events/new', { title: 'Zomerborrel', startsAt: `${year}-06-01T17:00`, endsAt: `${year}-06-01T19:00`, timeZone: 'Europe/Amsterdam', location: 'Dakterras', capacity: '40', description: 'Gezellig & <b>samen</b>.' })
    expect(ok.status, ok.text).to.equal(302)
    const id = /^\/events\/([0-9a-f-]{36})$/.exec(ok.headers.location as string)![1]!
    const json = (await a.client.get(`/api/v1/events/${id}`)).body
    expect(json).to.include({ title: 'Zomerborrel', startsAt: `${year}-06-01T15:00:00.000Z`, endsAt: `${year}-06-01T17:00:00.000Z`, capacity: 40, location: 'Dakterras' })
    expect(json.description).to.equal('<p>Gezellig &amp; &lt;b&gt;samen&lt;/b&gt;.</p>')
    // Editing: the form shows the stored values in the event's time zone; others get 403.
    expect((await b.client.get(`/events/${id}/edit`, { headers: html })).status).to.equal(403)
    expect((await postForm(b.client, `/events/${id}/edit`, { title: 'Mine' })).status).to.equal(403)
    const edit = await a.client.get(`/events/${id}/edit`, { headers: html })
    expect(edit.text).to.contain(`value="${year}-06-01T17:00"`).and.contain('value="Zomerborrel"').and.contain('Gezellig &amp; &lt;b>samen&lt;/b>.')
    const changed = await postForm(a.client, `/events/${id}/edit`, { title: 'Zomerborrel (verplaatst)', startsAt: `${year}-06-08T17:00`, endsAt: `${year}-06-08T19:00`, timeZone: 'Europe/Amsterdam', location: 'Kantine', capacity: '', description: 'Nu binnen.' })
    expect(changed.status, changed.text).to.equal(302)
    expect((await a.client.get(`/api/v1/events/${id}`)).body).to.include({ title: 'Zomerborrel (verplaatst)', startsAt: `${year}-06-08T15:00:00.000Z`, capacity: null, location: 'Kantine' })
  })
})
