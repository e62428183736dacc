// Votes by e-mail, for consultations open to citizens without an account: the vote counts once the signed
// link mailed to the address is confirmed, each address counts once (also against an account with that
// address), links expire, forged links are refused, and all of it works from plain HTML forms.
import { expect } from 'chai'
import { definePlugin, ManualClock } from '@plein/core'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { pollsHooks } from '../src/api.js'
import { pollsPlugin } from '../src/index.js'
import { confirmationLink, createPoll, expectInvalid, expectProblem, mailsTo } from './helpers.js'

const blocker = definePlugin({
  id: 'polls-blocker',
  version: '1.0.0',
  kernel: '*',
  dependencies: { polls: '^1.0.0' },
  register(ctx) {
    ctx.hooks.of(pollsHooks).beforeVote.tap((_poll, ballot) => (ballot.email?.endsWith('@blocked.example') ? { reason: 'Addresses of this domain do not take part.' } : undefined))
  },
})

const form = (fields: Record<string, string>) => ({
  raw: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
})

describe('polls: votes by e-mail', () => {
  const clock = new ManualClock()
  let tk: TestKernel
  let alice: SignedUp
  let anonymous: TestClient
  let poll: any
  let n = 0
  const address = () => `citizen${++n}-${Math.random().toString(36).slice(2, 6)}@example.org`

  const request = (p: any, body: Record<string, unknown>) => anonymous.post(`/api/v1/polls/${p.id}/votes`, body)
  const confirm = (p: any, token: string) => anonymous.post(`/api/v1/polls/${p.id}/votes/confirm`, { token })
  const totalVotes = async (p: any) => (await alice.client.get(`/api/v1/polls/${p.id}/results`)).body.totalVotes as number
  /** The mails to an address, once the mail jobs queued so far have run. */
  const sentTo = async (email: string) => {
    await tk.kernel.jobs.drain()
    return mailsTo(tk.dataDir, email)
  }
  const lastLink = async (email: string) => {
    const mails = await sentTo(email)
    return confirmationLink(mails[mails.length - 1]!)
  }

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [pollsPlugin, blocker], clock })
    alice = await tk.signUp({ name: 'Alice' })
    anonymous = tk.client()
    poll = await createPoll(alice.client, { title: 'Should the market move to the square?', options: ['Yes', 'No'], allowEmailVotes: true })
  })
  after(() => tk?.close())

  it('mails a signed link (202); the vote counts only once it is confirmed, and confirming twice answers the same', async () => {
    const email = address()
    const res = await request(poll, { optionIds: [poll.options[0].id], email: email.toUpperCase() })
    expect(res.status, res.text).to.equal(202)
    expect(res.body.status).to.equal('pending')
    expect(await totalVotes(poll)).to.equal(0)
    const mails = await sentTo(email)
    expect(mails).to.have.length(1)
    expect(mails[0]!.subject).to.equal('Bevestig je stem: Should the market move to the square?')
    const { url, token } = confirmationLink(mails[0]!)
    expect(url.pathname).to.equal(`/polls/${poll.id}/confirm`)

    // Following the link shows a page with a button; a mail scanner that opens links counts nothing.
    const page = await anonymous.get(`${url.pathname}${url.search}`, { headers: { accept: 'text/html' } })
    expect(page.status).to.equal(200)
    expect(page.text).to.contain(`action="/polls/${poll.id}/confirm"`)
    expect(await totalVotes(poll)).to.equal(0)

    const confirmed = await confirm(poll, token)
    expect(confirmed.status, confirmed.text).to.equal(200)
    expect(confirmed.body).to.include({ status: 'counted', already: false })
    expect(confirmed.body.results.totalVotes).to.equal(1)
    expect(await totalVotes(poll)).to.equal(1)
    const again = await confirm(poll, token)
    expect(again.status, again.text).to.equal(200)
    expect(again.body.already).to.equal(true)
    expect(await totalVotes(poll)).to.equal(1)
    const rows = await tk.kernel.db.query('SELECT account_id, email, by_email FROM polls_vote WHERE poll_id = $1', [poll.id])
    expect(rows).to.deep.equal([{ account_id: null, email, by_email: true }])
  })

  it('counts an address once: a later vote of that address is refused, and a new request only says it counted', async () => {
    const email = address()
    await request(poll, { optionIds: [poll.options[0].id], email })
    const first = await lastLink(email)
    clock.advance(11 * 60_000)
    await request(poll, { optionIds: [poll.options[1].id], email })
    const second = await lastLink(email)
    expect(second.token).not.to.equal(first.token)
    const before = await totalVotes(poll)
    expect((await confirm(poll, second.token)).status).to.equal(200)
    expectProblem(await confirm(poll, first.token), 409, 'ALREADY_VOTED')
    expect(await totalVotes(poll)).to.equal(before + 1)
    clock.advance(11 * 60_000)
    expect((await request(poll, { optionIds: [poll.options[0].id], email })).status).to.equal(202)
    const mails = await sentTo(email)
    expect(mails).to.have.length(3)
    expect(mails[2]!.subject).to.match(/^Je stem telt al/)
    expect(mails[2]!.text).not.to.contain('/confirm?token=')
  })

  it('mails an address at most once in ten minutes', async () => {
    const email = address()
    for (let i = 0; i < 3; i++) expect((await request(poll, { optionIds: [poll.options[1].id], email })).status).to.equal(202)
    expect(await sentTo(email)).to.have.length(1)
  })

  it('counts an account and its address once together, whichever votes first', async () => {
    const dora = await tk.signUp({ name: 'Dora', email: address() })
    expect((await dora.client.post(`/api/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0].id] })).status).to.equal(201)
    await request(poll, { optionIds: [poll.options[1].id], email: dora.user.email })
    expect((await sentTo(dora.user.email))[0]!.subject).to.match(/^Je stem telt al/)

    const email = address()
    await request(poll, { optionIds: [poll.options[1].id], email })
    expect((await confirm(poll, (await lastLink(email)).token)).status).to.equal(200)
    const erik = await tk.signUp({ name: 'Erik', email })
    expectProblem(await erik.client.post(`/api/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0].id] }), 409, 'ALREADY_VOTED')
  })

  it('checks an e-mail ballot like any other, before mailing anything', async () => {
    const email = address()
    expectInvalid(await request(poll, { optionIds: [poll.options[0].id], email: 'not an address' }), ['/email'])
    expectInvalid(await request(poll, { optionIds: ['00000000-0000-4000-8000-000000000000'], email }), ['/optionIds/0'])
    expectProblem(await request(poll, { optionIds: [poll.options[0].id], email: 'someone@blocked.example' }), 403, 'VOTE_VETOED')
    expect(await sentTo(email)).to.have.length(0)
    expect(await sentTo('someone@blocked.example')).to.have.length(0)
  })

  it('takes votes by e-mail only where the poll allows them', async () => {
    const accountsOnly = await createPoll(alice.client)
    expectProblem(await request(accountsOnly, { optionIds: [accountsOnly.options[0].id], email: address() }), 401, 'NOT_SIGNED_IN')
  })

  it('refuses forged links and links of another poll (400), and links confirmed after closing (409)', async () => {
    const email = address()
    await request(poll, { optionIds: [poll.options[0].id], email })
    const { token } = await lastLink(email)
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA')
    expectInvalid(await confirm(poll, forged), ['/token'])
    const other = await createPoll(alice.client, { allowEmailVotes: true })
    expectInvalid(await confirm(other, token), ['/token'])

    const late = await createPoll(alice.client, { allowEmailVotes: true })
    const lateEmail = address()
    await request(late, { optionIds: [late.options[0].id], email: lateEmail })
    await alice.client.post(`/api/v1/polls/${late.id}/close`)
    expectProblem(await confirm(late, (await lastLink(lateEmail)).token), 409, 'POLL_CLOSED')
  })

  it('takes open answers by e-mail', async () => {
    const open = await createPoll(alice.client, { title: 'Ideas for the square?', mode: 'open', options: undefined, allowEmailVotes: true })
    const email = address()
    expect((await request(open, { answer: 'A fountain', email })).status).to.equal(202)
    expect((await confirm(open, (await lastLink(email)).token)).status).to.equal(200)
    expect((await alice.client.get(`/api/v1/polls/${open.id}/answers`)).body.items.map((a: any) => a.answer)).to.deep.equal(['A fountain'])
  })

  it('works without JavaScript: a form on the poll page, and a button on the page the link opens', async () => {
    const multiple = await createPoll(alice.client, { title: 'Which stalls?', mode: 'multiple', options: ['Fish', 'Cheese', 'Flowers'], allowEmailVotes: true })
    const page = await anonymous.get(`/polls/${multiple.id}`, { headers: { accept: 'text/html' } })
    expect(page.text).to.contain(`method="post" action="/polls/${multiple.id}/vote"`).and.contain('name="email"')
    expect(page.text).to.contain(`name="option_${multiple.options[0].id}"`)
    const email = address()
    const sent = await anonymous.post(`/polls/${multiple.id}/vote`, undefined, form({ email, [`option_${multiple.options[0].id}`]: 'on', [`option_${multiple.options[2].id}`]: 'on' }))
    expect(sent.status, sent.text).to.equal(202)
    expect(sent.text).to.contain('Kijk in je mail')
    const { token } = await lastLink(email)
    const done = await anonymous.post(`/polls/${multiple.id}/confirm`, undefined, form({ token }))
    expect(done.status, done.text).to.equal(200)
    expect(done.text).to.contain('Je stem telt')
    const results = (await alice.client.get(`/api/v1/polls/${multiple.id}/results`)).body
    expect(results.options.map((o: any) => o.votes)).to.deep.equal([1, 0, 1])
    // A problem comes back as a page too.
    const again = await anonymous.post(`/polls/${multiple.id}/confirm`, undefined, form({ token: 'nonsense' }))
    expect(again.status).to.equal(400)
    expect(String(again.headers['content-type'])).to.match(/^text\/html/)
  })

  // Last: it moves the clock two days on.
  it('lets links expire after the confirmationHours setting (410)', async () => {
    const email = address()
    await request(poll, { optionIds: [poll.options[0].id], email })
    const { token } = await lastLink(email)
    clock.advance(49 * 3600_000)
    expectProblem(await confirm(poll, token), 410, 'VOTE_LINK_EXPIRED')
  })
})
