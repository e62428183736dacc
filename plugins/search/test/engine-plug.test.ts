// Another search engine plugged in by another plugin (searchEngineRef), as an OpenSearch engine would be:
// the search plugin indexes into it and answers from it (API and page), tells it of deletions, leaves the
// built-in index alone, and never lets a hit through that the viewer may not read — whatever the engine says.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { searchPlugin } from '@plein/plugin-search'
import { ids, search, searchAll, uniqueWord } from './helpers.js'
import { MemorySearchEngine, memorySearchPlugin } from './support/memory-engine.js'

describe('search: an engine plugged in by another plugin', function () {
  this.timeout(60_000)

  const post = async (author: SignedUp, input: { title: string; body?: string; access?: { read?: string[] } }) => {
    const res = await author.client.post('/api/v1/blogs', { body: '<p></p>', access: { read: ['public'] }, ...input })
    expect(res.status, res.text).to.equal(201)
    return res.body as { id: string }
  }

  /** A kernel with `engine` plugged in, Alice, Bob and an anonymous client, for the describe it is called in. */
  const plugged = (engine: MemorySearchEngine) => {
    const the = {} as { tk: TestKernel; alice: SignedUp; bob: SignedUp; anonymous: TestClient }
    before(async () => {
      the.tk = await createTestKernel({ plugins: [searchPlugin, commentsPlugin, blogPlugin, memorySearchPlugin(engine)] })
      the.alice = await the.tk.signUp({ name: 'Alice' })
      the.bob = await the.tk.signUp({ name: 'Bob' })
      the.anonymous = the.tk.client()
    })
    after(() => the.tk?.close())
    return the
  }

  describe('an engine that keeps the access rules', () => {
    const engine = new MemorySearchEngine()
    const the = plugged(engine)

    it('indexes into it, answers from it with its snippets, and leaves the built-in index empty', async () => {
      const w = uniqueWord()
      const p = await post(the.alice, { title: `Over ${w}`, body: `<p>De tekst over ${w}.</p>` })
      // The document is what the search plugin's filter hook made of the item: title and plain-text body.
      expect(engine.documents.get(p.id)?.text).to.include(`De tekst over ${w}.`).and.not.include('<p>')
      const body = await search(the.anonymous, { q: w })
      expect(ids(body.items)).to.deep.equal([p.id])
      expect(body.items[0]).to.include({ id: p.id, type: 'blog', title: `Over ${w}`, url: `/blogs/${p.id}` })
      expect(body.items[0].owner).to.include({ name: 'Alice' })
      expect(body.items[0].snippet).to.include(`<mark>${w}</mark>`)
      const [row] = await the.tk.kernel.db.query<{ indexed: boolean }>('SELECT search_vector IS NOT NULL AS indexed FROM entity WHERE id = $1', [p.id])
      expect(row!.indexed, 'the built-in engine was not written to').to.equal(false)
    })

    it('pages with the engine’s own cursors', async () => {
      const w = uniqueWord()
      const made = []
      for (let i = 0; i < 5; i++) made.push((await post(the.alice, { title: `${w} ${i}` })).id)
      const all = await searchAll(the.anonymous, { q: w, limit: 2 })
      expect(ids(all)).to.have.members(made).and.have.length(5)
    })

    it('tells the engine of changes and deletions', async () => {
      const w = uniqueWord()
      const x = uniqueWord('x')
      const p = await post(the.alice, { title: `${w} eerst` })
      const res = await the.alice.client.patch(`/api/v1/blogs/${p.id}`, { title: `${x} daarna` })
      expect(res.status, res.text).to.equal(200)
      expect((await search(the.anonymous, { q: w })).items).to.deep.equal([])
      expect(ids((await search(the.anonymous, { q: x })).items)).to.deep.equal([p.id])
      const del = await the.alice.client.delete(`/api/v1/blogs/${p.id}`)
      expect(del.status, del.text).to.equal(204)
      expect(engine.removed).to.include(p.id)
      expect((await search(the.anonymous, { q: x })).items).to.deep.equal([])
    })

    it('answers the search page from it too', async () => {
      const w = uniqueWord()
      await post(the.alice, { title: `Pagina ${w}` })
      const res = await the.bob.client.get(`/search?q=${w}`)
      expect(res.status).to.equal(200)
      expect(res.text).to.include(`Pagina <mark>${w}</mark>`)
    })
  })

  describe('an engine that ignores the access rules', () => {
    const engine = new MemorySearchEngine({ leaky: true })
    const the = plugged(engine)

    it('still never shows a viewer an item they may not read; ids of nothing are dropped', async () => {
      const w = uniqueWord()
      const open = await post(the.alice, { title: `Open ${w}` })
      const own = await post(the.alice, { title: `Eigen ${w}`, access: { read: [`user:${the.alice.user.id}`] } })
      const members = await post(the.alice, { title: `Ingelogd ${w}`, access: { read: ['logged_in'] } })
      engine.extraHits = ['not-an-id', '00000000-0000-4000-8000-000000000000']
      try {
        expect(ids((await search(the.anonymous, { q: w })).items)).to.have.members([open.id])
        expect(ids((await search(the.bob.client, { q: w })).items)).to.have.members([open.id, members.id])
        expect(ids((await search(the.alice.client, { q: w })).items)).to.have.members([open.id, own.id, members.id])
        const page = await the.anonymous.get(`/search?q=${w}`)
        expect(page.status).to.equal(200)
        expect(page.text).to.include(`Open <mark>${w}</mark>`).and.not.include('Eigen').and.not.include('Ingelogd')
      } finally {
        engine.extraHits = []
      }
    })
  })
})
