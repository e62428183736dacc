// In-app notifications (API.md "Search and notifications", issue 10): following items, groups and people;
// the list with its unread count; marking read; authors following their own items; comments and @mentions;
// and never a notification about something the recipient cannot read.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { mentions, notificationsPlugin } from '@plein/plugin-notifications'
import { aboutItem, comment, createGroup, createPost, expectProblem, follow, isoPattern, mention, notificationsOf, uuidPattern } from './helpers.js'

describe('notifications', () => {
  let tk: TestKernel
  let alice: SignedUp
  let anonymous: TestClient
  /** Runs the queued fan-out (and mail) jobs now. */
  const settle = () => tk.kernel.jobs.drain()
  const person = (name: string) => tk.signUp({ name })
  /** Rows in the database, whatever the list shows: "no notification" means none was made at all. */
  const stored = async (accountId: string, entityId: string) =>
    (await tk.kernel.db.query('SELECT kind FROM notifications_notification WHERE account_id = $1 AND entity_id = $2', [accountId, entityId])).map((r: any) => r.kind)

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [notificationsPlugin, blogPlugin, commentsPlugin, groupsPlugin] })
    await tk.signUp({ name: 'Root admin' }) // the first account administers the site: not a typical reader
    alice = await person('Alice')
    anonymous = tk.client()
  })
  after(() => tk?.close())

  describe('signed out', () => {
    it('answers 401 to anonymous visitors on every notifications endpoint', async () => {
      const p = await createPost(alice)
      expectProblem(await anonymous.get('/api/v1/notifications'), 401)
      expectProblem(await anonymous.post('/api/v1/notifications/read', {}), 401)
      expectProblem(await anonymous.post(`/api/v1/entities/${p.id}/follow`), 401)
      expectProblem(await anonymous.delete(`/api/v1/entities/${p.id}/follow`), 401)
      expectProblem(await anonymous.get('/api/v1/notifications/preferences'), 401)
    })
  })

  describe('following', () => {
    it('follows and unfollows an item, a group and a person (204)', async () => {
      const bob = await person('Bob')
      const p = await createPost(alice)
      const g = await createGroup(alice, { name: 'Fietsers' })
      for (const id of [p.id, g.id, alice.user.id]) {
        const on = await bob.client.post(`/api/v1/entities/${id}/follow`)
        expect(on.status, on.text).to.equal(204)
        expect((await bob.client.post(`/api/v1/entities/${id}/follow`)).status, 'again: still 204').to.equal(204)
        const off = await bob.client.delete(`/api/v1/entities/${id}/follow`)
        expect(off.status, off.text).to.equal(204)
      }
      const rows = await tk.kernel.db.query('SELECT target_id FROM notifications_follow WHERE account_id = $1', [bob.user.id])
      expect(rows).to.deep.equal([])
    })

    it('answers 404 when following what one cannot read: a private item, a hidden group, an unknown id', async () => {
      const bob = await person('Bob')
      const secret = await createPost(alice, { access: { read: [`user:${alice.user.id}`] } })
      const hidden = await createGroup(alice, { name: 'Geheim', hidden: true })
      expectProblem(await bob.client.post(`/api/v1/entities/${secret.id}/follow`), 404)
      expectProblem(await bob.client.post(`/api/v1/entities/${hidden.id}/follow`), 404)
      expectProblem(await bob.client.post('/api/v1/entities/00000000-0000-4000-8000-000000000000/follow'), 404)
      expectProblem(await bob.client.post('/api/v1/entities/not-a-uuid/follow'), 400)
      expect(await tk.kernel.db.query('SELECT 1 FROM notifications_follow WHERE account_id = $1', [bob.user.id])).to.deep.equal([])
    })

    it("a person's followers hear of their new posts: kind, item, actor, createdAt, read, and the unread count", async () => {
      const bob = await person('Bob')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(bob, alice.user.id)
      const before = await notificationsOf(bob.client)
      const p = await createPost(alice, { title: 'Nieuwe fietsroute' })
      await settle()
      const after = await notificationsOf(bob.client)
      expect(after.unread).to.equal(before.unread + 1)
      const n = after.items[0]
      expect(n.id).to.match(uuidPattern)
      expect(n.kind).to.equal('item.created')
      expect(n.item).to.include({ id: p.id, type: 'blog', title: 'Nieuwe fietsroute', url: `/blogs/${p.id}` })
      expect(n.actor).to.deep.equal({ id: alice.user.id, name: 'Alice' })
      expect(n.createdAt).to.match(isoPattern)
      expect(n.read).to.equal(false)
    })

    it("a group's followers hear of new content in it", async () => {
      const bob = await person('Bob')
      const g = await createGroup(alice, { name: 'Wandelaars' })
      expect((await bob.client.post(`/api/v1/groups/${g.id}/join`)).status).to.equal(200)
      await follow(bob, g.id)
      const p = await createPost(alice, { title: 'Wandeling zondag', containerId: g.id, access: undefined })
      await settle()
      expect(await aboutItem(bob.client, p.id)).to.deep.equal([['item.created', alice.user.id]])
    })

    it('unfollowing stops them', async () => {
      const bob = await person('Bob')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(bob, alice.user.id)
      expect((await bob.client.delete(`/api/v1/entities/${alice.user.id}/follow`)).status).to.equal(204)
      const p = await createPost(alice)
      await settle()
      expect(await stored(bob.user.id, p.id)).to.deep.equal([])
    })
  })

  describe('comments and authors', () => {
    it('authors follow their own items: a comment notifies the author, and from then on the commenter too', async () => {
      const bob = await person('Bob')
      const carol = await person('Carol')
      const p = await createPost(alice, { title: 'Over de markt' })
      const follows = await tk.kernel.db.query('SELECT 1 FROM notifications_follow WHERE account_id = $1 AND target_id = $2', [alice.user.id, p.id])
      expect(follows, 'the author follows the new item').to.have.length(1)
      await comment(bob, p.id, 'Goed idee!')
      await settle()
      expect(await aboutItem(alice.client, p.id)).to.deep.equal([['item.commented', bob.user.id]])
      expect(await stored(bob.user.id, p.id), 'the commenter is not told of their own comment').to.deep.equal([])

      await comment(carol, p.id, 'Mee eens.')
      await settle()
      expect(await aboutItem(alice.client, p.id)).to.deep.equal([
        ['item.commented', carol.user.id],
        ['item.commented', bob.user.id],
      ])
      expect(await aboutItem(bob.client, p.id)).to.deep.equal([['item.commented', carol.user.id]])
      expect(await stored(carol.user.id, p.id)).to.deep.equal([])
    })

    it('the author of a post is not notified of their own new post', async () => {
      const p = await createPost(alice)
      await settle()
      expect(await stored(alice.user.id, p.id)).to.deep.equal([])
    })
  })

  describe('mentions', () => {
    it('finds @[Name](<account id>) mentions, each once, and ignores malformed ones', () => {
      const a = '0b5e7c1e-52c4-4a8c-9f3e-1d2f3a4b5c6d'
      const b = '1c6f8d2f-63d5-4b9d-8a4f-2e3a4b5c6d7e'
      expect(mentions(`Hoi @[Anna](${a}) en @[Bram de Vries](${b}), en nog eens @[Anna](${a}).`)).to.deep.equal([a, b])
      expect(mentions(`@Anna, @[Anna](not-an-id), @[](${a}), [Anna](${a}), @[Anna] (${a})`)).to.deep.equal([])
      expect(mentions(`<p>@[Anna](${a})</p>`)).to.deep.equal([a])
    })

    it('a mention in a blog post notifies the mentioned user who may read it', async () => {
      const bob = await person('Bob')
      const p = await createPost(alice, { title: 'Vergadering', body: `<p>${mention(bob)} kun jij notuleren?</p>` })
      await settle()
      expect(await aboutItem(bob.client, p.id)).to.deep.equal([['item.mentioned', alice.user.id]])
    })

    it('a mention in a post the mentioned user may not read notifies nobody', async () => {
      const bob = await person('Bob')
      const carol = await person('Carol')
      const p = await createPost(alice, { title: 'Voor Carol', body: `<p>${mention(bob)} en ${mention(carol)}</p>`, access: { read: [`user:${carol.user.id}`] } })
      await settle()
      expect(await aboutItem(carol.client, p.id)).to.deep.equal([['item.mentioned', alice.user.id]])
      expect(await stored(bob.user.id, p.id)).to.deep.equal([])
    })

    it('a mention in a comment notifies the mentioned user who may read the item, and only them', async () => {
      const bob = await person('Bob')
      const carol = await person('Carol')
      const dave = await person('Dave')
      const shared = await createPost(alice, { title: 'Gedeeld', access: { read: [`user:${bob.user.id}`, `user:${carol.user.id}`] } })
      await settle()
      await comment(bob, shared.id, `Wat vind jij, ${mention(carol)}? En ${mention(dave)}?`)
      await settle()
      expect(await aboutItem(carol.client, shared.id)).to.deep.equal([['item.mentioned', bob.user.id]])
      expect(await stored(dave.user.id, shared.id), 'Dave may not read the post').to.deep.equal([])
      expect(await aboutItem(alice.client, shared.id)).to.deep.equal([['item.commented', bob.user.id]])
    })
  })

  describe('access', () => {
    it('creates no notification for a follower who may not read the new item', async () => {
      const bob = await person('Bob')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(bob, alice.user.id)
      const hidden = await createPost(alice, { access: { read: [`user:${alice.user.id}`] } })
      const draft = await createPost(alice, { status: 'draft' })
      const forBob = await createPost(alice, { access: { read: [`user:${bob.user.id}`] } })
      await settle()
      expect(await stored(bob.user.id, hidden.id)).to.deep.equal([])
      expect(await stored(bob.user.id, draft.id)).to.deep.equal([])
      expect(await stored(bob.user.id, forBob.id)).to.deep.equal(['item.created'])
    })

    it('creates none for a follower of a group who was removed from it, while members still hear', async () => {
      const bob = await person('Bob')
      const carol = await person('Carol')
      const g = await createGroup(alice, { name: 'Besloten', membership: 'closed' })
      for (const who of [bob, carol]) {
        expect((await who.client.post(`/api/v1/groups/${g.id}/join`)).status).to.equal(202)
        expect((await alice.client.post(`/api/v1/groups/${g.id}/requests/${who.user.id}/approve`)).status).to.equal(200)
        await follow(who, g.id)
      }
      expect((await alice.client.delete(`/api/v1/groups/${g.id}/members/${bob.user.id}`)).status).to.equal(204)
      const p = await createPost(alice, { containerId: g.id, access: undefined })
      await settle()
      expect(await stored(bob.user.id, p.id)).to.deep.equal([])
      expect(await stored(carol.user.id, p.id)).to.deep.equal(['item.created'])
    })

    it('leaves out of the list and the unread count what the recipient can no longer read', async () => {
      const bob = await person('Bob')
      const p = await createPost(alice, { access: { read: [`user:${bob.user.id}`] } })
      await comment(alice, p.id, 'eerste reactie')
      await settle()
      await follow(bob, p.id)
      await comment(alice, p.id, `nog een, ${mention(bob)}`)
      await settle()
      const before = await notificationsOf(bob.client)
      expect(before.items.filter(n => n.item?.id === p.id)).to.have.length(2)
      const patched = await alice.client.patch(`/api/v1/blogs/${p.id}`, { access: { read: [`user:${alice.user.id}`] } })
      expect(patched.status, patched.text).to.equal(200)
      const after = await notificationsOf(bob.client)
      expect(after.items.filter(n => n.item?.id === p.id)).to.deep.equal([])
      expect(after.unread).to.equal(before.unread - 2)
    })
  })

  describe('reading', () => {
    it('POST /api/v1/notifications/read marks the given ids read (204), then all without ids', async () => {
      const bob = await person('Bob')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(bob, alice.user.id)
      for (let i = 0; i < 3; i++) await createPost(alice, { title: `Bericht ${i}` })
      await settle()
      const start = await notificationsOf(bob.client)
      expect(start.unread).to.equal(3)
      const first = start.items[0].id
      const res = await bob.client.post('/api/v1/notifications/read', { ids: [first] })
      expect(res.status, res.text).to.equal(204)
      const one = await notificationsOf(bob.client)
      expect(one.unread).to.equal(2)
      expect(one.items.find(n => n.id === first).read).to.equal(true)
      expect(one.items.filter(n => !n.read)).to.have.length(2)

      const all = await bob.client.post('/api/v1/notifications/read', {})
      expect(all.status, all.text).to.equal(204)
      const done = await notificationsOf(bob.client)
      expect(done.unread).to.equal(0)
      expect(done.items.every(n => n.read)).to.equal(true)
    })

    it("cannot mark someone else's notifications read", async () => {
      const bob = await person('Bob')
      const carol = await person('Carol')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(bob, alice.user.id)
      await createPost(alice)
      await settle()
      const [n] = (await notificationsOf(bob.client)).items
      expect((await carol.client.post('/api/v1/notifications/read', { ids: [n.id] })).status).to.equal(204)
      expect((await carol.client.post('/api/v1/notifications/read', {})).status).to.equal(204)
      expect((await notificationsOf(bob.client)).unread).to.equal(1)
    })

    it('answers 400 for ids that are not ids', async () => {
      const bob = await person('Bob')
      expectProblem(await bob.client.post('/api/v1/notifications/read', { ids: ['nope'] }), 400)
      expectProblem(await bob.client.post('/api/v1/notifications/read', { ids: 'all' }), 400)
    })

    it('pages the list newest first with nextCursor', async () => {
      const bob = await person('Bob')
      await settle() // earlier posts' fan-out runs before this follow
      await follow(bob, alice.user.id)
      const made = []
      for (let i = 0; i < 5; i++) made.push((await createPost(alice, { title: `Pagina ${i}` })).id)
      await settle()
      const seen: any[] = []
      let cursor: string | null = null
      do {
        const res: any = await bob.client.get(`/api/v1/notifications?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        expect(res.status, res.text).to.equal(200)
        expect(res.body.items.length).to.be.at.most(2)
        expect(res.body.unread).to.equal(5)
        seen.push(...res.body.items)
        cursor = res.body.nextCursor
      } while (cursor)
      expect(seen.map(n => n.item.id).sort()).to.deep.equal([...made].sort())
      const times = seen.map(n => Date.parse(n.createdAt))
      expect(times).to.deep.equal([...times].sort((a, b) => b - a))
    })
  })
})
