// The events plugin alone on a site: validation, RSVP with capacity and a waiting list (moving up on
// cancellation), attendees for organisers, private events, iCalendar per event and the calendar feed.
import { expect } from 'chai'
import { definePlugin } from '@plein/core'
import { createTestKernel, type SignedUp, type TestKernel, type TestResponse } from '@plein/testing'
import { eventsPlugin, eventsHooks } from '@plein/plugin-events'

function expectProblem(res: TestResponse, status: number, code?: string): any {
  expect(res.status, res.text).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
  if (code !== undefined) expect(res.body.code, res.text).to.equal(code)
  return res.body
}

const promotions: Array<{ eventId: string; accountId: string }> = []
const listener = definePlugin({
  id: 'events-listener',
  optionalDependencies: { events: '^1.0.0' },
  register(ctx) {
    ctx.hooks.of(eventsHooks).promoted.tap(p => {
      promotions.push(p)
    })
  },
})

const hour = 3600_000
const iso = (ms: number) => new Date(ms).toISOString()

/** RFC 5545 content lines, unfolded; checks CRLF endings and the 75-octet limit. */
function icsLines(text: string): string[] {
  expect(text.endsWith('\r\n'), 'ends with CRLF').to.equal(true)
  const raw = text.slice(0, -2).split('\r\n')
  for (const l of raw) {
    expect(l, 'no bare LF').to.not.include('\n')
    expect(Buffer.byteLength(l), `line too long: ${l}`).to.be.at.most(75)
  }
  const lines: string[] = []
  for (const l of raw) {
    if (l.startsWith(' ') || l.startsWith('\t')) lines[lines.length - 1] += l.slice(1)
    else lines.push(l)
  }
  return lines
}

function vevents(lines: string[]): Array<Map<string, string>> {
  const out: Array<Map<string, string>> = []
  let cur: Map<string, string> | undefined
  for (const l of lines) {
    if (l === 'BEGIN:VEVENT') cur = new Map()
    else if (l === 'END:VEVENT') {
      out.push(cur!)
      cur = undefined
    } else if (cur) {
      const i = l.indexOf(':')
      cur.set(l.slice(0, i).split(';')[0]!, l.slice(i + 1))
    }
  }
  return out
}

describe('events: alone on a site', () => {
  let tk: TestKernel
  let admin: SignedUp
  let organiser: SignedUp
  let a: SignedUp
  let b: SignedUp
  let c: SignedUp
  const start = Date.now() + 48 * hour

  const create = async (who: SignedUp, body: Record<string, unknown> = {}) => {
    const res = await who.client.post('/api/v1/events', { title: 'An event', startsAt: iso(start), endsAt: iso(start + 2 * hour), ...body })
    expect(res.status, res.text).to.equal(201)
    return res.body
  }
  const listIds = async (client: SignedUp['client']) => {
    const res = await client.get('/api/v1/events?limit=100')
    expect(res.status, res.text).to.equal(200)
    return (res.body.items as Array<{ id: string }>).map(i => i.id)
  }

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({ plugins: [eventsPlugin, listener] })
    admin = await tk.signUp({ name: 'Admin' })
    organiser = await tk.signUp({ name: 'Organiser' })
    a = await tk.signUp({ name: 'A' })
    b = await tk.signUp({ name: 'B' })
    c = await tk.signUp({ name: 'C' })
  })
  after(async () => {
    await tk?.close()
  })

  it('boots without comments, search or intranet', async () => {
    const res = await tk.http.get('/api/v1/site')
    expect(res.status).to.equal(200)
    expect(JSON.stringify(res.body)).to.include('events').and.not.include('"intranet"')
    const e = await create(organiser, { title: 'Alone' })
    expect(e).to.include({ title: 'Alone', timeZone: 'Europe/Amsterdam', capacity: null, going: 0, waitlist: 0, viewerRsvp: null })
    expect(e.startsAt).to.equal(iso(start))
    expect(e.commentCount).to.equal(undefined)
  })

  it('validates times and time zones on create and update', async () => {
    const before = await organiser.client.post('/api/v1/events', { title: 'Backwards', startsAt: iso(start), endsAt: iso(start - hour) })
    expect(expectProblem(before, 400, 'INVALID_TIMES').errors[0].location.pointer).to.equal('/endsAt')
    const tz = await organiser.client.post('/api/v1/events', { title: 'Mars', startsAt: iso(start), endsAt: iso(start + hour), timeZone: 'Mars/Olympus_Mons' })
    expect(expectProblem(tz, 400, 'INVALID_TIMES').errors[0].location.pointer).to.equal('/timeZone')
    expectProblem(await organiser.client.post('/api/v1/events', { title: 'No end', startsAt: iso(start) }), 400)
    expectProblem(await organiser.client.post('/api/v1/events', { title: 'Bad', startsAt: 'soon', endsAt: iso(start) }), 400)
    const e = await create(organiser, { timeZone: 'America/New_York' })
    expect(e.timeZone).to.equal('America/New_York')
    expectProblem(await organiser.client.patch(`/api/v1/events/${e.id}`, { endsAt: iso(start - hour) }), 400, 'INVALID_TIMES')
    expectProblem(await organiser.client.patch(`/api/v1/events/${e.id}`, { startsAt: iso(start + 5 * hour) }), 400, 'INVALID_TIMES')
    expectProblem(await organiser.client.patch(`/api/v1/events/${e.id}`, { timeZone: 'Nowhere/Town' }), 400, 'INVALID_TIMES')
    const ok = await organiser.client.patch(`/api/v1/events/${e.id}`, { startsAt: iso(start + hour), endsAt: iso(start + 3 * hour), timeZone: 'Europe/Amsterdam' })
    expect(ok.status, ok.text).to.equal(200)
    expect(ok.body).to.include({ startsAt: iso(start + hour), endsAt: iso(start + 3 * hour), timeZone: 'Europe/Amsterdam' })
    // Only organisers change it.
    expectProblem(await a.client.patch(`/api/v1/events/${e.id}`, { title: 'Mine' }), 403)
  })

  it('fills a capacity of 2, waitlists the third, and moves the first waiter up on cancellation', async () => {
    const e = await create(organiser, { title: 'Small room', capacity: 2 })
    const rsvp = async (who: SignedUp) => {
      const res = await who.client.post(`/api/v1/events/${e.id}/rsvp`)
      expect(res.status, res.text).to.equal(200)
      return res.body.status
    }
    expect(await rsvp(a)).to.equal('going')
    expect(await rsvp(b)).to.equal('going')
    expect(await rsvp(c)).to.equal('waitlist')
    expect(await rsvp(admin)).to.equal('waitlist')
    expect(await rsvp(a)).to.equal('going') // answering twice changes nothing
    const seen = await c.client.get(`/api/v1/events/${e.id}`)
    expect(seen.body).to.include({ going: 2, waitlist: 2, viewerRsvp: 'waitlist' })

    promotions.length = 0
    expect((await b.client.delete(`/api/v1/events/${e.id}/rsvp`)).status).to.equal(204)
    expect(promotions).to.deep.equal([{ eventId: e.id, accountId: c.user.id }])
    expect((await c.client.get(`/api/v1/events/${e.id}`)).body).to.include({ going: 2, waitlist: 1, viewerRsvp: 'going' })
    // A waiter who cancels moves nobody up.
    expect((await admin.client.delete(`/api/v1/events/${e.id}/rsvp`)).status).to.equal(204)
    expect(promotions).to.have.length(1)
    expectProblem(await b.client.delete(`/api/v1/events/${e.id}/rsvp`), 404, 'RSVP_NOT_FOUND')

    // Attendees: organisers only.
    expectProblem(await a.client.get(`/api/v1/events/${e.id}/attendees`), 403, 'NOT_ORGANISER')
    expect((await tk.client().get(`/api/v1/events/${e.id}/attendees`)).status).to.be.oneOf([401, 403])
    const list = await organiser.client.get(`/api/v1/events/${e.id}/attendees`)
    expect(list.status, list.text).to.equal(200)
    expect(list.body.going.map((x: any) => x.user.id)).to.have.members([a.user.id, c.user.id])
    expect(list.body.waitlist).to.deep.equal([])
    expect((await admin.client.get(`/api/v1/events/${e.id}/attendees`)).status).to.equal(200)
  })

  it('hides private events from others (404, not in lists or feeds)', async () => {
    const secret = await create(organiser, { title: 'Secret meeting', access: { read: [`user:${organiser.user.id}`] } })
    const open = await create(organiser, { title: 'Open meeting' })
    expectProblem(await a.client.get(`/api/v1/events/${secret.id}`), 404)
    expectProblem(await a.client.post(`/api/v1/events/${secret.id}/rsvp`), 404)
    expectProblem(await a.client.get(`/api/v1/events/${secret.id}/attendees`), 404)
    expectProblem(await a.client.get(`/api/v1/events/${secret.id}/ical`), 404)
    expect(await listIds(a.client)).to.include(open.id).and.not.include(secret.id)
    expect(await listIds(organiser.client)).to.include.members([open.id, secret.id])
    const feedA = await a.client.get('/events/calendar.ics')
    expect(feedA.status).to.equal(200)
    expect(feedA.text).to.include(open.id).and.not.include(secret.id).and.not.include('Secret meeting')
    const feedO = await organiser.client.get('/events/calendar.ics')
    expect(feedO.text).to.include(open.id).and.include(secret.id)
  })

  it('serves one event as valid RFC 5545 iCalendar', async () => {
    const e = await create(organiser, {
      title: 'Kerstborrel, met een heel lange titel die zeker over de vijfenzeventig octetten heen gaat; ook komma\'s',
      description: '<p>Met muziek &amp; hapjes</p>',
      location: 'Kantine, 1e verdieping',
      startsAt: '2030-12-19T14:00:00.000Z',
      endsAt: '2030-12-19T17:30:00.000Z',
    })
    const res = await a.client.get(`/api/v1/events/${e.id}/ical`)
    expect(res.status).to.equal(200)
    expect(String(res.headers['content-type'])).to.match(/^text\/calendar/)
    const lines = icsLines(res.text)
    expect(lines[0]).to.equal('BEGIN:VCALENDAR')
    expect(lines[lines.length - 1]).to.equal('END:VCALENDAR')
    expect(lines).to.include('VERSION:2.0')
    expect(lines.some(l => l.startsWith('PRODID:'))).to.equal(true)
    const [ev, ...rest] = vevents(lines)
    expect(rest).to.have.length(0)
    expect(ev!.get('UID')).to.include(e.id)
    expect(ev!.get('DTSTAMP')).to.match(/^\d{8}T\d{6}Z$/)
    expect(ev!.get('DTSTART')).to.equal('20301219T140000Z')
    expect(ev!.get('DTEND')).to.equal('20301219T173000Z')
    expect(ev!.get('SUMMARY')).to.include('Kerstborrel\\, met').and.include('komma\'s')
    expect(ev!.get('LOCATION')).to.equal('Kantine\\, 1e verdieping')
    // No VTIMEZONE is needed for UTC times, and no TZID parameter may point at a missing one.
    expect(lines.some(l => /;TZID=/.test(l))).to.equal(false)
  })

  it('lists upcoming events in the calendar feed with one VEVENT each', async () => {
    const res = await tk.client().get('/events/calendar.ics')
    expect(res.status).to.equal(200)
    const events = vevents(icsLines(res.text))
    // Anonymous visitors read nothing on this site (site members only by default) … or only public events.
    const anonIds = (await listIds(tk.client())).length
    expect(events).to.have.length(anonIds)
    const mine = vevents(icsLines((await a.client.get('/events/calendar.ics')).text))
    expect(mine.length).to.equal((await listIds(a.client)).length)
    for (const ev of mine) for (const k of ['UID', 'DTSTAMP', 'DTSTART', 'DTEND']) expect(ev.has(k), k).to.equal(true)
  })

  it('pages the upcoming list by start time (ties by id), each event once; a cursor it did not give out is a 400', async () => {
    const at = start + 400 * 24 * hour
    const window = `from=${encodeURIComponent(iso(at))}&to=${encodeURIComponent(iso(at + 10 * hour))}`
    const made = []
    for (const h of [3, 1, 2, 1, 5]) made.push(await create(organiser, { title: `Paged ${h}`, startsAt: iso(at + h * hour), endsAt: iso(at + (h + 1) * hour) }))
    const whole = await organiser.client.get(`/api/v1/events?${window}&limit=100`)
    expect(whole.body.nextCursor).to.equal(null)
    const order = (whole.body.items as Array<{ id: string; startsAt: string }>).map(i => i.id)
    const expected = made.map(e => ({ id: e.id as string, t: Date.parse(e.startsAt) })).sort((x, y) => x.t - y.t || (x.id < y.id ? -1 : 1)).map(e => e.id)
    expect(order).to.deep.equal(expected)
    const paged: string[] = []
    let cursor: string | null = null
    do {
      const res: TestResponse = await organiser.client.get(`/api/v1/events?${window}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      expect(res.status, res.text).to.equal(200)
      expect(res.body.items.length).to.be.at.most(2)
      paged.push(...res.body.items.map((i: { id: string }) => i.id))
      cursor = res.body.nextCursor
    } while (cursor !== null)
    expect(paged).to.deep.equal(expected)
    const shaped = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
    for (const bad of ['not-a-cursor', '!!!', shaped(['not a time', made[0].id]), shaped({ t: iso(at), i: made[0].id }), shaped([iso(at), 'not-an-id'])]) {
      expectProblem(await organiser.client.get(`/api/v1/events?limit=2&cursor=${encodeURIComponent(bad)}`), 400, 'INVALID_CURSOR')
    }
  })
})
