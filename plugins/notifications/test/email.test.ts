// Notification e-mail through a real SMTP server on loopback (issue 10): immediately or as daily/weekly
// digests, access re-checked at sending (someone removed from a group between the event and the digest gets
// nothing of it, not even an empty digest), Dutch by default, text and HTML, one-click unsubscribe (RFC 8058)
// with a signed link, and the preferences endpoints.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { digestMoment, notificationsPlugin } from '@plein/plugin-notifications'
import { createGroup, createPost, expectProblem, follow, notificationsOf, sleep, startMailCatcher, unsubscribeLink, type MailCatcher, type ReceivedMail } from './helpers.js'

type Mode = 'immediate' | 'daily' | 'weekly' | 'never'

describe('notifications: e-mail', () => {
  let tk: TestKernel
  let smtp: MailCatcher
  let alice: SignedUp
  const person = (name: string) => tk.signUp({ name })
  const settle = () => tk.kernel.jobs.drain()
  const setMode = async (who: SignedUp, email: Mode) => {
    const res = await who.client.put('/api/v1/notifications/preferences', { email })
    expect(res.status, res.text).to.equal(200)
    expect(res.body).to.deep.equal({ email })
  }
  /** Mail to this person (after everything queued has run). */
  const mailTo = async (who: SignedUp): Promise<ReceivedMail[]> => {
    await settle()
    // SMTP delivery is done when the job is; give the server a moment to hand the message over.
    await sleep(50)
    return smtp.to(who.user.email)
  }
  /**
   * Makes these people's digests due (as if the last one went out `ago` ago) and runs the digest schedule now,
   * then every job it queued.
   */
  const runDigests = async (people: SignedUp[], ago: string | Date = '2 days') => {
    await tk.kernel.db.query(
      typeof ago === 'string'
        ? `UPDATE notifications_preference SET last_digest_at = now() - $2::interval WHERE account_id = ANY($1::uuid[])`
        : `UPDATE notifications_preference SET last_digest_at = $2 WHERE account_id = ANY($1::uuid[])`,
      [people.map(p => p.user.id), ago],
    )
    await tk.kernel.db.query(`UPDATE kernel_job_schedule SET next_run_at = now() - interval '1 second' WHERE name = 'notifications.digest'`)
    await settle()
  }
  const joinClosed = async (g: any, who: SignedUp) => {
    expect((await who.client.post(`/api/v1/groups/${g.id}/join`)).status).to.equal(202)
    expect((await alice.client.post(`/api/v1/groups/${g.id}/requests/${who.user.id}/approve`)).status).to.equal(200)
  }
  const remove = async (g: any, who: SignedUp) => {
    const res = await alice.client.delete(`/api/v1/groups/${g.id}/members/${who.user.id}`)
    expect(res.status, res.text).to.equal(204)
  }
  const stored = async (who: SignedUp, entityId: string) =>
    tk.kernel.db.query('SELECT kind, emailed_at FROM notifications_notification WHERE account_id = $1 AND entity_id = $2', [who.user.id, entityId])

  before(async function () {
    this.timeout(60_000)
    smtp = await startMailCatcher()
    tk = await createTestKernel({ plugins: [notificationsPlugin, blogPlugin, commentsPlugin, groupsPlugin], smtpUrl: smtp.url })
    // Jobs run only when a test drains them, so a test can act between queueing and sending.
    await tk.kernel.jobs.stop()
    await tk.signUp({ name: 'Root admin' })
    alice = await person('Alice')
  })
  after(async () => {
    await tk?.close()
    await smtp?.close()
  })

  describe('preferences', () => {
    it("GET answers the site's default (daily) until one chooses; PUT sets each mode", async () => {
      const bob = await person('Bob')
      const res = await bob.client.get('/api/v1/notifications/preferences')
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.deep.equal({ email: 'daily' })
      for (const mode of ['immediate', 'weekly', 'never', 'daily'] as const) {
        await setMode(bob, mode)
        expect((await bob.client.get('/api/v1/notifications/preferences')).body).to.deep.equal({ email: mode })
      }
    })

    it('PUT answers 400 for an unknown mode or a missing one, and 401 signed out', async () => {
      const bob = await person('Bob')
      expectProblem(await bob.client.put('/api/v1/notifications/preferences', { email: 'hourly' }), 400)
      expectProblem(await bob.client.put('/api/v1/notifications/preferences', {}), 400)
      expect((await tk.client().put('/api/v1/notifications/preferences', { email: 'never' })).status).to.be.oneOf([401, 403])
      expect((await bob.client.get('/api/v1/notifications/preferences')).body).to.deep.equal({ email: 'daily' })
    })
  })

  describe('immediately', () => {
    let erin: SignedUp
    let mail: ReceivedMail
    let post: any

    before(async () => {
      erin = await person('Erin')
      await setMode(erin, 'immediate')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(erin, alice.user.id)
      post = await createPost(alice, { title: 'Fietsroute <Noord> & Zuid' })
      const mails = await mailTo(erin)
      expect(mails, 'one e-mail').to.have.length(1)
      mail = mails[0]!
    })

    it('sends one e-mail per notification through SMTP, in Dutch by default', () => {
      expect(mail.subject).to.equal('Nieuwe melding op Test site')
      expect(mail.text).to.include('Alice plaatste “Fietsroute <Noord> & Zuid”')
      expect(mail.text).to.include(`/blogs/${post.id}`)
      expect(mail.text).to.include('Je krijgt deze e-mail omdat je meldingen volgt op Test site.')
    })

    it('has a plain-text and an HTML part; the HTML escapes the title', () => {
      expect(mail.headers['content-type']).to.match(/^multipart\/alternative/)
      expect(mail.parts.map(p => p.contentType)).to.deep.equal(['text/plain', 'text/html'])
      expect(mail.html).to.include('<html lang="nl">')
      expect(mail.html).to.include('Alice plaatste “Fietsroute &lt;Noord&gt; &amp; Zuid”')
      expect(mail.html).to.include(`/blogs/${post.id}">Bekijken</a>`)
      expect(mail.html).to.not.include('<Noord>')
    })

    it('carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058), and the same link in both parts', () => {
      const link = unsubscribeLink(mail)
      expect(mail.headers['list-unsubscribe-post']).to.equal('List-Unsubscribe=One-Click')
      expect(mail.text).to.include(`Geen e-mail meer ontvangen: `)
      expect(mail.text).to.include(encodeURIComponent(link.token))
      expect(mail.html).to.include(encodeURIComponent(link.token))
    })

    it('marks the notification e-mailed, so no digest repeats it', async () => {
      const [n] = await stored(erin, post.id)
      expect(n.emailed_at).to.be.instanceOf(Date)
      await runDigests([erin])
      expect(await mailTo(erin)).to.have.length(1)
    })

    it('writes in English to accounts whose language is English', async () => {
      const frank = await person('Frank')
      await tk.kernel.db.query(`UPDATE kernel_account SET locale = 'en' WHERE id = $1`, [frank.user.id])
      await setMode(frank, 'immediate')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(frank, alice.user.id)
      await createPost(alice, { title: 'Cycle route' })
      const [m] = await mailTo(frank)
      expect(m?.subject).to.equal('New notification on Test site')
      expect(m!.text).to.include('Alice posted “Cycle route”')
      expect(m!.text).to.include('Stop these e-mails: ')
      expect(m!.html).to.include('<html lang="en">')
    })

    it('re-checks access when sending: removed from the group after the event, no e-mail', async () => {
      const gina = await person('Gina')
      const hank = await person('Hank')
      const g = await createGroup(alice, { name: 'Raad', membership: 'closed' })
      for (const who of [gina, hank]) {
        await joinClosed(g, who)
        await setMode(who, 'immediate')
        await follow(who, g.id)
      }
      const p = await createPost(alice, { title: 'Vertrouwelijk', containerId: g.id, access: undefined })
      // Run only the fan-out: it makes the notifications and queues one mail job per recipient.
      await tk.kernel.jobs.poll()
      for (let i = 0; ; i++) {
        const [job] = await tk.kernel.db.query(`SELECT status FROM kernel_job WHERE name = 'notifications.fanout' AND payload->>'entityId' = $1`, [p.id])
        if (job?.status === 'done') break
        if (i > 200) expect.fail(`the fan-out did not finish: ${job?.status}`)
        await sleep(25)
      }
      expect((await stored(gina, p.id)).map((n: any) => n.kind)).to.deep.equal(['item.created'])
      const mailJobs = await tk.kernel.db.query(`SELECT 1 FROM kernel_job WHERE name = 'notifications.mail' AND status = 'queued'`)
      expect(mailJobs.length).to.be.at.least(2)

      await remove(g, gina)
      expect(await mailTo(gina)).to.deep.equal([])
      expect(await mailTo(hank), 'a member still gets it').to.have.length(1)
      // Never mailed later either.
      const [n] = await stored(gina, p.id)
      expect(n.emailed_at).to.be.instanceOf(Date)
      await runDigests([gina])
      expect(await mailTo(gina)).to.deep.equal([])
    })

    it('sends nothing to people who chose never', async () => {
      const ivo = await person('Ivo')
      await setMode(ivo, 'never')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(ivo, alice.user.id)
      const p = await createPost(alice)
      await runDigests([ivo])
      expect(await mailTo(ivo)).to.deep.equal([])
      expect((await stored(ivo, p.id)).map((n: any) => n.kind), 'in-app still').to.deep.equal(['item.created'])
    })
  })

  describe('digests', () => {
    it('a daily digest lists what happened in one e-mail, once a day, and never an empty one', async () => {
      const jan = await person('Jan')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(jan, alice.user.id)
      await createPost(alice, { title: 'Eerste bericht' })
      await createPost(alice, { title: 'Tweede bericht' })
      expect(await mailTo(jan), 'daily (the default): nothing at once').to.deep.equal([])
      // The last digest went out at today's digest hour (06:00 UTC by default): the next one is due tomorrow.
      await runDigests([jan], new Date(digestMoment(new Date(), 6).getTime() + 60_000))
      expect(await mailTo(jan), 'not twice on one day').to.deep.equal([])

      await runDigests([jan])
      const mails = await mailTo(jan)
      expect(mails).to.have.length(1)
      expect(mails[0]!.subject).to.equal('2 nieuwe meldingen op Test site')
      expect(mails[0]!.text).to.include('Alice plaatste “Eerste bericht”').and.include('Alice plaatste “Tweede bericht”')
      expect(mails[0]!.headers['list-unsubscribe-post']).to.equal('List-Unsubscribe=One-Click')

      // Nothing new since: no second (empty) digest.
      await runDigests([jan])
      expect(await mailTo(jan)).to.have.length(1)
    })

    it('leaves read notifications out of the digest', async () => {
      const kim = await person('Kim')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(kim, alice.user.id)
      await createPost(alice, { title: 'Al gelezen' })
      await settle()
      expect((await kim.client.post('/api/v1/notifications/read', {})).status).to.equal(204)
      await runDigests([kim])
      expect(await mailTo(kim)).to.deep.equal([])
    })

    it('removed from a group between the event and the digest: nothing of it, and no empty digest at all', async () => {
      const lars = await person('Lars')
      const mona = await person('Mona')
      const g = await createGroup(alice, { name: 'Werkgroep begroting', membership: 'closed' })
      for (const who of [lars, mona]) {
        await joinClosed(g, who)
        await follow(who, g.id)
      }
      const p = await createPost(alice, { title: 'Conceptbegroting', containerId: g.id, access: undefined })
      await settle()
      // At the event both could read it: both have a notification waiting for the digest.
      expect((await stored(lars, p.id)).map((n: any) => n.kind)).to.deep.equal(['item.created'])
      expect((await stored(mona, p.id)).map((n: any) => n.kind)).to.deep.equal(['item.created'])

      await remove(g, lars)
      await runDigests([lars, mona])
      expect(await mailTo(lars), 'no mail at all for Lars').to.deep.equal([])
      const [digest, ...more] = await mailTo(mona)
      expect(more).to.deep.equal([])
      expect(digest!.subject).to.equal('Nieuwe melding op Test site')
      expect(digest!.text).to.include('Alice plaatste “Conceptbegroting”')
      // Nor does the list show it to Lars any more.
      expect((await notificationsOf(lars.client)).items.filter(n => n.item?.id === p.id)).to.deep.equal([])
      // And it is not sent later if he can read it again some day.
      await joinClosed(g, lars)
      await runDigests([lars])
      expect(await mailTo(lars)).to.deep.equal([])
    })

    it('lists only what is still readable when some of it no longer is', async () => {
      const nina = await person('Nina')
      const g = await createGroup(alice, { name: 'Projectgroep', membership: 'closed' })
      await joinClosed(g, nina)
      await follow(nina, g.id)
      await settle() // earlier posts' fan-out runs before this follow
      await follow(nina, alice.user.id)
      await createPost(alice, { title: 'Openbaar nieuws' })
      await createPost(alice, { title: 'Intern stuk', containerId: g.id, access: undefined })
      await settle()
      await remove(g, nina)
      await runDigests([nina])
      const [digest, ...more] = await mailTo(nina)
      expect(more).to.deep.equal([])
      expect(digest!.subject).to.equal('Nieuwe melding op Test site')
      expect(digest!.text).to.include('Openbaar nieuws')
      expect(digest!.text + digest!.html).to.not.include('Intern stuk')
    })

    it('a weekly digest waits a week', async () => {
      const otto = await person('Otto')
      await setMode(otto, 'weekly')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(otto, alice.user.id)
      await createPost(alice, { title: 'Weekbericht' })
      await runDigests([otto], '2 days')
      expect(await mailTo(otto)).to.deep.equal([])
      await runDigests([otto], '8 days')
      const mails = await mailTo(otto)
      expect(mails).to.have.length(1)
      expect(mails[0]!.text).to.include('Weekbericht')
    })
  })

  describe('unsubscribe', () => {
    let pia: SignedUp
    let link: { pathAndQuery: string; token: string }

    before(async () => {
      pia = await person('Pia')
      await setMode(pia, 'immediate')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(pia, alice.user.id)
      await createPost(alice, { title: 'Voor Pia' })
      const [m] = await mailTo(pia)
      link = unsubscribeLink(m!)
    })

    it('GET shows a page with a form that posts to the same link (a mail scanner following links changes nothing)', async () => {
      const res = await tk.client().get(link.pathAndQuery)
      expect(res.status).to.equal(200)
      expect(String(res.headers['content-type'])).to.match(/^text\/html/)
      expect(res.text).to.include('<form method="post"')
      expect(res.text).to.include(`action="/notifications/unsubscribe?token=${encodeURIComponent(link.token)}"`)
      expect(res.text).to.include('name="List-Unsubscribe" value="One-Click"')
      expect((await pia.client.get('/api/v1/notifications/preferences')).body).to.deep.equal({ email: 'immediate' })
    })

    it('a tampered token answers a 400 page and changes nothing', async () => {
      const [body, signature] = link.token.split('.') as [string, string]
      const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA')
      for (const token of [`${body}.${flipped}`, `${Buffer.from('{"d":{"s":"x","a":"y"},"e":9999999999}').toString('base64url')}.${signature}`, 'garbage']) {
        const res = await tk.client().post(`/notifications/unsubscribe?token=${encodeURIComponent(token)}`, undefined, {
          raw: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
        expect(res.status, res.text).to.equal(400)
        expect(String(res.headers['content-type'])).to.match(/^text\/html/)
        expect(res.text).to.include('Deze link werkt niet')
      }
      expect((await pia.client.get('/api/v1/notifications/preferences')).body).to.deep.equal({ email: 'immediate' })
    })

    it('POST with the RFC 8058 one-click body, without a session or CSRF token, sets e-mail to never', async () => {
      const res = await tk.client().post(link.pathAndQuery, undefined, {
        raw: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      expect(res.status, res.text).to.equal(200)
      expect(String(res.headers['content-type'])).to.match(/^text\/html/)
      expect(res.text).to.include('Je krijgt geen e-mail meer')
      expect((await pia.client.get('/api/v1/notifications/preferences')).body).to.deep.equal({ email: 'never' })
      // Again: still fine (mail clients retry).
      const again = await tk.client().post(link.pathAndQuery, undefined, { raw: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
      expect(again.status).to.equal(200)
    })

    it('no more e-mail after unsubscribing; notifications stay in the app', async () => {
      const before = (await mailTo(pia)).length
      const p = await createPost(alice, { title: 'Na het afmelden' })
      expect(await mailTo(pia)).to.have.length(before)
      expect((await stored(pia, p.id)).map((n: any) => n.kind)).to.deep.equal(['item.created'])
    })
  })
})
