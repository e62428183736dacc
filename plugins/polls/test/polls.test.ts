// /api/v1/polls: polls as content items — creating (and what makes a poll invalid), reading under the access
// model, listing with cursors and status, changing, closing, deleting, the activity stream, comments,
// site scoping, the OpenAPI document and the HTML page.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { commentsPlugin } from '@plein/plugin-comments'
import { searchPlugin } from '@plein/plugin-search'
import { pollsPlugin } from '../src/index.js'
import { createPoll, expectInvalid, expectProblem, ids, inAnHour, listAll, uuidPattern } from './helpers.js'

describe('polls: polls as content items', () => {
  let tk: TestKernel
  let admin: SignedUp
  let alice: SignedUp
  let bob: SignedUp
  let anonymous: TestClient

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [pollsPlugin, commentsPlugin], settings: { polls: { maxOptions: 6 } } })
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    anonymous = tk.client()
  })
  after(() => tk?.close())

  describe('create', () => {
    it('answers 201 with the item fields and its own: options in order, open at once, results for its owner', async () => {
      const before = Date.now()
      const res = await alice.client.post('/api/v1/polls', {
        title: '  Which day suits the neighbourhood meeting?  ',
        description: 'We meet in the community centre.',
        mode: 'single',
        options: [' Monday ', 'Wednesday', 'Saturday'],
        access: { read: ['public'] },
      })
      expect(res.status, res.text).to.equal(201)
      const poll = res.body
      expect(poll.id).to.match(uuidPattern)
      expect(poll).to.include({ type: 'poll', title: 'Which day suits the neighbourhood meeting?', url: `/polls/${poll.id}`, containerId: null })
      expect(poll.owner).to.include({ id: alice.user.id, name: 'Alice' })
      expect(poll.access).to.deep.equal({ read: ['public'], write: [`user:${alice.user.id}`] })
      expect(poll).to.include({ description: 'We meet in the community centre.', mode: 'single', maxChoices: 1, status: 'open', closesAt: null })
      expect(poll).to.include({ showResults: 'afterVote', allowEmailVotes: false, viewerVote: null })
      expect(poll.options.map((o: any) => o.label)).to.deep.equal(['Monday', 'Wednesday', 'Saturday'])
      for (const o of poll.options) expect(o.id).to.match(uuidPattern)
      expect(Date.parse(poll.opensAt)).to.be.within(before - 5000, Date.now() + 5000)
      expect(poll.results.totalVotes).to.equal(0)
      expect(poll.commentCount).to.equal(0)
    })

    it('takes multiple choice with a maximum, and open questions without options', async () => {
      const multiple = await createPoll(alice.client, { mode: 'multiple', options: ['A', 'B', 'C', 'D'], maxChoices: 2 })
      expect(multiple).to.include({ mode: 'multiple', maxChoices: 2 })
      const unlimited = await createPoll(alice.client, { mode: 'multiple', options: ['A', 'B', 'C'] })
      expect(unlimited.maxChoices).to.equal(3)
      const open = await createPoll(alice.client, { title: 'What should the park have?', mode: 'open', options: undefined })
      expect(open).to.include({ mode: 'open', maxChoices: null })
      expect(open.options).to.deep.equal([])
    })

    it('answers one 400 naming every problem of a definition', async () => {
      expectInvalid(await alice.client.post('/api/v1/polls', { title: '', mode: 'maybe', colour: 'red' }), ['/title', '/mode', '/colour'])
      expectInvalid(await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'single' }), ['/options'])
      expectInvalid(await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['Only one'] }), ['/options'])
      expectInvalid(await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'open', options: ['A', 'B'] }), ['/options'])
      expectInvalid(await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['Yes', 'yes ', 'No'] }), ['/options/1'])
      expectInvalid(await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['A', 'B'], maxChoices: 1 }), ['/maxChoices'])
      expectInvalid(await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'multiple', options: ['A', 'B'], maxChoices: 3 }), ['/maxChoices'])
      const past = new Date(Date.now() - 60_000).toISOString()
      expectInvalid(await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['A', 'B'], closesAt: past }), ['/closesAt'])
      const errors = expectInvalid(
        await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['A', 'B'], opensAt: new Date(Date.now() + 7200_000).toISOString(), closesAt: inAnHour() }),
        ['/closesAt'],
      )
      expect(errors.map(e => e.detail).join(' ')).to.contain('after opensAt')
      expectInvalid(await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['A', 'B'], closesAt: 'tomorrow' }), ['/closesAt'])
    })

    it("refuses more options than the site's maxOptions setting", async () => {
      const res = await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['1', '2', '3', '4', '5', '6', '7'] })
      expect(expectInvalid(res, ['/options'])[0].detail).to.contain('at most 6')
    })

    it('refuses votes by e-mail on a poll that not everyone may read', async () => {
      const res = await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['A', 'B'], allowEmailVotes: true, access: { read: ['logged_in'] } })
      expectInvalid(res, ['/allowEmailVotes'])
      const rows = await tk.kernel.db.query(`SELECT count(*)::int AS n FROM entity WHERE title = 'Q'`)
      expect(rows[0].n, 'nothing of the refused poll is stored').to.equal(0)
    })

    it('asks anonymous visitors to sign in first (401)', async () => {
      expectProblem(await anonymous.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['A', 'B'] }), 401)
    })

    it('answers 400 for a container no plugin owns', async () => {
      const res = await alice.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['A', 'B'], containerId: '00000000-0000-4000-8000-000000000000' })
      expectProblem(res, 400, 'CONTAINER_UNKNOWN')
    })
  })

  describe('read and list', () => {
    let open: any
    let upcoming: any
    let closed: any
    let hidden: any

    before(async () => {
      open = await createPoll(alice.client, { title: 'Open poll' })
      upcoming = await createPoll(alice.client, { title: 'Upcoming poll', opensAt: inAnHour() })
      closed = await createPoll(alice.client, { title: 'Closed poll' })
      expect((await alice.client.post(`/api/v1/polls/${closed.id}/close`)).status).to.equal(200)
      hidden = await createPoll(alice.client, { title: 'Only for Alice', access: { read: [] } })
    })

    it('gives a poll to whoever may read it, and 404 to everyone else', async () => {
      expect((await anonymous.get(`/api/v1/polls/${open.id}`)).body.title).to.equal('Open poll')
      expect((await alice.client.get(`/api/v1/polls/${hidden.id}`)).status).to.equal(200)
      expect((await admin.client.get(`/api/v1/polls/${hidden.id}`)).status).to.equal(200)
      expectProblem(await bob.client.get(`/api/v1/polls/${hidden.id}`), 404)
      expectProblem(await anonymous.get(`/api/v1/polls/${hidden.id}`), 404)
      expectProblem(await bob.client.get('/api/v1/polls/00000000-0000-4000-8000-000000000000'), 404)
      expectInvalid(await bob.client.get('/api/v1/polls/not-a-uuid'), ['id'])
    })

    it('lists what the viewer may read, newest first, page by page, with the same answer as a direct fetch', async () => {
      const bobs = await listAll(bob.client, '/api/v1/polls', 2)
      expect(ids(bobs)).to.include.members([open.id, upcoming.id, closed.id])
      expect(ids(bobs)).not.to.include(hidden.id)
      const times = bobs.map(p => Date.parse(p.createdAt))
      expect(times).to.deep.equal([...times].sort((a, b) => b - a))
      expect(ids(await listAll(alice.client, '/api/v1/polls', 2))).to.include(hidden.id)
      expectInvalid(await bob.client.get('/api/v1/polls?limit=0'), ['limit'])
      expectProblem(await bob.client.get('/api/v1/polls?cursor=nonsense!'), 400, 'INVALID_CURSOR')
    })

    it('filters by status now: upcoming, open, closed', async () => {
      const status = async (s: string) => ids(await listAll(bob.client, `/api/v1/polls?status=${s}`))
      expect(await status('upcoming')).to.include(upcoming.id).and.not.include.members([open.id, closed.id])
      expect(await status('open')).to.include(open.id).and.not.include.members([upcoming.id, closed.id])
      expect(await status('closed')).to.include(closed.id).and.not.include.members([open.id, upcoming.id])
      expect((await bob.client.get(`/api/v1/polls/${upcoming.id}`)).body.status).to.equal('upcoming')
      expect((await bob.client.get(`/api/v1/polls/${closed.id}`)).body.status).to.equal('closed')
      expectInvalid(await bob.client.get('/api/v1/polls?status=someday'), ['status'])
    })

    it('appears in the activity stream under the same access', async () => {
      const everyone = ids(await listAll(anonymous, '/api/v1/activity?type=poll'))
      expect(everyone).to.include(open.id).and.not.include(hidden.id)
      const activity = await listAll(alice.client, '/api/v1/activity?type=poll')
      const mine = activity.find(i => i.id === hidden.id)
      expect(mine).to.include({ type: 'poll', mode: 'single' })
    })

    it('keeps the polls of one site away from another', async () => {
      const other = await tk.kernel.db.query(`INSERT INTO kernel_site (key, name) VALUES ('elsewhere', 'Elsewhere') RETURNING id`)
      const moved = await createPoll(alice.client, { title: 'Moved away' })
      await tk.kernel.db.query('UPDATE entity SET site_id = $1 WHERE id = $2', [other[0].id, moved.id])
      expectProblem(await alice.client.get(`/api/v1/polls/${moved.id}`), 404)
      expectProblem(await admin.client.get(`/api/v1/polls/${moved.id}`), 404)
      expect(ids(await listAll(admin.client, '/api/v1/polls'))).not.to.include(moved.id)
      expectProblem(await bob.client.post(`/api/v1/polls/${moved.id}/votes`, { optionIds: [moved.options[0].id] }), 404)
    })
  })

  describe('change, close, delete', () => {
    it('lets its managers change it; others get 403 (or 404 when they cannot read it), anonymous visitors 401', async () => {
      const poll = await createPoll(alice.client)
      const changed = await alice.client.patch(`/api/v1/polls/${poll.id}`, { title: 'New question', description: 'More context', closesAt: inAnHour(), showResults: 'afterClose' })
      expect(changed.status, changed.text).to.equal(200)
      expect(changed.body).to.include({ title: 'New question', description: 'More context', showResults: 'afterClose' })
      expect(changed.body.closesAt).to.be.a('string')
      expectProblem(await bob.client.patch(`/api/v1/polls/${poll.id}`, { title: 'Mine now' }), 403)
      expectProblem(await anonymous.patch(`/api/v1/polls/${poll.id}`, { title: 'Mine now' }), 401)
      expect((await admin.client.patch(`/api/v1/polls/${poll.id}`, { closesAt: null })).body.closesAt).to.equal(null)
      expectInvalid(await alice.client.patch(`/api/v1/polls/${poll.id}`, {}), [''])
      const hidden = await createPoll(alice.client, { access: { read: [] } })
      expectProblem(await bob.client.patch(`/api/v1/polls/${hidden.id}`, { title: 'x' }), 404)
    })

    it('changes options until the first vote, then answers 409 POLL_HAS_VOTES (the question may still change)', async () => {
      const poll = await createPoll(alice.client)
      const before = await alice.client.patch(`/api/v1/polls/${poll.id}`, { options: ['Tuesday', 'Thursday'] })
      expect(before.status, before.text).to.equal(200)
      expect(before.body.options.map((o: any) => o.label)).to.deep.equal(['Tuesday', 'Thursday'])
      expect((await bob.client.post(`/api/v1/polls/${poll.id}/votes`, { optionIds: [before.body.options[0].id] })).status).to.equal(201)
      expectProblem(await alice.client.patch(`/api/v1/polls/${poll.id}`, { options: ['Friday', 'Sunday'] }), 409, 'POLL_HAS_VOTES')
      expect((await alice.client.patch(`/api/v1/polls/${poll.id}`, { title: 'Reworded' })).status).to.equal(200)
    })

    it('closes an open poll now; closing again is 409; only managers close', async () => {
      const poll = await createPoll(alice.client)
      expectProblem(await bob.client.post(`/api/v1/polls/${poll.id}/close`), 403)
      const closed = await alice.client.post(`/api/v1/polls/${poll.id}/close`)
      expect(closed.status, closed.text).to.equal(200)
      expect(closed.body.status).to.equal('closed')
      expect(Date.parse(closed.body.closesAt)).to.be.at.most(Date.now() + 1000)
      expectProblem(await alice.client.post(`/api/v1/polls/${poll.id}/close`), 409, 'POLL_CLOSED')
      const later = await createPoll(alice.client, { opensAt: inAnHour() })
      expectProblem(await alice.client.post(`/api/v1/polls/${later.id}/close`), 409, 'POLL_NOT_OPEN')
    })

    it('deletes a poll with its votes; others may not', async () => {
      const poll = await createPoll(alice.client)
      await bob.client.post(`/api/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[1].id] })
      expectProblem(await bob.client.delete(`/api/v1/polls/${poll.id}`), 403)
      expect((await alice.client.delete(`/api/v1/polls/${poll.id}`)).status).to.equal(204)
      expectProblem(await alice.client.get(`/api/v1/polls/${poll.id}`), 404)
      const left = await tk.kernel.db.query('SELECT (SELECT count(*) FROM polls_vote WHERE poll_id = $1)::int + (SELECT count(*) FROM polls_option WHERE poll_id = $1)::int AS n', [poll.id])
      expect(left[0].n).to.equal(0)
    })
  })

  describe('with other plugins and the web', () => {
    it('is commentable where the comments plugin is enabled', async () => {
      const poll = await createPoll(alice.client)
      const comment = await bob.client.post(`/api/v1/entities/${poll.id}/comments`, { body: 'Saturday please!' })
      expect(comment.status, comment.text).to.equal(201)
      expect((await anonymous.get(`/api/v1/polls/${poll.id}`)).body.commentCount).to.equal(1)
      // The poll's page shows the thread through the comments plugin's own view.
      expect((await anonymous.get(`/polls/${poll.id}`, { headers: { accept: 'text/html' } })).text).to.contain('Saturday please!')
    })

    it('publishes its API in the OpenAPI document, with the 400 answers declared', async () => {
      const doc = (await anonymous.get('/api/v1/openapi.json')).body
      for (const p of ['/polls', '/polls/{id}', '/polls/{id}/votes', '/polls/{id}/votes/confirm', '/polls/{id}/results', '/polls/{id}/answers', '/polls/{id}/export', '/polls/{id}/close']) {
        expect(doc.paths, p).to.have.property(p)
      }
      expect(doc.paths['/polls'].post.responses).to.have.property('400')
      expect(doc.paths['/polls'].post.operationId).to.equal('polls.create')
      expect(JSON.stringify(doc.paths)).not.to.contain('/polls/{id}/confirm"')
    })

    it('renders its pages in the site layout with every value escaped, and adds itself to the navigation', async () => {
      const poll = await createPoll(alice.client, { title: '<script>alert(1)</script>', options: ['<b>A</b>', 'B & C'], description: 'Say <i>what</i> you think' })
      const res = await anonymous.get(`/polls/${poll.id}`, { headers: { accept: 'text/html' } })
      expect(res.status).to.equal(200)
      expect(String(res.headers['content-type'])).to.match(/^text\/html/)
      // Text is escaped by the view renderer (< and & are enough in text; attributes get quotes escaped too).
      expect(res.text).to.contain('&lt;script>alert(1)&lt;/script>').and.contain('&lt;b>A&lt;/b>').and.contain('B &amp; C').and.contain('Say &lt;i>what&lt;/i> you think')
      expect(res.text).not.to.contain('<script>alert').and.not.contain('<b>A</b>').and.not.contain('<i>what')
      expect(res.text).to.contain('href="/polls"')
      const list = await anonymous.get('/polls', { headers: { accept: 'text/html' } })
      expect(list.status).to.equal(200)
      expect(list.text).to.contain(`href="/polls/${poll.id}"`)
      expect((await anonymous.get(`/polls/${(await createPoll(alice.client, { access: { read: [] } })).id}`)).status).to.equal(404)
    })

    it('lets signed-in people vote from the page with their session (the form carries the CSRF token)', async () => {
      const poll = await createPoll(alice.client)
      const page = await bob.client.get(`/polls/${poll.id}`, { headers: { accept: 'text/html' } })
      expect(page.text).to.contain(`action="/polls/${poll.id}/vote"`).and.contain('name="_csrf"')
      expect(page.text).not.to.contain('name="email"')
      const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
        bob.client.post(`/polls/${poll.id}/vote`, undefined, {
          raw: new URLSearchParams(fields).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
        })
      // Without the token (and without the header the test client would add) the kernel refuses the form.
      expect((await post({ option: poll.options[1].id }, { 'x-csrf-token': '' })).status).to.equal(403)
      const voted = await post({ option: poll.options[1].id, _csrf: bob.client.csrfToken! }, { 'x-csrf-token': '' })
      expect(voted.status, voted.text).to.equal(302)
      expect(voted.headers.location).to.equal(`/polls/${poll.id}`)
      expect((await bob.client.get(`/api/v1/polls/${poll.id}`)).body.viewerVote.optionIds).to.deep.equal([poll.options[1].id])
      const again = await bob.client.get(`/polls/${poll.id}`, { headers: { accept: 'text/html' } })
      expect(again.text).to.contain('Je hebt gestemd.')
      expect(again.text).not.to.contain(`action="/polls/${poll.id}/vote"`)
    })
  })

  describe('with the search plugin', () => {
    let searching: TestKernel
    before(async function () {
      this.timeout(60_000)
      searching = await createTestKernel({ plugins: [pollsPlugin, searchPlugin] })
    })
    after(() => searching?.close())

    it('is found by its options and description, under the same access', async () => {
      const owner = await searching.signUp({ name: 'Owner' })
      const other = await searching.signUp({ name: 'Other' })
      const open = await createPoll(owner.client, { title: 'Market day', description: 'About the weekly market', options: ['Cauliflower stall', 'Herring stall'] })
      const hidden = await createPoll(owner.client, { title: 'Secret', options: ['Cauliflower soup', 'Tomato soup'], access: { read: [] } })
      const found = await other.client.get('/api/v1/search?q=cauliflower')
      expect(found.status, found.text).to.equal(200)
      expect(ids(found.body.items)).to.include(open.id).and.not.include(hidden.id)
      expect(ids((await owner.client.get('/api/v1/search?q=weekly')).body.items)).to.include(open.id)
      expect(ids((await owner.client.get('/api/v1/search?q=cauliflower')).body.items)).to.include.members([open.id, hidden.id])
    })
  })

  describe('on a site where only administrators start polls', () => {
    let strict: TestKernel
    before(async function () {
      this.timeout(60_000)
      strict = await createTestKernel({ plugins: [pollsPlugin], settings: { polls: { whoMayCreate: 'admins', allowEmailVotes: false } } })
    })
    after(() => strict?.close())

    it('refuses members (403) and takes administrators; votes by e-mail are off; no comments without the comments plugin', async () => {
      const boss = await strict.signUp({ name: 'Boss' })
      const member = await strict.signUp({ name: 'Member' })
      expectProblem(await member.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['A', 'B'] }), 403, 'POLLS_ADMINS_ONLY')
      expectInvalid(await boss.client.post('/api/v1/polls', { title: 'Q', mode: 'single', options: ['A', 'B'], allowEmailVotes: true, access: { read: ['public'] } }), ['/allowEmailVotes'])
      const poll = await createPoll(boss.client)
      expect(poll.allowEmailVotes).to.equal(false)
      // This site has no comments plugin: polls boot without it and take no comments.
      expect(poll).not.to.have.property('commentCount')
      expect((await member.client.post(`/api/v1/entities/${poll.id}/comments`, { body: 'Hi' })).status).to.equal(404)
      expect((await member.client.post(`/api/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0].id] })).status).to.equal(201)
    })
  })
})
