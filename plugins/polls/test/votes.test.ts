// Voting by account and the results: one vote per account, ballots checked against the poll, open answers,
// opening and closing, who sees results when, the CSV export, the hooks polls owns, its service, and what
// happens to votes when an account is deleted.
import { expect } from 'chai'
import { ANONYMOUS, definePlugin } from '@plein/core'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { pollsHooks, pollsServiceRef, type PollVote } from '../src/api.js'
import { pollsPlugin } from '../src/index.js'
import { createPoll, expectInvalid, expectProblem, inAnHour, listAll } from './helpers.js'

// A third-party plugin that depends on polls: it vetoes some ballots and hears every counted vote.
const heard: PollVote[] = []
const listener = definePlugin({
  id: 'polls-listener',
  version: '1.0.0',
  kernel: '*',
  dependencies: { polls: '^1.0.0' },
  register(ctx) {
    const hooks = ctx.hooks.of(pollsHooks)
    hooks.beforeVote.tap((_poll, ballot) => (ballot.answer?.includes('forbidden') ? { reason: 'This answer is not allowed here.', status: 403 } : undefined))
    hooks.voted.tap(vote => {
      heard.push(vote)
    })
  },
})

describe('polls: voting and results', () => {
  let tk: TestKernel
  let admin: SignedUp
  let alice: SignedUp
  let bob: SignedUp
  let carol: SignedUp
  let anonymous: TestClient

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [pollsPlugin, listener] })
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    carol = await tk.signUp({ name: 'Carol' })
    anonymous = tk.client()
  })
  after(() => tk?.close())

  const vote = (client: TestClient, poll: any, body: Record<string, unknown>) => client.post(`/api/v1/polls/${poll.id}/votes`, body)

  describe('by account', () => {
    it('counts one vote per account: 201 with the results, then 409 ALREADY_VOTED; the poll shows the vote', async () => {
      const poll = await createPoll(alice.client)
      const first = await vote(bob.client, poll, { optionIds: [poll.options[2].id] })
      expect(first.status, first.text).to.equal(201)
      expect(first.body.vote.optionIds).to.deep.equal([poll.options[2].id])
      expect(first.body.results.totalVotes).to.equal(1)
      expect(first.body.results.options.map((o: any) => o.votes)).to.deep.equal([0, 0, 1])
      expect(first.body.results.options[2].percentage).to.equal(100)
      expectProblem(await vote(bob.client, poll, { optionIds: [poll.options[0].id] }), 409, 'ALREADY_VOTED')
      const seen = (await bob.client.get(`/api/v1/polls/${poll.id}`)).body
      expect(seen.viewerVote.optionIds).to.deep.equal([poll.options[2].id])
      expect(seen.results.totalVotes).to.equal(1)
      expect((await carol.client.get(`/api/v1/polls/${poll.id}`)).body.viewerVote).to.equal(null)
    })

    it('counts concurrent votes of one account once', async () => {
      const poll = await createPoll(alice.client)
      const answers = await Promise.all([0, 1, 2, 0, 1].map(i => vote(carol.client, poll, { optionIds: [poll.options[i]!.id] })))
      expect(answers.map(a => a.status).sort()).to.deep.equal([201, 409, 409, 409, 409])
      const rows = await tk.kernel.db.query('SELECT count(*)::int AS n FROM polls_vote WHERE poll_id = $1', [poll.id])
      expect(rows[0].n).to.equal(1)
    })

    it('checks a ballot against the poll, naming every problem', async () => {
      const single = await createPoll(alice.client)
      expectInvalid(await vote(bob.client, single, { optionIds: [single.options[0].id, single.options[1].id] }), ['/optionIds'])
      expectInvalid(await vote(bob.client, single, { optionIds: ['00000000-0000-4000-8000-000000000000'] }), ['/optionIds/0'])
      expectInvalid(await vote(bob.client, single, {}), ['/optionIds'])
      expectInvalid(await vote(bob.client, single, { optionIds: [single.options[0].id], answer: 'also this' }), ['/answer'])
      expectInvalid(await vote(bob.client, single, { optionIds: ['not-a-uuid'], colour: 'red' }), ['/optionIds/0', '/colour'])
      expectInvalid(await vote(bob.client, single, { optionIds: [single.options[0].id], email: 'bob@example.org' }), ['/email'])
      const multiple = await createPoll(alice.client, { mode: 'multiple', options: ['A', 'B', 'C', 'D'], maxChoices: 2 })
      expectInvalid(await vote(bob.client, multiple, { optionIds: multiple.options.slice(0, 3).map((o: any) => o.id) }), ['/optionIds'])
      // Options come back in the poll's order, a repeated one counted once.
      const ok = await vote(bob.client, multiple, { optionIds: [multiple.options[3].id, multiple.options[1].id, multiple.options[3].id] })
      expect(ok.status, ok.text).to.equal(201)
      expect(ok.body.vote.optionIds).to.deep.equal([multiple.options[1].id, multiple.options[3].id])
      expect(ok.body.results.options.map((o: any) => o.votes)).to.deep.equal([0, 1, 0, 1])
      const open = await createPoll(alice.client, { mode: 'open', options: undefined })
      expectInvalid(await vote(bob.client, open, { optionIds: [multiple.options[0].id] }), ['/optionIds', '/answer'])
      expectInvalid(await vote(bob.client, open, { answer: '   ' }), ['/answer'])
    })

    it('asks anonymous visitors to sign in (401), naming the e-mail way only where the poll has one', async () => {
      const poll = await createPoll(alice.client)
      expect(expectProblem(await vote(anonymous, poll, { optionIds: [poll.options[0].id] }), 401, 'NOT_SIGNED_IN').detail).not.to.contain('e-mail')
      const byMail = await createPoll(alice.client, { allowEmailVotes: true })
      expect(expectProblem(await vote(anonymous, byMail, { optionIds: [byMail.options[0].id] }), 401).detail).to.contain('e-mail')
    })

    it('takes votes only while open: 409 before opening and after closing', async () => {
      const later = await createPoll(alice.client, { opensAt: inAnHour() })
      expectProblem(await vote(bob.client, later, { optionIds: [later.options[0].id] }), 409, 'POLL_NOT_OPEN')
      const poll = await createPoll(alice.client)
      await alice.client.post(`/api/v1/polls/${poll.id}/close`)
      expectProblem(await vote(bob.client, poll, { optionIds: [poll.options[0].id] }), 409, 'POLL_CLOSED')
    })

    it('keeps hidden polls hidden: 404 to vote, to see results, to export', async () => {
      const poll = await createPoll(alice.client, { access: { read: [`user:${carol.user.id}`] } })
      expectProblem(await vote(bob.client, poll, { optionIds: [poll.options[0].id] }), 404)
      expectProblem(await bob.client.get(`/api/v1/polls/${poll.id}/results`), 404)
      expectProblem(await bob.client.get(`/api/v1/polls/${poll.id}/export`), 404)
      expect((await vote(carol.client, poll, { optionIds: [poll.options[0].id] })).status).to.equal(201)
    })
  })

  describe('results', () => {
    it('after voting (afterVote): 403 RESULTS_HIDDEN before, the counts after; managers always', async () => {
      const poll = await createPoll(alice.client, { showResults: 'afterVote' })
      expect((await bob.client.get(`/api/v1/polls/${poll.id}`)).body.results).to.equal(null)
      expectProblem(await bob.client.get(`/api/v1/polls/${poll.id}/results`), 403, 'RESULTS_HIDDEN')
      await vote(carol.client, poll, { optionIds: [poll.options[0].id] })
      await vote(bob.client, poll, { optionIds: [poll.options[1].id] })
      const results = await bob.client.get(`/api/v1/polls/${poll.id}/results`)
      expect(results.status, results.text).to.equal(200)
      expect(results.body).to.include({ pollId: poll.id, status: 'open', totalVotes: 2 })
      expect(results.body.options.map((o: any) => [o.label, o.votes, o.percentage])).to.deep.equal([
        ['Monday', 1, 50],
        ['Wednesday', 1, 50],
        ['Saturday', 0, 0],
      ])
      expect((await alice.client.get(`/api/v1/polls/${poll.id}/results`)).body.totalVotes).to.equal(2)
      expect((await admin.client.get(`/api/v1/polls/${poll.id}/results`)).body.totalVotes).to.equal(2)
      expectProblem(await anonymous.get(`/api/v1/polls/${poll.id}/results`), 403, 'RESULTS_HIDDEN')
    })

    it('after closing (afterClose): hidden even from voters until it closes, then shown to every reader', async () => {
      const poll = await createPoll(alice.client, { showResults: 'afterClose', closesAt: inAnHour() })
      const voted = await vote(bob.client, poll, { optionIds: [poll.options[0].id] })
      expect(voted.body.results).to.equal(null)
      expect(expectProblem(await bob.client.get(`/api/v1/polls/${poll.id}/results`), 403, 'RESULTS_HIDDEN').detail).to.contain('closes')
      expect((await alice.client.get(`/api/v1/polls/${poll.id}/results`)).body.totalVotes).to.equal(1)
      await alice.client.post(`/api/v1/polls/${poll.id}/close`)
      const after = await anonymous.get(`/api/v1/polls/${poll.id}/results`)
      expect(after.status, after.text).to.equal(200)
      expect(after.body).to.include({ status: 'closed', totalVotes: 1 })
      expect((await anonymous.get(`/api/v1/polls/${poll.id}`)).body.results.totalVotes).to.equal(1)
    })

    it('lists the answers to an open question newest first, without who gave them, page by page', async () => {
      const poll = await createPoll(alice.client, { title: 'What should the park have?', mode: 'open', options: undefined })
      for (const [who, answer] of [
        [bob, 'A playground'],
        [carol, 'More trees'],
        [admin, 'Benches'],
      ] as const) {
        expect((await vote(who.client, poll, { answer })).status).to.equal(201)
      }
      const answers = await listAll(alice.client, `/api/v1/polls/${poll.id}/answers`, 2)
      expect(answers.map(a => a.answer)).to.deep.equal(['Benches', 'More trees', 'A playground'])
      for (const a of answers) expect(a).to.have.all.keys('id', 'answer', 'createdAt')
      expect((await bob.client.get(`/api/v1/polls/${poll.id}/results`)).body.totalVotes).to.equal(3)
      const fresh = await tk.signUp({ name: 'Dave' })
      expectProblem(await fresh.client.get(`/api/v1/polls/${poll.id}/answers`), 403, 'RESULTS_HIDDEN')
      const choice = await createPoll(alice.client)
      expectProblem(await alice.client.get(`/api/v1/polls/${choice.id}/answers`), 404, 'POLL_NOT_OPEN_QUESTION')
    })
  })

  describe('export', () => {
    it('gives managers the results per option as CSV; others 403, anonymous visitors 401', async () => {
      const poll = await createPoll(alice.client, { options: ['Yes, "gladly"', '=1+1', 'No'] })
      await vote(bob.client, poll, { optionIds: [poll.options[0].id] })
      await vote(carol.client, poll, { optionIds: [poll.options[0].id] })
      await vote(admin.client, poll, { optionIds: [poll.options[1].id] })
      const res = await alice.client.get(`/api/v1/polls/${poll.id}/export`)
      expect(res.status, res.text).to.equal(200)
      expect(String(res.headers['content-type'])).to.match(/^text\/csv; charset=utf-8/)
      expect(String(res.headers['content-disposition'])).to.contain(`poll-${poll.id}.csv`)
      expect(res.text).to.equal('\uFEFFoption,votes,percentage\r\n"Yes, ""gladly""",2,66.7\r\n\'=1+1,1,33.3\r\nNo,0,0\r\n')
      expect((await admin.client.get(`/api/v1/polls/${poll.id}/export`)).status).to.equal(200)
      expectProblem(await bob.client.get(`/api/v1/polls/${poll.id}/export`), 403)
      expectProblem(await anonymous.get(`/api/v1/polls/${poll.id}/export`), 401)
    })

    it('streams every open answer, oldest first, with formulas made harmless', async () => {
      const poll = await createPoll(alice.client, { mode: 'open', options: undefined })
      await vote(bob.client, poll, { answer: 'Line one\nline two' })
      await vote(carol.client, poll, { answer: '@SUM(A1:A9)' })
      const res = await alice.client.get(`/api/v1/polls/${poll.id}/export`)
      expect(res.status, res.text).to.equal(200)
      const lines = res.text.replace(/^\uFEFF/, '').split('\r\n')
      expect(lines[0]).to.equal('answer,submittedAt')
      expect(lines[1]).to.match(/^"Line one\nline two",\d{4}-\d\d-\d\dT/)
      expect(lines[2]).to.match(/^'@SUM\(A1:A9\),\d{4}-/)
      expect(lines[3]).to.equal('')
    })
  })

  describe('hooks and service', () => {
    it('asks polls.beforeVote (a veto is a 403) and tells polls.voted what was counted', async () => {
      const poll = await createPoll(alice.client, { mode: 'open', options: undefined })
      expectProblem(await vote(bob.client, poll, { answer: 'a forbidden answer' }), 403, 'VOTE_VETOED')
      const ok = await vote(bob.client, poll, { answer: 'a fine answer' })
      expect(ok.status).to.equal(201)
      const counted = heard.find(v => v.pollId === poll.id)
      expect(counted).to.include({ accountId: bob.user.id, byEmail: false, answer: 'a fine answer' })
      expect(heard.filter(v => v.pollId === poll.id)).to.have.length(1)
    })

    it('gives other plugins the results through polls.polls, with the same visibility', async () => {
      const service = tk.kernel.service(pollsServiceRef)!
      const poll = await createPoll(alice.client, { showResults: 'afterClose' })
      await vote(bob.client, poll, { optionIds: [poll.options[0].id] })
      const site = tk.kernel.rootSite
      expect(await service.results(ANONYMOUS, site, poll.id)).to.equal(undefined)
      await alice.client.post(`/api/v1/polls/${poll.id}/close`)
      expect((await service.results(ANONYMOUS, site, poll.id))!.totalVotes).to.equal(1)
    })
  })

  describe('personal data', () => {
    it("keeps a deleted account's vote counted, with nothing pointing at the person, and exports an account's votes", async () => {
      const poll = await createPoll(alice.client)
      const eve = await tk.signUp({ name: 'Eve' })
      await vote(eve.client, poll, { optionIds: [poll.options[1].id] })
      const exported = await eve.client.get('/api/v1/users/me/export')
      expect(exported.status).to.equal(200)
      const data = JSON.parse(exported.text)
      expect(data.plugins.polls.votes).to.have.length(1)
      expect(data.plugins.polls.votes[0]).to.include({ pollId: poll.id })
      expect(data.plugins.polls.votes[0].optionIds).to.deep.equal([poll.options[1].id])
      expect((await eve.client.delete('/api/v1/users/me')).status).to.equal(204)
      const rows = await tk.kernel.db.query('SELECT account_id, email FROM polls_vote WHERE poll_id = $1', [poll.id])
      expect(rows).to.deep.equal([{ account_id: null, email: null }])
      expect((await alice.client.get(`/api/v1/polls/${poll.id}/results`)).body.options[1].votes).to.equal(1)
    })
  })
})
