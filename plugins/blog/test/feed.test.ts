// GET /blogs/feed.xml: an Atom feed of the public, published posts, newest first.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { atomEntries, checkWellFormedXml, createPost, privateAccess, xmlText } from './helpers.js'

describe('blog: Atom feed', () => {
  let tk: TestKernel
  let alice: SignedUp
  let bob: SignedUp
  const published: any[] = []
  const hidden: any[] = []

  before(async function () {
    this.timeout(60_000)
    // This site makes new content public by default (settings.access.defaultRead).
    tk = await createTestKernel({ plugins: [blogPlugin, commentsPlugin], site: { settings: { access: { defaultRead: ['public'] } } } })
    await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    published.push(await createPost(alice.client, { title: 'First public', body: '<p>One</p>', tags: ['Open Data'] }))
    hidden.push(await createPost(alice.client, { title: 'Members only', access: { read: ['logged_in'] } }))
    published.push(await createPost(bob.client, { title: 'Second public', body: '<p>Two <a href="https://example.org">link</a></p>' }))
    hidden.push(await createPost(alice.client, { title: 'Only Alice', access: privateAccess(alice.user.id) }))
    hidden.push(await createPost(bob.client, { title: 'A draft', status: 'draft' }))
    hidden.push(await createPost(bob.client, { title: 'Named reader', access: { read: [`user:${alice.user.id}`] } }))
    published.push(await createPost(alice.client, { title: 'Third public', body: '<p>Three</p>' }))
  })
  after(() => tk?.close())

  it("applies the site's default read access to posts created without access", () => {
    expect(published[0].access.read).to.deep.equal(['public'])
  })

  it('answers 200 application/atom+xml with a well-formed Atom document', async () => {
    const res = await tk.client().get('/blogs/feed.xml')
    expect(res.status).to.equal(200)
    expect(String(res.headers['content-type'])).to.match(/^application\/atom\+xml\b/)
    const root = checkWellFormedXml(res.text)
    expect(root.root).to.equal('feed')
    expect(root.attributes).to.match(/xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/)
    // Atom (RFC 4287) requires id, title and updated on the feed, and on each entry.
    const head = res.text.slice(0, res.text.indexOf('<entry>'))
    expect(xmlText(head, 'id')).to.be.a('string').and.not.equal('')
    expect(xmlText(head, 'title')).to.be.a('string').and.not.equal('')
    expect(Date.parse(xmlText(head, 'updated')!)).to.not.be.NaN
    for (const entry of atomEntries(res.text)) {
      expect(xmlText(entry, 'id')).to.be.a('string').and.not.equal('')
      expect(xmlText(entry, 'title')).to.be.a('string')
      expect(Date.parse(xmlText(entry, 'updated')!)).to.not.be.NaN
    }
  })

  it('lists exactly the public, published posts, newest first', async () => {
    const res = await tk.client().get('/blogs/feed.xml')
    const entries = atomEntries(res.text)
    expect(entries.map(e => xmlText(e, 'title'))).to.deep.equal(['Third public', 'Second public', 'First public'])
    expect(entries.map(e => xmlText(e, 'id'))).to.deep.equal(published.map(p => `http://127.0.0.1/blogs/${p.id}`).reverse())
    for (const p of hidden) {
      expect(res.text).to.not.include(p.id)
      expect(res.text).to.not.include(p.title)
    }
  })

  it('is the same for a signed-in visitor: the feed shows only what anyone may read', async () => {
    const res = await alice.client.get('/blogs/feed.xml')
    expect(atomEntries(res.text)).to.have.length(3)
    for (const p of hidden) expect(res.text).to.not.include(p.id)
  })

  it("carries each post's link, sanitized content, author name (never the e-mail) and tags", async () => {
    const res = await tk.client().get('/blogs/feed.xml')
    const second = atomEntries(res.text).find(e => xmlText(e, 'title') === 'Second public')!
    expect(second).to.match(new RegExp(`<link href="http://127\\.0\\.0\\.1/blogs/${published[1].id}"`))
    expect(xmlText(second, 'content')).to.equal('<p>Two <a href="https://example.org" rel="noopener noreferrer">link</a></p>')
    expect(xmlText(xmlText(second, 'author')!, 'name')).to.equal('Bob')
    expect(res.text).to.not.include(bob.user.email)
    expect(res.text).to.not.include(alice.user.email)
    const first = atomEntries(res.text).find(e => xmlText(e, 'title') === 'First public')!
    expect(first).to.match(/<category [^>]*"open data"/)
  })

  it('follows changes: a post made private leaves the feed, a published draft joins it', async () => {
    const draft = hidden[2]
    const gone = published[0]
    expect((await alice.client.patch(`/api/v1/blogs/${gone.id}`, { access: { read: ['logged_in'] } })).status).to.equal(200)
    expect((await bob.client.patch(`/api/v1/blogs/${draft.id}`, { status: 'published' })).status).to.equal(200)
    const res = await tk.client().get('/blogs/feed.xml')
    const titles = atomEntries(res.text).map(e => xmlText(e, 'title'))
    expect(titles).to.include('A draft')
    expect(titles).to.not.include('First public')
    // Restore for the tests that follow.
    expect((await alice.client.patch(`/api/v1/blogs/${gone.id}`, { access: { read: ['public'] } })).status).to.equal(200)
    expect((await bob.client.patch(`/api/v1/blogs/${draft.id}`, { status: 'draft' })).status).to.equal(200)
  })

  it('stays well-formed and inert whatever the title and text hold (CDATA ends, markup, ampersands)', async () => {
    const post = await createPost(alice.client, {
      title: 'Tricky ]]> <script>alert(1)</script> & <b>bold</b> ]]>',
      body: '<p>Text with ]]&gt; ]]&gt; and &lt;script&gt;alert(2)&lt;/script&gt; &amp; more</p>',
    })
    const res = await tk.client().get('/blogs/feed.xml')
    checkWellFormedXml(res.text)
    const entry = atomEntries(res.text).find(e => e.includes(post.id))!
    expect(entry, res.text).to.be.a('string')
    // Whatever type each text construct declares, a feed reader must not find live markup in it.
    for (const name of ['title', 'summary', 'content']) {
      const element = entry.match(new RegExp(`<${name}(\\s[^>]*)?>`))
      if (!element) continue
      const type = element[1]?.match(/type="([^"]+)"/)?.[1] ?? 'text'
      const value = xmlText(entry, name)!
      if (type === 'html') expect(value, `${name} as html`).to.not.match(/<script|<b>/i)
    }
    const title = xmlText(entry, 'title')!
    const shown = /type="html"/.test(entry.match(/<title[^>]*>/)![0]) ? title.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : title
    expect(shown).to.equal('Tricky ]]> <script>alert(1)</script> & <b>bold</b> ]]>')
    await alice.client.delete(`/api/v1/blogs/${post.id}`)
  })

  it('keeps to the feedSize setting (default 20 posts)', async () => {
    for (let i = 0; i < 20; i++) await createPost(bob.client, { title: `Bulk ${i}` })
    const res = await tk.client().get('/blogs/feed.xml')
    const titles = atomEntries(res.text).map(e => xmlText(e, 'title'))
    expect(titles).to.have.length(20)
    expect(titles[0]).to.equal('Bulk 19')
  })
})
