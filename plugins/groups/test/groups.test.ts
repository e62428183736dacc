// API.md "Groups" through HTTP (issue 5): create, read, update, delete; joining open and closed groups;
// requests; members with roles, paged and searchable; leaving and removal; administrators and ownership;
// invitations by account and by e-mail; group content and its access; group activity; deleting a group.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { searchPlugin } from '@plein/plugin-search'
import { createGroup, createPost, expectInvalid, expectProblem, ids, isoPattern, listAll, mails, uuidPattern } from './helpers.js'

describe('groups', () => {
  let tk: TestKernel
  let admin: SignedUp
  let olivia: SignedUp
  let bob: SignedUp
  let carol: SignedUp
  let dave: SignedUp
  let erin: SignedUp
  let anonymous: TestClient

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({ plugins: [commentsPlugin, blogPlugin, groupsPlugin, searchPlugin] })
    // The first account is the root site's administrator; the others are ordinary accounts.
    admin = await tk.signUp({ name: 'Site Admin' })
    olivia = await tk.signUp({ name: 'Olivia Owner' })
    bob = await tk.signUp({ name: 'Bob Builder' })
    carol = await tk.signUp({ name: 'Carol Clerk' })
    dave = await tk.signUp({ name: 'Dave Daring' })
    erin = await tk.signUp({ name: 'Erin Eager' })
    anonymous = tk.client()
  })
  after(() => tk?.close())

  const get = (who: SignedUp | TestClient, url: string) => ('client' in who ? who.client : who).get(url)
  const groupOf = async (who: SignedUp | TestClient, id: string) => get(who, `/api/v1/groups/${id}`)

  /** Makes `who` a full member: join an open group, or ask and be approved by `by` in a closed one. */
  async function addMember(group: { id: string }, who: SignedUp, by: SignedUp = olivia): Promise<void> {
    const joined = await who.client.post(`/api/v1/groups/${group.id}/join`)
    if (joined.status === 202) {
      const approved = await by.client.post(`/api/v1/groups/${group.id}/requests/${who.user.id}/approve`)
      expect(approved.status, approved.text).to.equal(200)
    } else {
      expect(joined.status, joined.text).to.equal(200)
    }
  }

  const members = async (who: SignedUp | TestClient, groupId: string) => listAll('client' in who ? who.client : who, `/api/v1/groups/${groupId}/members`)

  describe('create and read', () => {
    it('answers 201 with the group; the creator is its owner and only member', async () => {
      const before = Date.now()
      const res = await olivia.client.post('/api/v1/groups', { name: '  Team Omgevingswet  ', description: 'Samen aan de wet', membership: 'closed' })
      expect(res.status, res.text).to.equal(201)
      expect(String(res.headers['content-type'])).to.match(/^application\/json/)
      const g = res.body
      expect(g.id).to.match(uuidPattern)
      expect(g.type).to.equal('group')
      expect(g.title).to.equal('Team Omgevingswet')
      expect(g.name).to.equal('Team Omgevingswet')
      expect(g.description).to.equal('Samen aan de wet')
      expect(g.membership).to.equal('closed')
      expect(g.hidden).to.equal(false)
      expect(g.membersOnly).to.equal(false)
      expect(g.contentTypes).to.equal(null)
      expect(g.memberCount).to.equal(1)
      expect(g.viewerStatus).to.equal('member')
      expect(g.viewerRole).to.equal('owner')
      expect(g.owner).to.include({ id: olivia.user.id, name: 'Olivia Owner' })
      expect(g.containerId).to.equal(null)
      expect(g.url).to.equal(`/groups/${g.id}`)
      expect(g.createdAt).to.match(isoPattern)
      expect(Date.parse(g.createdAt)).to.be.within(before - 5000, Date.now() + 5000)
      // A visible group is readable as the site's default (signed-in accounts on the test site).
      expect(g.access.read).to.deep.equal(['logged_in'])
      expect(g.access.write).to.deep.equal([`user:${olivia.user.id}`])

      const list = await members(olivia, g.id)
      expect(list).to.have.length(1)
      expect(list[0]).to.include({ id: olivia.user.id, role: 'owner' })
      expect(list[0].user).to.include({ id: olivia.user.id, name: 'Olivia Owner' })
    })

    it('creates an open group when membership is not given (plugin default) and a hidden one readable by members only', async () => {
      const open = await createGroup(olivia, { name: 'Default', membership: undefined })
      expect(open.membership).to.equal('open')
      const hidden = await createGroup(olivia, { name: 'Hidden', membership: 'closed', hidden: true })
      expect(hidden.hidden).to.equal(true)
      expect(hidden.access.read).to.deep.equal([`group:${hidden.id}`])
    })

    it('requires sign-in (401) and valid input (400 naming every field at once)', async () => {
      expectProblem(await anonymous.post('/api/v1/groups', { name: 'X', membership: 'open' }), 401)
      expectInvalid(await olivia.client.post('/api/v1/groups', { membership: 'secret', colour: 'red' }), [
        ['body', '/name'],
        ['body', '/membership'],
        ['body', '/colour'],
      ])
      expectInvalid(await olivia.client.post('/api/v1/groups', { name: '   ' }), [['body', '/name']])
      expectInvalid(await olivia.client.post('/api/v1/groups', { name: 'x'.repeat(201) }), [['body', '/name']])
      expectInvalid(await olivia.client.post('/api/v1/groups', { name: 'X', hidden: 'yes' }), [['body', '/hidden']])
      expectInvalid(await olivia.client.post('/api/v1/groups', { name: 'X', icon: 'javascript:alert(1)' }), [['body', '/icon']])
    })

    it('reads a group: 200 for whoever may see it, viewerStatus telling their relation; 404 for unknown ids, 400 for malformed ones', async () => {
      const g = await createGroup(olivia, { name: 'Readable', membership: 'closed' })
      const seen = await groupOf(bob, g.id)
      expect(seen.status, seen.text).to.equal(200)
      expect(seen.body).to.include({ id: g.id, name: 'Readable', membership: 'closed', viewerStatus: null, viewerRole: null, memberCount: 1 })
      // Others see the owner without the e-mail address.
      expect(seen.body.owner).to.deep.equal({ id: olivia.user.id, name: 'Olivia Owner' })
      expectProblem(await groupOf(bob, crypto.randomUUID()), 404)
      expectInvalid(await groupOf(bob, 'not-a-uuid'), [['path', 'id']])
    })

    it('lists the groups a viewer can see, newest first; hidden ones only for their members', async () => {
      const open = await createGroup(olivia, { name: 'Listed open' })
      const closed = await createGroup(olivia, { name: 'Listed closed', membership: 'closed' })
      const hidden = await createGroup(olivia, { name: 'Listed hidden', membership: 'closed', hidden: true })
      const forBob = ids(await listAll(bob.client, '/api/v1/groups'))
      expect(forBob).to.include.members([open.id, closed.id])
      expect(forBob).not.to.include(hidden.id)
      const forOlivia = ids(await listAll(olivia.client, '/api/v1/groups'))
      expect(forOlivia).to.include.members([open.id, closed.id, hidden.id])
      expect(forOlivia.indexOf(hidden.id)).to.be.below(forOlivia.indexOf(closed.id))
      expect(forOlivia.indexOf(closed.id)).to.be.below(forOlivia.indexOf(open.id))
      const page = await olivia.client.get('/api/v1/groups?limit=1')
      expect(page.body.items).to.have.length(1)
      expect(page.body.nextCursor).to.be.a('string')
      expectInvalid(await olivia.client.get('/api/v1/groups?limit=0'), [['query', 'limit']])
    })
  })

  describe('update and delete', () => {
    it('lets the owner and group administrators change a group (200); members and outsiders get 403, anonymous 401', async () => {
      const g = await createGroup(olivia, { name: 'Changeable', membership: 'open' })
      await addMember(g, bob)
      await addMember(g, carol)
      expect((await olivia.client.patch(`/api/v1/groups/${g.id}/members/${bob.user.id}`, { role: 'admin' })).status).to.equal(200)

      const byOwner = await olivia.client.patch(`/api/v1/groups/${g.id}`, { name: 'Renamed', description: 'New text', membership: 'closed' })
      expect(byOwner.status, byOwner.text).to.equal(200)
      expect(byOwner.body).to.include({ name: 'Renamed', title: 'Renamed', description: 'New text', membership: 'closed' })
      const byAdmin = await bob.client.patch(`/api/v1/groups/${g.id}`, { description: 'By the admin', contentTypes: ['blog'] })
      expect(byAdmin.status, byAdmin.text).to.equal(200)
      expect(byAdmin.body).to.include({ description: 'By the admin', name: 'Renamed' })
      expect(byAdmin.body.contentTypes).to.deep.equal(['blog'])

      expectProblem(await carol.client.patch(`/api/v1/groups/${g.id}`, { name: 'Member tries' }), 403)
      expectProblem(await dave.client.patch(`/api/v1/groups/${g.id}`, { name: 'Outsider tries' }), 403)
      expectProblem(await anonymous.patch(`/api/v1/groups/${g.id}`, { name: 'Anonymous tries' }), 401)
      expectInvalid(await olivia.client.patch(`/api/v1/groups/${g.id}`, {}), [['body', '']])
      expectInvalid(await olivia.client.patch(`/api/v1/groups/${g.id}`, { membership: 'hidden' }), [['body', '/membership']])
      expect((await groupOf(dave, g.id)).body.name).to.equal('Renamed')
    })

    it('hides a group when it is made hidden: outsiders then get 404, members still see it', async () => {
      const g = await createGroup(olivia, { name: 'Going dark', membership: 'closed' })
      await addMember(g, bob)
      expect((await groupOf(dave, g.id)).status).to.equal(200)
      const res = await olivia.client.patch(`/api/v1/groups/${g.id}`, { hidden: true })
      expect(res.status, res.text).to.equal(200)
      expect(res.body.access.read).to.deep.equal([`group:${g.id}`])
      expectProblem(await groupOf(dave, g.id), 404)
      expectProblem(await dave.client.patch(`/api/v1/groups/${g.id}`, { name: 'x' }), 404)
      expectProblem(await dave.client.delete(`/api/v1/groups/${g.id}`), 404)
      expect((await groupOf(bob, g.id)).status).to.equal(200)
      expect(ids(await listAll(dave.client, '/api/v1/groups'))).not.to.include(g.id)
      // And visible again when it is no longer hidden.
      expect((await olivia.client.patch(`/api/v1/groups/${g.id}`, { hidden: false })).status).to.equal(200)
      expect((await groupOf(dave, g.id)).status).to.equal(200)
    })

    it('lets the owner and group administrators delete a group (204); members and outsiders get 403, anonymous 401', async () => {
      const g = await createGroup(olivia, { name: 'Deletable' })
      await addMember(g, bob)
      await addMember(g, carol)
      expect((await olivia.client.patch(`/api/v1/groups/${g.id}/members/${bob.user.id}`, { role: 'admin' })).status).to.equal(200)
      expectProblem(await carol.client.delete(`/api/v1/groups/${g.id}`), 403)
      expectProblem(await dave.client.delete(`/api/v1/groups/${g.id}`), 403)
      expectProblem(await anonymous.delete(`/api/v1/groups/${g.id}`), 401)
      expect((await groupOf(carol, g.id)).status).to.equal(200)
      const res = await bob.client.delete(`/api/v1/groups/${g.id}`)
      expect(res.status, res.text).to.equal(204)
      expectProblem(await groupOf(olivia, g.id), 404)
      expectProblem(await olivia.client.delete(`/api/v1/groups/${g.id}`), 404)

      const other = await createGroup(olivia, { name: 'Deleted by its owner' })
      expect((await olivia.client.delete(`/api/v1/groups/${other.id}`)).status).to.equal(204)
      expect(ids(await listAll(olivia.client, '/api/v1/groups'))).not.to.include.members([g.id, other.id])
    })
  })

  describe('joining and requests', () => {
    it('joins an open group at once: 200 { status: "member" }, again 200, member count and viewer status follow', async () => {
      const g = await createGroup(olivia, { name: 'Open door' })
      const res = await bob.client.post(`/api/v1/groups/${g.id}/join`)
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.deep.equal({ status: 'member' })
      const again = await bob.client.post(`/api/v1/groups/${g.id}/join`)
      expect(again.status).to.equal(200)
      expect(again.body).to.deep.equal({ status: 'member' })
      const seen = (await groupOf(bob, g.id)).body
      expect(seen).to.include({ memberCount: 2, viewerStatus: 'member', viewerRole: 'member' })
      expect((await members(bob, g.id)).find(m => m.id === bob.user.id)).to.include({ role: 'member', name: 'Bob Builder' })
    })

    it('asks to join a closed group: 202 { status: "pending" }, again 202; pending people are no members', async () => {
      const g = await createGroup(olivia, { name: 'Closed door', membership: 'closed' })
      const res = await bob.client.post(`/api/v1/groups/${g.id}/join`)
      expect(res.status, res.text).to.equal(202)
      expect(res.body).to.deep.equal({ status: 'pending' })
      const again = await bob.client.post(`/api/v1/groups/${g.id}/join`)
      expect(again.status).to.equal(202)
      expect(again.body).to.deep.equal({ status: 'pending' })
      const seen = (await groupOf(bob, g.id)).body
      expect(seen).to.include({ memberCount: 1, viewerStatus: 'pending', viewerRole: null })
      expect(ids(await members(olivia, g.id))).to.deep.equal([olivia.user.id])
      expectProblem(await bob.client.get(`/api/v1/groups/${g.id}/members`), 403)
    })

    it('answers 401 to anonymous joins, 404 for unknown groups and for hidden groups of outsiders', async () => {
      const open = await createGroup(olivia, { name: 'Anonymous cannot join' })
      expectProblem(await anonymous.post(`/api/v1/groups/${open.id}/join`), 401)
      expectProblem(await bob.client.post(`/api/v1/groups/${crypto.randomUUID()}/join`), 404)
      const hidden = await createGroup(olivia, { name: 'Secret door', membership: 'open', hidden: true })
      expectProblem(await bob.client.post(`/api/v1/groups/${hidden.id}/join`), 404)
      expect((await groupOf(bob, hidden.id)).status).to.equal(404)
    })

    it('lists pending requests for group administrators only; approve makes a member (200), reject removes the request (204)', async () => {
      const g = await createGroup(olivia, { name: 'Requests', membership: 'closed' })
      await addMember(g, carol)
      for (const who of [bob, dave, erin]) expect((await who.client.post(`/api/v1/groups/${g.id}/join`)).status).to.equal(202)

      const requests = await olivia.client.get(`/api/v1/groups/${g.id}/requests`)
      expect(requests.status, requests.text).to.equal(200)
      expect(ids(requests.body.items)).to.have.members([bob.user.id, dave.user.id, erin.user.id])
      expect(requests.body.items[0]).to.include.keys('id', 'name', 'user', 'since')
      expect(requests.body.items.every((r: any) => r.status === 'pending')).to.equal(true)
      expect(requests.body.nextCursor).to.equal(null)
      expectProblem(await carol.client.get(`/api/v1/groups/${g.id}/requests`), 403)
      expectProblem(await bob.client.get(`/api/v1/groups/${g.id}/requests`), 403)
      expectProblem(await anonymous.get(`/api/v1/groups/${g.id}/requests`), 401)

      // Only group administrators decide.
      expectProblem(await carol.client.post(`/api/v1/groups/${g.id}/requests/${bob.user.id}/approve`), 403)
      expectProblem(await bob.client.post(`/api/v1/groups/${g.id}/requests/${bob.user.id}/approve`), 403)
      expectProblem(await carol.client.post(`/api/v1/groups/${g.id}/requests/${dave.user.id}/reject`), 403)
      // Nothing pending for a member or a stranger.
      expectProblem(await olivia.client.post(`/api/v1/groups/${g.id}/requests/${carol.user.id}/approve`), 404)
      expectProblem(await olivia.client.post(`/api/v1/groups/${g.id}/requests/${crypto.randomUUID()}/approve`), 404)

      const approved = await olivia.client.post(`/api/v1/groups/${g.id}/requests/${bob.user.id}/approve`)
      expect(approved.status, approved.text).to.equal(200)
      expect(approved.body).to.deep.equal({ status: 'member' })
      expect((await groupOf(bob, g.id)).body).to.include({ viewerStatus: 'member', memberCount: 3 })

      const rejected = await olivia.client.post(`/api/v1/groups/${g.id}/requests/${dave.user.id}/reject`)
      expect(rejected.status, rejected.text).to.equal(204)
      expect((await groupOf(dave, g.id)).body).to.include({ viewerStatus: null, memberCount: 3 })
      // A rejected person may ask again.
      expect((await dave.client.post(`/api/v1/groups/${g.id}/join`)).status).to.equal(202)

      // A group administrator (not the owner) approves too, and so does a site administrator.
      expect((await olivia.client.patch(`/api/v1/groups/${g.id}/members/${carol.user.id}`, { role: 'admin' })).status).to.equal(200)
      expect((await carol.client.post(`/api/v1/groups/${g.id}/requests/${erin.user.id}/approve`)).status).to.equal(200)
      expect((await admin.client.post(`/api/v1/groups/${g.id}/requests/${dave.user.id}/approve`)).status).to.equal(200)
      expect((await olivia.client.get(`/api/v1/groups/${g.id}/requests`)).body.items).to.deep.equal([])
      expect((await groupOf(olivia, g.id)).body.memberCount).to.equal(5)
    })
  })

  describe('members', () => {
    let g: any
    before(async () => {
      g = await createGroup(olivia, { name: 'Big team', membership: 'closed' })
      for (const who of [bob, carol, dave]) await addMember(g, who)
      await olivia.client.patch(`/api/v1/groups/${g.id}/members/${bob.user.id}`, { role: 'admin' })
      // Neither a request nor an invitation is a membership.
      await erin.client.post(`/api/v1/groups/${g.id}/join`)
    })

    it('lists members with role owner | admin | member, and no pending or invited people', async () => {
      const list = await members(carol, g.id)
      const roles = Object.fromEntries(list.map(m => [m.id, m.role]))
      expect(roles).to.deep.equal({ [olivia.user.id]: 'owner', [bob.user.id]: 'admin', [carol.user.id]: 'member', [dave.user.id]: 'member' })
      for (const m of list) {
        expect(m).to.include.keys('id', 'name', 'role', 'user', 'since')
        expect(m.user.id).to.equal(m.id)
        expect(m.since).to.match(isoPattern)
      }
      // E-mail addresses only for the person themself (and site administrators).
      expect(list.find(m => m.id === olivia.user.id).user).not.to.have.property('email')
      expect(list.find(m => m.id === carol.user.id).user.email).to.equal(carol.user.email)
    })

    it('pages through members with limit and cursor, each exactly once', async () => {
      const first = await carol.client.get(`/api/v1/groups/${g.id}/members?limit=3`)
      expect(first.status, first.text).to.equal(200)
      expect(first.body.items).to.have.length(3)
      expect(first.body.nextCursor).to.be.a('string')
      const second = await carol.client.get(`/api/v1/groups/${g.id}/members?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`)
      expect(second.body.items).to.have.length(1)
      expect(second.body.nextCursor).to.equal(null)
      const all = [...ids(first.body.items), ...ids(second.body.items)]
      expect(new Set(all).size).to.equal(4)
      expect(ids(await listAll(carol.client, `/api/v1/groups/${g.id}/members`, 1))).to.have.members(all)
      expectInvalid(await carol.client.get(`/api/v1/groups/${g.id}/members?limit=101`), [['query', 'limit']])
      expectProblem(await carol.client.get(`/api/v1/groups/${g.id}/members?cursor=rubbish`), 400)
    })

    it('searches members by name with q (case-insensitive, part of a name, wildcards taken literally)', async () => {
      const search = async (q: string) => ids((await carol.client.get(`/api/v1/groups/${g.id}/members?q=${encodeURIComponent(q)}`)).body.items)
      expect(await search('daring')).to.deep.equal([dave.user.id])
      expect(await search('ER')).to.have.members([olivia.user.id, bob.user.id, carol.user.id])
      expect(await search('Eager')).to.deep.equal([])
      expect(await search('%')).to.deep.equal([])
      expect(await search('_')).to.deep.equal([])
      expectInvalid(await carol.client.get(`/api/v1/groups/${g.id}/members?q=`), [['query', 'q']])
      expectInvalid(await carol.client.get(`/api/v1/groups/${g.id}/members?q=${'x'.repeat(101)}`), [['query', 'q']])
    })

    it('shows an open group’s members to signed-in outsiders, a closed group’s only to members (403)', async () => {
      const open = await createGroup(olivia, { name: 'Open members' })
      await addMember(open, bob)
      expect(ids(await members(erin, open.id))).to.have.members([olivia.user.id, bob.user.id])
      expectProblem(await erin.client.get(`/api/v1/groups/${g.id}/members`), 403)
    })
  })

  describe('leaving, removal, roles and ownership', () => {
    it('leaves a group (204): membership and access end at once; the owner cannot leave (409)', async () => {
      const g = await createGroup(olivia, { name: 'Leavable', membership: 'closed' })
      await addMember(g, bob)
      const post = await createPost(olivia.client, { containerId: g.id, title: 'Inside' })
      expect((await bob.client.get(`/api/v1/blogs/${post.id}`)).status).to.equal(200)
      const res = await bob.client.delete(`/api/v1/groups/${g.id}/members/${bob.user.id}`)
      expect(res.status, res.text).to.equal(204)
      expectProblem(await bob.client.get(`/api/v1/blogs/${post.id}`), 404)
      expect(ids(await listAll(bob.client, `/api/v1/blogs?containerId=${g.id}`))).to.deep.equal([])
      expect((await groupOf(bob, g.id)).body).to.include({ viewerStatus: null, memberCount: 1 })
      expectProblem(await bob.client.delete(`/api/v1/groups/${g.id}/members/${bob.user.id}`), 404)
      expectProblem(await olivia.client.delete(`/api/v1/groups/${g.id}/members/${olivia.user.id}`), 409, 'OWNER_CANNOT_LEAVE')
      expectProblem(await anonymous.delete(`/api/v1/groups/${g.id}/members/${olivia.user.id}`), 401)
    })

    it('lets group administrators remove members; only the owner removes administrators; nobody removes the owner', async () => {
      const g = await createGroup(olivia, { name: 'Removals', membership: 'closed' })
      for (const who of [bob, carol, dave, erin]) await addMember(g, who)
      await olivia.client.patch(`/api/v1/groups/${g.id}/members/${bob.user.id}`, { role: 'admin' })
      await olivia.client.patch(`/api/v1/groups/${g.id}/members/${carol.user.id}`, { role: 'admin' })
      const post = await createPost(olivia.client, { containerId: g.id })

      expectProblem(await dave.client.delete(`/api/v1/groups/${g.id}/members/${erin.user.id}`), 403)
      expectProblem(await bob.client.delete(`/api/v1/groups/${g.id}/members/${carol.user.id}`), 403, 'NOT_GROUP_OWNER')
      expectProblem(await bob.client.delete(`/api/v1/groups/${g.id}/members/${olivia.user.id}`), 409)

      expect((await dave.client.get(`/api/v1/blogs/${post.id}`)).status).to.equal(200)
      expect((await bob.client.delete(`/api/v1/groups/${g.id}/members/${dave.user.id}`)).status).to.equal(204)
      // Removal ends access at once.
      expectProblem(await dave.client.get(`/api/v1/blogs/${post.id}`), 404)
      expectProblem(await dave.client.post(`/api/v1/entities/${post.id}/comments`, { body: 'Still here?' }), 404)
      expectProblem(await dave.client.get(`/api/v1/groups/${g.id}/members`), 403)

      expect((await olivia.client.delete(`/api/v1/groups/${g.id}/members/${carol.user.id}`)).status).to.equal(204)
      expect(ids(await members(olivia, g.id))).to.have.members([olivia.user.id, bob.user.id, erin.user.id])
      expect((await groupOf(olivia, g.id)).body.memberCount).to.equal(3)
      expectProblem(await olivia.client.delete(`/api/v1/groups/${g.id}/members/${crypto.randomUUID()}`), 404)
    })

    it('lets the owner make administrators and members again (PATCH role); others get 403, the owner’s own role 409', async () => {
      const g = await createGroup(olivia, { name: 'Roles' })
      await addMember(g, bob)
      await addMember(g, carol)
      const res = await olivia.client.patch(`/api/v1/groups/${g.id}/members/${bob.user.id}`, { role: 'admin' })
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.deep.include({ role: 'admin' })
      expect((await groupOf(bob, g.id)).body.viewerRole).to.equal('admin')
      expectProblem(await bob.client.patch(`/api/v1/groups/${g.id}/members/${carol.user.id}`, { role: 'admin' }), 403)
      expectProblem(await carol.client.patch(`/api/v1/groups/${g.id}/members/${carol.user.id}`, { role: 'admin' }), 403)
      expectProblem(await olivia.client.patch(`/api/v1/groups/${g.id}/members/${olivia.user.id}`, { role: 'member' }), 409)
      expectProblem(await olivia.client.patch(`/api/v1/groups/${g.id}/members/${dave.user.id}`, { role: 'admin' }), 404)
      expectInvalid(await olivia.client.patch(`/api/v1/groups/${g.id}/members/${bob.user.id}`, { role: 'owner' }), [['body', '/role']])
      expect((await olivia.client.patch(`/api/v1/groups/${g.id}/members/${bob.user.id}`, { role: 'member' })).status).to.equal(200)
      expect((await members(olivia, g.id)).find(m => m.id === bob.user.id).role).to.equal('member')
    })

    it('transfers ownership to a member: the old owner becomes administrator; a group always has exactly one owner', async () => {
      const g = await createGroup(olivia, { name: 'Handover', membership: 'closed' })
      await addMember(g, bob)
      await addMember(g, carol)
      await olivia.client.patch(`/api/v1/groups/${g.id}/members/${carol.user.id}`, { role: 'admin' })
      await dave.client.post(`/api/v1/groups/${g.id}/join`)

      expectProblem(await carol.client.post(`/api/v1/groups/${g.id}/transfer`, { userId: carol.user.id }), 403)
      expectProblem(await bob.client.post(`/api/v1/groups/${g.id}/transfer`, { userId: bob.user.id }), 403)
      expectInvalid(await olivia.client.post(`/api/v1/groups/${g.id}/transfer`, { userId: erin.user.id }), [['body', '/userId']])
      expectInvalid(await olivia.client.post(`/api/v1/groups/${g.id}/transfer`, { userId: dave.user.id }), [['body', '/userId']])
      expectInvalid(await olivia.client.post(`/api/v1/groups/${g.id}/transfer`, {}), [['body', '/userId']])

      const res = await olivia.client.post(`/api/v1/groups/${g.id}/transfer`, { userId: bob.user.id })
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.deep.equal({ ownerId: bob.user.id })
      const roles = Object.fromEntries((await members(bob, g.id)).map(m => [m.id, m.role]))
      expect(roles).to.deep.equal({ [bob.user.id]: 'owner', [olivia.user.id]: 'admin', [carol.user.id]: 'admin' })
      const seen = (await groupOf(bob, g.id)).body
      expect(seen.owner.id).to.equal(bob.user.id)
      expect(seen.viewerRole).to.equal('owner')
      expect(seen.memberCount).to.equal(3)
      // The new owner decides now; the old owner may leave, the new one may not.
      expectProblem(await olivia.client.post(`/api/v1/groups/${g.id}/transfer`, { userId: olivia.user.id }), 403)
      expectProblem(await bob.client.delete(`/api/v1/groups/${g.id}/members/${bob.user.id}`), 409)
      expect((await olivia.client.delete(`/api/v1/groups/${g.id}/members/${olivia.user.id}`)).status).to.equal(204)
      // A site administrator may hand it over as well.
      expect((await admin.client.post(`/api/v1/groups/${g.id}/transfer`, { userId: carol.user.id })).status).to.equal(200)
      const owners = (await members(carol, g.id)).filter(m => m.role === 'owner')
      expect(ids(owners)).to.deep.equal([carol.user.id])
      const counted = await tk.kernel.db.query(`SELECT count(*)::int AS n FROM groups_member WHERE group_id = $1 AND role = 'owner'`, [g.id])
      expect(counted[0].n).to.equal(1)
    })

    it('refuses to delete the account of a group owner (409) until ownership is handed over', async () => {
      const owner = await tk.signUp({ name: 'Leaving Owner' })
      const g = await createGroup(owner, { name: 'Orphan risk' })
      await addMember(g, bob, owner)
      expectProblem(await owner.client.delete('/api/v1/users/me'), 409)
      expect((await groupOf(bob, g.id)).body.owner.id).to.equal(owner.user.id)
      expect((await owner.client.post(`/api/v1/groups/${g.id}/transfer`, { userId: bob.user.id })).status).to.equal(200)
      expect((await owner.client.delete('/api/v1/users/me')).status).to.equal(204)
      const after = (await groupOf(bob, g.id)).body
      expect(after.owner.id).to.equal(bob.user.id)
      expect(after.memberCount).to.equal(1)
      expect(ids(await members(bob, g.id))).to.deep.equal([bob.user.id])
    })
  })

  describe('invitations', () => {
    it('invites an account (201): the invitee sees the invitation, holds no access until accepting, then is a member', async () => {
      const g = await createGroup(olivia, { name: 'Invited by id', membership: 'closed' })
      const post = await createPost(olivia.client, { containerId: g.id })
      const res = await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: carol.user.id })
      expect(res.status, res.text).to.equal(201)
      expect(res.body).to.deep.equal({ userId: carol.user.id, status: 'invited' })
      expect((await groupOf(carol, g.id)).body).to.include({ viewerStatus: 'invited', viewerRole: null, memberCount: 1 })
      expect(ids(await members(olivia, g.id))).to.deep.equal([olivia.user.id])
      expectProblem(await carol.client.get(`/api/v1/blogs/${post.id}`), 404)
      expectProblem(await carol.client.get(`/api/v1/groups/${g.id}/members`), 403)

      const list = await olivia.client.get(`/api/v1/groups/${g.id}/invitations`)
      expect(list.status, list.text).to.equal(200)
      expect(list.body.items.map((i: any) => i.user?.id)).to.deep.equal([carol.user.id])

      const accepted = await carol.client.post(`/api/v1/groups/${g.id}/invitations/accept`)
      expect(accepted.status, accepted.text).to.equal(200)
      expect(accepted.body).to.deep.equal({ status: 'member' })
      expect((await groupOf(carol, g.id)).body).to.include({ viewerStatus: 'member', viewerRole: 'member', memberCount: 2 })
      expect((await carol.client.get(`/api/v1/blogs/${post.id}`)).status).to.equal(200)
      expect((await olivia.client.get(`/api/v1/groups/${g.id}/invitations`)).body.items).to.deep.equal([])
      expectProblem(await carol.client.post(`/api/v1/groups/${g.id}/invitations/accept`), 404)
    })

    it('declines an invitation (204): it is gone, nothing changes', async () => {
      const g = await createGroup(olivia, { name: 'Declined', membership: 'closed' })
      expect((await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: dave.user.id })).status).to.equal(201)
      const res = await dave.client.post(`/api/v1/groups/${g.id}/invitations/decline`)
      expect(res.status, res.text).to.equal(204)
      expect((await groupOf(dave, g.id)).body).to.include({ viewerStatus: null, memberCount: 1 })
      expect((await olivia.client.get(`/api/v1/groups/${g.id}/invitations`)).body.items).to.deep.equal([])
      expectProblem(await dave.client.post(`/api/v1/groups/${g.id}/invitations/accept`), 404)
      expectProblem(await dave.client.post(`/api/v1/groups/${g.id}/invitations/decline`), 404)
    })

    it('lets only group administrators invite and see invitations; 409 for members, 404 for unknown accounts, 400 for bad bodies', async () => {
      const g = await createGroup(olivia, { name: 'Invitation rules', membership: 'closed' })
      await addMember(g, bob)
      expectProblem(await bob.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: carol.user.id }), 403)
      expectProblem(await bob.client.get(`/api/v1/groups/${g.id}/invitations`), 403)
      expectProblem(await erin.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: carol.user.id }), 403)
      expectProblem(await anonymous.post(`/api/v1/groups/${g.id}/invitations`, { userId: carol.user.id }), 401)
      expectProblem(await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: bob.user.id }), 409)
      expectProblem(await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: crypto.randomUUID() }), 404)
      expectProblem(await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, {}), 400)
      expectProblem(await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: carol.user.id, email: 'x@example.org' }), 400)
      expectInvalid(await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { email: 'not an address' }), [['body', '/email']])
      // Someone who asked to join and is then invited is simply in.
      expect((await dave.client.post(`/api/v1/groups/${g.id}/join`)).status).to.equal(202)
      const invited = await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: dave.user.id })
      expect(invited.status, invited.text).to.equal(201)
      expect(invited.body.status).to.equal('member')
      expect((await groupOf(dave, g.id)).body.viewerStatus).to.equal('member')
    })

    it('lets an invited person join at once even a closed group (join = accept)', async () => {
      const g = await createGroup(olivia, { name: 'Join to accept', membership: 'closed' })
      await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: erin.user.id })
      const res = await erin.client.post(`/api/v1/groups/${g.id}/join`)
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.deep.equal({ status: 'member' })
    })

    it('shows a hidden group to an invited person as a card only (200), nothing inside (404), until they accept', async () => {
      const g = await createGroup(olivia, { name: 'Hidden invite', membership: 'closed', hidden: true })
      const post = await createPost(olivia.client, { containerId: g.id })
      await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: erin.user.id })
      const card = await groupOf(erin, g.id)
      expect(card.status, card.text).to.equal(200)
      expect(card.body).to.include({ id: g.id, name: 'Hidden invite', viewerStatus: 'invited' })
      expectProblem(await erin.client.get(`/api/v1/groups/${g.id}/members`), 404)
      expectProblem(await erin.client.get(`/api/v1/groups/${g.id}/activity`), 404)
      expectProblem(await erin.client.get(`/api/v1/blogs/${post.id}`), 404)
      expect(ids(await listAll(erin.client, '/api/v1/groups'))).not.to.include(g.id)
      expect((await erin.client.post(`/api/v1/groups/${g.id}/invitations/accept`)).status).to.equal(200)
      expect((await erin.client.get(`/api/v1/blogs/${post.id}`)).status).to.equal(200)
      expect(ids(await members(erin, g.id))).to.include(erin.user.id)
      expect(ids(await listAll(erin.client, '/api/v1/groups'))).to.include(g.id)
    })

    it('invites an e-mail address without an account: a mail goes out, and the invitation waits until that person registers', async () => {
      const g = await createGroup(olivia, { name: 'Werkgroep Archief', membership: 'closed' })
      const g2 = await createGroup(olivia, { name: 'Second invite', membership: 'closed', hidden: true })
      const address = `Nieuw.${Date.now()}@Example.org`
      const mailsBefore = mails(tk.dataDir).length
      const res = await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { email: address })
      expect(res.status, res.text).to.equal(201)
      expect(res.body).to.deep.equal({ email: address.toLowerCase(), status: 'invited' })
      expect((await olivia.client.post(`/api/v1/groups/${g2.id}/invitations`, { email: address.toLowerCase() })).status).to.equal(201)
      await tk.kernel.jobs.drain()
      const sent = mails(tk.dataDir).slice(mailsBefore)
      const invitation = sent.find(m => m.toLowerCase().includes(address.toLowerCase()) && m.includes('Werkgroep Archief'))
      expect(invitation, 'an invitation mail to the address').to.be.a('string')

      const list = await olivia.client.get(`/api/v1/groups/${g.id}/invitations`)
      expect(list.body.items.map((i: any) => i.email)).to.include(address.toLowerCase())

      // Someone else registering does not take it.
      const other = await tk.signUp({ name: 'Someone Else' })
      expect((await groupOf(other, g.id)).body.viewerStatus).to.equal(null)

      const newcomer = await tk.signUp({ name: 'Nieuwe Collega', email: address })
      expect((await groupOf(newcomer, g.id)).body.viewerStatus).to.equal('invited')
      expect((await groupOf(newcomer, g2.id)).body.viewerStatus).to.equal('invited')
      const now = (await olivia.client.get(`/api/v1/groups/${g.id}/invitations`)).body.items
      expect(now.map((i: any) => i.email).filter(Boolean)).to.deep.equal([])
      expect(now.map((i: any) => i.user?.id)).to.deep.equal([newcomer.user.id])

      expect((await newcomer.client.post(`/api/v1/groups/${g.id}/invitations/accept`)).status).to.equal(200)
      expect((await newcomer.client.post(`/api/v1/groups/${g2.id}/invitations/decline`)).status).to.equal(204)
      expect((await groupOf(newcomer, g.id)).body).to.include({ viewerStatus: 'member', memberCount: 2 })
      expectProblem(await groupOf(newcomer, g2.id), 404)
    })

    it('turns an e-mail invitation of an existing account into an account invitation', async () => {
      const g = await createGroup(olivia, { name: 'By address', membership: 'closed' })
      const res = await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { email: bob.user.email.toUpperCase() })
      expect(res.status, res.text).to.equal(201)
      expect(res.body).to.deep.equal({ userId: bob.user.id, status: 'invited' })
      expect((await groupOf(bob, g.id)).body.viewerStatus).to.equal('invited')
    })
  })

  describe('group content', () => {
    let g: any
    before(async () => {
      g = await createGroup(olivia, { name: 'Content group', membership: 'closed' })
      await addMember(g, bob)
      await dave.client.post(`/api/v1/groups/${g.id}/join`) // pending
      await olivia.client.post(`/api/v1/groups/${g.id}/invitations`, { userId: erin.user.id }) // invited
    })

    it('lets members create content in the group; its default read access is the group', async () => {
      const post = await createPost(bob.client, { containerId: g.id, title: 'Group post' })
      expect(post.containerId).to.equal(g.id)
      expect(post.access.read).to.deep.equal([`group:${g.id}`])
      expect(post.access.write).to.deep.equal([`user:${bob.user.id}`])
      expect((await olivia.client.get(`/api/v1/blogs/${post.id}`)).status).to.equal(200)
      expect(ids(await listAll(olivia.client, `/api/v1/blogs?containerId=${g.id}`))).to.include(post.id)
      for (const who of [carol, dave, erin]) {
        expectProblem(await who.client.get(`/api/v1/blogs/${post.id}`), 404)
        expect(ids(await listAll(who.client, `/api/v1/blogs?containerId=${g.id}`))).to.deep.equal([])
      }
      expectProblem(await anonymous.get(`/api/v1/blogs/${post.id}`), 404)
    })

    it('refuses content from non-members (403), pending (403) and invited people (403), anonymous (401); unknown containers are a 400', async () => {
      for (const who of [carol, dave, erin]) {
        expectProblem(await who.client.post('/api/v1/blogs', { title: 'x', body: 'y', containerId: g.id }), 403)
      }
      expectProblem(await anonymous.post('/api/v1/blogs', { title: 'x', body: 'y', containerId: g.id }), 401)
      expectInvalid(await bob.client.post('/api/v1/blogs', { title: 'x', body: 'y', containerId: crypto.randomUUID() }), [['body', '/containerId']])
      const hidden = await createGroup(olivia, { name: 'Hidden container', membership: 'closed', hidden: true })
      expectProblem(await carol.client.post('/api/v1/blogs', { title: 'x', body: 'y', containerId: hidden.id }), 404)
    })

    it('gives group:<id> to full members only: pending and invited people cannot share with the group', async () => {
      const access = { read: [`group:${g.id}`] }
      expect((await bob.client.post('/api/v1/blogs', { title: 'Shared', body: 'y', access })).status).to.equal(201)
      for (const who of [dave, erin, carol]) {
        expectProblem(await who.client.post('/api/v1/blogs', { title: 'Shared', body: 'y', access }), 403, 'ACCESS_TOKEN_NOT_HELD')
      }
      // Content shared with the group from outside it: readable by members, not by pending or invited people.
      const shared = await createPost(olivia.client, { title: 'Shared from outside', access })
      expect((await bob.client.get(`/api/v1/blogs/${shared.id}`)).status).to.equal(200)
      for (const who of [dave, erin]) expectProblem(await who.client.get(`/api/v1/blogs/${shared.id}`), 404)
    })

    it('allows public content in an ordinary group, refuses public and logged_in in members-only and hidden groups (403)', async () => {
      const open = await createPost(bob.client, { containerId: g.id, access: { read: ['public'] } })
      expect(open.access.read).to.deep.equal(['public'])
      expect((await anonymous.get(`/api/v1/blogs/${open.id}`)).status).to.equal(200)

      const inside = await createGroup(olivia, { name: 'Members only', membersOnly: true })
      expect(inside.membersOnly).to.equal(true)
      const hidden = await createGroup(olivia, { name: 'Hidden inside', membership: 'closed', hidden: true })
      for (const group of [inside, hidden]) {
        expectProblem(await olivia.client.post('/api/v1/blogs', { title: 'x', body: 'y', containerId: group.id, access: { read: ['public'] } }), 403)
        expectProblem(await olivia.client.post('/api/v1/blogs', { title: 'x', body: 'y', containerId: group.id, access: { read: ['logged_in'] } }), 403)
        expectProblem(
          await olivia.client.post('/api/v1/blogs', { title: 'x', body: 'y', containerId: group.id, access: { read: [`group:${group.id}`], write: ['logged_in'] } }),
          403,
        )
        const post = await createPost(olivia.client, { containerId: group.id })
        expect(post.access.read).to.deep.equal([`group:${group.id}`])
        expectProblem(await olivia.client.patch(`/api/v1/blogs/${post.id}`, { access: { read: ['public'] } }), 403)
        expectProblem(await olivia.client.patch(`/api/v1/blogs/${post.id}`, { access: { read: ['logged_in'] } }), 403)
        expect((await olivia.client.patch(`/api/v1/blogs/${post.id}`, { title: 'Still inside' })).status).to.equal(200)
      }
    })

    it('refuses content kinds the group has switched off (403) and takes them once switched on', async () => {
      const files = await createGroup(olivia, { name: 'Files only', contentTypes: ['file'] })
      expectProblem(await olivia.client.post('/api/v1/blogs', { title: 'x', body: 'y', containerId: files.id }), 403, 'GROUP_KIND_OFF')
      expect((await olivia.client.patch(`/api/v1/groups/${files.id}`, { contentTypes: ['file', 'blog'] })).status).to.equal(200)
      await createPost(olivia.client, { containerId: files.id })
      expect((await olivia.client.patch(`/api/v1/groups/${files.id}`, { contentTypes: [] })).status).to.equal(200)
      expectProblem(await olivia.client.post('/api/v1/blogs', { title: 'x', body: 'y', containerId: files.id }), 403, 'GROUP_KIND_OFF')
      expect((await olivia.client.patch(`/api/v1/groups/${files.id}`, { contentTypes: null })).status).to.equal(200)
      await createPost(olivia.client, { containerId: files.id })
    })
  })

  describe('group activity', () => {
    it('lists the group’s items the viewer can read, newest first, paged, with a type filter', async () => {
      const g = await createGroup(olivia, { name: 'Busy group' })
      await addMember(g, bob)
      const a = await createPost(olivia.client, { containerId: g.id, title: 'First' })
      const b = await createPost(bob.client, { containerId: g.id, title: 'Second' })
      const c = await createPost(bob.client, { containerId: g.id, title: 'Public one', access: { read: ['public'] } })
      const outside = await createPost(bob.client, { title: 'Not in the group', access: { read: ['public'] } })

      const res = await bob.client.get(`/api/v1/groups/${g.id}/activity`)
      expect(res.status, res.text).to.equal(200)
      expect(ids(res.body.items)).to.deep.equal([c.id, b.id, a.id])
      expect(res.body.items[0]).to.include({ type: 'blog', containerId: g.id })
      expect(res.body.nextCursor).to.equal(null)
      expect(ids(await listAll(bob.client, `/api/v1/groups/${g.id}/activity`, 1))).to.deep.equal([c.id, b.id, a.id])
      expect(ids((await bob.client.get(`/api/v1/groups/${g.id}/activity?type=blog`)).body.items)).to.deep.equal([c.id, b.id, a.id])
      expect((await bob.client.get(`/api/v1/groups/${g.id}/activity?type=group`)).body.items).to.deep.equal([])
      expect(ids(res.body.items)).not.to.include(outside.id)
      // An outsider of an open group sees only what is readable to them.
      expect(ids((await erin.client.get(`/api/v1/groups/${g.id}/activity`)).body.items)).to.deep.equal([c.id])
      expectInvalid(await bob.client.get(`/api/v1/groups/${g.id}/activity?limit=0`), [['query', 'limit']])
    })

    it('answers 403 for a closed group and 404 for a hidden one to non-members', async () => {
      const closed = await createGroup(olivia, { name: 'Closed activity', membership: 'closed' })
      const hidden = await createGroup(olivia, { name: 'Hidden activity', membership: 'closed', hidden: true })
      await createPost(olivia.client, { containerId: closed.id })
      await createPost(olivia.client, { containerId: hidden.id })
      expectProblem(await erin.client.get(`/api/v1/groups/${closed.id}/activity`), 403)
      expectProblem(await erin.client.get(`/api/v1/groups/${hidden.id}/activity`), 404)
      expect((await olivia.client.get(`/api/v1/groups/${closed.id}/activity`)).body.items).to.have.length(1)
    })
  })

  describe('deleting a group (deletedGroupContent: archive, the default)', () => {
    it('archives its content in the same step: out of the group, readable by its authors only; nothing points at the missing group', async () => {
      const g = await createGroup(olivia, { name: 'To archive', membership: 'closed' })
      await addMember(g, bob)
      await addMember(g, carol)
      const byBob = await createPost(bob.client, { containerId: g.id, title: 'Bob in the group' })
      const byOlivia = await createPost(olivia.client, { containerId: g.id, title: 'Olivia in the group' })
      const comment = await carol.client.post(`/api/v1/entities/${byBob.id}/comments`, { body: 'Nice' })
      expect(comment.status, comment.text).to.equal(201)

      expect((await olivia.client.delete(`/api/v1/groups/${g.id}`)).status).to.equal(204)
      expectProblem(await groupOf(olivia, g.id), 404)
      const own = await bob.client.get(`/api/v1/blogs/${byBob.id}`)
      expect(own.status, own.text).to.equal(200)
      expect(own.body.containerId).to.equal(null)
      expect(own.body.access.read).to.deep.equal([])
      expectProblem(await carol.client.get(`/api/v1/blogs/${byBob.id}`), 404)
      expectProblem(await bob.client.get(`/api/v1/blogs/${byOlivia.id}`), 404)
      expect((await olivia.client.get(`/api/v1/blogs/${byOlivia.id}`)).status).to.equal(200)
      expect(await listAll(olivia.client, `/api/v1/blogs?containerId=${g.id}`)).to.deep.equal([])

      const db = tk.kernel.db
      expect((await db.query('SELECT count(*)::int AS n FROM entity WHERE container_id = $1', [g.id]))[0].n).to.equal(0)
      expect((await db.query('SELECT count(*)::int AS n FROM groups_member WHERE group_id = $1', [g.id]))[0].n).to.equal(0)
      expect((await db.query('SELECT count(*)::int AS n FROM groups_group WHERE entity_id = $1', [g.id]))[0].n).to.equal(0)
      const dangling = await db.query(
        `SELECT count(*)::int AS n FROM entity e WHERE e.container_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM entity c WHERE c.id = e.container_id)`,
      )
      expect(dangling[0].n).to.equal(0)
    })

    it('does it in one transaction: when deleting the group fails, its content stays in the group unchanged', async () => {
      const g = await createGroup(olivia, { name: 'Undeletable group' })
      const post = await createPost(olivia.client, { containerId: g.id })
      const db = tk.kernel.db
      // A failure at the very end of the transaction (the group row itself cannot be deleted).
      await db.query(`CREATE FUNCTION test_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF OLD.title = 'Undeletable group' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN OLD; END $$`)
      await db.query('CREATE TRIGGER test_refuse_delete BEFORE DELETE ON entity FOR EACH ROW EXECUTE FUNCTION test_refuse_delete()')
      try {
        const res = await olivia.client.delete(`/api/v1/groups/${g.id}`)
        expect(res.status).to.be.at.least(500)
      } finally {
        await db.query('DROP TRIGGER test_refuse_delete ON entity')
        await db.query('DROP FUNCTION test_refuse_delete()')
      }
      const still = await olivia.client.get(`/api/v1/blogs/${post.id}`)
      expect(still.body.containerId).to.equal(g.id)
      expect(still.body.access.read).to.deep.equal([`group:${g.id}`])
      expect((await groupOf(olivia, g.id)).status).to.equal(200)
    })
  })
})

describe('groups: plugin settings (admins create, closed by default, deleted groups take their content along)', () => {
  let tk: TestKernel
  let admin: SignedUp
  let alice: SignedUp
  let bob: SignedUp

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({
      plugins: [commentsPlugin, blogPlugin, groupsPlugin],
      settings: { groups: { whoMayCreate: 'admins', defaultMembership: 'closed', deletedGroupContent: 'delete' } },
    })
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
  })
  after(() => tk?.close())

  it('lets only site administrators create groups (403 for others), closed when membership is not given', async () => {
    expectProblem(await alice.client.post('/api/v1/groups', { name: 'Mine' }), 403, 'GROUP_CREATE_ADMINS_ONLY')
    const g = await createGroup(admin, { name: 'Admin group', membership: undefined })
    expect(g.membership).to.equal('closed')
    expect((await alice.client.post(`/api/v1/groups/${g.id}/join`)).status).to.equal(202)
  })

  it('deletes the group’s content (and its comments) with the group, in the same step', async () => {
    const g = await createGroup(admin, { name: 'Short-lived', membership: 'open' })
    await addMember(g.id, alice)
    await addMember(g.id, bob)
    const post = await createPost(alice.client, { containerId: g.id })
    const comment = await bob.client.post(`/api/v1/entities/${post.id}/comments`, { body: 'Hello' })
    expect(comment.status, comment.text).to.equal(201)
    const outside = await createPost(alice.client, { title: 'Outside the group' })

    expect((await admin.client.delete(`/api/v1/groups/${g.id}`)).status).to.equal(204)
    expectProblem(await alice.client.get(`/api/v1/blogs/${post.id}`), 404)
    expectProblem(await admin.client.get(`/api/v1/blogs/${post.id}`), 404)
    expect((await alice.client.get(`/api/v1/blogs/${outside.id}`)).status).to.equal(200)
    const db = tk.kernel.db
    expect((await db.query('SELECT count(*)::int AS n FROM entity WHERE id = $1 OR container_id = $2', [post.id, g.id]))[0].n).to.equal(0)
    expect((await db.query('SELECT count(*)::int AS n FROM comments_comment WHERE entity_id = $1', [post.id]))[0].n).to.equal(0)
  })

  async function addMember(groupId: string, who: SignedUp) {
    const res = await who.client.post(`/api/v1/groups/${groupId}/join`)
    expect(res.status, res.text).to.equal(200)
  }
})
