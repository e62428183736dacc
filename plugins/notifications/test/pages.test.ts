// The notification pages over real HTTP, as a browser without JavaScript uses them: the bell (unread count in the
// main menu), the list with cursor paging and mark-read forms, the e-mail preferences and what one follows — each
// form's happy path, its errors, and CSRF rejection. And the digest schedule: digests go out from the site's
// digestHourUtc on, by the kernel's clock (a ManualClock here).
import { expect } from 'chai'
import { ManualClock } from '@plein/core'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { notificationsPlugin } from '@plein/plugin-notifications'
import { createGroup, createPost, expectProblem, follow, sleep, startMailCatcher, type MailCatcher } from './helpers.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }

/** A form as a browser posts it: the CSRF token only as the `_csrf` field. */
const postForm = (client: TestClient, path: string, fields: Record<string, string>): Promise<TestResponse> =>
  client.post(path, undefined, { raw: new URLSearchParams(fields).toString(), headers: { ...FORM, 'x-csrf-token': '' } })

const getPage = (client: TestClient, path: string, headers: Record<string, string> = {}) => client.get(path, { headers: { accept: 'text/html', ...headers } })

const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!

/** The main menu's link to the notifications page, as its text. */
const bell = async (client: TestClient, headers: Record<string, string> = {}) => {
  const html = (await getPage(client, '/', headers)).text
  return /<a class="utrecht-link" href="\/notifications"[^>]*>([^<]*)<\/a>/.exec(html)?.[1]
}

/** Notifications straight into the table (kind group.invited carries its title), one minute apart. */
async function seed(tk: TestKernel, who: SignedUp, count: number, prefix: string): Promise<void> {
  await tk.kernel.db.query(
    `INSERT INTO notifications_notification (site_id, account_id, kind, data, created_at)
     SELECT $1, $2, 'group.invited', jsonb_build_object('title', $3 || ' ' || i), now() - make_interval(mins => $4 - i)
       FROM generate_series(1, $4) AS i`,
    [tk.kernel.rootSite.id, who.user.id, prefix, count],
  )
}

describe('notifications: pages', () => {
  let tk: TestKernel
  let alice: SignedUp

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [notificationsPlugin, blogPlugin, commentsPlugin, groupsPlugin] })
    await tk.signUp({ name: 'Root admin' })
    alice = await tk.signUp({ name: 'Alice' })
  })
  after(() => tk?.close())

  it('rings the bell in the main menu for signed-in people only, with the unread count (99+ past 99)', async () => {
    const bob = await tk.signUp({ name: 'Bob' })
    expect(await bell(tk.client())).to.equal(undefined)
    expect(await bell(bob.client)).to.equal('Meldingen')
    await follow(bob, alice.user.id)
    await createPost(alice, { title: 'Nieuwe fietsenstalling' })
    await tk.kernel.jobs.drain()
    expect(await bell(bob.client)).to.equal('Meldingen (1 ongelezen)')
    expect(await bell(bob.client, { 'accept-language': 'en' })).to.equal('Notifications (1 unread)')
    await seed(tk, bob, 120, 'Uitnodiging')
    expect(await bell(bob.client)).to.equal('Meldingen (99+ ongelezen)')
  })

  it('lists notifications newest first with links, pages with a cursor, and sends visitors to sign in', async () => {
    const res = await getPage(tk.client(), '/notifications')
    expect([res.status, res.headers.location]).to.deep.equal([302, '/auth/sign-in?next=%2Fnotifications'])
    const cas = await tk.signUp({ name: 'Cas' })
    await follow(cas, alice.user.id)
    const post = await createPost(alice, { title: 'Straatfeest op zaterdag' })
    await tk.kernel.jobs.drain()
    await seed(tk, cas, 24, 'Groep')

    const first = await getPage(cas.client, '/notifications')
    expect(first.status).to.equal(200)
    expect(first.text).to.include('<h1 class="utrecht-heading-1">Meldingen</h1>').and.include('25 ongelezen')
    expect(first.text).to.include(`<a class="utrecht-link" href="${post.url}">Alice plaatste “Straatfeest op zaterdag”</a>`)
    const count = (html: string) => (html.match(/name="id" value=/g) ?? []).length
    expect(count(first.text)).to.equal(20)
    const more = /href="(\/notifications\?cursor=[^"]+)"/.exec(first.text)
    expect(more, 'a link to older notifications').to.not.equal(null)
    const second = await getPage(cas.client, more![1]!.replace(/&amp;/g, '&'))
    expect(count(second.text)).to.equal(5)
    expect(second.text).to.include('Iemand nodigt je uit voor “Groep 1”')
    expect(second.text).to.not.include('cursor=')
  })

  it('marks one notification read, then all, with forms that need the CSRF token', async () => {
    const dirk = await tk.signUp({ name: 'Dirk' })
    await seed(tk, dirk, 3, 'Team')
    const page = await getPage(dirk.client, '/notifications')
    const csrf = csrfIn(page.text)
    const [id] = (await dirk.client.get('/api/v1/notifications')).body.items.map((n: any) => n.id)
    expect(page.text).to.include(`name="id" value="${id}"`)
    expectProblem(await postForm(dirk.client, '/notifications/read', { id }), 403)
    expect((await postForm(dirk.client, '/notifications/read', { _csrf: csrf, id: 'not-a-uuid' })).status).to.equal(400)
    const one = await postForm(dirk.client, '/notifications/read', { _csrf: csrf, id })
    expect([one.status, one.headers.location]).to.deep.equal([302, '/notifications'])
    const after = (await dirk.client.get('/api/v1/notifications')).body
    expect(after.unread).to.equal(2)
    expect(after.items.find((n: any) => n.id === id).read).to.equal(true)
    expect(await bell(dirk.client)).to.equal('Meldingen (2 ongelezen)')
    const all = await postForm(dirk.client, '/notifications/read', { _csrf: csrf })
    expect(all.status).to.equal(302)
    expect((await dirk.client.get('/api/v1/notifications')).body.unread).to.equal(0)
    expect(await bell(dirk.client)).to.equal('Meldingen')
    expect((await getPage(dirk.client, '/notifications')).text).to.not.include('Alles als gelezen markeren')
  })

  it('saves the e-mail preference (errors next to the choice, CSRF required) and shows the digest hour', async () => {
    const eva = await tk.signUp({ name: 'Eva' })
    const page = await getPage(eva.client, '/notifications/preferences')
    expect(page.status).to.equal(200)
    expect(page.text).to.include('name="email" value="daily" checked').and.include('vanaf 06:00 uur (UTC)')
    const csrf = csrfIn(page.text)
    expectProblem(await postForm(eva.client, '/notifications/preferences', { email: 'weekly' }), 403)
    for (const fields of [{ _csrf: csrf }, { _csrf: csrf, email: 'hourly' }] as Array<Record<string, string>>) {
      const bad = await postForm(eva.client, '/notifications/preferences', fields)
      expect(bad.status).to.equal(400)
      expect(bad.text).to.match(/id="email-error">Kies hoe vaak je e-mail wilt krijgen/)
    }
    for (const mode of ['weekly', 'never', 'immediate'] as const) {
      const ok = await postForm(eva.client, '/notifications/preferences', { _csrf: csrf, email: mode })
      expect([ok.status, ok.headers.location]).to.deep.equal([302, '/notifications/preferences?done=saved'])
      expect((await eva.client.get('/api/v1/notifications/preferences')).body).to.deep.equal({ email: mode })
    }
    const saved = await getPage(eva.client, '/notifications/preferences?done=saved')
    expect(saved.text).to.include('Je keuze is opgeslagen').and.include('name="email" value="immediate" checked')
    expect((await getPage(tk.client(), '/notifications/preferences')).status).to.equal(302)
  })

  it('lists what one follows (people, groups, items) and unfollows with a form', async () => {
    const fleur = await tk.signUp({ name: 'Fleur' })
    const group = await createGroup(alice, { name: 'Buurtpreventie' })
    await follow(fleur, alice.user.id)
    await follow(fleur, group.id)
    const page = await getPage(fleur.client, '/notifications/preferences')
    expect(page.text).to.include('Alice').and.include('persoon')
    expect(page.text).to.include(`<a class="utrecht-link" href="${group.url}">Buurtpreventie</a>`)
    const csrf = csrfIn(page.text)
    expectProblem(await postForm(fleur.client, `/notifications/follows/${group.id}/unfollow`, {}), 403)
    const res = await postForm(fleur.client, `/notifications/follows/${group.id}/unfollow`, { _csrf: csrf })
    expect([res.status, res.headers.location]).to.deep.equal([302, '/notifications/preferences?done=unfollowed'])
    const after = await getPage(fleur.client, '/notifications/preferences?done=unfollowed')
    expect(after.text).to.include('Je volgt dit niet meer').and.include('Alice')
    expect(after.text).to.not.include('Buurtpreventie')
    const rows = await tk.kernel.db.query('SELECT target_id FROM notifications_follow WHERE account_id = $1', [fleur.user.id])
    expect(rows.map((r: any) => r.target_id)).to.deep.equal([alice.user.id])
  })
})

describe('notifications: the digest hour (ManualClock)', () => {
  let tk: TestKernel
  let smtp: MailCatcher
  // Tomorrow (UTC): the kernel's clock runs ahead of the real one all day long. With today's date, a run after
  // 08:30 UTC set the clock behind the database's now(), which stamps a new post's publishedAt: the post was
  // still "scheduled" by the kernel's clock, nobody could read it, and its notification was rightly held back.
  const today = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
  const at = (day: number, time: string) => new Date(Date.parse(`${today}T${time}:00Z`) + day * 86_400_000)
  const clock = new ManualClock(at(0, '08:30'))

  before(async function () {
    this.timeout(60_000)
    smtp = await startMailCatcher()
    tk = await createTestKernel({ plugins: [notificationsPlugin, blogPlugin, commentsPlugin, groupsPlugin], settings: { notifications: { digestHourUtc: 9 } }, smtpUrl: smtp.url, clock })
    await tk.kernel.jobs.stop()
  })
  after(async () => {
    await tk?.close()
    await smtp?.close()
  })

  /** Runs the digest schedule now (by the database's clock; the digest itself reads the kernel's), then what it queued. */
  const runSchedule = async () => {
    await tk.kernel.db.query(`UPDATE kernel_job_schedule SET next_run_at = now() - interval '1 second' WHERE name = 'notifications.digest'`)
    await tk.kernel.jobs.drain()
    await sleep(50)
  }
  const lastDigest = async (who: SignedUp) => (await tk.kernel.db.query('SELECT last_digest_at FROM notifications_preference WHERE account_id = $1', [who.user.id]))[0].last_digest_at as Date

  it('sends a daily digest from digestHourUtc on, once a day; a weekly one seven days after the last', async () => {
    await tk.signUp({ name: 'Root admin' })
    const author = await tk.signUp({ name: 'Auteur' })
    const reader = await tk.signUp({ name: 'Lezer' })
    await follow(reader, author.user.id)
    await createPost(author, { title: 'Ochtendnieuws' })
    await tk.kernel.jobs.drain()
    expect((await reader.client.get('/api/v1/notifications')).body.unread).to.equal(1)
    // Yesterday's digest went out at 09:05.
    await tk.kernel.db.query('UPDATE notifications_preference SET email = $2, last_digest_at = $3 WHERE account_id = $1', [reader.user.id, 'daily', at(-1, '09:05')])

    // 08:30: before the site's hour (9). With the default hour (6) this would have been due.
    await runSchedule()
    expect(smtp.to(reader.user.email), 'nothing before 09:00').to.deep.equal([])
    expect((await lastDigest(reader)).toISOString()).to.equal(at(-1, '09:05').toISOString())

    clock.set(at(0, '09:10'))
    await runSchedule()
    expect(smtp.to(reader.user.email)).to.have.length(1)
    expect(smtp.to(reader.user.email)[0]!.text).to.include('Auteur plaatste “Ochtendnieuws”')
    expect((await lastDigest(reader)).toISOString(), 'stamped with the kernel clock').to.equal(at(0, '09:10').toISOString())

    // Later that day, something new: it waits for tomorrow's hour.
    await createPost(author, { title: 'Middagnieuws' })
    await tk.kernel.jobs.drain()
    clock.set(at(0, '23:50'))
    await runSchedule()
    expect(smtp.to(reader.user.email)).to.have.length(1)
    clock.set(at(1, '09:00'))
    await runSchedule()
    expect(smtp.to(reader.user.email)).to.have.length(2)
    expect(smtp.to(reader.user.email)[1]!.text).to.include('Middagnieuws')

    // Weekly: not the next day, but from the hour on the seventh day.
    await tk.kernel.db.query('UPDATE notifications_preference SET email = $2 WHERE account_id = $1', [reader.user.id, 'weekly'])
    await createPost(author, { title: 'Weekoverzicht' })
    await tk.kernel.jobs.drain()
    for (const day of [2, 5, 7]) {
      clock.set(at(day, day === 7 ? '08:59' : '12:00'))
      await runSchedule()
      expect(smtp.to(reader.user.email), `day ${day}`).to.have.length(2)
    }
    clock.set(at(8, '09:01'))
    await runSchedule()
    expect(smtp.to(reader.user.email)).to.have.length(3)
    expect(smtp.to(reader.user.email)[2]!.text).to.include('Weekoverzicht')
  })
})
