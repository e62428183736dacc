// API.md "Subsites" through HTTP (issue 6): root-site administrators create, list, change and delete subsites;
// validation of hosts, plugins, dependencies and settings; changes at run time without a restart; disabled
// and deleted subsites; site resolution by Host header; membership policies; subsite administrators.
import { expect } from 'chai'
import { createTestKernel, TestClient, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { searchPlugin } from '@plein/plugin-search'
import { subsitesPlugin } from '@plein/plugin-subsites'
import { createSubsite, expectInvalid, expectProblem, ids, listAll, person, ROOT_HOST, uuidPattern, type Person } from './helpers.js'

const ALL = ['comments', 'blog', 'groups', 'search']

describe('subsites', () => {
  let tk: TestKernel
  let root: Person
  let alice: Person
  let bob: Person
  let rootAdmin: TestClient
  let hostCount = 0
  /** A fresh host name for each subsite a test makes. */
  const host = (label = 'site') => `${label}-${++hostCount}.subsites.test`
  const anonymousOn = (h: string) => new TestClient(tk.url, h)

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({ plugins: [commentsPlugin, blogPlugin, groupsPlugin, subsitesPlugin, searchPlugin] })
    // The first account is the root site's administrator.
    root = await person(tk, { name: 'Root Admin' })
    rootAdmin = await root.on(ROOT_HOST)
    alice = await person(tk, { name: 'Alice' })
    bob = await person(tk, { name: 'Bob' })
  })
  after(() => tk?.close())

  describe('managing subsites (root-site administrators only)', () => {
    it('answers 401 to anonymous visitors and 403 to accounts that do not administer the root site', async () => {
      const anonymous = anonymousOn(ROOT_HOST)
      const existing = await createSubsite(rootAdmin, { name: 'Guarded', host: host(), plugins: [] })
      const a = await alice.on(ROOT_HOST)
      expectProblem(await anonymous.get('/api/v1/subsites'), 401)
      expectProblem(await anonymous.post('/api/v1/subsites', { name: 'X', host: host(), plugins: [] }), 401)
      expectProblem(await a.get('/api/v1/subsites'), 403)
      expectProblem(await a.post('/api/v1/subsites', { name: 'X', host: host(), plugins: [] }), 403)
      expectProblem(await a.get(`/api/v1/subsites/${existing.id}`), 403)
      expectProblem(await a.patch(`/api/v1/subsites/${existing.id}`, { name: 'Mine' }), 403)
      expectProblem(await a.delete(`/api/v1/subsites/${existing.id}`), 403)
      expect((await rootAdmin.get(`/api/v1/subsites/${existing.id}`)).body.name).to.equal('Guarded')
    })

    it('creates a subsite (201) that answers on its own host at once, with the plugins it enables', async () => {
      const h = host('intranet')
      const res = await rootAdmin.post('/api/v1/subsites', {
        name: 'Intranet Haarlem',
        host: h.toUpperCase(),
        plugins: ['blog', 'comments', 'groups'],
        settings: { groups: { defaultMembership: 'closed' } },
        membership: 'approval',
        allowedEmailDomains: ['haarlem.nl'],
        admins: ['Beheer@Haarlem.nl'],
      })
      expect(res.status, res.text).to.equal(201)
      const s = res.body
      expect(s.id).to.match(uuidPattern)
      expect(s).to.include({ name: 'Intranet Haarlem', host: h, membership: 'approval', disabled: false })
      expect(s.plugins).to.have.members(['blog', 'comments', 'groups'])
      expect(s.settings).to.deep.equal({ groups: { defaultMembership: 'closed' } })
      expect(s.allowedEmailDomains).to.deep.equal(['haarlem.nl'])
      expect(s.admins).to.deep.equal(['beheer@haarlem.nl'])
      expect(Date.parse(s.createdAt)).to.be.a('number').and.not.NaN
      expect(Date.parse(s.updatedAt)).to.be.a('number').and.not.NaN

      const site = await anonymousOn(h).get('/api/v1/site')
      expect(site.status, site.text).to.equal(200)
      expect(site.body).to.include({ id: s.id, name: 'Intranet Haarlem', host: h })
      expect(site.body.plugins.map((p: any) => p.name)).to.have.members(['comments', 'blog', 'groups'])
      expect(site.body.id).not.to.equal((await anonymousOn(ROOT_HOST).get('/api/v1/site')).body.id)
      // The plugins' settings are in effect there.
      const admin = await person(tk, { name: 'Haarlem admin', email: `beheer-${hostCount}@haarlem.nl` })
      await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { admins: [admin.email], membership: 'open', allowedEmailDomains: [] })
      const group = await (await admin.on(h)).post('/api/v1/groups', { name: 'Default membership' })
      expect(group.status, group.text).to.equal(201)
      expect(group.body.membership).to.equal('closed')
    })

    it('lists subsites newest first, paged, and reads one; 404 for unknown ids', async () => {
      const first = await createSubsite(rootAdmin, { name: 'Listed 1', host: host(), plugins: [] })
      const second = await createSubsite(rootAdmin, { name: 'Listed 2', host: host(), plugins: ['comments'] })
      const all = ids(await listAll(rootAdmin, '/api/v1/subsites', 2))
      expect(all.indexOf(second.id)).to.be.within(0, all.indexOf(first.id) - 1)
      const page = await rootAdmin.get('/api/v1/subsites?limit=1')
      expect(page.body.items).to.have.length(1)
      expect(page.body.nextCursor).to.be.a('string')
      const one = await rootAdmin.get(`/api/v1/subsites/${second.id}`)
      expect(one.status, one.text).to.equal(200)
      expect(one.body).to.include({ id: second.id, name: 'Listed 2', host: second.host })
      expectProblem(await rootAdmin.get(`/api/v1/subsites/${crypto.randomUUID()}`), 404)
      expectProblem(await rootAdmin.patch(`/api/v1/subsites/${crypto.randomUUID()}`, { name: 'x' }), 404)
      expectProblem(await rootAdmin.delete(`/api/v1/subsites/${crypto.randomUUID()}`), 404)
    })

    it('answers 409 when the host is taken by another subsite (in any spelling) or by the root site', async () => {
      const h = host()
      await createSubsite(rootAdmin, { name: 'First', host: h, plugins: [] })
      for (const taken of [h, h.toUpperCase(), `${h}:8080`, `${h}.`, ROOT_HOST, 'localhost']) {
        expectProblem(await rootAdmin.post('/api/v1/subsites', { name: 'Second', host: taken, plugins: [] }), 409, 'HOST_TAKEN')
      }
      const other = await createSubsite(rootAdmin, { name: 'Other', host: host(), plugins: [] })
      expectProblem(await rootAdmin.patch(`/api/v1/subsites/${other.id}`, { host: h }), 409)
      expectProblem(await rootAdmin.patch(`/api/v1/subsites/${other.id}`, { host: 'localhost' }), 409)
      expect((await rootAdmin.get(`/api/v1/subsites/${other.id}`)).body.host).to.equal(other.host)
      expect((await listAll(rootAdmin, '/api/v1/subsites')).filter(s => s.host === h)).to.have.length(1)
    })

    it('answers 400 for a plugin that is not installed, naming it', async () => {
      const errors = expectInvalid(await rootAdmin.post('/api/v1/subsites', { name: 'X', host: host(), plugins: ['comments', 'wiki'] }), [['body', '/plugins/1']])
      expect(errors.find(e => e.location.pointer === '/plugins/1').detail).to.include('wiki')
    })

    it('answers 400 for a plugin whose dependencies are not enabled too, naming them', async () => {
      const errors = expectInvalid(await rootAdmin.post('/api/v1/subsites', { name: 'X', host: host(), plugins: ['blog'] }), [['body', '/plugins/0']])
      const detail = errors.find(e => e.location.pointer === '/plugins/0').detail
      expect(detail).to.include('comments')
      expect(detail).to.include('blog')
      // Optional dependencies (blog's search) are not required.
      await createSubsite(rootAdmin, { name: 'Blog without search', host: host(), plugins: ['blog', 'comments'] })
    })

    it('answers 400 for settings a plugin’s schema rejects, with the path /settings/<plugin>/<field>', async () => {
      expectInvalid(await rootAdmin.post('/api/v1/subsites', { name: 'X', host: host(), plugins: ['comments', 'blog'], settings: { blog: { feedSize: 0 } } }), [
        ['body', '/settings/blog/feedSize'],
      ])
      expectInvalid(await rootAdmin.post('/api/v1/subsites', { name: 'X', host: host(), plugins: ['groups'], settings: { groups: { whoMayCreate: 'nobody' } } }), [
        ['body', '/settings/groups/whoMayCreate'],
      ])
      expectInvalid(await rootAdmin.post('/api/v1/subsites', { name: 'X', host: host(), plugins: ['groups'], settings: { groups: { colour: 'red' } } }), [
        ['body', '/settings/groups/colour'],
      ])
      // Settings for a plugin the subsite does not enable.
      expectInvalid(await rootAdmin.post('/api/v1/subsites', { name: 'X', host: host(), plugins: ['comments'], settings: { blog: { feedSize: 5 } } }), [['body', '/settings/blog']])
    })

    it('lists every problem at once and creates nothing', async () => {
      const before = (await listAll(rootAdmin, '/api/v1/subsites')).length
      expectInvalid(
        await rootAdmin.post('/api/v1/subsites', {
          name: 'Broken',
          host: 'not a host!',
          plugins: ['blog', 'wiki', 'subsites'],
          settings: { blog: { feedSize: 1000 } },
          allowedEmailDomains: ['not a domain'],
        }),
        [
          ['body', '/host'],
          ['body', '/plugins/0'],
          ['body', '/plugins/1'],
          ['body', '/plugins'],
          ['body', '/settings/blog/feedSize'],
          ['body', '/allowedEmailDomains/0'],
        ],
      )
      expectInvalid(await rootAdmin.post('/api/v1/subsites', { name: 'X', host: host(), plugins: [], membership: 'everyone' }), [['body', '/membership']])
      expectInvalid(await rootAdmin.post('/api/v1/subsites', { host: host(), plugins: [], extra: true }), [
        ['body', '/name'],
        ['body', '/extra'],
      ])
      expect((await listAll(rootAdmin, '/api/v1/subsites')).length).to.equal(before)
    })

    it('does not exist on a subsite’s host (404), not even for administrators', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'No nesting', host: h, plugins: ['comments'], admins: [root.email] })
      const onSub = await root.on(h)
      expect((await onSub.get('/api/v1/auth/me')).status).to.equal(200)
      expectProblem(await onSub.get('/api/v1/subsites'), 404)
      expectProblem(await onSub.post('/api/v1/subsites', { name: 'Nested', host: host(), plugins: [] }), 404)
      expectProblem(await onSub.get(`/api/v1/subsites/${s.id}`), 404)
      expectProblem(await onSub.patch(`/api/v1/subsites/${s.id}`, { name: 'x' }), 404)
      expectProblem(await onSub.delete(`/api/v1/subsites/${s.id}`), 404)
    })
  })

  describe('site resolution', () => {
    it('answers an unknown host with a 404 problem, never with the root site', async () => {
      const stranger = anonymousOn('nobody.example.org')
      for (const url of ['/api/v1/site', '/api/v1/blogs', '/api/v1/activity', '/api/v1/groups', '/api/v1/openapi.json']) {
        expectProblem(await stranger.get(url), 404, 'SITE_NOT_FOUND')
      }
      expectProblem(await stranger.post('/api/v1/auth/login', { email: alice.email, password: alice.password }), 404, 'SITE_NOT_FOUND')
      expectProblem(await stranger.post('/api/v1/auth/register', { email: 'new@example.org', password: 'long enough password', name: 'N' }), 404, 'SITE_NOT_FOUND')
      // A root host with a bearer token still needs a known host name.
      const token = (await (await alice.on(ROOT_HOST)).post('/api/v1/auth/tokens', { name: 'cli' })).body.token
      expectProblem(await stranger.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } }), 404, 'SITE_NOT_FOUND')
    })

    it('ignores the port and the case of the Host header', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'Ported', host: h, plugins: [] })
      for (const variant of [`${h}:8443`, h.toUpperCase(), `${h.toUpperCase()}:80`]) {
        const res = await anonymousOn(variant).get('/api/v1/site')
        expect(res.status, `${variant}: ${res.text}`).to.equal(200)
        expect(res.body.id).to.equal(s.id)
      }
      const rootId = (await anonymousOn(ROOT_HOST).get('/api/v1/site')).body.id
      expect((await anonymousOn('localhost:1234').get('/api/v1/site')).body.id).to.equal(rootId)
      expect((await anonymousOn('127.0.0.1:99').get('/api/v1/site')).body.id).to.equal(rootId)
    })

    it('keeps sessions to the site they were made on', async () => {
      const h = host()
      await createSubsite(rootAdmin, { name: 'Own sessions', host: h, plugins: [] })
      const carol = await person(tk, { name: 'Carol' })
      const a = await carol.on(ROOT_HOST)
      expect((await a.get('/api/v1/auth/me')).status).to.equal(200)
      // The root site's session cookie sent to the subsite: not signed in there (and the cookie is cleared).
      expectProblem(await a.get('/api/v1/auth/me', { host: h }), 401)
      expect((await (await carol.on(h)).get('/api/v1/auth/me')).body.user.id).to.equal(carol.user.id)
    })
  })

  describe('changes at run time', () => {
    it('switches a plugin off and on without a restart: 404 on its routes there, its data kept and back again', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'Switchable', host: h, plugins: ['comments', 'blog'] })
      const a = await alice.on(h)
      const post = (await a.post('/api/v1/blogs', { title: 'Survives', body: 'x', access: { read: ['public'] } })).body
      expect((await a.post(`/api/v1/entities/${post.id}/comments`, { body: 'First' })).status).to.equal(201)
      const rootPost = (await (await alice.on(ROOT_HOST)).post('/api/v1/blogs', { title: 'On the root', body: 'x', access: { read: ['public'] } })).body

      const off = await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { plugins: ['comments'] })
      expect(off.status, off.text).to.equal(200)
      expect(off.body.plugins).to.deep.equal(['comments'])
      expectProblem(await a.get('/api/v1/blogs'), 404)
      expectProblem(await a.get(`/api/v1/blogs/${post.id}`), 404)
      expectProblem(await a.post('/api/v1/blogs', { title: 'x', body: 'y' }), 404)
      expectProblem(await anonymousOn(h).get('/blogs/feed.xml'), 404)
      expect((await a.get('/api/v1/site')).body.plugins.map((p: any) => p.name)).to.deep.equal(['comments'])
      expect(ids(await listAll(a, '/api/v1/activity'))).not.to.include(post.id)
      const openapi = await anonymousOn(h).get('/api/v1/openapi.json')
      expect(Object.keys(openapi.body.paths)).not.to.include('/blogs')
      // The root site is untouched.
      expect((await anonymousOn(ROOT_HOST).get(`/api/v1/blogs/${rootPost.id}`)).status).to.equal(200)

      expect((await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { plugins: ['comments', 'blog'] })).status).to.equal(200)
      const back = await anonymousOn(h).get(`/api/v1/blogs/${post.id}`)
      expect(back.status, back.text).to.equal(200)
      expect(back.body).to.include({ title: 'Survives', commentCount: 1 })
      expect(ids(await listAll(a, '/api/v1/activity'))).to.include(post.id)
    })

    it('does not run a switched-off plugin’s hook taps for that site (search indexing), while other sites go on', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'Searchable', host: h, plugins: ['comments', 'blog', 'search'] })
      const a = await alice.on(h)
      const indexed = async (id: string) =>
        (await tk.kernel.db.query('SELECT search_vector IS NOT NULL AS yes FROM entity WHERE id = $1', [id]))[0].yes as boolean
      const before = (await a.post('/api/v1/blogs', { title: 'Kwartelkoning voor', body: 'x' })).body
      expect(await indexed(before.id)).to.equal(true)
      expect(ids((await a.get('/api/v1/search?q=kwartelkoning')).body.items)).to.deep.equal([before.id])

      expect((await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { plugins: ['comments', 'blog'] })).status).to.equal(200)
      expectProblem(await a.get('/api/v1/search?q=kwartelkoning'), 404)
      const during = (await a.post('/api/v1/blogs', { title: 'Kwartelkoning tijdens', body: 'x' })).body
      expect(await indexed(during.id)).to.equal(false)
      const onRoot = (await (await alice.on(ROOT_HOST)).post('/api/v1/blogs', { title: 'Kwartelkoning root', body: 'x' })).body
      expect(await indexed(onRoot.id)).to.equal(true)

      expect((await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { plugins: ['comments', 'blog', 'search'] })).status).to.equal(200)
      expect(ids((await a.get('/api/v1/search?q=kwartelkoning')).body.items)).to.include(before.id)
    })

    it('does not add a switched-off plugin’s access tokens (groups): group content closes, and opens again', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'Group tokens', host: h, plugins: ['comments', 'blog', 'groups'] })
      const a = await alice.on(h)
      const b = await bob.on(h)
      const group = (await a.post('/api/v1/groups', { name: 'Inner circle', membership: 'open' })).body
      expect((await b.post(`/api/v1/groups/${group.id}/join`)).status).to.equal(200)
      const shared = (await a.post('/api/v1/blogs', { title: 'For the group', body: 'x', access: { read: [`group:${group.id}`] } })).body
      expect((await b.get(`/api/v1/blogs/${shared.id}`)).status).to.equal(200)

      expect((await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { plugins: ['comments', 'blog'] })).status).to.equal(200)
      expectProblem(await b.get(`/api/v1/groups/${group.id}`), 404)
      expectProblem(await b.get(`/api/v1/blogs/${shared.id}`), 404)
      expect(ids(await listAll(b, '/api/v1/activity'))).not.to.include.any.members([group.id, shared.id])

      expect((await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { plugins: ['comments', 'blog', 'groups'] })).status).to.equal(200)
      expect((await b.get(`/api/v1/blogs/${shared.id}`)).status).to.equal(200)
      expect((await b.get(`/api/v1/groups/${group.id}`)).body).to.include({ viewerStatus: 'member', memberCount: 2 })
    })

    it('changes plugin settings at run time (PATCH settings), and refuses invalid ones with their path, changing nothing', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'Settings', host: h, plugins: ['groups'], settings: { groups: { whoMayCreate: 'admins' } } })
      const a = await alice.on(h)
      expectProblem(await a.post('/api/v1/groups', { name: 'Not yet' }), 403, 'GROUP_CREATE_ADMINS_ONLY')
      expectInvalid(await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { settings: { groups: { whoMayCreate: 'anyone' } } }), [['body', '/settings/groups/whoMayCreate']])
      expectInvalid(await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { plugins: ['blog', 'groups'] }), [['body', '/plugins/0']])
      expect((await rootAdmin.get(`/api/v1/subsites/${s.id}`)).body.settings).to.deep.equal({ groups: { whoMayCreate: 'admins' } })
      expectProblem(await a.post('/api/v1/groups', { name: 'Still not' }), 403)

      const changed = await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { settings: { groups: { whoMayCreate: 'everyone' } } })
      expect(changed.status, changed.text).to.equal(200)
      expect(changed.body.settings).to.deep.equal({ groups: { whoMayCreate: 'everyone' } })
      expect((await a.post('/api/v1/groups', { name: 'Now' })).status).to.equal(201)
      const renamed = await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { name: 'Renamed site' })
      expect(renamed.body.name).to.equal('Renamed site')
      expect((await a.get('/api/v1/site')).body.name).to.equal('Renamed site')
    })

    it('moves a subsite to another host: the old one answers 404 at once, the new one the same site', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'Moving', host: h, plugins: [] })
      expect((await anonymousOn(h).get('/api/v1/site')).status).to.equal(200)
      const next = host('moved')
      const res = await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { host: next })
      expect(res.status, res.text).to.equal(200)
      expect(res.body.host).to.equal(next)
      expectProblem(await anonymousOn(h).get('/api/v1/site'), 404, 'SITE_NOT_FOUND')
      expect((await anonymousOn(next).get('/api/v1/site')).body.id).to.equal(s.id)
    })

    it('takes a disabled subsite offline (404 on its host) and brings it back with its data', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'Pausable', host: h, plugins: ['comments', 'blog'] })
      const a = await alice.on(h)
      const post = (await a.post('/api/v1/blogs', { title: 'Kept', body: 'x' })).body
      const res = await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { disabled: true })
      expect(res.status, res.text).to.equal(200)
      expect(res.body.disabled).to.equal(true)
      expectProblem(await a.get(`/api/v1/blogs/${post.id}`), 404, 'SITE_NOT_FOUND')
      expectProblem(await anonymousOn(h).get('/api/v1/site'), 404, 'SITE_NOT_FOUND')
      expect((await rootAdmin.get(`/api/v1/subsites/${s.id}`)).body.disabled).to.equal(true)
      // Its host stays taken while it is disabled.
      expectProblem(await rootAdmin.post('/api/v1/subsites', { name: 'Squatter', host: h, plugins: [] }), 409)

      expect((await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { disabled: false })).status).to.equal(200)
      const back = await a.get(`/api/v1/blogs/${post.id}`)
      expect(back.status, back.text).to.equal(200)
      expect(back.body.title).to.equal('Kept')
    })

    it('deletes a subsite and everything of it (204); its host can then be used again, empty', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'Doomed', host: h, plugins: ALL, membership: 'approval', admins: [root.email] })
      const a = await alice.on(h)
      const adminThere = await root.on(h)
      const post = (await adminThere.post('/api/v1/blogs', { title: 'Gone soon', body: 'x', access: { read: ['public'] } })).body
      expect((await a.post(`/api/v1/entities/${post.id}/comments`, { body: 'Bye' })).status).to.equal(201)
      const group = (await adminThere.post('/api/v1/groups', { name: 'Doomed group', membership: 'closed' })).body
      expect((await a.post(`/api/v1/groups/${group.id}/join`)).status).to.equal(202)
      expect((await adminThere.post(`/api/v1/groups/${group.id}/invitations`, { email: 'later@example.org' })).status).to.equal(201)
      expect((await a.post('/api/v1/site/join')).status).to.equal(202)
      const rootPost = (await (await alice.on(ROOT_HOST)).post('/api/v1/blogs', { title: 'Root stays', body: 'x' })).body

      const res = await rootAdmin.delete(`/api/v1/subsites/${s.id}`)
      expect(res.status, res.text).to.equal(204)
      expectProblem(await anonymousOn(h).get('/api/v1/site'), 404, 'SITE_NOT_FOUND')
      expectProblem(await rootAdmin.get(`/api/v1/subsites/${s.id}`), 404)
      expect(ids(await listAll(rootAdmin, '/api/v1/subsites'))).not.to.include(s.id)
      expect((await (await alice.on(ROOT_HOST)).get(`/api/v1/blogs/${rootPost.id}`)).status).to.equal(200)
      await expectNoRowsOf(s.id, [post.id, group.id])

      const again = await createSubsite(rootAdmin, { name: 'Reborn', host: h, plugins: ALL })
      expect(again.id).not.to.equal(s.id)
      const fresh = anonymousOn(h)
      expect((await fresh.get('/api/v1/site')).body.id).to.equal(again.id)
      expect(await listAll(await alice.on(h), '/api/v1/activity')).to.deep.equal([])
    })
  })

  /** Nothing of a deleted site is left in any table: no row with its site_id, no entity or row pointing at its items. */
  async function expectNoRowsOf(siteId: string, itemIds: string[]): Promise<void> {
    const db = tk.kernel.db
    const tables: Array<{ table_name: string }> = await db.query(
      `SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'site_id' ORDER BY table_name`,
    )
    expect(tables.map(t => t.table_name)).to.include.members(['entity', 'comments_comment', 'groups_member', 'kernel_site_member'])
    for (const { table_name } of tables) {
      const n = (await db.query(`SELECT count(*)::int AS n FROM "${table_name}" WHERE site_id = $1`, [siteId]))[0].n
      expect(n, `${table_name} still has ${n} row(s) of the deleted site`).to.equal(0)
    }
    expect((await db.query('SELECT count(*)::int AS n FROM kernel_site WHERE id = $1', [siteId]))[0].n).to.equal(0)
    expect((await db.query('SELECT count(*)::int AS n FROM entity WHERE id = ANY($1::uuid[]) OR container_id = ANY($1::uuid[])', [itemIds]))[0].n).to.equal(0)
    expect((await db.query('SELECT count(*)::int AS n FROM comments_comment WHERE entity_id = ANY($1::uuid[])', [itemIds]))[0].n).to.equal(0)
  }

  describe('membership policies', () => {
    /** Can `client` read an item readable by members of the site only? */
    const readsMembersPost = async (client: TestClient, postId: string) => (await client.get(`/api/v1/blogs/${postId}`)).status === 200

    it('open: every signed-in account is a member (holds site:<id>); anonymous visitors are not', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'Open site', host: h, plugins: ['comments', 'blog'], membership: 'open' })
      const a = await alice.on(h)
      const post = (await a.post('/api/v1/blogs', { title: 'Members', body: 'x', access: { read: [`site:${s.id}`] } }))
      expect(post.status, post.text).to.equal(201)
      expect(await readsMembersPost(await bob.on(h), post.body.id)).to.equal(true)
      expect(await readsMembersPost(anonymousOn(h), post.body.id)).to.equal(false)
      const join = await (await bob.on(h)).post('/api/v1/site/join')
      expect(join.status, join.text).to.equal(200)
      expect(join.body).to.deep.equal({ status: 'member' })
      // The site token of one site means nothing on another.
      expectProblem(await (await alice.on(ROOT_HOST)).post('/api/v1/blogs', { title: 'x', body: 'y', access: { read: [`site:${s.id}`] } }), 403, 'ACCESS_TOKEN_NOT_HELD')
    })

    it('approval: joining is a request (202 pending) until a site administrator approves', async () => {
      const h = host()
      const admin = await person(tk, { name: 'Approver' })
      const s = await createSubsite(rootAdmin, { name: 'Approval site', host: h, plugins: ['comments', 'blog'], membership: 'approval', admins: [admin.email] })
      const adminThere = await admin.on(h)
      const post = (await adminThere.post('/api/v1/blogs', { title: 'Members only', body: 'x', access: { read: [`site:${s.id}`] } })).body
      const a = await alice.on(h)
      expect(await readsMembersPost(a, post.id)).to.equal(false)
      expectProblem(await a.post('/api/v1/blogs', { title: 'x', body: 'y', access: { read: [`site:${s.id}`] } }), 403, 'ACCESS_TOKEN_NOT_HELD')

      const join = await a.post('/api/v1/site/join')
      expect(join.status, join.text).to.equal(202)
      expect(join.body).to.deep.equal({ status: 'pending' })
      expect(await readsMembersPost(a, post.id)).to.equal(false)
      const pending = await adminThere.get('/api/v1/site/members?status=pending')
      expect(pending.status, pending.text).to.equal(200)
      expect(pending.body.items.map((m: any) => m.user.id)).to.deep.equal([alice.user.id])
      expectProblem(await (await bob.on(h)).post(`/api/v1/site/members/${alice.user.id}/approve`), 403)
      expectProblem(await a.post(`/api/v1/site/members/${alice.user.id}/approve`), 403)

      expect((await adminThere.post(`/api/v1/site/members/${alice.user.id}/approve`)).status).to.equal(200)
      expect(await readsMembersPost(a, post.id)).to.equal(true)
      expect((await a.post('/api/v1/site/join')).body).to.deep.equal({ status: 'member' })
      expect(await readsMembersPost(await bob.on(h), post.id)).to.equal(false)
    })

    it('invite: joining is refused (403); a site administrator admits people', async () => {
      const h = host()
      const admin = await person(tk, { name: 'Inviter' })
      const s = await createSubsite(rootAdmin, { name: 'Invite site', host: h, plugins: ['comments', 'blog'], membership: 'invite', admins: [admin.email] })
      const adminThere = await admin.on(h)
      const post = (await adminThere.post('/api/v1/blogs', { title: 'Members only', body: 'x', access: { read: [`site:${s.id}`] } })).body
      const a = await alice.on(h)
      expectProblem(await a.post('/api/v1/site/join'), 403, 'SITE_INVITE_ONLY')
      expect(await readsMembersPost(a, post.id)).to.equal(false)
      expect((await adminThere.patch(`/api/v1/site/members/${alice.user.id}`, { role: 'member' })).status).to.equal(200)
      expect(await readsMembersPost(a, post.id)).to.equal(true)
    })

    it('allowedEmailDomains: only accounts with a verified address in those domains are members', async () => {
      const h = host()
      const s = await createSubsite(rootAdmin, { name: 'Haarlem', host: h, plugins: ['comments', 'blog'], membership: 'open', allowedEmailDomains: ['haarlem.nl'] })
      const n = hostCount
      const official = await person(tk, { name: 'Official', email: `official-${n}@Haarlem.NL` })
      const outsider = await person(tk, { name: 'Outsider', email: `outsider-${n}@example.org` })
      const subdomain = await person(tk, { name: 'Subdomain', email: `someone-${n}@wijk.haarlem.nl` })
      const unverified = await person(tk, { name: 'Unverified', email: `unverified-${n}@haarlem.nl` })
      const o = await official.on(h)
      const post = await o.post('/api/v1/blogs', { title: 'For Haarlem', body: 'x', access: { read: [`site:${s.id}`] } })
      expect(post.status, post.text).to.equal(201)
      expect((await o.post('/api/v1/site/join')).status).to.equal(200)

      for (const who of [outsider, subdomain]) {
        const c = await who.on(h)
        expect(await readsMembersPost(c, post.body.id), who.user.name).to.equal(false)
        expectProblem(await c.post('/api/v1/site/join'), 403, 'EMAIL_DOMAIN_NOT_ALLOWED')
      }
      // An address in the domain that is not verified: signed in with a personal token made on the root site.
      const token = (await (await unverified.on(ROOT_HOST)).post('/api/v1/auth/tokens', { name: 'token' })).body.token
      await tk.kernel.db.query('UPDATE kernel_account SET email_verified_at = NULL WHERE id = $1', [unverified.user.id])
      const bearer = new TestClient(tk.url, h)
      const headers = { authorization: `Bearer ${token}` }
      expect((await bearer.get('/api/v1/auth/me', { headers })).body.user.id).to.equal(unverified.user.id)
      expect((await bearer.get(`/api/v1/blogs/${post.body.id}`, { headers })).status).to.equal(404)
      expectProblem(await bearer.post('/api/v1/site/join', undefined, { headers }), 403, 'EMAIL_DOMAIN_NOT_ALLOWED')
      await tk.kernel.db.query('UPDATE kernel_account SET email_verified_at = now() WHERE id = $1', [unverified.user.id])
      expect((await bearer.get(`/api/v1/blogs/${post.body.id}`, { headers })).status).to.equal(200)

      // Changing the domains takes effect at once.
      expect((await rootAdmin.patch(`/api/v1/subsites/${s.id}`, { allowedEmailDomains: ['example.org'] })).status).to.equal(200)
      expect(await readsMembersPost(await outsider.on(h), post.body.id)).to.equal(true)
    })
  })

  describe('accounts are global', () => {
    it('turns an e-mailed group invitation of a subsite into an invitation when the person registers on any site', async () => {
      const groupsHost = host('groups')
      const plainHost = host('plain')
      const admin = await person(tk, { name: 'Group host admin' })
      await createSubsite(rootAdmin, { name: 'With groups', host: groupsHost, plugins: ['groups'], admins: [admin.email] })
      await createSubsite(rootAdmin, { name: 'Without groups', host: plainHost, plugins: [], siteSettings: { auth: { requireEmailVerification: false } } })
      const adminThere = await admin.on(groupsHost)
      const group = (await adminThere.post('/api/v1/groups', { name: 'Invites by mail', membership: 'closed' })).body
      const address = `invitee-${hostCount}@example.org`
      expect((await adminThere.post(`/api/v1/groups/${group.id}/invitations`, { email: address })).status).to.equal(201)

      // Registered on a site where the groups plugin is off: the account is global, so the invitation waits for it.
      const plain = new TestClient(tk.url, plainHost)
      const registered = await plain.post('/api/v1/auth/register', { email: address, password: 'correct horse battery staple', name: 'Invitee' })
      expect(registered.status, registered.text).to.equal(201)
      const onGroups = new TestClient(tk.url, groupsHost)
      expect((await onGroups.post('/api/v1/auth/login', { email: address, password: 'correct horse battery staple' })).status).to.equal(200)
      const card = await onGroups.get(`/api/v1/groups/${group.id}`)
      expect(card.status, card.text).to.equal(200)
      expect(card.body.viewerStatus).to.equal('invited')
      expect((await onGroups.post(`/api/v1/groups/${group.id}/invitations/accept`)).status).to.equal(200)
    })
  })

  describe('administrators', () => {
    let siteA: any
    let siteB: any
    let hostA: string
    let hostB: string
    let adminA: Person

    before(async () => {
      hostA = host('a')
      hostB = host('b')
      adminA = await person(tk, { name: 'Beheerder A' })
      siteA = await createSubsite(rootAdmin, { name: 'Site A', host: hostA, plugins: ['comments', 'blog'], admins: [adminA.email.toUpperCase()] })
      siteB = await createSubsite(rootAdmin, { name: 'Site B', host: hostB, plugins: ['comments', 'blog'] })
    })

    it('makes the listed accounts administrators of that subsite', async () => {
      const a = await adminA.on(hostA)
      expect((await a.get('/api/v1/site/members')).status).to.equal(200)
      const post = (await (await alice.on(hostA)).post('/api/v1/blogs', { title: 'Alice on A', body: 'x' })).body
      const comment = (await (await bob.on(hostA)).post(`/api/v1/entities/${post.id}/comments`, { body: 'Bob on A' })).body
      expect((await a.patch(`/api/v1/blogs/${post.id}`, { title: 'Moderated' })).status).to.equal(200)
      expect((await a.delete(`/api/v1/comments/${comment.id}`)).status).to.equal(204)
      // Administrators see drafts and private items of their site.
      const draft = (await (await alice.on(hostA)).post('/api/v1/blogs', { title: 'Draft', body: 'x', status: 'draft', access: { read: [`user:${alice.user.id}`] } })).body
      expect((await a.get(`/api/v1/blogs/${draft.id}`)).status).to.equal(200)
    })

    it('gives a subsite administrator no power on another subsite or on the root site', async () => {
      const onB = await adminA.on(hostB)
      expectProblem(await onB.get('/api/v1/site/members'), 403)
      const post = (await (await alice.on(hostB)).post('/api/v1/blogs', { title: 'Alice on B', body: 'x' })).body
      expectProblem(await onB.patch(`/api/v1/blogs/${post.id}`, { title: 'Hijacked' }), 403)
      expectProblem(await onB.delete(`/api/v1/blogs/${post.id}`), 403)
      const draftB = (await (await alice.on(hostB)).post('/api/v1/blogs', { title: 'Draft on B', body: 'x', status: 'draft' })).body
      expectProblem(await onB.get(`/api/v1/blogs/${draftB.id}`), 404)
      expectProblem(await onB.post(`/api/v1/site/members/${alice.user.id}/approve`), 403)

      const onRoot = await adminA.on(ROOT_HOST)
      expectProblem(await onRoot.get('/api/v1/site/members'), 403)
      expectProblem(await onRoot.get('/api/v1/subsites'), 403)
      expectProblem(await onRoot.patch(`/api/v1/subsites/${siteA.id}`, { name: 'Mine' }), 403)
      const rootPost = (await (await alice.on(ROOT_HOST)).post('/api/v1/blogs', { title: 'Alice on root', body: 'x' })).body
      expectProblem(await onRoot.delete(`/api/v1/blogs/${rootPost.id}`), 403)
    })

    it('gives root-site administrators no power on a subsite unless they are listed there', async () => {
      const onA = await root.on(hostA)
      expectProblem(await onA.get('/api/v1/site/members'), 403)
      const post = (await (await alice.on(hostA)).post('/api/v1/blogs', { title: 'Not for root', body: 'x' })).body
      expectProblem(await onA.patch(`/api/v1/blogs/${post.id}`, { title: 'Root was here' }), 403)
      const draft = (await (await alice.on(hostA)).post('/api/v1/blogs', { title: 'Draft for root?', body: 'x', status: 'draft' })).body
      expectProblem(await onA.get(`/api/v1/blogs/${draft.id}`), 404)

      expect((await rootAdmin.patch(`/api/v1/subsites/${siteA.id}`, { admins: [adminA.email, root.email] })).status).to.equal(200)
      expect((await onA.get('/api/v1/site/members')).status).to.equal(200)
      expect((await onA.patch(`/api/v1/blogs/${post.id}`, { title: 'Root was here' })).status).to.equal(200)
      // And taken away again at once.
      expect((await rootAdmin.patch(`/api/v1/subsites/${siteA.id}`, { admins: [adminA.email] })).status).to.equal(200)
      expectProblem(await onA.get('/api/v1/site/members'), 403)
      expect(siteB.id).to.match(uuidPattern)
    })
  })
})
