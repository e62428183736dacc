// The leak test of issue 5: pending, invited, removed and former members, outsiders and anonymous visitors
// try every group-related route and list against a closed and a hidden group, and get nothing of them.
// A closed group shows its card (to whoever may see the site's content) and nothing inside; a hidden group
// answers 404 everywhere, except that an invited person sees its card to accept.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { searchPlugin } from '@plein/plugin-search'
import { createGroup, createPost, ids, listAll } from './helpers.js'

type Persona = 'pending' | 'invited' | 'removed' | 'former' | 'outsider' | 'anonymous'
const PERSONAS: Persona[] = ['pending', 'invited', 'removed', 'former', 'outsider', 'anonymous']

interface Fixture {
  kind: 'closed' | 'hidden'
  group: any
  /** A unique word in the titles and bodies of the group's posts. */
  word: string
  /** A unique word in the group's name and description. */
  nameWord: string
  /** A unique word in the comments on the group's posts. */
  commentWord: string
  posts: any[]
  comments: any[]
  people: Record<Exclude<Persona, 'anonymous'>, SignedUp>
}

describe('groups: the leak test (closed and hidden groups)', () => {
  let tk: TestKernel
  let owner: SignedUp
  let member: SignedUp
  let anonymous: TestClient
  const fixtures: Partial<Record<Fixture['kind'], Fixture>> = {}

  before(async function () {
    this.timeout(180_000)
    tk = await createTestKernel({ plugins: [commentsPlugin, blogPlugin, groupsPlugin, searchPlugin] })
    await tk.signUp({ name: 'Site Admin' }) // the first account administers the site; nobody below does
    owner = await tk.signUp({ name: 'Olga Owner' })
    member = await tk.signUp({ name: 'Mia Member' })
    anonymous = tk.client()
    for (const kind of ['closed', 'hidden'] as const) fixtures[kind] = await makeFixture(kind)
  })
  after(() => tk?.close())

  async function makeFixture(kind: Fixture['kind']): Promise<Fixture> {
    const word = `qzx${kind}post`
    const nameWord = `qzx${kind}name`
    const commentWord = `qzx${kind}comment`
    const people = {
      pending: await tk.signUp({ name: `Pete Pending ${kind}` }),
      invited: await tk.signUp({ name: `Ivy Invited ${kind}` }),
      removed: await tk.signUp({ name: `Rex Removed ${kind}` }),
      former: await tk.signUp({ name: `Fay Former ${kind}` }),
      outsider: await tk.signUp({ name: `Otto Outsider ${kind}` }),
    }
    // Made closed first, so that a request can be pending before it is hidden.
    const group = await createGroup(owner, { name: `Werkgroep ${nameWord}`, description: `Over ${nameWord}`, membership: 'closed' })
    const approve = async (who: SignedUp) => {
      expect((await who.client.post(`/api/v1/groups/${group.id}/join`)).status).to.equal(202)
      expect((await owner.client.post(`/api/v1/groups/${group.id}/requests/${who.user.id}/approve`)).status).to.equal(200)
    }
    for (const who of [member, people.removed, people.former]) await approve(who)

    const posts = [
      await createPost(owner.client, { containerId: group.id, title: `Rapport ${word}`, body: `<p>Inhoud ${word}</p>` }),
      await createPost(member.client, { containerId: group.id, title: `Notulen ${word}`, body: `<p>Besproken ${word}</p>`, tags: [word] }),
    ]
    const comments: any[] = []
    for (const who of [member, people.removed, people.former]) {
      const res = await who.client.post(`/api/v1/entities/${posts[1].id}/comments`, { body: `Reactie ${commentWord} van ${who.user.name}` })
      expect(res.status, res.text).to.equal(201)
      comments.push(res.body)
    }
    // Everyone below had access while they were members: the checks later are not vacuous.
    for (const who of [people.removed, people.former]) expect((await who.client.get(`/api/v1/blogs/${posts[0].id}`)).status).to.equal(200)
    expect(ids((await member.client.get(`/api/v1/search?q=${word}`)).body.items)).to.have.members(ids(posts))

    expect((await people.pending.client.post(`/api/v1/groups/${group.id}/join`)).status).to.equal(202)
    expect((await owner.client.post(`/api/v1/groups/${group.id}/invitations`, { userId: people.invited.user.id })).status).to.equal(201)
    expect((await owner.client.delete(`/api/v1/groups/${group.id}/members/${people.removed.user.id}`)).status).to.equal(204)
    expect((await people.former.client.delete(`/api/v1/groups/${group.id}/members/${people.former.user.id}`)).status).to.equal(204)
    if (kind === 'hidden') expect((await owner.client.patch(`/api/v1/groups/${group.id}`, { hidden: true })).status).to.equal(200)

    const relation = async (who: SignedUp) =>
      (await tk.kernel.db.query('SELECT status FROM groups_member WHERE group_id = $1 AND account_id = $2', [group.id, who.user.id]))[0]?.status ?? null
    expect(await relation(people.pending)).to.equal('pending')
    expect(await relation(people.invited)).to.equal('invited')
    for (const who of [people.removed, people.former, people.outsider]) expect(await relation(who)).to.equal(null)
    return { kind, group, word, nameWord, commentWord, posts, comments, people }
  }

  for (const kind of ['closed', 'hidden'] as const) {
    describe(`a ${kind} group`, () => {
      it('is all there for a member (the control)', async () => {
        const f = fixtures[kind]!
        const c = member.client
        expect((await c.get(`/api/v1/groups/${f.group.id}`)).body.viewerStatus).to.equal('member')
        expect(ids(await listAll(c, `/api/v1/groups/${f.group.id}/members`))).to.include(member.user.id)
        expect(ids(await listAll(c, `/api/v1/groups/${f.group.id}/activity`))).to.have.members(ids(f.posts))
        expect(ids(await listAll(c, `/api/v1/blogs?containerId=${f.group.id}`))).to.have.members(ids(f.posts))
        expect(ids(await listAll(c, '/api/v1/activity'))).to.include.members([f.group.id, ...ids(f.posts)])
        expect(ids((await c.get(`/api/v1/search?q=${f.nameWord}`)).body.items)).to.deep.equal([f.group.id])
        expect(ids((await c.get(`/api/v1/entities/${f.posts[1].id}/comments`)).body.items)).to.have.members(ids(f.comments))
        expect(ids(await listAll(c, '/api/v1/groups'))).to.include(f.group.id)
      })

      for (const persona of PERSONAS) {
        const who = { pending: 'a person whose request is pending', invited: 'an invited person', removed: 'a removed member', former: 'a former member', outsider: 'an outsider', anonymous: 'an anonymous visitor' }[persona]
        it(`gives nothing to ${who}`, async () => {
          await probe(fixtures[kind]!, persona)
        })
      }
    })
  }

  /** Every group-related route and list, as `persona`; asserts each answer gives nothing away. */
  async function probe(f: Fixture, persona: Persona): Promise<void> {
    const hidden = f.kind === 'hidden'
    const signedIn = persona !== 'anonymous'
    const invited = persona === 'invited'
    const client = persona === 'anonymous' ? anonymous : f.people[persona].client
    const g = f.group.id
    const [post] = f.posts
    const memberComment = f.comments[0]
    const someone = f.people.outsider.user.id

    // What must never appear in any answer: the posts, the comments, their words; for a hidden group also the group.
    const secrets = [...ids(f.posts), ...ids(f.comments), f.word, f.commentWord, member.user.id]
    if (hidden) secrets.push(g, f.nameWord)
    const seen: Array<{ what: string; res: TestResponse; card?: boolean }> = []
    const call = async (what: string, res: Promise<TestResponse>, card = false) => {
      const r = await res
      seen.push({ what, res: r, card })
      expect(r.status, `${what}: ${r.text}`).to.be.below(500)
      return r
    }
    /** An answer that reveals nothing: a 401/403/404 problem (which of them is allowed is given). */
    const refused = async (what: string, res: Promise<TestResponse>, allowed: number[]) => {
      const r = await call(what, res)
      expect(allowed, `${what} answered ${r.status}: ${r.text}`).to.include(r.status)
      expect(String(r.headers['content-type'])).to.match(/^application\/problem\+json/)
      return r
    }
    /** Hidden groups: 404 (401 first on routes that need sign-in); closed groups: 403 for signed-in people. */
    const inside = (authRoute: boolean): number[] => {
      if (!signedIn) return authRoute ? [401] : [404]
      if (hidden) return invited ? [403, 404] : [404]
      return [403]
    }
    /** Routes only group administrators may use. */
    const adminOnly = (): number[] => {
      if (!signedIn) return [401]
      if (hidden && !invited) return [404]
      return [403]
    }

    // The group card.
    const card = await call('GET group', client.get(`/api/v1/groups/${g}`), true)
    if (hidden && !invited) expect(card.status, card.text).to.equal(404)
    else if (!signedIn) expect(card.status, card.text).to.equal(404) // the test site shows content to signed-in accounts only
    else {
      expect(card.status, card.text).to.equal(200)
      expect(card.body.viewerStatus).to.equal(invited ? 'invited' : persona === 'pending' ? 'pending' : null)
      expect(card.body.viewerRole).to.equal(null)
    }
    const groupList = await listAll(client, '/api/v1/groups')
    seen.push({ what: 'GET groups', res: { status: 200, headers: {}, body: groupList, text: JSON.stringify(groupList) } })
    if (hidden || !signedIn) expect(ids(groupList)).not.to.include(g)
    else expect(ids(groupList)).to.include(g)

    // Inside the group.
    await refused('GET members', client.get(`/api/v1/groups/${g}/members`), inside(false))
    await refused('GET members?q', client.get(`/api/v1/groups/${g}/members?q=Mia`), inside(false))
    await refused('GET activity', client.get(`/api/v1/groups/${g}/activity`), inside(false))
    await refused('GET requests', client.get(`/api/v1/groups/${g}/requests`), adminOnly())
    await refused('GET invitations', client.get(`/api/v1/groups/${g}/invitations`), adminOnly())

    // The group's content through the general lists, by direct id, and through search.
    const inGroup = await call('GET blogs?containerId', client.get(`/api/v1/blogs?containerId=${g}`))
    expect(inGroup.status, inGroup.text).to.equal(200)
    expect(inGroup.body.items).to.deep.equal([])
    for (const url of ['/api/v1/blogs', '/api/v1/activity', `/api/v1/activity?type=group`]) {
      const all = await listAll(client, url)
      seen.push({ what: `GET ${url}`, res: { status: 200, headers: {}, body: all, text: JSON.stringify(all) } })
      expect(ids(all)).not.to.include.any.members(ids(f.posts))
      if (hidden) expect(ids(all)).not.to.include(g)
    }
    for (const p of f.posts) await refused('GET blog', client.get(`/api/v1/blogs/${p.id}`), [404])
    for (const q of [f.word, f.commentWord, `rapport ${f.word}`, f.nameWord, 'notulen']) {
      const res = await call(`search ${q}`, client.get(`/api/v1/search?q=${encodeURIComponent(q)}`))
      expect(res.status, res.text).to.equal(200)
      expect(ids(res.body.items)).not.to.include.any.members(ids(f.posts))
      if (hidden) expect(ids(res.body.items)).not.to.include(g)
    }
    const scoped = await call('search containerId', client.get(`/api/v1/search?q=${f.word}&containerId=${g}`))
    expect(scoped.status).to.equal(200)
    expect(scoped.body.items).to.deep.equal([])

    // Comments on the group's items, and on the group itself.
    await refused('GET comments', client.get(`/api/v1/entities/${f.posts[1].id}/comments`), [404])
    await refused('GET comments of the group', client.get(`/api/v1/entities/${g}/comments`), [404])
    await refused('POST comment', client.post(`/api/v1/entities/${f.posts[1].id}/comments`, { body: 'Let me in' }), signedIn ? [404] : [401])
    await refused('PATCH comment', client.patch(`/api/v1/comments/${memberComment.id}`, { body: 'Changed' }), signedIn ? [404] : [401])
    await refused('DELETE comment', client.delete(`/api/v1/comments/${memberComment.id}`), signedIn ? [404] : [401])
    if (persona === 'removed' || persona === 'former') {
      // Not even their own comments from when they were members.
      const own = f.comments.find(c => c.author?.id === f.people[persona].user.id)
      await refused('PATCH own old comment', client.patch(`/api/v1/comments/${own.id}`, { body: 'Changed' }), [404])
    }

    // Changing the group's content or the group.
    await refused('PATCH blog', client.patch(`/api/v1/blogs/${post.id}`, { title: 'Mine now' }), signedIn ? [404] : [401])
    await refused('DELETE blog', client.delete(`/api/v1/blogs/${post.id}`), signedIn ? [404] : [401])
    await refused('POST blog in group', client.post('/api/v1/blogs', { title: 'In', body: 'x', containerId: g }), !signedIn ? [401] : hidden ? [404] : [403])
    const token = await refused('POST blog with group token', client.post('/api/v1/blogs', { title: 'In', body: 'x', access: { read: [`group:${g}`] } }), signedIn ? [403] : [401])
    // The refusal names the token the client sent itself; that tells nothing new.
    seen.pop()
    expect(token.text.replaceAll(`group:${g}`, '')).not.to.include(g)
    await refused('PATCH group', client.patch(`/api/v1/groups/${g}`, { name: 'Taken over' }), adminOnly())
    await refused('DELETE group', client.delete(`/api/v1/groups/${g}`), adminOnly())
    await refused('PATCH member role', client.patch(`/api/v1/groups/${g}/members/${member.user.id}`, { role: 'admin' }), adminOnly())
    await refused('DELETE member', client.delete(`/api/v1/groups/${g}/members/${member.user.id}`), adminOnly())
    await refused('transfer', client.post(`/api/v1/groups/${g}/transfer`, { userId: member.user.id }), adminOnly())
    await refused('invite', client.post(`/api/v1/groups/${g}/invitations`, { userId: someone }), adminOnly())
    await refused('approve', client.post(`/api/v1/groups/${g}/requests/${f.people.pending.user.id}/approve`), adminOnly())
    await refused('reject', client.post(`/api/v1/groups/${g}/requests/${f.people.pending.user.id}/reject`), adminOnly())
    if (!invited) {
      await refused('accept', client.post(`/api/v1/groups/${g}/invitations/accept`), signedIn ? [404] : [401])
      await refused('decline', client.post(`/api/v1/groups/${g}/invitations/decline`), signedIn ? [404] : [401])
      // Last, as it may change their state: asking again gets a request at most, never access.
      const join = await call('join', client.post(`/api/v1/groups/${g}/join`))
      if (!signedIn) expect(join.status).to.equal(401)
      else if (hidden) expect(join.status, join.text).to.equal(404)
      else {
        expect(join.status, join.text).to.equal(202)
        expect(join.body).to.deep.equal({ status: 'pending' })
        await refused('GET blog after asking again', client.get(`/api/v1/blogs/${post.id}`), [404])
        if (persona !== 'pending') {
          const withdrawn = await client.delete(`/api/v1/groups/${g}/members/${f.people[persona as Exclude<Persona, 'anonymous'>].user.id}`)
          expect(withdrawn.status, withdrawn.text).to.equal(204)
        }
      }
    }

    // Nothing of it in any answer (an invited person's card of a hidden group excepted).
    for (const { what, res, card } of seen) {
      const text = res.text ?? ''
      for (const secret of secrets) {
        if (card && invited && (secret === g || secret === f.nameWord)) continue
        expect(text.includes(secret), `${what} (${res.status}) shows "${secret}": ${text.slice(0, 300)}`).to.equal(false)
      }
    }
  }
})
