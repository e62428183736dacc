// Search never returns an item the viewer cannot read (issue 10), property-based: random groups (open,
// closed, hidden) with random memberships, blog posts with random access lists, containers and drafts, some
// members leaving afterwards. For every viewer, search shows exactly the posts the blog list shows them (and
// what an independent model of the access rules says), and hidden groups only to their members.
import { expect } from 'chai'
import fc from 'fast-check'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { searchPlugin } from '@plein/plugin-search'
import { ids, listAll, searchAll, uniqueWord } from './helpers.js'

const USERS = 4
const MAX_GROUPS = 3
/** Runs per property (PLEIN_PROPERTY_RUNS overrides): each run makes groups, memberships and posts over HTTP. */
const RUNS = Number(process.env.PLEIN_PROPERTY_RUNS ?? 12)

type TokenSpec = { t: 'public' } | { t: 'logged_in' } | { t: 'user'; i: number } | { t: 'group'; i: number }

interface GroupSpec {
  owner: number
  kind: 'open' | 'closed' | 'hidden'
  members: number[]
}

interface PostSpec {
  author: number
  container: number | null
  /** undefined: no access given (the container's default). */
  read: TokenSpec[] | undefined
  write: TokenSpec[]
  draft: boolean
}

interface Scenario {
  groups: GroupSpec[]
  posts: PostSpec[]
  leaves: Array<{ user: number; group: number }>
}

const user = fc.nat(USERS - 1)
const groupIndex = fc.nat(MAX_GROUPS - 1)
const token: fc.Arbitrary<TokenSpec> = fc.oneof(
  fc.constant({ t: 'public' as const }),
  fc.constant({ t: 'logged_in' as const }),
  fc.record({ t: fc.constant('user' as const), i: user }),
  fc.record({ t: fc.constant('group' as const), i: groupIndex }),
)
const scenario: fc.Arbitrary<Scenario> = fc.record({
  groups: fc.array(
    fc.record({
      owner: user,
      kind: fc.constantFrom('open' as const, 'closed' as const, 'hidden' as const),
      members: fc.subarray([...Array(USERS).keys()]),
    }),
    { minLength: 1, maxLength: MAX_GROUPS },
  ),
  posts: fc.array(
    fc.record({
      author: user,
      container: fc.option(groupIndex, { nil: null }),
      read: fc.option(fc.array(token, { maxLength: 3 }), { nil: undefined, freq: 4 }),
      write: fc.array(token.filter(t => t.t === 'user' || t.t === 'group'), { maxLength: 2 }),
      draft: fc.boolean(),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  leaves: fc.array(fc.record({ user, group: groupIndex }), { maxLength: 2 }),
})

describe('search: never an item the viewer cannot read (property)', () => {
  let tk: TestKernel
  let admin: SignedUp
  let users: SignedUp[]
  let anonymous: TestClient

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [searchPlugin, blogPlugin, commentsPlugin, groupsPlugin] })
    admin = await tk.signUp({ name: 'Admin' })
    users = []
    for (let i = 0; i < USERS; i++) users.push(await tk.signUp({ name: `User ${i}` }))
    anonymous = tk.client()
  })
  after(() => tk?.close())

  const ok = (res: { status: number; text: string }, status: number, what: string) => expect(res.status, `${what}: ${res.text}`).to.equal(status)

  /** Builds the scenario over HTTP; returns what was made and who ends up in which group. */
  async function build(s: Scenario, word: string) {
    const groups: Array<{ id: string; hidden: boolean; owner: number }> = []
    const members: Array<Set<number>> = []
    for (const [n, g] of s.groups.entries()) {
      const owner = users[g.owner]!
      const res = await owner.client.post('/api/v1/groups', { name: `Groep ${word} ${n}`, membership: g.kind === 'open' ? 'open' : 'closed', hidden: g.kind === 'hidden' })
      ok(res, 201, 'create group')
      const id: string = res.body.id
      groups.push({ id, hidden: g.kind === 'hidden', owner: g.owner })
      const inGroup = new Set([g.owner])
      for (const m of g.members) {
        if (m === g.owner) continue
        const u = users[m]!
        if (g.kind === 'open') ok(await u.client.post(`/api/v1/groups/${id}/join`), 200, 'join an open group')
        else if (g.kind === 'closed') {
          ok(await u.client.post(`/api/v1/groups/${id}/join`), 202, 'ask to join a closed group')
          ok(await owner.client.post(`/api/v1/groups/${id}/requests/${u.user.id}/approve`), 200, 'approve')
        } else {
          ok(await owner.client.post(`/api/v1/groups/${id}/invitations`, { userId: u.user.id }), 201, 'invite to a hidden group')
          ok(await u.client.post(`/api/v1/groups/${id}/join`), 200, 'accept the invitation')
        }
        inGroup.add(m)
      }
      members.push(inGroup)
    }

    const tokenOf = (author: number, t: TokenSpec, inHiddenGroup: boolean): string | undefined => {
      if (t.t === 'public' || t.t === 'logged_in') return inHiddenGroup ? undefined : t.t
      if (t.t === 'user') return `user:${users[t.i]!.user.id}`
      // Only tokens one holds can be granted: a group's token only by its members.
      const g = groups[t.i]
      return g && members[t.i]!.has(author) ? `group:${g.id}` : undefined
    }
    const posts: Array<{ id: string; draft: boolean; read: string[]; write: string[]; containerId: string | null }> = []
    for (const [n, p] of s.posts.entries()) {
      // Content goes into a group only from its members; hidden groups keep their content inside.
      const container = p.container !== null && groups[p.container] && members[p.container]!.has(p.author) ? p.container : null
      const inHidden = container !== null && groups[container]!.hidden
      const clean = (list: TokenSpec[]) => [...new Set(list.map(t => tokenOf(p.author, t, inHidden)).filter((x): x is string => x !== undefined))]
      const read = p.read === undefined && container === null ? [] : p.read
      const body: Record<string, unknown> = {
        title: `Bericht ${word} ${n}`,
        body: `<p>Tekst ${n}</p>`,
        status: p.draft ? 'draft' : 'published',
        ...(container !== null ? { containerId: groups[container]!.id } : {}),
        ...(read !== undefined ? { access: { read: clean(read), write: clean(p.write) } } : {}),
      }
      const res = await users[p.author]!.client.post('/api/v1/blogs', body)
      ok(res, 201, `create post ${JSON.stringify(body)}`)
      posts.push({ id: res.body.id, draft: p.draft, read: res.body.access.read, write: res.body.access.write, containerId: res.body.containerId })
    }

    // Some members leave after the posts were written: their access ends with it.
    for (const l of s.leaves) {
      const g = groups[l.group]
      if (!g || l.user === g.owner || !members[l.group]!.has(l.user)) continue
      const u = users[l.user]!
      ok(await u.client.delete(`/api/v1/groups/${g.id}/members/${u.user.id}`), 204, 'leave')
      members[l.group]!.delete(l.user)
    }
    return { groups, members, posts }
  }

  it('for every viewer, search shows exactly the posts the blog list shows, and hidden groups only to members', async function () {
    this.timeout(300_000)
    await fc.assert(
      fc.asyncProperty(scenario, async s => {
        const word = uniqueWord('zp')
        const made = await build(s, word)
        const postIds = new Set(made.posts.map(p => p.id))
        const groupIds = new Set(made.groups.map(g => g.id))
        const viewers: Array<{ name: string; client: TestClient; index: number | null; admin: boolean }> = [
          { name: 'anonymous', client: anonymous, index: null, admin: false },
          { name: 'admin', client: admin.client, index: null, admin: true },
          ...users.map((u, i) => ({ name: `user ${i}`, client: u.client, index: i, admin: false })),
        ]
        for (const v of viewers) {
          const found = await searchAll(v.client, { q: word })
          const foundPosts = ids(found.filter(i => i.type === 'blog')).sort()
          const foundGroups = ids(found.filter(i => i.type === 'group')).sort()
          expect(found.every(i => postIds.has(i.id) || groupIds.has(i.id)), `${v.name}: only this run's items`).to.equal(true)

          // The blog list is the reference: the same items, no more, no fewer.
          const listed = ids((await listAll(v.client, '/api/v1/blogs')).filter(p => postIds.has(p.id))).sort()
          expect(foundPosts, `${v.name}: search vs blog list`).to.deep.equal(listed)
          expect(ids(await searchAll(v.client, { q: word, type: 'blog' })).sort(), `${v.name}: type=blog`).to.deep.equal(listed)

          // And an independent model of the rules: writers read; readers read what is published; admins all.
          const tokens = new Set<string>(['public'])
          if (v.index !== null) {
            tokens.add('logged_in').add(`user:${users[v.index]!.user.id}`)
            made.groups.forEach((g, n) => made.members[n]!.has(v.index!) && tokens.add(`group:${g.id}`))
          }
          const readable = made.posts.filter(p => v.admin || p.write.some(t => tokens.has(t)) || (!p.draft && p.read.some(t => tokens.has(t))))
          expect(foundPosts, `${v.name}: search vs the access model`).to.deep.equal(ids(readable).sort())

          // Groups: as the group list shows them; a hidden group only to its members (and administrators).
          const groupList = ids((await listAll(v.client, '/api/v1/groups')).filter(g => groupIds.has(g.id))).sort()
          expect(foundGroups, `${v.name}: search vs group list`).to.deep.equal(groupList)
          for (const [n, g] of made.groups.entries()) {
            // Inside a group: only what the viewer may read (a post in a hidden group may be shared with a non-member by name).
            const inside = ids(await searchAll(v.client, { q: word, containerId: g.id })).sort()
            expect(inside, `${v.name}: content of group ${n}`).to.deep.equal(ids(readable.filter(p => p.containerId === g.id)).sort())
            if (!g.hidden || v.admin || (v.index !== null && made.members[n]!.has(v.index))) continue
            expect(foundGroups, `${v.name}: hidden group ${n}`).to.not.include(g.id)
          }
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    )
  })
})
