// The two-site leak test of issue 6: for every endpoint family (blogs, comments, activity, groups, members,
// search, site members, notifications, files), nothing created on one site is listed, fetched or counted on another,
// not even by direct id and not even for the other site's administrators. Run over the root site and two
// subsites, in every direction; at the end a deleted subsite leaves no row behind.
import { expect } from 'chai'
import { createTestKernel, TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { filesPlugin } from '@plein/plugin-files'
import { groupsPlugin } from '@plein/plugin-groups'
import { notificationsPlugin } from '@plein/plugin-notifications'
import { searchPlugin } from '@plein/plugin-search'
import { subsitesPlugin } from '@plein/plugin-subsites'
import { createSubsite, eventually, expectProblem, ids, listAll, person, ROOT_HOST, type Person } from './helpers.js'

const PLUGINS = ['comments', 'blog', 'groups', 'search', 'notifications', 'files']

interface SiteFixture {
  label: 'root' | 'a' | 'b'
  host: string
  id: string
  admin: Person
  /** A person admitted to this site only (in its member list). */
  localMember: Person
  /** A unique word in every title, body, comment and group name of this site. */
  word: string
  posts: { public: any; site: any; group: any; draft: any }
  groups: { open: any; closed: any; hidden: any }
  comments: any[]
  files: { folder: any; file: any; linkUrl: string; linkId: string }
  /** Xena's notifications on this site. */
  notifications: any[]
}

describe('subsites: the two-site leak test', () => {
  let tk: TestKernel
  let rootAdmin: Person
  /** Signed in on every site, member of the groups of every site: the person most likely to see a leak. */
  let xena: Person
  /** Asks to join closed groups everywhere. */
  let yuri: Person
  const sites: Partial<Record<SiteFixture['label'], SiteFixture>> = {}

  before(async function () {
    this.timeout(180_000)
    tk = await createTestKernel({ plugins: [commentsPlugin, blogPlugin, groupsPlugin, subsitesPlugin, searchPlugin, notificationsPlugin, filesPlugin] })
    rootAdmin = await person(tk, { name: 'Root Admin' })
    xena = await person(tk, { name: 'Xena Everywhere' })
    yuri = await person(tk, { name: 'Yuri Asking' })
    const rootId = (await new TestClient(tk.url, ROOT_HOST).get('/api/v1/site')).body.id
    sites.root = await seed('root', ROOT_HOST, rootId, rootAdmin)
    for (const label of ['a', 'b'] as const) {
      const host = `${label}.leak.test`
      const admin = await person(tk, { name: `Admin ${label.toUpperCase()}` })
      const s = await createSubsite(await rootAdmin.on(ROOT_HOST), { name: `Site ${label.toUpperCase()}`, host, plugins: PLUGINS, admins: [admin.email] })
      sites[label] = await seed(label, host, s.id, admin)
    }
    // Fan-out runs in background jobs: wait until they are done and Xena's notifications of every site are in.
    await eventually(async () => {
      const busy = await tk.kernel.db.query(`SELECT count(*)::int AS n FROM kernel_job WHERE name = 'notifications.fanout' AND status IN ('queued', 'running')`)
      expect(busy[0].n).to.equal(0)
    }, 30_000)
    for (const s of Object.values(sites)) {
      await eventually(async () => {
        const res = await (await xena.on(s.host)).get('/api/v1/notifications?limit=100')
        expect(res.status, res.text).to.equal(200)
        expect(res.body.items.map((n: any) => n.item?.id)).to.include(s.posts.group.id)
        s.notifications = res.body.items
      }, 15_000)
    }
  })
  after(() => tk?.close())

  /** Everything a site can hold, made through the API of that site. */
  async function seed(label: SiteFixture['label'], host: string, id: string, admin: Person): Promise<SiteFixture> {
    const word = `zq${label}leakword`
    const a = await admin.on(host)
    const x = await xena.on(host)
    const y = await yuri.on(host)
    const localMember = await person(tk, { name: `Local ${label}` })
    expect((await a.patch(`/api/v1/site/members/${localMember.user.id}`, { role: 'member' })).status).to.equal(200)

    const made = async (res: Promise<TestResponse>) => {
      const r = await res
      expect(r.status, `${host}: ${r.text}`).to.be.oneOf([200, 201])
      return r.body
    }
    const groups = {
      open: await made(a.post('/api/v1/groups', { name: `Open ${word}`, description: word, membership: 'open' })),
      closed: await made(a.post('/api/v1/groups', { name: `Closed ${word}`, membership: 'closed' })),
      hidden: await made(a.post('/api/v1/groups', { name: `Hidden ${word}`, membership: 'closed', hidden: true })),
    }
    expect((await x.post(`/api/v1/groups/${groups.open.id}/join`)).status).to.equal(200)
    expect((await y.post(`/api/v1/groups/${groups.closed.id}/join`)).status).to.equal(202)
    expect((await a.post(`/api/v1/groups/${groups.hidden.id}/invitations`, { userId: xena.user.id })).status).to.equal(201)
    expect((await x.post(`/api/v1/entities/${groups.open.id}/follow`)).status).to.equal(204)
    const posts = {
      public: await made(a.post('/api/v1/blogs', { title: `Public ${word}`, body: `<p>${word}</p>`, access: { read: ['public'] }, tags: [word] })),
      site: await made(a.post('/api/v1/blogs', { title: `Site ${word}`, body: `<p>${word}</p>`, access: { read: [`site:${id}`] } })),
      group: await made(a.post('/api/v1/blogs', { title: `Group ${word}`, body: `<p>${word}</p>`, containerId: groups.open.id })),
      draft: await made(a.post('/api/v1/blogs', { title: `Draft ${word}`, body: `<p>${word}</p>`, status: 'draft' })),
    }
    const comments = [
      await made(x.post(`/api/v1/entities/${posts.public.id}/comments`, { body: `Comment ${word}` })),
      await made(x.post(`/api/v1/entities/${posts.group.id}/comments`, { body: `In the group ${word}` })),
    ]
    const folder = await made(a.post('/api/v1/folders', { name: `Map ${word}` }))
    const file = await made(a.put(`/api/v1/folders/${folder.id}/files/verslag-${word}.txt`, undefined, { raw: `Inhoud ${word}`, headers: { 'content-type': 'text/plain' } }))
    const link = await made(a.post(`/api/v1/files/${file.id}/links`, {}))
    const files = { folder, file, linkUrl: new URL(link.url).pathname, linkId: link.id }
    return { label, host, id, admin, localMember, word, posts, groups, comments, files, notifications: [] }
  }

  const pairs: Array<[SiteFixture['label'], SiteFixture['label']]> = [
    ['a', 'b'],
    ['b', 'a'],
    ['a', 'root'],
    ['root', 'a'],
    ['b', 'root'],
    ['root', 'b'],
  ]

  it('shows each site everything of its own (the control)', async () => {
    for (const s of Object.values(sites)) {
      const a = await s.admin.on(s.host)
      const x = await xena.on(s.host)
      expect(ids(await listAll(a, '/api/v1/blogs'))).to.include.members(Object.values(s.posts).map(p => p.id))
      expect(ids(await listAll(x, '/api/v1/activity'))).to.include.members([s.posts.public.id, s.posts.site.id, s.posts.group.id, s.groups.open.id])
      expect(ids(await listAll(a, '/api/v1/groups'))).to.include.members(Object.values(s.groups).map(g => g.id))
      expect(ids((await x.get(`/api/v1/search?q=${s.word}`)).body.items)).to.include.members([s.posts.public.id, s.posts.group.id])
      expect(ids(await listAll(x, `/api/v1/entities/${s.posts.public.id}/comments`))).to.deep.equal([s.comments[0].id])
      expect((await a.get(`/api/v1/blogs/${s.posts.public.id}`)).body.commentCount).to.equal(1)
      expect((await a.get(`/api/v1/groups/${s.groups.open.id}`)).body.memberCount).to.equal(2)
      expect((await listAll(a, '/api/v1/site/members')).map(m => m.user.id)).to.include(s.localMember.user.id)
      expect((await a.get(`/api/v1/groups/${s.groups.closed.id}/requests`)).body.items.map((r: any) => r.id)).to.deep.equal([yuri.user.id])
      expect((await x.get(`/api/v1/groups/${s.groups.hidden.id}`)).body.viewerStatus).to.equal('invited')
      expect((await a.get(`/api/v1/files/${s.files.file.id}/content`)).text).to.equal(`Inhoud ${s.word}`)
      expect((await new TestClient(tk.url, s.host).get(s.files.linkUrl)).text).to.equal(`Inhoud ${s.word}`)
    }
  })

  for (const [from, to] of pairs) {
    it(`shows nothing of ${from === 'root' ? 'the root site' : `subsite ${from.toUpperCase()}`} on ${to === 'root' ? 'the root site' : `subsite ${to.toUpperCase()}`}`, async () => {
      await expectNothingOf(sites[from]!, sites[to]!)
    })
  }

  /** Everything of `f` (site "from") tried on `t` (site "to") as t's administrator, Xena, Yuri and anonymous. */
  async function expectNothingOf(f: SiteFixture, t: SiteFixture): Promise<void> {
    const viewers: Array<[string, TestClient]> = [
      ['the site administrator', await t.admin.on(t.host)],
      ['a member of both sites', await xena.on(t.host)],
      ['a person who asked to join', await yuri.on(t.host)],
      ['an anonymous visitor', new TestClient(tk.url, t.host)],
    ]
    const fromIds = [
      ...Object.values(f.posts).map(p => p.id),
      ...Object.values(f.groups).map(g => g.id),
      ...ids(f.comments),
      ...ids(f.notifications),
      f.files.folder.id,
      f.files.file.id,
      f.files.linkId,
    ]
    const secrets = [...fromIds, f.word, f.id, f.localMember.user.id]

    for (const [who, c] of viewers) {
      const signedIn = who !== 'an anonymous visitor'
      const seen: Array<[string, string]> = []
      const keep = (what: string, res: TestResponse) => {
        expect(res.status, `${who} ${what}: ${res.text}`).to.be.below(500)
        seen.push([what, res.text])
        return res
      }
      const notFound = async (what: string, res: Promise<TestResponse>, status = 404) => {
        const r = keep(what, await res)
        expect(r.status, `${who} on ${t.host}, ${what}: ${r.text}`).to.equal(signedIn ? status : r.status === 401 ? 401 : status)
      }

      // Lists.
      for (const url of ['/api/v1/blogs', '/api/v1/activity', '/api/v1/groups', `/api/v1/blogs?tag=${f.word}`, `/api/v1/blogs?ownerId=${f.admin.user.id}`]) {
        const items = await listAll(c, url)
        keep(`GET ${url}`, { status: 200, headers: {}, body: items, text: JSON.stringify(items) })
        expect(ids(items), `${who} ${url}`).not.to.include.any.members(fromIds)
      }
      for (const group of Object.values(f.groups)) {
        const inGroup = keep('GET blogs?containerId', await c.get(`/api/v1/blogs?containerId=${group.id}`))
        expect(inGroup.body.items).to.deep.equal([])
      }
      for (const q of [f.word, `public ${f.word}`, `open ${f.word}`]) {
        const res = keep(`search ${q}`, await c.get(`/api/v1/search?q=${encodeURIComponent(q)}`))
        expect(res.status).to.equal(200)
        expect(res.body.items).to.deep.equal([])
      }
      const scoped = keep('search containerId', await c.get(`/api/v1/search?q=${t.word}&containerId=${f.groups.open.id}`))
      expect(scoped.body.items).to.deep.equal([])

      // By direct id.
      for (const p of Object.values(f.posts)) {
        await notFound('GET blog', c.get(`/api/v1/blogs/${p.id}`))
        await notFound('PATCH blog', c.patch(`/api/v1/blogs/${p.id}`, { title: 'x' }))
        await notFound('DELETE blog', c.delete(`/api/v1/blogs/${p.id}`))
        await notFound('GET comments', c.get(`/api/v1/entities/${p.id}/comments`))
        await notFound('POST comment', c.post(`/api/v1/entities/${p.id}/comments`, { body: 'x' }))
        await notFound('follow', c.post(`/api/v1/entities/${p.id}/follow`))
      }
      for (const comment of f.comments) {
        await notFound('PATCH comment', c.patch(`/api/v1/comments/${comment.id}`, { body: 'x' }))
        await notFound('DELETE comment', c.delete(`/api/v1/comments/${comment.id}`))
      }
      for (const g of Object.values(f.groups)) {
        await notFound('GET group', c.get(`/api/v1/groups/${g.id}`))
        await notFound('GET members', c.get(`/api/v1/groups/${g.id}/members`))
        await notFound('GET activity', c.get(`/api/v1/groups/${g.id}/activity`))
        await notFound('GET requests', c.get(`/api/v1/groups/${g.id}/requests`))
        await notFound('GET invitations', c.get(`/api/v1/groups/${g.id}/invitations`))
        await notFound('PATCH group', c.patch(`/api/v1/groups/${g.id}`, { name: 'x' }))
        await notFound('DELETE group', c.delete(`/api/v1/groups/${g.id}`))
        await notFound('join', c.post(`/api/v1/groups/${g.id}/join`))
        await notFound('accept', c.post(`/api/v1/groups/${g.id}/invitations/accept`))
        await notFound('invite', c.post(`/api/v1/groups/${g.id}/invitations`, { userId: yuri.user.id }))
        await notFound('approve', c.post(`/api/v1/groups/${g.id}/requests/${yuri.user.id}/approve`))
        await notFound('remove member', c.delete(`/api/v1/groups/${g.id}/members/${xena.user.id}`))
        await notFound('transfer', c.post(`/api/v1/groups/${g.id}/transfer`, { userId: xena.user.id }))
        await notFound('GET group comments', c.get(`/api/v1/entities/${g.id}/comments`))
      }
      // Files: folders, files, their content, versions and links, and a public link of the other site.
      const { folder, file } = f.files
      await notFound('GET folder', c.get(`/api/v1/folders/${folder.id}`))
      await notFound('PATCH folder', c.patch(`/api/v1/folders/${folder.id}`, { name: 'x' }))
      await notFound('DELETE folder', c.delete(`/api/v1/folders/${folder.id}`))
      await notFound('PUT file into folder', c.put(`/api/v1/folders/${folder.id}/files/intruder.txt`, undefined, { raw: 'x', headers: { 'content-type': 'text/plain' } }))
      await notFound('GET file', c.get(`/api/v1/files/${file.id}`))
      await notFound('GET file content', c.get(`/api/v1/files/${file.id}/content`))
      await notFound('GET file versions', c.get(`/api/v1/files/${file.id}/versions`))
      await notFound('GET file version content', c.get(`/api/v1/files/${file.id}/versions/1/content`))
      await notFound('GET file links', c.get(`/api/v1/files/${file.id}/links`))
      await notFound('POST file link', c.post(`/api/v1/files/${file.id}/links`, {}))
      await notFound('DELETE file', c.delete(`/api/v1/files/${file.id}`))
      await notFound('public link', c.get(f.files.linkUrl))
      if (signedIn) {
        const trash = keep('GET trash', await c.get('/api/v1/trash'))
        expect(trash.status, trash.text).to.be.oneOf([200, 403])
        if (trash.status === 200) expect(ids(trash.body.items)).not.to.include.any.members([folder.id, file.id])
      }

      if (signedIn) {
        // Another site's group is no container here, and its site token is not held here.
        const inOther = keep('POST blog in group', await c.post('/api/v1/blogs', { title: 'x', body: 'y', containerId: f.groups.open.id }))
        expect(inOther.status, inOther.text).to.equal(400)
        if (who !== 'the site administrator') {
          expectProblem(await c.post('/api/v1/blogs', { title: 'x', body: 'y', access: { read: [`site:${f.id}`] } }), 403, 'ACCESS_TOKEN_NOT_HELD')
          expectProblem(await c.post('/api/v1/blogs', { title: 'x', body: 'y', access: { read: [`group:${f.groups.open.id}`] } }), 403, 'ACCESS_TOKEN_NOT_HELD')
        }
        // Notifications: only this site's, counted for this site only.
        const mine = keep('GET notifications', await c.get('/api/v1/notifications?limit=100'))
        expect(mine.status, mine.text).to.equal(200)
        expect(ids(mine.body.items)).not.to.include.any.members(ids(f.notifications))
        if (who === 'a member of both sites') {
          expect(ids(mine.body.items)).to.have.members(ids(t.notifications))
          expect(mine.body.unread).to.equal(t.notifications.filter(n => !n.read).length)
        }
      }

      // Counts: comments and members of the other site are not counted here.
      const own = keep('GET own post', await c.get(`/api/v1/blogs/${t.posts.public.id}`))
      expect(own.body.commentCount).to.equal(1)
      if (signedIn) {
        const group = keep('GET own group', await c.get(`/api/v1/groups/${t.groups.open.id}`))
        expect(group.body.memberCount).to.equal(2)
      }

      // Nothing of the other site anywhere in the answers.
      for (const [what, text] of seen) {
        for (const secret of secrets) expect(text.includes(secret), `${who} on ${t.host}, ${what} shows "${secret}" of ${f.host}: ${text.slice(0, 300)}`).to.equal(false)
      }
    }

    // WebDAV on this site, as its administrator: the other site's folder is neither listed nor reachable by name.
    const token = (await (await t.admin.on(t.host)).post('/api/v1/auth/tokens', { name: 'webdav' })).body.token
    const dav = new TestClient(tk.url, t.host)
    const basic = `Basic ${Buffer.from(`${t.admin.email}:${token}`).toString('base64')}`
    const listing = await dav.request('PROPFIND', '/dav/', { headers: { authorization: basic, depth: '1' } })
    expect(listing.status, listing.text).to.equal(207)
    expect(listing.text).to.include(encodeURIComponent(`Map ${t.word}`))
    expect(listing.text).not.to.include(f.word)
    const byName = await dav.request('PROPFIND', `/dav/${encodeURIComponent(`Map ${f.word}`)}/`, { headers: { authorization: basic, depth: '1' } })
    expect(byName.status, byName.text).to.equal(404)
    expect(byName.text).not.to.include(f.files.file.id)

    // Site members: the administrator's member list has nobody admitted only on the other site.
    const members = await listAll(await t.admin.on(t.host), '/api/v1/site/members')
    expect(members.map(m => m.user.id)).not.to.include(f.localMember.user.id)
    expect(members.map(m => m.user.id)).to.include(t.localMember.user.id)
    const pending = await listAll(await t.admin.on(t.host), '/api/v1/site/members?status=pending')
    expect(pending.map(m => m.user.id)).not.to.include(f.localMember.user.id)
  }

  it('deletes a subsite without a trace and without touching the other sites', async () => {
    const a = sites.a!
    const db = tk.kernel.db
    const before = async (s: SiteFixture) => ids(await listAll(await s.admin.on(s.host), '/api/v1/activity'))
    const rootBefore = await before(sites.root!)
    const bBefore = await before(sites.b!)
    const res = await (await rootAdmin.on(ROOT_HOST)).delete(`/api/v1/subsites/${a.id}`)
    expect(res.status, res.text).to.equal(204)
    expectProblem(await new TestClient(tk.url, a.host).get('/api/v1/site'), 404, 'SITE_NOT_FOUND')

    const tables: Array<{ table_name: string }> = await db.query(
      `SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'site_id' ORDER BY table_name`,
    )
    expect(tables.map(t => t.table_name)).to.include.members(['entity', 'comments_comment', 'groups_member', 'notifications_notification', 'notifications_follow', 'files_node', 'files_link'])
    for (const { table_name } of tables) {
      const n = (await db.query(`SELECT count(*)::int AS n FROM "${table_name}" WHERE site_id = $1`, [a.id]))[0].n
      expect(n, `${table_name} keeps ${n} row(s) of the deleted subsite`).to.equal(0)
    }
    const itemIds = [...Object.values(a.posts).map(p => p.id), ...Object.values(a.groups).map(g => g.id), a.files.folder.id, a.files.file.id]
    expect((await db.query('SELECT count(*)::int AS n FROM entity WHERE id = ANY($1::uuid[])', [itemIds]))[0].n).to.equal(0)
    expect((await db.query('SELECT count(*)::int AS n FROM notifications_follow WHERE target_id = ANY($1::uuid[])', [itemIds]))[0].n).to.equal(0)

    expect(await before(sites.root!)).to.deep.equal(rootBefore)
    expect(await before(sites.b!)).to.deep.equal(bBefore)
    expect((await (await xena.on(sites.b!.host)).get('/api/v1/notifications?limit=100')).body.items).to.have.length(sites.b!.notifications.length)
  })
})
