// /api/v1/wiki with comments, search and groups: pages, the tree, revisions, diffs, restore, links, access.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { searchPlugin } from '@plein/plugin-search'
import { wikiPlugin } from '@plein/plugin-wiki'
import { createPage, expectInvalid, expectProblem, ids, listAll, privateAccess, uniqueWord, uuidPattern } from './helpers.js'

const MAX_DEPTH = 4

describe('wiki: pages with comments, search and groups', () => {
  let tk: TestKernel
  let admin: SignedUp
  let alice: SignedUp
  let bob: SignedUp
  let carol: SignedUp
  let anonymous: TestClient

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [wikiPlugin, commentsPlugin, searchPlugin, groupsPlugin], settings: { wiki: { maxDepth: MAX_DEPTH } } })
    admin = await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    carol = await tk.signUp({ name: 'Carol' })
    anonymous = tk.client()
  })
  after(() => tk?.close())

  const search = async (client: TestClient, q: string) => {
    const res = await client.get(`/api/v1/search?q=${encodeURIComponent(q)}&type=wiki`)
    expect(res.status, res.text).to.equal(200)
    return ids(res.body.items)
  }

  describe('create', () => {
    it('answers 201 with the item fields, a sanitized body, revision 1 and its ETag', async () => {
      const res = await alice.client.post('/api/v1/wiki', {
        title: '  Werkwijze  ',
        body: '<p onclick="x()">Hoe wij <strong>werken</strong>.</p><script>alert(1)</script><a href="javascript:alert(1)">x</a>',
        summary: 'Eerste versie',
      })
      expect(res.status, res.text).to.equal(201)
      expect(res.headers.etag).to.equal('"1"')
      const page = res.body
      expect(page.id).to.match(uuidPattern)
      expect(page).to.include({ type: 'wiki', title: 'Werkwijze', containerId: null, parentId: null, revision: 1, url: `/wiki/${page.id}`, commentCount: 0 })
      expect(page.owner).to.deep.include({ id: alice.user.id, name: 'Alice' })
      expect(page.access.write).to.include(`user:${alice.user.id}`)
      expect(page.body).to.equal('<p>Hoe wij <strong>werken</strong>.</p><a rel="noopener noreferrer">x</a>')
      expect(page).to.include.keys('createdAt', 'updatedAt')
      expect(page.ancestors).to.deep.equal([])
      expect(page.backlinks).to.deep.equal([])
      expect(page.links).to.deep.equal([])
      const revisions = await alice.client.get(`/api/v1/wiki/${page.id}/revisions`)
      expect(revisions.body.items).to.have.length(1)
      expect(revisions.body.items[0]).to.deep.include({ rev: 1, title: 'Werkwijze', summary: 'Eerste versie', restoredFrom: null })
      expect(revisions.body.items[0].author).to.deep.include({ id: alice.user.id, name: 'Alice' })
    })

    it('answers 401 to anonymous visitors before looking at the input', async () => {
      expectProblem(await anonymous.post('/api/v1/wiki', { nonsense: true }), 401)
    })

    it('lists every invalid field at once (400)', async () => {
      const res = await alice.client.post('/api/v1/wiki', { title: '', body: 5, extra: 1, parentId: 'nope', access: { read: ['everyone'] } })
      expectInvalid(res, [
        ['body', '/title'],
        ['body', '/body'],
        ['body', '/extra'],
        ['body', '/parentId'],
        ['body', '/access/read/0'],
      ])
      expectInvalid(await alice.client.post('/api/v1/wiki', { body: '<p>x</p>' }), [['body', '/title']])
      expectInvalid(await alice.client.post('/api/v1/wiki', { title: 'x'.repeat(301), body: '' }), [['body', '/title']])
    })

    it('answers 400 for a parent that does not exist or that the author may not read, alike', async () => {
      const hidden = await createPage(carol.client, { title: 'Carol private', access: privateAccess(carol.user.id) })
      const missing = await alice.client.post('/api/v1/wiki', { title: 'x', body: '', parentId: '00000000-0000-4000-8000-000000000000' })
      const secret = await alice.client.post('/api/v1/wiki', { title: 'x', body: '', parentId: hidden.id })
      for (const res of [missing, secret]) expectInvalid(res, [['body', '/parentId']])
      expect(secret.body.detail).to.equal(missing.body.detail)
    })

    it('puts a subpage under its parent, with the parent’s access when none is given', async () => {
      const parent = await createPage(alice.client, { title: 'Team', access: { read: [`user:${alice.user.id}`, `user:${bob.user.id}`], write: [`user:${carol.user.id}`] } })
      const child = await createPage(bob.client, { title: 'Team notes', parentId: parent.id })
      expect(child.parentId).to.equal(parent.id)
      expect(child.access.read).to.have.members(parent.access.read)
      expect(child.access.write).to.have.members([...parent.access.write, `user:${bob.user.id}`])
      expect(child.ancestors).to.deep.equal([{ id: parent.id, title: 'Team', url: `/wiki/${parent.id}` }])
      const open = await createPage(bob.client, { title: 'Open notes', parentId: parent.id, access: { read: ['logged_in'] } })
      expect(open.access.read).to.deep.equal(['logged_in'])
      // Children of a page: only to those who may read the parent.
      expect(ids(await listAll(alice.client, `/api/v1/wiki?parentId=${parent.id}`))).to.have.members([child.id, open.id])
      expect(await listAll(admin.client, `/api/v1/wiki?parentId=${parent.id}`)).to.have.length(2)
    })

    it('refuses a page deeper than the site allows (409)', async () => {
      let parent = await createPage(alice.client, { title: 'Level 1' })
      for (let depth = 2; depth <= MAX_DEPTH; depth++) parent = await createPage(alice.client, { title: `Level ${depth}`, parentId: parent.id })
      expectProblem(await alice.client.post('/api/v1/wiki', { title: 'Too deep', body: '', parentId: parent.id }), 409, 'WIKI_TOO_DEEP')
    })
  })

  describe('read and access', () => {
    it('answers 404 for a private page to others, and leaves it out of every list and search', async () => {
      const word = uniqueWord()
      const page = await createPage(alice.client, { title: `Geheim ${word}`, body: `<p>${word}</p>`, access: privateAccess(alice.user.id) })
      for (const client of [bob.client, anonymous]) {
        expectProblem(await client.get(`/api/v1/wiki/${page.id}`), 404, 'NOT_FOUND')
        expectProblem(await client.get(`/api/v1/wiki/${page.id}/revisions`), 404)
        expectProblem(await client.get(`/api/v1/wiki/${page.id}/revisions/1`), 404)
        expectProblem(await client.get(`/api/v1/wiki/${page.id}/diff`), 404)
        expect(ids(await listAll(client, '/api/v1/wiki'))).to.not.include(page.id)
        expect(ids(await listAll(client, '/api/v1/activity'))).to.not.include(page.id)
        expect(await search(client, word)).to.deep.equal([])
        expectProblem(await client.get(`/api/v1/entities/${page.id}/comments`), 404)
      }
      expectProblem(await bob.client.patch(`/api/v1/wiki/${page.id}`, { title: 'x' }), 404)
      expectProblem(await bob.client.delete(`/api/v1/wiki/${page.id}`), 404)
      expectProblem(await bob.client.post(`/api/v1/wiki/${page.id}/revisions/1/restore`), 404)
      expectProblem(await bob.client.post(`/api/v1/entities/${page.id}/comments`, { body: 'hi' }), 404)
      // Its owner and the site's administrator see it everywhere.
      for (const client of [alice.client, admin.client]) {
        expect((await client.get(`/api/v1/wiki/${page.id}`)).status).to.equal(200)
        expect(ids(await listAll(client, '/api/v1/wiki'))).to.include(page.id)
        expect(await search(client, word)).to.deep.equal([page.id])
      }
    })

    it('answers 404 for an unknown page and 400 for an id that is not a UUID', async () => {
      expectProblem(await alice.client.get('/api/v1/wiki/00000000-0000-4000-8000-000000000000'), 404)
      expectInvalid(await alice.client.get('/api/v1/wiki/nope'), [['path', 'id']])
    })

    it('never shows a child’s reader the title (or id) of a parent they may not read', async () => {
      const top = await createPage(alice.client, { title: 'Top public', access: { read: ['public'] } })
      const middle = await createPage(alice.client, { title: 'Hidden middle', parentId: top.id, access: privateAccess(alice.user.id) })
      const child = await createPage(alice.client, { title: 'Open child', parentId: middle.id, access: { read: ['public'] } })
      for (const client of [bob.client, anonymous]) {
        const res = await client.get(`/api/v1/wiki/${child.id}`)
        expect(res.status, res.text).to.equal(200)
        expect(res.body.parentId).to.equal(null)
        // The chain stops at the hidden page: not even the readable page above it is shown.
        expect(res.body.ancestors).to.deep.equal([])
        expect(res.text).to.not.include('Hidden middle')
        expect(res.text).to.not.include(middle.id)
        // It is not listed under the hidden parent, but at the top of the tree as this viewer sees it.
        expect(await listAll(client, `/api/v1/wiki?parentId=${middle.id}`)).to.deep.equal([])
        expect(ids(await listAll(client, '/api/v1/wiki?topLevel=true'))).to.include.members([top.id, child.id])
        const listed = (await listAll(client, '/api/v1/wiki')).find(p => p.id === child.id)
        expect(listed.parentId).to.equal(null)
        expect(JSON.stringify(listed)).to.not.include(middle.id)
      }
      const own = await alice.client.get(`/api/v1/wiki/${child.id}`)
      expect(own.body.parentId).to.equal(middle.id)
      expect(own.body.ancestors.map((a: any) => a.title)).to.deep.equal(['Top public', 'Hidden middle'])
      expect(ids(await listAll(alice.client, '/api/v1/wiki?topLevel=true'))).to.not.include(child.id)
    })

    it('lists by title, page by page, with filters; a bad cursor or limit is a 400', async () => {
      const word = uniqueWord('zl')
      const parent = await createPage(carol.client, { title: `${word} parent`, access: { read: ['public'] } })
      for (const t of ['delta', 'Alpha', 'charlie', 'Bravo']) await createPage(carol.client, { title: `${t} ${word}`, parentId: parent.id })
      const titles: string[] = []
      let cursor: string | null = null
      do {
        const res: any = await bob.client.get(`/api/v1/wiki?parentId=${parent.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
        expect(res.status, res.text).to.equal(200)
        expect(res.body.items.length).to.be.at.most(3)
        titles.push(...res.body.items.map((p: any) => p.title))
        cursor = res.body.nextCursor
      } while (cursor)
      expect(titles).to.deep.equal(['Alpha', 'Bravo', 'charlie', 'delta'].map(t => `${t} ${word}`))
      expectInvalid(await bob.client.get('/api/v1/wiki?cursor=garbage!'), [['query', 'cursor']])
      expectInvalid(await bob.client.get(`/api/v1/wiki?cursor=${Buffer.from('["a", 1]').toString('base64url')}`), [['query', 'cursor']])
      expectInvalid(await bob.client.get('/api/v1/wiki?limit=0'), [['query', 'limit']])
      expectInvalid(await bob.client.get('/api/v1/wiki?limit=101&parentId=x&colour=red'), [
        ['query', 'limit'],
        ['query', 'parentId'],
        ['query', 'colour'],
      ])
    })
  })

  describe('changes and revisions', () => {
    let page: any

    before(async () => {
      page = await createPage(alice.client, {
        title: 'Procedure',
        body: '<h2>Stappen</h2><p>Een</p><p>Twee</p><p>Drie</p>',
        access: { read: ['logged_in'], write: [`user:${carol.user.id}`] },
        summary: 'start',
      })
    })

    it('makes a new revision for every change, with who, when, title and summary', async () => {
      const res = await carol.client.patch(`/api/v1/wiki/${page.id}`, { body: '<h2>Stappen</h2><p>Een</p><p>Twee bis</p><p>Drie</p><p>Vier</p>', summary: 'Carol vult aan' })
      expect(res.status, res.text).to.equal(200)
      expect(res.headers.etag).to.equal('"2"')
      expect(res.body.revision).to.equal(2)
      const renamed = await alice.client.patch(`/api/v1/wiki/${page.id}`, { title: 'Procedure (nieuw)' }, { headers: { 'If-Match': '"2"' } })
      expect(renamed.status, renamed.text).to.equal(200)
      expect(renamed.body).to.include({ title: 'Procedure (nieuw)', revision: 3 })
      const list = await bob.client.get(`/api/v1/wiki/${page.id}/revisions`)
      expect(list.status).to.equal(200)
      expect(list.body.items.map((r: any) => [r.rev, r.title, r.summary, r.author.name])).to.deep.equal([
        [3, 'Procedure (nieuw)', '', 'Alice'],
        [2, 'Procedure', 'Carol vult aan', 'Carol'],
        [1, 'Procedure', 'start', 'Alice'],
      ])
      expect(list.body.items[0]).to.not.have.property('body')
      expect(Date.parse(list.body.items[0].createdAt)).to.be.at.least(Date.parse(list.body.items[2].createdAt))
      const one = await bob.client.get(`/api/v1/wiki/${page.id}/revisions/2`)
      expect(one.status).to.equal(200)
      expect(one.body).to.deep.include({ rev: 2, title: 'Procedure', body: '<h2>Stappen</h2><p>Een</p><p>Twee bis</p><p>Drie</p><p>Vier</p>' })
    })

    it('pages through revisions', async () => {
      const first = await bob.client.get(`/api/v1/wiki/${page.id}/revisions?limit=2`)
      expect(first.body.items.map((r: any) => r.rev)).to.deep.equal([3, 2])
      const second = await bob.client.get(`/api/v1/wiki/${page.id}/revisions?limit=2&cursor=${first.body.nextCursor}`)
      expect(second.body.items.map((r: any) => r.rev)).to.deep.equal([1])
      expect(second.body.nextCursor).to.equal(null)
      expectInvalid(await bob.client.get(`/api/v1/wiki/${page.id}/revisions?cursor=xyz`), [['query', 'cursor']])
    })

    it('answers 412 when If-Match names another revision, and changes nothing', async () => {
      const stale = await carol.client.patch(`/api/v1/wiki/${page.id}`, { body: '<p>lost</p>' }, { headers: { 'If-Match': '"2"' } })
      expectProblem(stale, 412, 'WIKI_REVISION_CONFLICT')
      expect((await bob.client.get(`/api/v1/wiki/${page.id}`)).body.revision).to.equal(3)
      expectProblem(await carol.client.patch(`/api/v1/wiki/${page.id}`, { body: '<p>lost</p>' }, { headers: { 'If-Match': 'W/"3"' } }), 412)
      const any = await carol.client.patch(`/api/v1/wiki/${page.id}`, { summary: 'nothing changed' }, { headers: { 'If-Match': '*' } })
      expect(any.status, any.text).to.equal(200)
      expect(any.body.revision).to.equal(4)
    })

    it('lets readers read but not change (403), and anonymous visitors neither (401 / 404)', async () => {
      expectProblem(await bob.client.patch(`/api/v1/wiki/${page.id}`, { title: 'Bob was here' }), 403)
      expectProblem(await bob.client.delete(`/api/v1/wiki/${page.id}`), 403)
      expectProblem(await bob.client.post(`/api/v1/wiki/${page.id}/revisions/1/restore`), 403)
      expectProblem(await anonymous.patch(`/api/v1/wiki/${page.id}`, { title: 'x' }), 401)
      expectProblem(await anonymous.get(`/api/v1/wiki/${page.id}`), 404)
      expectInvalid(await carol.client.patch(`/api/v1/wiki/${page.id}`, {}), [['body', '']])
      expectInvalid(await carol.client.patch(`/api/v1/wiki/${page.id}`, { containerId: page.id }), [['body', '/containerId']])
    })

    it('shows a line diff between two revisions, by default the last change', async () => {
      const res = await bob.client.get(`/api/v1/wiki/${page.id}/diff?from=1&to=2`)
      expect(res.status, res.text).to.equal(200)
      expect(res.body.diff).to.deep.equal([
        { op: 'equal', lines: ['Stappen', 'Een'] },
        { op: 'delete', lines: ['Twee'] },
        { op: 'insert', lines: ['Twee bis'] },
        { op: 'equal', lines: ['Drie'] },
        { op: 'insert', lines: ['Vier'] },
      ])
      expect(res.body).to.include({ inserted: 2, deleted: 1 })
      expect(res.body.from).to.include({ rev: 1, summary: 'start' })
      expect(res.body.to.author).to.deep.include({ name: 'Carol' })
      const last = await bob.client.get(`/api/v1/wiki/${page.id}/diff`)
      expect(last.body.from.rev).to.equal(3)
      expect(last.body.to.rev).to.equal(4)
      const titled = await bob.client.get(`/api/v1/wiki/${page.id}/diff?from=2&to=3`)
      expect(titled.body.title).to.deep.equal({ from: 'Procedure', to: 'Procedure (nieuw)' })
      expect(titled.body.diff).to.deep.equal([{ op: 'equal', lines: ['Stappen', 'Een', 'Twee bis', 'Drie', 'Vier'] }])
      expectProblem(await bob.client.get(`/api/v1/wiki/${page.id}/diff?from=1&to=99`), 404, 'WIKI_REVISION_NOT_FOUND')
      expectProblem(await bob.client.get(`/api/v1/wiki/${page.id}/revisions/99`), 404, 'WIKI_REVISION_NOT_FOUND')
      expectInvalid(await bob.client.get(`/api/v1/wiki/${page.id}/diff?from=0&to=x`), [
        ['query', 'from'],
        ['query', 'to'],
      ])
      expectInvalid(await bob.client.get(`/api/v1/wiki/${page.id}/revisions/0`), [['path', 'rev']])
    })

    it('restores an old revision as a new one', async () => {
      const res = await carol.client.post(`/api/v1/wiki/${page.id}/revisions/1/restore`, undefined, { headers: { 'If-Match': '"4"' } })
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.include({ revision: 5, title: 'Procedure', body: '<h2>Stappen</h2><p>Een</p><p>Twee</p><p>Drie</p>' })
      const rev = await bob.client.get(`/api/v1/wiki/${page.id}/revisions/5`)
      expect(rev.body).to.include({ restoredFrom: 1, summary: 'Restored revision 1', title: 'Procedure' })
      expect(rev.body.author.name).to.equal('Carol')
      expectProblem(await carol.client.post(`/api/v1/wiki/${page.id}/revisions/1/restore`, undefined, { headers: { 'If-Match': '"4"' } }), 412)
      expectProblem(await carol.client.post(`/api/v1/wiki/${page.id}/revisions/42/restore`), 404, 'WIKI_REVISION_NOT_FOUND')
      const summarised = await admin.client.post(`/api/v1/wiki/${page.id}/revisions/2/restore`, { summary: 'terug naar Carol' })
      expect(summarised.status, summarised.text).to.equal(200)
      expect((await bob.client.get(`/api/v1/wiki/${page.id}/revisions/6`)).body).to.include({ restoredFrom: 2, summary: 'terug naar Carol' })
    })
  })

  describe('the tree', () => {
    it('moves a page, never under itself or one of its subpages (409)', async () => {
      const a = await createPage(alice.client, { title: 'A' })
      const b = await createPage(alice.client, { title: 'B', parentId: a.id })
      const c = await createPage(alice.client, { title: 'C', parentId: b.id })
      const other = await createPage(alice.client, { title: 'Other' })
      expectProblem(await alice.client.patch(`/api/v1/wiki/${a.id}`, { parentId: a.id }), 409, 'WIKI_MOVE_CYCLE')
      expectProblem(await alice.client.patch(`/api/v1/wiki/${a.id}`, { parentId: c.id }), 409, 'WIKI_MOVE_CYCLE')
      expect((await alice.client.get(`/api/v1/wiki/${a.id}`)).body.revision).to.equal(1)
      const moved = await alice.client.patch(`/api/v1/wiki/${b.id}`, { parentId: other.id, summary: 'verhuisd' })
      expect(moved.status, moved.text).to.equal(200)
      expect(moved.body.parentId).to.equal(other.id)
      expect((await alice.client.get(`/api/v1/wiki/${c.id}`)).body.ancestors.map((x: any) => x.title)).to.deep.equal(['Other', 'B'])
      const top = await alice.client.patch(`/api/v1/wiki/${b.id}`, { parentId: null })
      expect(top.body.parentId).to.equal(null)
      expect(ids(await listAll(alice.client, '/api/v1/wiki?topLevel=true'))).to.include(b.id)
    })

    it('refuses a move that makes the tree too deep (409)', async () => {
      const a = await createPage(alice.client, { title: 'D1' })
      const b = await createPage(alice.client, { title: 'D2', parentId: a.id })
      const c = await createPage(alice.client, { title: 'D3', parentId: b.id })
      const x = await createPage(alice.client, { title: 'X1' })
      await createPage(alice.client, { title: 'X2', parentId: x.id })
      expectProblem(await alice.client.patch(`/api/v1/wiki/${x.id}`, { parentId: c.id }), 409, 'WIKI_TOO_DEEP')
      expect((await alice.client.patch(`/api/v1/wiki/${x.id}`, { parentId: b.id })).status).to.equal(200)
    })

    it('moves subpages up to the parent when their page is deleted', async () => {
      const a = await createPage(alice.client, { title: 'Root' })
      const b = await createPage(alice.client, { title: 'Middle', parentId: a.id })
      const c = await createPage(alice.client, { title: 'Leaf', parentId: b.id })
      const res = await alice.client.delete(`/api/v1/wiki/${b.id}`)
      expect(res.status, res.text).to.equal(204)
      expectProblem(await alice.client.get(`/api/v1/wiki/${b.id}`), 404)
      expectProblem(await alice.client.get(`/api/v1/wiki/${b.id}/revisions`), 404)
      expect((await alice.client.get(`/api/v1/wiki/${c.id}`)).body.parentId).to.equal(a.id)
    })

    it('answers 400 for a move under a page the writer may not read', async () => {
      const mine = await createPage(alice.client, { title: 'Mine' })
      const hidden = await createPage(carol.client, { title: 'Hidden', access: privateAccess(carol.user.id) })
      expectInvalid(await alice.client.patch(`/api/v1/wiki/${mine.id}`, { parentId: hidden.id }), [['body', '/parentId']])
    })
  })

  describe('links between pages', () => {
    it('keeps links by id through renames, shows backlinks, and forgets the links of a deleted page', async () => {
      const target = await createPage(alice.client, { title: 'Beleid', access: { read: ['logged_in'] } })
      const source = await createPage(bob.client, {
        title: 'Overzicht',
        body: `<p>Zie <a href="/wiki/${target.id}">het beleid</a> en <a href="/wiki/${target.id}#kop">de kop</a>.</p>`,
        access: { read: ['logged_in'] },
      })
      expect(source.body).to.include(`href="/wiki/${target.id}"`)
      expect(source.links).to.deep.equal([{ id: target.id, title: 'Beleid', url: `/wiki/${target.id}` }])
      const secret = await createPage(carol.client, { title: 'Carols links', body: `<p><a href="/wiki/${target.id}">x</a></p>`, access: privateAccess(carol.user.id) })
      expect((await alice.client.patch(`/api/v1/wiki/${target.id}`, { title: 'Beleid 2026' })).status).to.equal(200)
      const got = await bob.client.get(`/api/v1/wiki/${target.id}`)
      expect(got.body.backlinks).to.deep.equal([{ id: source.id, title: 'Overzicht', url: `/wiki/${source.id}` }])
      expect((await carol.client.get(`/api/v1/wiki/${target.id}`)).body.backlinks.map((b: any) => b.id)).to.have.members([source.id, secret.id])
      expect((await bob.client.get(`/api/v1/wiki/${source.id}`)).body.links).to.deep.equal([{ id: target.id, title: 'Beleid 2026', url: `/wiki/${target.id}` }])
      // An edit that drops the link drops the backlink.
      expect((await bob.client.patch(`/api/v1/wiki/${source.id}`, { body: '<p>geen links</p>' })).status).to.equal(200)
      expect((await carol.client.get(`/api/v1/wiki/${target.id}`)).body.backlinks.map((b: any) => b.id)).to.deep.equal([secret.id])
      expect((await carol.client.delete(`/api/v1/wiki/${secret.id}`)).status).to.equal(204)
      expect((await carol.client.get(`/api/v1/wiki/${target.id}`)).body.backlinks).to.deep.equal([])
    })

    it('names no title for a link to a page the reader may not read, or that is gone', async () => {
      const hidden = await createPage(carol.client, { title: 'Verborgen titel', access: privateAccess(carol.user.id) })
      const missing = '00000000-0000-4000-8000-000000000001'
      const page = await createPage(bob.client, { title: 'Links', body: `<p><a href="/wiki/${hidden.id}">a</a><a href="/wiki/${missing}">b</a></p>` })
      const res = await bob.client.get(`/api/v1/wiki/${page.id}`)
      expect(res.body.links).to.have.deep.members([
        { id: hidden.id, title: null, url: null },
        { id: missing, title: null, url: null },
      ])
      expect(res.text).to.not.include('Verborgen titel')
    })
  })

  describe('comments and search', () => {
    it('takes comments on pages the commenter may read', async () => {
      const page = await createPage(alice.client, { title: 'Bespreekbaar', access: { read: ['logged_in'] } })
      const res = await bob.client.post(`/api/v1/entities/${page.id}/comments`, { body: 'Goed idee' })
      expect(res.status, res.text).to.equal(201)
      expect((await bob.client.get(`/api/v1/wiki/${page.id}`)).body.commentCount).to.equal(1)
      expectProblem(await anonymous.get(`/api/v1/entities/${page.id}/comments`), 404)
    })

    it('finds pages by title and body text, for those who may read them, after every change', async () => {
      const word = uniqueWord()
      const later = uniqueWord()
      const page = await createPage(alice.client, { title: 'Zoekbaar', body: `<p>Over ${word}</p>`, access: { read: ['logged_in'] } })
      expect(await search(bob.client, word)).to.deep.equal([page.id])
      expect(await search(anonymous, word)).to.deep.equal([])
      await alice.client.patch(`/api/v1/wiki/${page.id}`, { body: `<p>Nu over ${later}</p>` })
      expect(await search(bob.client, later)).to.deep.equal([page.id])
      expect(await search(bob.client, word)).to.deep.equal([])
    })
  })

  describe('pages in a group', () => {
    let group: any

    before(async () => {
      const res = await alice.client.post('/api/v1/groups', { name: 'Wiki-groep', membership: 'closed' })
      expect(res.status, res.text).to.equal(201)
      group = res.body
    })

    it('gives group pages the group’s access, to members only; subpages stay in the group', async () => {
      const page = await createPage(alice.client, { title: 'Groepspagina', containerId: group.id })
      expect(page.containerId).to.equal(group.id)
      expect(page.access.read).to.deep.equal([`group:${group.id}`])
      const child = await createPage(alice.client, { title: 'Groepssubpagina', parentId: page.id })
      expect(child.containerId).to.equal(group.id)
      expectProblem(await bob.client.get(`/api/v1/wiki/${page.id}`), 404)
      expect(await listAll(bob.client, `/api/v1/wiki?containerId=${group.id}`)).to.deep.equal([])
      expect(ids(await listAll(alice.client, `/api/v1/wiki?containerId=${group.id}`))).to.have.members([page.id, child.id])
      expectProblem(await bob.client.post('/api/v1/wiki', { title: 'x', body: '', containerId: group.id }), 403, 'GROUP_MEMBERS_ONLY')
      expectInvalid(await alice.client.post('/api/v1/wiki', { title: 'x', body: '', parentId: page.id, containerId: '00000000-0000-4000-8000-000000000000' }), [
        ['body', '/containerId'],
      ])
      const outside = await createPage(alice.client, { title: 'Buiten' })
      expectInvalid(await alice.client.patch(`/api/v1/wiki/${outside.id}`, { parentId: page.id }), [['body', '/parentId']])
    })
  })

  it('describes every wiki endpoint in the OpenAPI document, with its 400 answer', async () => {
    const doc = (await anonymous.get('/api/v1/openapi.json')).body
    const expected: Array<[string, string]> = [
      ['/wiki', 'get'],
      ['/wiki', 'post'],
      ['/wiki/{id}', 'get'],
      ['/wiki/{id}', 'patch'],
      ['/wiki/{id}', 'delete'],
      ['/wiki/{id}/revisions', 'get'],
      ['/wiki/{id}/revisions/{rev}', 'get'],
      ['/wiki/{id}/diff', 'get'],
      ['/wiki/{id}/revisions/{rev}/restore', 'post'],
    ]
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method]
      expect(op, `${method} ${path}`).to.be.an('object')
      expect(op.responses).to.have.property('400')
    }
    expect(doc.paths['/wiki/{id}'].patch.responses).to.have.property('412')
  })
})
