// /api/v1/blogs (API.md "Access" and "Content items"): create, read, update, delete; validation;
// default access; private items; drafts; tags.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { createPost, expectInvalid, expectProblem, ids, isoPattern, listAll, privateAccess, publicAccess, uuidPattern } from './helpers.js'

describe('blog: posts', () => {
  let tk: TestKernel
  let admin: SignedUp
  let alice: SignedUp
  let bob: SignedUp
  let carol: SignedUp
  let anonymous: TestClient

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [blogPlugin, commentsPlugin] })
    // The first account is the root site's administrator; the others are ordinary accounts.
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    carol = await tk.signUp({ name: 'Carol' })
    anonymous = tk.client()
  })
  after(() => tk?.close())

  describe('create', () => {
    it('answers 201 with every item field, the blog fields and the owner as a writer', async () => {
      const before = Date.now()
      const res = await alice.client.post('/api/v1/blogs', {
        title: '  Hello world  ',
        body: '<p>First <strong>post</strong> on the blog.</p>',
        tags: ['News'],
        access: { read: ['public'] },
      })
      expect(res.status, res.text).to.equal(201)
      expect(String(res.headers['content-type'])).to.match(/^application\/json/)
      const post = res.body
      expect(post.id).to.match(uuidPattern)
      expect(post.type).to.equal('blog')
      expect(post.title).to.equal('Hello world')
      expect(post.owner).to.include({ id: alice.user.id, name: 'Alice' })
      expect(post.containerId).to.equal(null)
      expect(post.access.read).to.deep.equal(['public'])
      expect(post.access.write).to.deep.equal([`user:${alice.user.id}`])
      expect(post.createdAt).to.match(isoPattern)
      expect(post.updatedAt).to.match(isoPattern)
      expect(Date.parse(post.createdAt)).to.be.within(before - 5000, Date.now() + 5000)
      expect(post.url).to.equal(`/blogs/${post.id}`)
      expect(post.body).to.equal('<p>First <strong>post</strong> on the blog.</p>')
      expect(post.excerpt).to.equal('First post on the blog.')
      expect(post.tags).to.deep.equal(['news'])
      expect(post.status).to.equal('published')
      expect(post.commentCount).to.equal(0)
    })

    it('shows the owner to others as { id, name } only, without the e-mail address', async () => {
      const post = await createPost(alice.client, { access: publicAccess(alice.user.id) })
      const seen = await bob.client.get(`/api/v1/blogs/${post.id}`)
      expect(seen.status, seen.text).to.equal(200)
      expect(seen.body.owner).to.deep.equal({ id: alice.user.id, name: 'Alice' })
      const anon = await anonymous.get(`/api/v1/blogs/${post.id}`)
      expect(anon.body.owner).to.deep.equal({ id: alice.user.id, name: 'Alice' })
    })

    it('keeps the owner a writer when the author leaves themself out of the write list', async () => {
      const post = await createPost(alice.client, { access: { read: ['logged_in'], write: [`user:${carol.user.id}`] } })
      expect(post.access.write).to.have.members([`user:${alice.user.id}`, `user:${carol.user.id}`])
    })

    it('uses a given excerpt, else makes one from the body text', async () => {
      const given = await createPost(alice.client, { body: '<p>Long body</p>', excerpt: 'Short summary' })
      expect(given.excerpt).to.equal('Short summary')
      const long = await createPost(alice.client, { body: `<p>${'word '.repeat(200)}</p>` })
      expect(long.excerpt.length).to.be.at.most(300)
      expect(long.excerpt).to.match(/^word word .*…$/)
    })

    it('answers 401 to an anonymous visitor, and stores nothing', async () => {
      const res = await anonymous.post('/api/v1/blogs', { title: 'Sneaky', body: '<p>x</p>', access: { read: ['public'] } })
      expectProblem(res, 401)
      const all = await listAll(admin.client, '/api/v1/blogs')
      expect(all.map(p => p.title)).to.not.include('Sneaky')
    })

    it('answers 400 naming /title when the title is missing, in the ADR errors[] form', async () => {
      const res = await alice.client.post('/api/v1/blogs', { body: '<p>x</p>' })
      const errors = expectInvalid(res, [['body', '/title']])
      expect(errors.find(e => e.location.pointer === '/title').code).to.equal('required')
    })

    it('answers 400 naming an unknown field', async () => {
      const res = await alice.client.post('/api/v1/blogs', { title: 'x', body: 'y', color: 'red' })
      expectInvalid(res, [['body', '/color']])
    })

    it('answers 400 naming /title when the title is longer than 300 characters (and accepts 300)', async () => {
      expectInvalid(await alice.client.post('/api/v1/blogs', { title: 'x'.repeat(301), body: 'y' }), [['body', '/title']])
      const ok = await alice.client.post('/api/v1/blogs', { title: 'x'.repeat(300), body: 'y' })
      expect(ok.status, ok.text).to.equal(201)
    })

    it('answers 400 for a blank title', async () => {
      expectInvalid(await alice.client.post('/api/v1/blogs', { title: '   ', body: 'y' }), [['body', '/title']])
      expectInvalid(await alice.client.post('/api/v1/blogs', { title: '', body: 'y' }), [['body', '/title']])
    })

    it('answers 400 naming the access token that is not of the form public|logged_in|user:<uuid>|group:<uuid>|site:<uuid>', async () => {
      for (const token of ['everyone', 'user:', 'user:42', 'group:not-a-uuid', 'Public', ' public', 'user:' + alice.user.id + 'x']) {
        const res = await alice.client.post('/api/v1/blogs', { title: 'x', body: 'y', access: { read: [token] } })
        expectInvalid(res, [['body', '/access/read/0']])
      }
      expectInvalid(await alice.client.post('/api/v1/blogs', { title: 'x', body: 'y', access: { read: ['public'], write: ['bogus'] } }), [
        ['body', '/access/write/0'],
      ])
      expectInvalid(await alice.client.post('/api/v1/blogs', { title: 'x', body: 'y', access: { read: ['public'], owner: ['x'] } }), [
        ['body', '/access/owner'],
      ])
    })

    it('lists every problem of a request at once', async () => {
      const res = await alice.client.post('/api/v1/blogs', { title: 'x'.repeat(301), color: 'red', access: { read: ['nobody'] } })
      expectInvalid(res, [
        ['body', '/title'],
        ['body', '/body'],
        ['body', '/color'],
        ['body', '/access/read/0'],
      ])
    })

    it('answers 400 for malformed JSON and wrong types', async () => {
      const malformed = await alice.client.post('/api/v1/blogs', undefined, { raw: '{"title": "x", ', headers: { 'content-type': 'application/json' } })
      expectProblem(malformed, 400)
      expectInvalid(await alice.client.post('/api/v1/blogs', { title: 5, body: ['y'] }), [
        ['body', '/title'],
        ['body', '/body'],
      ])
      expectInvalid(await alice.client.post('/api/v1/blogs', { title: 'x', body: 'y', status: 'archived' }), [['body', '/status']])
    })

    it('answers 403 when granting write access to the public', async () => {
      const res = await alice.client.post('/api/v1/blogs', { title: 'x', body: 'y', access: { read: ['public'], write: ['public'] } })
      expectProblem(res, 403)
    })

    it('answers 403 when granting a group or site token the author does not hold', async () => {
      const group = `group:${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`
      expectProblem(await alice.client.post('/api/v1/blogs', { title: 'x', body: 'y', access: { read: [group] } }), 403)
      const site = `site:${'1'.repeat(8)}-1111-4111-8111-${'1'.repeat(12)}`
      expectProblem(await alice.client.post('/api/v1/blogs', { title: 'x', body: 'y', access: { read: [site] } }), 403)
    })
  })

  describe('default access', () => {
    let post: any

    before(async () => {
      post = await createPost(alice.client, { title: 'Default access' })
    })

    it("gives a post without access the site's default read list (logged_in) and the owner as writer", () => {
      expect(post.access).to.deep.equal({ read: ['logged_in'], write: [`user:${alice.user.id}`] })
    })

    it('hides it from anonymous visitors: 404 on fetch, absent from the list', async () => {
      expectProblem(await anonymous.get(`/api/v1/blogs/${post.id}`), 404)
      expect(ids(await listAll(anonymous, '/api/v1/blogs'))).to.not.include(post.id)
    })

    it('shows it to any signed-in account', async () => {
      const res = await bob.client.get(`/api/v1/blogs/${post.id}`)
      expect(res.status, res.text).to.equal(200)
      expect(res.body.title).to.equal('Default access')
      expect(ids(await listAll(bob.client, '/api/v1/blogs'))).to.include(post.id)
    })
  })

  describe('read', () => {
    it('answers one post by id with the same fields as at create', async () => {
      const post = await createPost(alice.client, { access: publicAccess(alice.user.id), tags: ['a'] })
      const res = await anonymous.get(`/api/v1/blogs/${post.id}`)
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.deep.equal({ ...post, owner: { id: alice.user.id, name: 'Alice' } })
    })

    it('answers 404 for an id that does not exist, and 400 for one that is not a UUID', async () => {
      expectProblem(await bob.client.get('/api/v1/blogs/00000000-0000-4000-8000-000000000000'), 404)
      expectInvalid(await bob.client.get('/api/v1/blogs/not-a-uuid'), [['path', 'id']])
    })

    it('lists posts newest first with { items, nextCursor } and pages without repeats', async () => {
      const mine: string[] = []
      for (let i = 0; i < 5; i++) mine.push((await createPost(carol.client, { title: `Paged ${i}` })).id)
      const first = await carol.client.get(`/api/v1/blogs?ownerId=${carol.user.id}&limit=2`)
      expect(first.status, first.text).to.equal(200)
      expect(first.body).to.have.all.keys('items', 'nextCursor')
      expect(first.body.items).to.have.length(2)
      expect(first.body.nextCursor).to.be.a('string')
      const all = await listAll(carol.client, `/api/v1/blogs?ownerId=${carol.user.id}`, 2)
      expect(ids(all)).to.deep.equal([...mine].reverse())
    })

    it('answers 400 for a limit outside 1..100 and for an unparseable cursor', async () => {
      for (const limit of ['0', '101', 'abc', '-1']) expectInvalid(await bob.client.get(`/api/v1/blogs?limit=${limit}`), [['query', 'limit']])
      expectInvalid(await bob.client.get('/api/v1/blogs?cursor=nonsense!'), [['query', 'cursor']])
      expectInvalid(await bob.client.get(`/api/v1/blogs?cursor=${Buffer.from('hello').toString('base64url')}`), [['query', 'cursor']])
    })
  })

  describe('update and delete: who may', () => {
    let dave: SignedUp
    let shared: any
    let hidden: any

    before(async () => {
      dave = await tk.signUp({ name: 'Dave' })
      // Everyone signed in reads it; Carol may write it.
      shared = await createPost(alice.client, { title: 'Shared', access: { read: ['logged_in'], write: [`user:${carol.user.id}`] } })
      // Only Alice reads it.
      hidden = await createPost(alice.client, { title: 'Hidden', access: privateAccess(alice.user.id) })
    })

    it('lets the owner change title, body, tags and access (200 with the new post)', async () => {
      const res = await alice.client.patch(`/api/v1/blogs/${shared.id}`, { title: 'Shared v2', body: '<p>New body</p>', tags: ['X'] })
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.include({ id: shared.id, title: 'Shared v2', body: '<p>New body</p>', excerpt: 'New body' })
      expect(res.body.tags).to.deep.equal(['x'])
      expect(Date.parse(res.body.updatedAt)).to.be.at.least(Date.parse(shared.updatedAt))
      expect(res.body.createdAt).to.equal(shared.createdAt)
      const again = await bob.client.get(`/api/v1/blogs/${shared.id}`)
      expect(again.body.title).to.equal('Shared v2')
    })

    it('lets a holder of a write token (user:<id> in write) change it', async () => {
      const res = await carol.client.patch(`/api/v1/blogs/${shared.id}`, { title: 'Edited by Carol' })
      expect(res.status, res.text).to.equal(200)
      expect(res.body.title).to.equal('Edited by Carol')
      expect(res.body.owner.id).to.equal(alice.user.id)
    })

    it('lets a site administrator change a post that is not theirs, even one they are not named on', async () => {
      const res = await admin.client.patch(`/api/v1/blogs/${hidden.id}`, { title: 'Hidden, by admin' })
      expect(res.status, res.text).to.equal(200)
      expect(res.body.title).to.equal('Hidden, by admin')
    })

    it('answers 403 to a reader who is not a writer, and changes nothing', async () => {
      expectProblem(await bob.client.patch(`/api/v1/blogs/${shared.id}`, { title: 'Bob was here' }), 403)
      const now = await alice.client.get(`/api/v1/blogs/${shared.id}`)
      expect(now.body.title).to.not.equal('Bob was here')
    })

    it('answers 404 (not 403) to someone who cannot even read it', async () => {
      expectProblem(await dave.client.patch(`/api/v1/blogs/${hidden.id}`, { title: 'x' }), 404)
      expectProblem(await dave.client.delete(`/api/v1/blogs/${hidden.id}`), 404)
      // The answer is the same as for an id that does not exist.
      const missing = await dave.client.patch('/api/v1/blogs/00000000-0000-4000-8000-000000000000', { title: 'x' })
      expectProblem(missing, 404)
    })

    it('answers 401 to an anonymous visitor', async () => {
      const open = await createPost(alice.client, { access: publicAccess(alice.user.id) })
      expectProblem(await anonymous.patch(`/api/v1/blogs/${open.id}`, { title: 'x' }), 401)
      expectProblem(await anonymous.delete(`/api/v1/blogs/${open.id}`), 401)
      expectProblem(await anonymous.patch(`/api/v1/blogs/${shared.id}`, { title: 'x' }), 401)
      expectProblem(await anonymous.delete(`/api/v1/blogs/${shared.id}`), 401)
    })

    it('validates a change: 400 for an empty change, an unknown field, a too-long title, a bad token', async () => {
      expectProblem(await alice.client.patch(`/api/v1/blogs/${shared.id}`, {}), 400)
      expectInvalid(await alice.client.patch(`/api/v1/blogs/${shared.id}`, { owner: 'me' }), [['body', '/owner']])
      expectInvalid(await alice.client.patch(`/api/v1/blogs/${shared.id}`, { title: 'x'.repeat(301) }), [['body', '/title']])
      expectInvalid(await alice.client.patch(`/api/v1/blogs/${shared.id}`, { access: { read: ['all'] } }), [['body', '/access/read/0']])
      expectInvalid(await alice.client.patch(`/api/v1/blogs/${shared.id}`, { containerId: shared.id }), [['body', '/containerId']])
    })

    it('keeps the owner a writer when a change of access leaves them out', async () => {
      const res = await alice.client.patch(`/api/v1/blogs/${shared.id}`, { access: { read: ['logged_in'], write: [`user:${carol.user.id}`, `user:${dave.user.id}`] } })
      expect(res.status, res.text).to.equal(200)
      expect(res.body.access.write).to.have.members([`user:${alice.user.id}`, `user:${carol.user.id}`, `user:${dave.user.id}`])
      const byCarol = await carol.client.patch(`/api/v1/blogs/${shared.id}`, { access: { write: [] } })
      expect(byCarol.status, byCarol.text).to.equal(200)
      expect(byCarol.body.access.write).to.deep.equal([`user:${alice.user.id}`])
      expect((await alice.client.patch(`/api/v1/blogs/${shared.id}`, { title: 'Still mine' })).status).to.equal(200)
      expectProblem(await carol.client.patch(`/api/v1/blogs/${shared.id}`, { title: 'No longer Carol' }), 403)
    })

    it('lets the owner, a writer and an administrator delete (204), after which it answers 404', async () => {
      const a = await createPost(alice.client, { access: { read: ['logged_in'], write: [`user:${carol.user.id}`] } })
      const b = await createPost(alice.client, { access: { read: ['logged_in'], write: [`user:${carol.user.id}`] } })
      const c = await createPost(alice.client, { access: privateAccess(alice.user.id) })
      expectProblem(await bob.client.delete(`/api/v1/blogs/${a.id}`), 403)
      expect((await alice.client.delete(`/api/v1/blogs/${a.id}`)).status).to.equal(204)
      expect((await carol.client.delete(`/api/v1/blogs/${b.id}`)).status).to.equal(204)
      expect((await admin.client.delete(`/api/v1/blogs/${c.id}`)).status).to.equal(204)
      for (const p of [a, b, c]) {
        expectProblem(await alice.client.get(`/api/v1/blogs/${p.id}`), 404)
        expectProblem(await admin.client.get(`/api/v1/blogs/${p.id}`), 404)
        expectProblem(await alice.client.delete(`/api/v1/blogs/${p.id}`), 404)
      }
      expect(ids(await listAll(admin.client, '/api/v1/blogs'))).to.not.include.members([a.id, b.id, c.id])
    })

    it("deletes a post's comments with it", async () => {
      const post = await createPost(alice.client, { access: publicAccess(alice.user.id) })
      const comment = await bob.client.post(`/api/v1/entities/${post.id}/comments`, { body: 'Nice' })
      expect(comment.status, comment.text).to.equal(201)
      const reply = await alice.client.post(`/api/v1/entities/${post.id}/comments`, { body: 'Thanks', parentId: comment.body.id })
      expect(reply.status, reply.text).to.equal(201)
      expect((await alice.client.delete(`/api/v1/blogs/${post.id}`)).status).to.equal(204)
      expectProblem(await admin.client.get(`/api/v1/entities/${post.id}/comments`), 404)
      // The comments themselves are gone, not just unreachable through the post.
      expectProblem(await admin.client.patch(`/api/v1/comments/${comment.body.id}`, { body: 'x' }), 404)
      expectProblem(await bob.client.delete(`/api/v1/comments/${comment.body.id}`), 404)
      expectProblem(await alice.client.delete(`/api/v1/comments/${reply.body.id}`), 404)
      const rows = await tk.kernel.db.query('SELECT count(*)::int AS n FROM comments_comment WHERE entity_id = $1', [post.id])
      expect(rows[0].n).to.equal(0)
    })
  })

  describe('a private item', () => {
    let secret: any
    let open: any

    before(async () => {
      secret = await createPost(alice.client, { title: 'Private thoughts', access: privateAccess(alice.user.id) })
      open = await createPost(alice.client, { title: 'Open thoughts', access: publicAccess(alice.user.id) })
    })

    it('is shown to its owner and to a site administrator', async () => {
      expect((await alice.client.get(`/api/v1/blogs/${secret.id}`)).status).to.equal(200)
      expect((await admin.client.get(`/api/v1/blogs/${secret.id}`)).status).to.equal(200)
      expect(ids(await listAll(alice.client, '/api/v1/blogs'))).to.include(secret.id)
      expect(ids(await listAll(admin.client, '/api/v1/blogs'))).to.include(secret.id)
    })

    it('answers 404 on direct fetch for everyone else, exactly like an id that does not exist', async () => {
      for (const client of [bob.client, carol.client, anonymous]) {
        const hiddenRes = expectProblem(await client.get(`/api/v1/blogs/${secret.id}`), 404)
        const missingRes = expectProblem(await client.get('/api/v1/blogs/00000000-0000-4000-8000-000000000000'), 404)
        expect(hiddenRes.title).to.equal(missingRes.title)
        expect(hiddenRes.detail).to.equal(missingRes.detail)
        expect(hiddenRes.code).to.equal(missingRes.code)
      }
    })

    it('is absent from /api/v1/blogs and /api/v1/activity for everyone else', async () => {
      for (const client of [bob.client, carol.client, anonymous]) {
        const blogs = ids(await listAll(client, '/api/v1/blogs'))
        expect(blogs).to.not.include(secret.id)
        expect(blogs).to.include(open.id)
        const activity = ids(await listAll(client, '/api/v1/activity'))
        expect(activity).to.not.include(secret.id)
        expect(activity).to.include(open.id)
      }
      expect(ids(await listAll(alice.client, '/api/v1/activity'))).to.include(secret.id)
    })

    it('is absent from the Atom feed', async () => {
      const res = await anonymous.get('/blogs/feed.xml')
      expect(res.status).to.equal(200)
      expect(res.text).to.include(open.id)
      expect(res.text).to.not.include(secret.id)
      expect(res.text).to.not.include('Private thoughts')
    })

    it('answers 404 for its comments, to read and to post', async () => {
      expectProblem(await bob.client.get(`/api/v1/entities/${secret.id}/comments`), 404)
      expectProblem(await bob.client.post(`/api/v1/entities/${secret.id}/comments`, { body: 'Peek' }), 404)
      expectProblem(await anonymous.get(`/api/v1/entities/${secret.id}/comments`), 404)
      expect((await alice.client.get(`/api/v1/entities/${secret.id}/comments`)).status).to.equal(200)
    })

    it('becomes visible to others when its owner opens it, and hidden again when closed', async () => {
      const opened = await alice.client.patch(`/api/v1/blogs/${secret.id}`, { access: { read: ['logged_in'] } })
      expect(opened.status, opened.text).to.equal(200)
      expect((await bob.client.get(`/api/v1/blogs/${secret.id}`)).status).to.equal(200)
      expect(ids(await listAll(bob.client, '/api/v1/blogs'))).to.include(secret.id)
      expectProblem(await anonymous.get(`/api/v1/blogs/${secret.id}`), 404)
      const closed = await alice.client.patch(`/api/v1/blogs/${secret.id}`, { access: { read: [`user:${alice.user.id}`] } })
      expect(closed.status, closed.text).to.equal(200)
      expectProblem(await bob.client.get(`/api/v1/blogs/${secret.id}`), 404)
      expect(ids(await listAll(bob.client, '/api/v1/blogs'))).to.not.include(secret.id)
    })

    it('is readable by someone named on its read list, and only by them', async () => {
      const named = await createPost(alice.client, { access: { read: [`user:${bob.user.id}`] } })
      expect((await bob.client.get(`/api/v1/blogs/${named.id}`)).status).to.equal(200)
      expect(ids(await listAll(bob.client, '/api/v1/blogs'))).to.include(named.id)
      expectProblem(await carol.client.get(`/api/v1/blogs/${named.id}`), 404)
      expect(ids(await listAll(carol.client, '/api/v1/blogs'))).to.not.include(named.id)
    })

    it('is readable by someone only on its write list (writers can always read)', async () => {
      const post = await createPost(alice.client, { access: { read: [`user:${alice.user.id}`], write: [`user:${carol.user.id}`] } })
      expect((await carol.client.get(`/api/v1/blogs/${post.id}`)).status).to.equal(200)
      expect(ids(await listAll(carol.client, '/api/v1/blogs'))).to.include(post.id)
      expect(ids(await listAll(carol.client, '/api/v1/activity'))).to.include(post.id)
      expectProblem(await bob.client.get(`/api/v1/blogs/${post.id}`), 404)
    })
  })

  describe('drafts', () => {
    let draft: any

    before(async () => {
      draft = await createPost(alice.client, {
        title: 'Work in progress',
        status: 'draft',
        access: { read: ['public'], write: [`user:${carol.user.id}`] },
      })
    })

    it('are created with status draft', () => {
      expect(draft.status).to.equal('draft')
    })

    it('are shown to their writers and administrators: fetch, list and activity', async () => {
      for (const client of [alice.client, carol.client, admin.client]) {
        expect((await client.get(`/api/v1/blogs/${draft.id}`)).status).to.equal(200)
        expect(ids(await listAll(client, '/api/v1/blogs'))).to.include(draft.id)
        expect(ids(await listAll(client, '/api/v1/activity'))).to.include(draft.id)
      }
    })

    it('are hidden from readers who are not writers, even when the read list says public', async () => {
      for (const client of [bob.client, anonymous]) {
        expectProblem(await client.get(`/api/v1/blogs/${draft.id}`), 404)
        expect(ids(await listAll(client, '/api/v1/blogs'))).to.not.include(draft.id)
        expect(ids(await listAll(client, '/api/v1/activity'))).to.not.include(draft.id)
        expectProblem(await client.get(`/api/v1/entities/${draft.id}/comments`), 404)
      }
      expectProblem(await bob.client.post(`/api/v1/entities/${draft.id}/comments`, { body: 'Early!' }), 404)
      expectProblem(await bob.client.patch(`/api/v1/blogs/${draft.id}`, { title: 'x' }), 404)
    })

    it('are never in the feed', async () => {
      const res = await anonymous.get('/blogs/feed.xml')
      expect(res.text).to.not.include(draft.id)
      expect(res.text).to.not.include('Work in progress')
    })

    it('become visible to readers when published through PATCH, and hidden again when set back to draft', async () => {
      const published = await carol.client.patch(`/api/v1/blogs/${draft.id}`, { status: 'published' })
      expect(published.status, published.text).to.equal(200)
      expect(published.body.status).to.equal('published')
      for (const client of [bob.client, anonymous]) {
        expect((await client.get(`/api/v1/blogs/${draft.id}`)).status).to.equal(200)
        expect(ids(await listAll(client, '/api/v1/blogs'))).to.include(draft.id)
        expect(ids(await listAll(client, '/api/v1/activity'))).to.include(draft.id)
      }
      expect((await anonymous.get('/blogs/feed.xml')).text).to.include(draft.id)

      const back = await alice.client.patch(`/api/v1/blogs/${draft.id}`, { status: 'draft' })
      expect(back.status, back.text).to.equal(200)
      expect(back.body.status).to.equal('draft')
      expectProblem(await bob.client.get(`/api/v1/blogs/${draft.id}`), 404)
      expect(ids(await listAll(anonymous, '/api/v1/blogs'))).to.not.include(draft.id)
      expect((await anonymous.get('/blogs/feed.xml')).text).to.not.include(draft.id)
    })

    it('keep their status when other fields change', async () => {
      const post = await createPost(alice.client, { status: 'draft', access: publicAccess(alice.user.id) })
      const res = await alice.client.patch(`/api/v1/blogs/${post.id}`, { title: 'Still a draft' })
      expect(res.body.status).to.equal('draft')
      expectProblem(await bob.client.get(`/api/v1/blogs/${post.id}`), 404)
    })
  })

  describe('tags', () => {
    let tagged: any

    before(async () => {
      tagged = await createPost(alice.client, { title: 'Tagged', tags: [' Open Data ', 'open data', 'OPEN DATA', 'Gemeente', 'gemeente '] })
      await createPost(alice.client, { title: 'Other tag', tags: ['Provincie'] })
    })

    it('are trimmed, lower-cased and unique, in the order first given', () => {
      expect(tagged.tags).to.deep.equal(['open data', 'gemeente'])
    })

    it('are normalized on update too', async () => {
      const post = await createPost(alice.client, { tags: ['a'] })
      const res = await alice.client.patch(`/api/v1/blogs/${post.id}`, { tags: ['  B', 'b', 'C  '] })
      expect(res.body.tags).to.deep.equal(['b', 'c'])
      const untouched = await alice.client.patch(`/api/v1/blogs/${post.id}`, { title: 'Retitled' })
      expect(untouched.body.tags).to.deep.equal(['b', 'c'])
    })

    it('filter the list with ?tag=, whatever the case and spacing of the filter', async () => {
      for (const tag of ['gemeente', 'Gemeente', ' GEMEENTE ']) {
        const list = await listAll(bob.client, `/api/v1/blogs?tag=${encodeURIComponent(tag)}`)
        expect(ids(list), tag).to.deep.equal([tagged.id])
      }
      const spaced = await listAll(bob.client, `/api/v1/blogs?tag=${encodeURIComponent('Open Data')}`)
      expect(ids(spaced)).to.deep.equal([tagged.id])
      expect(await listAll(bob.client, '/api/v1/blogs?tag=nothing-tagged-so')).to.deep.equal([])
    })

    it('filter without revealing posts the viewer may not read', async () => {
      await createPost(alice.client, { title: 'Secret gemeente', tags: ['gemeente'], access: privateAccess(alice.user.id) })
      expect(ids(await listAll(bob.client, '/api/v1/blogs?tag=gemeente'))).to.deep.equal([tagged.id])
      expect((await listAll(alice.client, '/api/v1/blogs?tag=gemeente')).map(p => p.title)).to.deep.equal(['Secret gemeente', 'Tagged'])
    })

    it('answer 400 when more than 20, or longer than 50 characters', async () => {
      expectInvalid(await alice.client.post('/api/v1/blogs', { title: 'x', body: 'y', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }), [['body', '/tags']])
      expectInvalid(await alice.client.post('/api/v1/blogs', { title: 'x', body: 'y', tags: ['t'.repeat(51)] }), [['body', '/tags/0']])
    })
  })
})
