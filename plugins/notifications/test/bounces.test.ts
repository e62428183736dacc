// Bounces (issue 10, point 4) against a real SMTP server on loopback: a permanent refusal (550 at RCPT TO,
// 554 at DATA) ends the mail job at once, is recorded for administrators and marks the address, which gets no
// more mail until it is verified again; a temporary one (451) is retried with backoff and then delivered.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { notificationsPlugin } from '@plein/plugin-notifications'
import { createPost, follow, notificationsOf, sleep, startMailCatcher, type MailCatcher } from './helpers.js'

describe('notifications: bounces', function () {
  this.timeout(60_000)
  let tk: TestKernel
  let smtp: MailCatcher
  let admin: SignedUp
  let alice: SignedUp
  /** Addresses the SMTP server refuses now, with the code and the stage. */
  const refused = new Map<string, { code: number; stage: 'rcpt' | 'data' }>()
  const attempts: string[] = []
  const settle = async () => {
    await tk.kernel.jobs.drain()
    await sleep(50)
  }
  const mailJobs = async () =>
    (await tk.kernel.db.query(`SELECT status, attempts, last_error, run_at, payload FROM kernel_job WHERE name = 'notifications.mail' ORDER BY created_at`)) as Array<{
      status: string
      attempts: number
      last_error: string | null
      run_at: Date
      payload: { ids: string[] }
    }>
  const bouncedAt = async (who: SignedUp) => (await tk.kernel.db.query('SELECT email_bounced_at FROM kernel_account WHERE id = $1', [who.user.id]))[0].email_bounced_at as Date | null
  const immediate = async (who: SignedUp) => {
    expect((await who.client.put('/api/v1/notifications/preferences', { email: 'immediate' })).status).to.equal(200)
    await follow(who, alice.user.id)
  }

  before(async function () {
    this.timeout(60_000)
    smtp = await startMailCatcher({
      refuse: (address, stage) => {
        if (stage === 'rcpt') attempts.push(address)
        const r = refused.get(address)
        return r && r.stage === stage ? r.code : undefined
      },
    })
    tk = await createTestKernel({ plugins: [notificationsPlugin, blogPlugin, commentsPlugin], smtpUrl: smtp.url })
    // Jobs run only when the test drains them.
    await tk.kernel.jobs.stop()
    admin = await tk.signUp({ name: 'Root admin' })
    alice = await tk.signUp({ name: 'Alice' })
  })
  after(async () => {
    await tk?.close()
    await smtp?.close()
  })

  it('550 at RCPT TO: the job fails at once without retries, the bounce is recorded and shown to administrators, the address is marked', async () => {
    const gone = await tk.signUp({ name: 'Gone', email: 'gone-550@example.nl' })
    await immediate(gone)
    refused.set('gone-550@example.nl', { code: 550, stage: 'rcpt' })
    await createPost(alice, { title: 'Eerste bericht' })
    await settle()
    const [job] = (await mailJobs()).filter(j => j.status !== 'done')
    expect(job, 'a mail job that did not succeed').to.not.equal(undefined)
    expect(job!.status).to.equal('failed')
    expect(job!.attempts).to.equal(1)
    expect(job!.last_error).to.match(/550/).and.match(/RCPT TO/)
    expect(job!.last_error).to.not.contain('gone-550@example.nl') // the address is redacted in the reason
    expect(await bouncedAt(gone)).to.be.instanceOf(Date)

    const list = await admin.client.get('/api/v1/admin/mail/bounces')
    expect(list.status, list.text).to.equal(200)
    expect(list.body.items).to.have.length(1)
    expect(list.body.items[0]).to.include({ email: 'gone-550@example.nl', accountId: gone.user.id, code: 550, command: 'RCPT TO' })
    expect(list.body.items[0].siteId).to.be.a('string')
    expect(list.body.items[0].response).to.match(/^550/)
    expect(list.body.nextCursor).to.equal(null)
    expect((await alice.client.get('/api/v1/admin/mail/bounces')).status).to.equal(403)
    expect((await tk.client().get('/api/v1/admin/mail/bounces')).status).to.equal(401)
    // The person's data export names the bounce.
    const exported = await gone.client.get('/api/v1/users/me/export')
    const data = typeof exported.body === 'object' && exported.body.account ? exported.body : JSON.parse(exported.text)
    expect(data.account.emailBouncedAt).to.be.a('string')
    expect(data.mailBounces).to.have.length(1)
    expect(data.mailBounces[0]).to.include({ email: 'gone-550@example.nl', code: 550, command: 'RCPT TO' })
    // The jobs list shows the failure with its reason, too.
    const failed = await admin.client.get('/api/v1/admin/jobs?status=failed')
    expect(failed.body.items.map((j: any) => j.name)).to.include('notifications.mail')

    // No more mail to the bounced address; the notification is still in the app.
    const before = attempts.filter(a => a === 'gone-550@example.nl').length
    await createPost(alice, { title: 'Tweede bericht' })
    await settle()
    expect(attempts.filter(a => a === 'gone-550@example.nl').length).to.equal(before)
    expect((await notificationsOf(gone.client)).items.length).to.equal(2)

    // Verified again (the mailbox works again): mail flows once more.
    refused.delete('gone-550@example.nl')
    const sent = smtp.mails.length
    expect((await tk.client().post('/api/v1/auth/verify-email/resend', { email: 'gone-550@example.nl' })).status).to.equal(202)
    await tk.kernel.jobs.drain() // the verification mail is a kernel.mail job
    const verification = await smtp.next('gone-550@example.nl', sent)
    const token = decodeURIComponent(/verify-email\?token=([^\s"<]+)/.exec(verification.text)![1]!)
    const verified = await tk.client().post('/api/v1/auth/verify-email', { token })
    expect(verified.status, verified.text).to.equal(200)
    expect(await bouncedAt(gone)).to.equal(null)
    await createPost(alice, { title: 'Derde bericht' })
    await settle()
    expect(smtp.to('gone-550@example.nl').some(m => m.text.includes('Derde bericht'))).to.equal(true)
  })

  it('554 at DATA is a bounce too', async () => {
    const refusedContent = await tk.signUp({ name: 'Data', email: 'data-554@example.nl' })
    await immediate(refusedContent)
    refused.set('data-554@example.nl', { code: 554, stage: 'data' })
    await createPost(alice, { title: 'Vierde bericht' })
    await settle()
    expect(await bouncedAt(refusedContent)).to.be.instanceOf(Date)
    const list = await admin.client.get('/api/v1/admin/mail/bounces?limit=1')
    expect(list.body.items[0]).to.include({ email: 'data-554@example.nl', code: 554, command: 'DATA' })
    expect(list.body.nextCursor).to.be.a('string')
    const next = await admin.client.get(`/api/v1/admin/mail/bounces?limit=1&cursor=${list.body.nextCursor}`)
    expect(next.body.items[0]).to.include({ email: 'gone-550@example.nl' })
  })

  it('451 at RCPT TO: retried with backoff, no bounce, and delivered once the server takes it', async () => {
    const busy = await tk.signUp({ name: 'Busy', email: 'busy-451@example.nl' })
    await immediate(busy)
    refused.set('busy-451@example.nl', { code: 451, stage: 'rcpt' })
    const jobsBefore = (await mailJobs()).length
    await createPost(alice, { title: 'Vijfde bericht' })
    await settle()
    const job = (await mailJobs()).slice(jobsBefore).find(j => j.status !== 'done')!
    expect(job.status).to.equal('queued')
    expect(job.attempts).to.equal(1)
    expect(job.last_error).to.match(/451/)
    expect(job.run_at.getTime()).to.be.greaterThan(Date.now())
    expect(await bouncedAt(busy)).to.equal(null)
    expect((await admin.client.get('/api/v1/admin/mail/bounces')).body.items.map((b: any) => b.email)).to.not.include('busy-451@example.nl')

    // Still refused at the next try: queued again, with a longer wait.
    await tk.kernel.db.query(`UPDATE kernel_job SET run_at = now() WHERE name = 'notifications.mail' AND status = 'queued'`)
    await settle()
    const second = (await mailJobs()).slice(jobsBefore).find(j => j.status !== 'done')!
    expect(second).to.include({ status: 'queued', attempts: 2 })

    refused.delete('busy-451@example.nl')
    await tk.kernel.db.query(`UPDATE kernel_job SET run_at = now() WHERE name = 'notifications.mail' AND status = 'queued'`)
    await settle()
    expect((await mailJobs()).slice(jobsBefore).every(j => j.status === 'done')).to.equal(true)
    // The retry sent the notification (it was not lost by the failed first try).
    expect(smtp.to('busy-451@example.nl').some(m => m.text.includes('Vijfde bericht'))).to.equal(true)
  })
})
