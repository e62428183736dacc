// GET /api/v1/activity (API.md "Content items"; issue 4): every kind on this site the viewer may read, newest
// first, paged with an opaque cursor that never repeats or skips while items arrive, in a bounded number of queries.
import { expect } from 'chai'
import { definePlugin, type PluginDefinition, type Site } from '@plein/core'
import { createTestKernel, TestClient, type SignedUp, type TestKernel, type TestResponse } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'

const OTHER_HOST = 'other.test'

interface NotesFixture {
  plugin: PluginDefinition
  /** The plugins enabled on the second site (other.test); change it to switch plugins on and off at run time. */
  otherPlugins: Set<string>
}

/**
 * A second content kind, `note`, made through the kernel's content service, and a second site (as the subsites
 * plugin would make one) whose enabled plugins the test switches at run time.
 */
function notesFixture(): NotesFixture {
  const otherPlugins = new Set(['comments', 'blog', 'notes'])
  let other: Site | undefined
  const plugin = definePlugin({
    id: 'notes',
    version: '1.0.0',
    register(ctx) {
      ctx.content.kind({ kind: 'note', url: e => `/notes/${e.id}`, load: async entities => new Map(entities.map(e => [e.id, { note: true }])) })
      const otherSite = (): Site => {
        const root = ctx.rootSite
        other ??= Object.freeze({
          id: '6f1c7a52-2d1b-4c1e-9a43-5b7d9e0f1a2b',
          key: 'other',
          name: 'Other site',
          hosts: Object.freeze([OTHER_HOST]),
          isRoot: false,
          get plugins() {
            return [...otherPlugins]
          },
          contact: {},
          admins: [],
          settings: root.settings,
          isEnabled: (pluginId: string) => otherPlugins.has(pluginId),
          settingsOf: (pluginId: string) => root.settingsOf(pluginId),
        })
        return other
      }
      ctx.hooks.kernel.resolveSite.tap(host => (host === OTHER_HOST ? otherSite() : undefined))
      ctx.hooks.kernel.loadSite.tap(id => (id === otherSite().id ? otherSite() : undefined))
      ctx.routes(r => {
        r.post<{ title: string; access?: { read?: string[]; write?: string[] }; draft?: boolean }>(
          'notes.create',
          '/api/v1/notes',
          {
            body: {
              type: 'object',
              required: ['title'],
              properties: {
                title: { type: 'string', minLength: 1, maxLength: 200 },
                access: { type: 'object', properties: { read: { type: 'array', items: { type: 'string' } }, write: { type: 'array', items: { type: 'string' } } } },
                draft: { type: 'boolean' },
              },
            },
          },
          async c => {
            const { entity } = await ctx.content.create(
              { site: c.site, viewer: c.viewer, kind: 'note', title: c.input.body.title, access: c.input.body.access, publishedAt: c.input.body.draft ? null : undefined },
              async () => undefined,
            )
            c.status = 201
            return (await ctx.content.serialize([entity], c.viewer, c.site))[0]
          },
        )
      })
    },
  })
  return { plugin, otherPlugins }
}

async function create(client: TestClient, type: 'blog' | 'note', input: { title?: string; access?: { read?: string[]; write?: string[] }; draft?: boolean } = {}) {
  const title = input.title ?? `${type} ${Math.random().toString(36).slice(2, 8)}`
  const res =
    type === 'blog'
      ? await client.post('/api/v1/blogs', { title, body: '<p>x</p>', ...(input.access ? { access: input.access } : {}), ...(input.draft ? { status: 'draft' } : {}) })
      : await client.post('/api/v1/notes', { title, ...(input.access ? { access: input.access } : {}), ...(input.draft ? { draft: true } : {}) })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

async function page(client: TestClient, query: string): Promise<TestResponse> {
  const res = await client.get(`/api/v1/activity${query}`)
  expect(res.status, res.text).to.equal(200)
  return res
}

async function activityAll(client: TestClient, query = '', limit = 100): Promise<any[]> {
  const all: any[] = []
  let cursor: string | null = null
  for (let i = 0; i < 1000; i++) {
    const res: TestResponse = await page(client, `?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    all.push(...res.body.items)
    cursor = res.body.nextCursor
    if (cursor === null) return all
  }
  throw new Error('the activity stream never ended')
}

function expectProblem(res: TestResponse, status: number): any {
  expect(res.status, res.text).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status })
  expect(res.body.title).to.be.a('string').and.not.equal('')
  expect(res.body.detail).to.be.a('string').and.not.equal('')
  return res.body
}

/** A 400 whose errors[] names this query parameter. */
function expectQueryError(res: TestResponse, name: string): void {
  const body = expectProblem(res, 400)
  expect(body.errors, res.text).to.be.an('array')
  expect(body.errors.map((e: any) => [e.in, e.location?.name]), res.text).to.deep.include(['query', name])
}

/** Newest first by (createdAt, id), strictly: no item twice, none out of order. */
function expectNewestFirst(items: Array<{ id: string; createdAt: string }>): void {
  for (let i = 1; i < items.length; i++) {
    const a = items[i - 1]!
    const b = items[i]!
    const ta = Date.parse(a.createdAt)
    const tb = Date.parse(b.createdAt)
    expect(ta > tb || (ta === tb && a.id > b.id), `${a.createdAt} ${a.id} before ${b.createdAt} ${b.id}`).to.equal(true)
  }
}

/** Counts the SQL statements the kernel's database runs (TypeORM calls logger.logQuery for every one, whatever the logging option). */
function queryCounter(tk: TestKernel): { readonly count: number; reset(): void; restore(): void } {
  const logger = tk.kernel.db.source.logger
  const original = logger.logQuery
  let count = 0
  logger.logQuery = function (this: unknown, ...args: Parameters<typeof original>) {
    count++
    return original.apply(this, args)
  }
  return {
    get count() {
      return count
    },
    reset() {
      count = 0
    },
    restore() {
      logger.logQuery = original
    },
  }
}

describe('activity stream', () => {
  let tk: TestKernel
  let fixture: NotesFixture
  let admin: SignedUp
  let alice: SignedUp
  let bob: SignedUp
  let carol: SignedUp
  let anonymous: TestClient

  before(async function () {
    this.timeout(60_000)
    fixture = notesFixture()
    tk = await createTestKernel({ plugins: [blogPlugin, commentsPlugin, fixture.plugin] })
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    carol = await tk.signUp({ name: 'Carol' })
    anonymous = tk.client()
  })
  after(() => tk?.close())

  describe('what it shows', () => {
    const made: Record<string, any> = {}

    before(async () => {
      made.publicBlog = await create(alice.client, 'blog', { title: 'public blog', access: { read: ['public'] } })
      made.memberNote = await create(bob.client, 'note', { title: 'member note', access: { read: ['logged_in'] } })
      made.privateBlog = await create(alice.client, 'blog', { title: 'private blog', access: { read: [`user:${alice.user.id}`] } })
      made.publicNote = await create(carol.client, 'note', { title: 'public note', access: { read: ['public'] } })
      made.draftBlog = await create(alice.client, 'blog', { title: 'draft blog', access: { read: ['public'], write: [`user:${carol.user.id}`] }, draft: true })
      made.draftNote = await create(bob.client, 'note', { title: 'draft note', access: { read: ['public'] }, draft: true })
      made.forBob = await create(carol.client, 'blog', { title: 'for bob', access: { read: [`user:${bob.user.id}`] } })
      made.defaultNote = await create(alice.client, 'note', { title: 'default note' })
    })

    const titles = (items: any[]) => items.map(i => i.title)

    it('lists every kind, newest first, with the item fields and each kind’s url', async () => {
      const items = await activityAll(alice.client)
      expectNewestFirst(items)
      expect(titles(items)).to.deep.equal(['default note', 'draft blog', 'public note', 'private blog', 'member note', 'public blog'])
      const blog = items.find(i => i.title === 'public blog')
      expect(blog).to.include({ type: 'blog', url: `/blogs/${made.publicBlog.id}`, containerId: null, commentCount: 0 })
      expect(blog.owner).to.include({ id: alice.user.id, name: 'Alice' })
      expect(blog.access).to.deep.equal({ read: ['public'], write: [`user:${alice.user.id}`] })
      const note = items.find(i => i.title === 'member note')
      expect(note).to.include({ type: 'note', url: `/notes/${made.memberNote.id}`, note: true })
      expect(note.owner).to.deep.equal({ id: bob.user.id, name: 'Bob' })
      // Only commentable kinds carry a comment count: the comments plugin knows nothing of notes.
      expect(note).to.not.have.property('commentCount')
    })

    it('shows an anonymous visitor the public, published items only', async () => {
      expect(titles(await activityAll(anonymous))).to.deep.equal(['public note', 'public blog'])
    })

    it('shows each signed-in account what it may read: logged_in, named on read or write, its own drafts', async () => {
      expect(titles(await activityAll(bob.client))).to.deep.equal(['default note', 'for bob', 'draft note', 'public note', 'member note', 'public blog'])
      expect(titles(await activityAll(carol.client))).to.deep.equal(['default note', 'for bob', 'draft blog', 'public note', 'member note', 'public blog'])
    })

    it('shows a site administrator everything on the site', async () => {
      expect(titles(await activityAll(admin.client))).to.have.members(Object.values(made).map(m => m.title))
    })

    it('follows access changes at once', async () => {
      const closed = await alice.client.patch(`/api/v1/blogs/${made.publicBlog.id}`, { access: { read: [`user:${alice.user.id}`] } })
      expect(closed.status, closed.text).to.equal(200)
      expect(titles(await activityAll(bob.client))).to.not.include('public blog')
      expect(titles(await activityAll(anonymous))).to.deep.equal(['public note'])
      const published = await carol.client.patch(`/api/v1/blogs/${made.draftBlog.id}`, { status: 'published' })
      expect(published.status, published.text).to.equal(200)
      expect(titles(await activityAll(anonymous))).to.deep.equal(['draft blog', 'public note'])
      await alice.client.patch(`/api/v1/blogs/${made.publicBlog.id}`, { access: { read: ['public'] } })
      await alice.client.patch(`/api/v1/blogs/${made.draftBlog.id}`, { status: 'draft' })
      expect(titles(await activityAll(anonymous))).to.deep.equal(['public note', 'public blog'])
    })

    it('filters by ?type=', async () => {
      const blogs = await activityAll(alice.client, '&type=blog')
      expect(blogs.map(i => i.type)).to.satisfy((t: string[]) => t.length > 0 && t.every(x => x === 'blog'))
      expect(titles(blogs)).to.deep.equal(['draft blog', 'private blog', 'public blog'])
      expect(titles(await activityAll(alice.client, '&type=note'))).to.deep.equal(['default note', 'public note', 'member note'])
      expect(await activityAll(alice.client, '&type=comment')).to.deep.equal([])
      expectQueryError(await alice.client.get('/api/v1/activity?type=Blog!'), 'type')
    })

    it('answers { items, nextCursor } with nextCursor null on the last page', async () => {
      const res = await page(alice.client, '?limit=100')
      expect(res.body).to.have.all.keys('items', 'nextCursor')
      expect(res.body.nextCursor).to.equal(null)
    })
  })

  describe('limit and cursor', () => {
    before(async () => {
      for (let i = 0; i < 25; i++) await create(i % 3 ? alice.client : bob.client, i % 2 ? 'note' : 'blog', { access: { read: ['public'] } })
    })

    it('gives 20 items by default and exactly `limit` items for 1..100', async () => {
      expect((await page(anonymous, '')).body.items).to.have.length(20)
      expect((await page(anonymous, '?limit=1')).body.items).to.have.length(1)
      expect((await page(anonymous, '?limit=7')).body.items).to.have.length(7)
      expect((await page(anonymous, '?limit=100')).body.items.length).to.be.within(25, 100)
    })

    it('answers 400 naming limit for 0, 101, -1, 2.5 and abc', async () => {
      for (const limit of ['0', '101', '-1', '2.5', 'abc', '']) expectQueryError(await anonymous.get(`/api/v1/activity?limit=${limit}`), 'limit')
    })

    it('answers 400 naming cursor for a cursor it did not give out', async () => {
      const b64 = (s: string) => Buffer.from(s).toString('base64url')
      const bad = [
        'garbage!!',
        '%%%',
        b64('hello'),
        b64('123|not-a-uuid'),
        b64(`12x|${alice.user.id}`),
        b64(`|${alice.user.id}`),
        b64(`99999999999999999999999|${alice.user.id}`),
        // Numbers that fit the format but no timestamp: a bigint overflow, a time far out of range.
        b64(`9999999999999999999|${alice.user.id}`),
        b64(`-9223372036854775808|${alice.user.id}`),
        b64(`9000000000000000000|${alice.user.id}`),
        'A'.repeat(300),
      ]
      for (const cursor of bad) expectQueryError(await anonymous.get(`/api/v1/activity?cursor=${encodeURIComponent(cursor)}`), 'cursor')
    })

    it('accepts an empty cursor as the first page', async () => {
      const first = await page(anonymous, '?limit=3')
      const empty = await page(anonymous, '?limit=3&cursor=')
      expect(empty.body.items.map((i: any) => i.id)).to.deep.equal(first.body.items.map((i: any) => i.id))
    })
  })

  describe('paging while items arrive', () => {
    it('never repeats or skips an item, whatever the page size, while others create items between page fetches', async function () {
      this.timeout(120_000)
      // What Bob may read, kept up to date as items are made.
      const visibleToBob = new Set((await activityAll(bob.client)).map(i => i.id))
      let n = 0
      const makeSome = async () => {
        n++
        const a = await create(alice.client, n % 2 ? 'blog' : 'note', { access: { read: ['logged_in'] } })
        visibleToBob.add(a.id)
        // Items Bob may not read arrive too, and must not show up or shift his pages.
        await create(carol.client, 'note', { access: { read: [`user:${carol.user.id}`] } })
        if (n % 3 === 0) await create(alice.client, 'blog', { access: { read: ['public'] }, draft: true })
      }
      for (let i = 0; i < 12; i++) await makeSome()

      for (const limit of [1, 4, 7, 20]) {
        const before = new Set(visibleToBob)
        const seen: any[] = []
        let cursor: string | null = null
        let pages = 0
        do {
          const res: TestResponse = await page(bob.client, `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
          expect(res.body.items.length).to.be.at.most(limit)
          if (res.body.nextCursor !== null) expect(res.body.items.length).to.equal(limit)
          seen.push(...res.body.items)
          cursor = res.body.nextCursor
          pages++
          // New items arrive between this page and the next.
          if (cursor !== null && pages % 2 === 1) await makeSome()
        } while (cursor !== null)
        const ids = seen.map(i => i.id)
        expect(new Set(ids).size, `limit ${limit}: an item was repeated`).to.equal(ids.length)
        expect([...ids].sort(), `limit ${limit}: the union of the pages is what existed at the first request`).to.deep.equal([...before].sort())
        expectNewestFirst(seen)
      }
    })

    it('never repeats or skips when several items share a creation time', async () => {
      // Items made in one transaction share created_at; the cursor must fall back on the id.
      const same = 'c0ffee00-0000-4000-8000-'
      const site = tk.kernel.rootSite.id
      await tk.kernel.db.transaction(async m => {
        for (let i = 0; i < 9; i++) {
          await m.query(
            `INSERT INTO entity (id, site_id, kind, owner_id, title, read_access, write_access) VALUES ($1, $2, 'note', $3, $4, $5::text[], $6::text[])`,
            [`${same}${String(i).padStart(12, '0')}`, site, alice.user.id, `same time ${i}`, ['public'], [`user:${alice.user.id}`]],
          )
        }
      })
      for (const limit of [1, 2, 4]) {
        const items = await activityAll(anonymous, '&type=note', limit)
        const ids = items.map(i => i.id)
        expect(new Set(ids).size).to.equal(ids.length)
        const tied = ids.filter(id => id.startsWith(same))
        expect(tied).to.have.length(9)
        expect(tied).to.deep.equal([...tied].sort().reverse())
        expectNewestFirst(items)
      }
    })
  })

  describe('queries', () => {
    it('uses as many SQL queries for a page of 50 items as for a page of 5 (no N+1), whatever the owners and kinds', async function () {
      this.timeout(120_000)
      // Many owners, both kinds, with comments, so that a per-item fetch of anything would show.
      const people = [alice, bob, carol]
      for (let i = 0; i < 3; i++) people.push(await tk.signUp({ name: `Owner ${i}` }))
      for (let i = 0; i < 60; i++) {
        const item = await create(people[i % people.length]!.client, i % 3 === 0 ? 'note' : 'blog', { access: { read: ['logged_in'] } })
        if (item.type === 'blog' && i % 4 === 1) {
          const res = await bob.client.post(`/api/v1/entities/${item.id}/comments`, { body: 'hi' })
          expect(res.status, res.text).to.equal(201)
        }
      }
      const counter = queryCounter(tk)
      try {
        const measure = async (limit: number) => {
          const counts: number[] = []
          for (let i = 0; i < 3; i++) {
            counter.reset()
            const res = await page(bob.client, `?limit=${limit}`)
            expect(res.body.items).to.have.length(limit)
            counts.push(counter.count)
          }
          return Math.min(...counts)
        }
        const five = await measure(5)
        const fifty = await measure(50)
        // The counter works: a page needs at least the list, the posts and the comment counts (the viewer's
        // session and the owners may come from the kernel's caches).
        expect(five).to.be.at.least(3)
        expect(fifty, `${five} queries for 5 items, ${fifty} for 50`).to.equal(five)
        const blogFive = await (async () => {
          counter.reset()
          await page(bob.client, '?limit=5&type=blog')
          return counter.count
        })()
        counter.reset()
        await page(bob.client, '?limit=50&type=blog')
        expect(counter.count).to.equal(blogFive)
      } finally {
        counter.restore()
      }
    })
  })

  describe('plugins not enabled on the site', () => {
    let other: TestClient

    before(async () => {
      other = new TestClient(tk.url, OTHER_HOST)
      const login = await other.post('/api/v1/auth/login', { email: alice.user.email, password: alice.password })
      expect(login.status, login.text).to.equal(200)
    })

    after(() => {
      fixture.otherPlugins.add('notes')
      fixture.otherPlugins.add('blog')
    })

    it('keeps their items out of the activity stream, and brings them back when the plugin is enabled again', async () => {
      const note = await create(other, 'note', { title: 'note on other', access: { read: ['public'] } })
      const blog = await create(other, 'blog', { title: 'blog on other', access: { read: ['public'] } })
      const visitor = new TestClient(tk.url, OTHER_HOST)
      const titles = async (client: TestClient, query = '') => (await activityAll(client, query)).map(i => i.title)
      expect(await titles(visitor)).to.deep.equal(['blog on other', 'note on other'])
      // Items of one site never show on another.
      expect(await titles(anonymous)).to.not.include.members(['blog on other', 'note on other'])

      fixture.otherPlugins.delete('notes')
      expect(await titles(visitor)).to.deep.equal(['blog on other'])
      expect(await titles(other)).to.deep.equal(['blog on other'])
      expect(await titles(visitor, '&type=note')).to.deep.equal([])
      expect((await visitor.get(`/api/v1/blogs/${blog.id}`)).status).to.equal(200)
      // Its routes are gone from the site as well.
      expect((await other.post('/api/v1/notes', { title: 'x' })).status).to.equal(404)

      fixture.otherPlugins.delete('blog')
      expect(await titles(visitor)).to.deep.equal([])
      expect((await visitor.get(`/api/v1/blogs/${blog.id}`)).status).to.equal(404)
      expect((await visitor.get(`/api/v1/entities/${blog.id}/comments`)).status).to.equal(404)

      fixture.otherPlugins.add('notes')
      fixture.otherPlugins.add('blog')
      expect(await titles(visitor)).to.deep.equal(['blog on other', 'note on other'])
      expect(note.type).to.equal('note')
    })
  })
})
