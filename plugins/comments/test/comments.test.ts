// Comments on blog posts (API.md "Content items"): GET/POST /api/v1/entities/:id/comments, PATCH/DELETE /api/v1/comments/:id.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { expectInvalid, expectProblem, isoPattern, uuidPattern } from './helpers.js'

async function newPost(client: TestClient, access: { read?: string[]; write?: string[] } = { read: ['public'] }, more: Record<string, unknown> = {}) {
  const res = await client.post('/api/v1/blogs', { title: 'Post', body: '<p>Body</p>', access, ...more })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

async function comment(client: TestClient, itemId: string, body: string, parentId?: string) {
  const res = await client.post(`/api/v1/entities/${itemId}/comments`, parentId ? { body, parentId } : { body })
  expect(res.status, res.text).to.equal(201)
  return res.body
}

async function allComments(client: TestClient, itemId: string, limit = 100): Promise<any[]> {
  const out: any[] = []
  let cursor: string | null = null
  for (let i = 0; i < 100; i++) {
    const res: TestResponse = await client.get(`/api/v1/entities/${itemId}/comments?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    expect(res.status, res.text).to.equal(200)
    out.push(...res.body.items)
    cursor = res.body.nextCursor
    if (cursor === null) return out
  }
  throw new Error('the comment list never ended')
}

const commentCount = async (client: TestClient, postId: string) => {
  const res = await client.get(`/api/v1/blogs/${postId}`)
  expect(res.status, res.text).to.equal(200)
  return res.body.commentCount
}

describe('comments on blog posts', () => {
  let tk: TestKernel
  let admin: SignedUp
  let alice: SignedUp
  let bob: SignedUp
  let carol: SignedUp
  let anonymous: TestClient
  let post: any

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [blogPlugin, commentsPlugin] })
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    carol = await tk.signUp({ name: 'Carol' })
    anonymous = tk.client()
    post = await newPost(alice.client)
  })
  after(() => tk?.close())

  describe('posting', () => {
    it('answers 401 to an anonymous visitor, saying you must be logged in to post a comment, and stores nothing', async () => {
      const res = await anonymous.post(`/api/v1/entities/${post.id}/comments`, { body: 'Hello?' })
      const problem = expectProblem(res, 401)
      expect(problem.detail).to.match(/must be logged in to post a comment/i)
      expect(await allComments(admin.client, post.id)).to.deep.equal([])
    })

    it('answers 201 with the comment: id, entityId, parentId null, body, author, removed false and times', async () => {
      const res = await bob.client.post(`/api/v1/entities/${post.id}/comments`, { body: '<p>First!</p>' })
      expect(res.status, res.text).to.equal(201)
      const c = res.body
      expect(c.id).to.match(uuidPattern)
      expect(c).to.include({ entityId: post.id, parentId: null, body: '<p>First!</p>', removed: false })
      expect(c.author).to.include({ id: bob.user.id, name: 'Bob' })
      expect(c.createdAt).to.match(isoPattern)
      expect(c.updatedAt).to.match(isoPattern)
    })

    it('lets anyone who may read the item read its comments, anonymous visitors of a public post too; authors shown as { id, name }', async () => {
      const list = await anonymous.get(`/api/v1/entities/${post.id}/comments`)
      expect(list.status, list.text).to.equal(200)
      expect(list.body).to.have.all.keys('items', 'nextCursor')
      expect(list.body.items.map((c: any) => c.body)).to.include('<p>First!</p>')
      const mine = list.body.items.find((c: any) => c.body === '<p>First!</p>')
      expect(mine.author).to.deep.equal({ id: bob.user.id, name: 'Bob' })
    })

    it('lists comments oldest first and pages them without repeats', async () => {
      const item = await newPost(alice.client)
      const made: string[] = []
      for (let i = 0; i < 5; i++) made.push((await comment(i % 2 ? bob.client : carol.client, item.id, `c${i}`)).id)
      const first = await bob.client.get(`/api/v1/entities/${item.id}/comments?limit=2`)
      expect(first.body.items).to.have.length(2)
      expect(first.body.nextCursor).to.be.a('string')
      expect((await allComments(bob.client, item.id, 2)).map(c => c.id)).to.deep.equal(made)
      expectInvalid(await bob.client.get(`/api/v1/entities/${item.id}/comments?limit=0`), [['query', 'limit']])
      expectInvalid(await bob.client.get(`/api/v1/entities/${item.id}/comments?limit=101`), [['query', 'limit']])
      expectInvalid(await bob.client.get(`/api/v1/entities/${item.id}/comments?cursor=%%%`), [['query', 'cursor']])
    })

    it('answers 404 for an item that does not exist, and 400 for an id that is not a UUID', async () => {
      const missing = '00000000-0000-4000-8000-000000000000'
      expectProblem(await bob.client.get(`/api/v1/entities/${missing}/comments`), 404)
      expectProblem(await bob.client.post(`/api/v1/entities/${missing}/comments`, { body: 'x' }), 404)
      expectInvalid(await bob.client.get('/api/v1/entities/nope/comments'), [['path', 'id']])
    })

    it('validates the body: 400 for a missing, empty, blank or too long body, an unknown field or a bad parentId', async () => {
      const url = `/api/v1/entities/${post.id}/comments`
      expectInvalid(await bob.client.post(url, {}), [['body', '/body']])
      expectInvalid(await bob.client.post(url, { body: '' }), [['body', '/body']])
      expectInvalid(await bob.client.post(url, { body: '  \n ' }), [['body', '/body']])
      expectInvalid(await bob.client.post(url, { body: 'x'.repeat(20001) }), [['body', '/body']])
      expectInvalid(await bob.client.post(url, { body: 'x', author: 'someone else' }), [['body', '/author']])
      expectInvalid(await bob.client.post(url, { body: 'x', parentId: 'first' }), [['body', '/parentId']])
    })

    it('sanitizes comment bodies: no scripts, event handlers or javascript: URLs; links get rel="noopener noreferrer"', async () => {
      const payloads = [
        '<p>ok</p><script>alert(1)</script>',
        '<p onmouseover="alert(1)">ok</p><img src="https://example.org/x.png" onerror=alert(1)>',
        '<p>ok <a href="JaVaScRiPt:alert(1)">a</a> <a href=" java&#x09;script:alert(1)">b</a> <a href="&#106;avascript:alert(1)">c</a></p>',
        '<p>ok</p><iframe src="https://evil.example"></iframe><svg onload=alert(1)></svg>',
      ]
      for (const payload of payloads) {
        const c = await comment(bob.client, post.id, payload)
        expect(c.body, payload).to.include('ok')
        expect(c.body, payload).to.not.match(/<script|<iframe|<svg|\son\w+\s*=|javascript|&#/i)
      }
      const linked = await comment(bob.client, post.id, '<a href="https://example.org" target="_blank">site</a>')
      expect(linked.body).to.equal('<a href="https://example.org" target="_blank" rel="noopener noreferrer">site</a>')
      const edited = await bob.client.patch(`/api/v1/comments/${linked.id}`, { body: '<p onclick="x()">again</p><script>alert(1)</script>' })
      expect(edited.status, edited.text).to.equal(200)
      expect(edited.body.body).to.equal('<p>again</p>')
      const listed = (await allComments(anonymous, post.id)).find(c => c.id === linked.id)
      expect(listed.body).to.equal('<p>again</p>')
    })
  })

  describe('replies', () => {
    let item: any
    let top: any

    before(async () => {
      item = await newPost(alice.client)
      top = await comment(bob.client, item.id, 'Top')
    })

    it('go one level deep through parentId', async () => {
      const reply = await comment(carol.client, item.id, 'Reply', top.id)
      expect(reply.parentId).to.equal(top.id)
      const list = await allComments(bob.client, item.id)
      expect(list.map(c => [c.body, c.parentId])).to.deep.equal([
        ['Top', null],
        ['Reply', top.id],
      ])
    })

    it('answer 400 naming /parentId for a reply to a reply', async () => {
      const reply = await comment(carol.client, item.id, 'Another reply', top.id)
      const res = await bob.client.post(`/api/v1/entities/${item.id}/comments`, { body: 'Too deep', parentId: reply.id })
      expectInvalid(res, [['body', '/parentId']])
      expect((await allComments(bob.client, item.id)).map(c => c.body)).to.not.include('Too deep')
    })

    it('answer 400 naming /parentId for a parent on another item, or one that does not exist', async () => {
      const other = await newPost(alice.client)
      const elsewhere = await comment(bob.client, other.id, 'Elsewhere')
      expectInvalid(await bob.client.post(`/api/v1/entities/${item.id}/comments`, { body: 'x', parentId: elsewhere.id }), [['body', '/parentId']])
      expectInvalid(await bob.client.post(`/api/v1/entities/${item.id}/comments`, { body: 'x', parentId: '00000000-0000-4000-8000-000000000000' }), [
        ['body', '/parentId'],
      ])
    })
  })

  describe('editing and deleting', () => {
    let item: any

    before(async () => {
      item = await newPost(alice.client)
    })

    it('lets the author edit (200, new body, later updatedAt)', async () => {
      const c = await comment(bob.client, item.id, 'Tpyo')
      await new Promise(resolve => setTimeout(resolve, 5))
      const res = await bob.client.patch(`/api/v1/comments/${c.id}`, { body: 'Typo' })
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.include({ id: c.id, body: 'Typo', removed: false, createdAt: c.createdAt })
      expect(Date.parse(res.body.updatedAt)).to.be.greaterThan(Date.parse(c.updatedAt))
      expect((await allComments(anonymous, item.id)).find(x => x.id === c.id).body).to.equal('Typo')
    })

    it('lets a site administrator edit and delete anyone’s comment', async () => {
      const c = await comment(bob.client, item.id, 'Rude words')
      const res = await admin.client.patch(`/api/v1/comments/${c.id}`, { body: '[edited by moderator]' })
      expect(res.status, res.text).to.equal(200)
      expect(res.body.author.id).to.equal(bob.user.id)
      expect((await admin.client.delete(`/api/v1/comments/${c.id}`)).status).to.equal(204)
      expect((await allComments(anonymous, item.id)).map(x => x.id)).to.not.include(c.id)
    })

    it('answers 403 to anyone else, the owner of the item included, and changes nothing', async () => {
      const c = await comment(bob.client, item.id, 'Mine')
      for (const who of [carol, alice]) {
        expectProblem(await who.client.patch(`/api/v1/comments/${c.id}`, { body: 'Not yours' }), 403)
        expectProblem(await who.client.delete(`/api/v1/comments/${c.id}`), 403)
      }
      expect((await allComments(anonymous, item.id)).find(x => x.id === c.id).body).to.equal('Mine')
    })

    it('answers 401 to an anonymous visitor and 404 for a comment that does not exist', async () => {
      const c = await comment(bob.client, item.id, 'Stay')
      expectProblem(await anonymous.patch(`/api/v1/comments/${c.id}`, { body: 'x' }), 401)
      expectProblem(await anonymous.delete(`/api/v1/comments/${c.id}`), 401)
      expectProblem(await bob.client.patch('/api/v1/comments/00000000-0000-4000-8000-000000000000', { body: 'x' }), 404)
      expectProblem(await bob.client.delete('/api/v1/comments/00000000-0000-4000-8000-000000000000'), 404)
      expectInvalid(await bob.client.patch(`/api/v1/comments/${c.id}`, { body: '' }), [['body', '/body']])
      expectInvalid(await bob.client.patch(`/api/v1/comments/${c.id}`, { body: 'x', parentId: c.id }), [['body', '/parentId']])
    })

    it('removes a comment without replies entirely (204, gone from the list)', async () => {
      const c = await comment(bob.client, item.id, 'Gone soon')
      expect((await bob.client.delete(`/api/v1/comments/${c.id}`)).status).to.equal(204)
      expect((await allComments(admin.client, item.id)).map(x => x.id)).to.not.include(c.id)
      expectProblem(await bob.client.patch(`/api/v1/comments/${c.id}`, { body: 'x' }), 404)
      expectProblem(await bob.client.delete(`/api/v1/comments/${c.id}`), 404)
    })

    it('leaves a placeholder for a comment with replies: removed true, empty body, author null; the replies stay', async () => {
      const parent = await comment(bob.client, item.id, 'Controversial')
      const reply = await comment(carol.client, item.id, 'I disagree', parent.id)
      expect((await bob.client.delete(`/api/v1/comments/${parent.id}`)).status).to.equal(204)
      const list = await allComments(anonymous, item.id)
      const placeholder = list.find(x => x.id === parent.id)
      expect(placeholder).to.include({ removed: true, body: '', author: null, parentId: null })
      expect(JSON.stringify(placeholder)).to.not.include('Controversial')
      expect(list.find(x => x.id === reply.id)).to.include({ body: 'I disagree', parentId: parent.id, removed: false })
      // Its former author no longer owns it; nobody can reply to or revive it.
      expectProblem(await bob.client.patch(`/api/v1/comments/${parent.id}`, { body: 'Back' }), 403)
      expectInvalid(await carol.client.post(`/api/v1/entities/${item.id}/comments`, { body: 'x', parentId: parent.id }), [['body', '/parentId']])
    })

    it('drops a placeholder once its last reply is deleted', async () => {
      const parent = await comment(bob.client, item.id, 'Short thread')
      const r1 = await comment(carol.client, item.id, 'r1', parent.id)
      const r2 = await comment(alice.client, item.id, 'r2', parent.id)
      expect((await bob.client.delete(`/api/v1/comments/${parent.id}`)).status).to.equal(204)
      expect((await carol.client.delete(`/api/v1/comments/${r1.id}`)).status).to.equal(204)
      expect((await allComments(anonymous, item.id)).map(x => x.id)).to.include(parent.id)
      expect((await alice.client.delete(`/api/v1/comments/${r2.id}`)).status).to.equal(204)
      expect((await allComments(anonymous, item.id)).map(x => x.id)).to.not.include.members([parent.id, r1.id, r2.id])
    })
  })

  describe('commentCount', () => {
    it('is on every blog item: in the answer to create, to GET, in lists and in the activity stream', async () => {
      const item = await newPost(alice.client)
      expect(item.commentCount).to.equal(0)
      await comment(bob.client, item.id, 'one')
      await comment(carol.client, item.id, 'two')
      expect(await commentCount(anonymous, item.id)).to.equal(2)
      const inList = (await bob.client.get('/api/v1/blogs?limit=100')).body.items.find((p: any) => p.id === item.id)
      expect(inList.commentCount).to.equal(2)
      const inActivity = (await bob.client.get('/api/v1/activity?limit=100')).body.items.find((p: any) => p.id === item.id)
      expect(inActivity.commentCount).to.equal(2)
    })

    it('counts replies, and not removed placeholders nor deleted comments', async () => {
      const item = await newPost(alice.client)
      const a = await comment(bob.client, item.id, 'a')
      await comment(carol.client, item.id, 'a1', a.id)
      const b = await comment(carol.client, item.id, 'b')
      expect(await commentCount(bob.client, item.id)).to.equal(3)
      expect((await bob.client.delete(`/api/v1/comments/${a.id}`)).status).to.equal(204)
      expect(await commentCount(bob.client, item.id)).to.equal(2)
      expect((await carol.client.delete(`/api/v1/comments/${b.id}`)).status).to.equal(204)
      expect(await commentCount(bob.client, item.id)).to.equal(1)
    })

    it('counts each item separately on a page of items', async () => {
      const x = await newPost(alice.client)
      const y = await newPost(alice.client)
      await comment(bob.client, x.id, 'x1')
      for (const body of ['y1', 'y2', 'y3']) await comment(bob.client, y.id, body)
      const items = (await bob.client.get('/api/v1/blogs?limit=2')).body.items
      expect(items.map((p: any) => [p.id, p.commentCount])).to.deep.equal([
        [y.id, 3],
        [x.id, 1],
      ])
    })
  })

  describe('follow the item’s access', () => {
    it('answer 404 (to read, post, edit and delete) once the item is made private, and come back when it is opened', async () => {
      const item = await newPost(alice.client, { read: ['logged_in'] })
      const mine = await comment(bob.client, item.id, 'Mine')
      expectProblem(await anonymous.get(`/api/v1/entities/${item.id}/comments`), 404)

      const closed = await alice.client.patch(`/api/v1/blogs/${item.id}`, { access: { read: [`user:${alice.user.id}`] } })
      expect(closed.status, closed.text).to.equal(200)
      expectProblem(await bob.client.get(`/api/v1/entities/${item.id}/comments`), 404)
      expectProblem(await bob.client.post(`/api/v1/entities/${item.id}/comments`, { body: 'Still here?' }), 404)
      expectProblem(await bob.client.patch(`/api/v1/comments/${mine.id}`, { body: 'Edit' }), 404)
      expectProblem(await bob.client.delete(`/api/v1/comments/${mine.id}`), 404)
      expectProblem(await carol.client.get(`/api/v1/entities/${item.id}/comments`), 404)
      // The owner and a site administrator still read them.
      expect((await allComments(alice.client, item.id)).map(c => c.id)).to.deep.equal([mine.id])
      expect((await allComments(admin.client, item.id)).map(c => c.id)).to.deep.equal([mine.id])

      const opened = await alice.client.patch(`/api/v1/blogs/${item.id}`, { access: { read: ['logged_in'] } })
      expect(opened.status, opened.text).to.equal(200)
      expect((await allComments(bob.client, item.id)).map(c => c.body)).to.deep.equal(['Mine'])
      expect((await bob.client.patch(`/api/v1/comments/${mine.id}`, { body: 'Edit' })).status).to.equal(200)
      expectProblem(await anonymous.get(`/api/v1/entities/${item.id}/comments`), 404)
    })

    it('are readable by someone on the write list only', async () => {
      const item = await newPost(alice.client, { read: [`user:${alice.user.id}`], write: [`user:${carol.user.id}`] })
      await comment(alice.client, item.id, 'For Carol')
      expect((await allComments(carol.client, item.id)).map(c => c.body)).to.deep.equal(['For Carol'])
      expect((await carol.client.post(`/api/v1/entities/${item.id}/comments`, { body: 'Thanks' })).status).to.equal(201)
      expectProblem(await bob.client.get(`/api/v1/entities/${item.id}/comments`), 404)
    })

    it('of a draft are for its writers only', async () => {
      const draft = await newPost(alice.client, { read: ['public'], write: [`user:${carol.user.id}`] }, { status: 'draft' })
      expect((await carol.client.post(`/api/v1/entities/${draft.id}/comments`, { body: 'Looks good' })).status).to.equal(201)
      expectProblem(await bob.client.get(`/api/v1/entities/${draft.id}/comments`), 404)
      expectProblem(await bob.client.post(`/api/v1/entities/${draft.id}/comments`, { body: 'Early' }), 404)
      expectProblem(await anonymous.get(`/api/v1/entities/${draft.id}/comments`), 404)
      expect((await alice.client.patch(`/api/v1/blogs/${draft.id}`, { status: 'published' })).status).to.equal(200)
      expect((await allComments(anonymous, draft.id)).map(c => c.body)).to.deep.equal(['Looks good'])
    })
  })
})
