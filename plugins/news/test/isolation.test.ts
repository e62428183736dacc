// Site isolation: news belongs to one site. On the root site and a subsite, an article of one is never listed,
// fetched by id, changed, counted among the categories, present in the Atom feed, the news pages or the intranet
// widget of the other, not even for the other site's administrators and editors; the editor role is per site.
import { expect } from 'chai'
import { createTestKernel, expectProblem, ids, listAll, type SignedUp, type TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { intranetPlugin } from '@plein/plugin-intranet'
import { newsPlugin } from '@plein/plugin-news'
import { subsitesPlugin } from '@plein/plugin-subsites'

const OTHER = 'news-other.example.org'
const BARE = 'news-bare.example.org'
const PUBLIC = { read: ['public'] }

describe('news: site isolation', () => {
  let tk: TestKernel
  /** The root site's administrator, its news editor, the subsite's administrator and its news editor. */
  let rootAdmin: SignedUp
  let rootEditor: SignedUp
  let subAdmin: SignedUp
  let subEditor: SignedUp
  /** Signed in on the subsite, by name. */
  const on: Record<string, TestClient> = {}
  let rootArticle: any
  let rootDraft: any
  let otherArticle: any
  let otherDraft: any

  const write = async (client: TestClient, body: Record<string, unknown>) => {
    const res = await client.post('/api/v1/news', { body: '<p>Text</p>', ...body })
    expect(res.status, res.text).to.equal(201)
    return res.body
  }

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [newsPlugin, intranetPlugin, subsitesPlugin], site: { settings: { access: { allowPublic: true } } } })
    rootAdmin = await tk.signUp({ name: 'Root Admin' })
    rootEditor = await tk.signUp({ name: 'Root Editor' })
    subAdmin = await tk.signUp({ name: 'Sub Admin' })
    subEditor = await tk.signUp({ name: 'Sub Editor' })
    for (const [host, plugins] of [
      [OTHER, ['news', 'intranet']],
      [BARE, []],
    ] as const) {
      const res = await rootAdmin.client.post('/api/v1/subsites', { name: host, host, plugins, membership: 'open', admins: [subAdmin.user.email], siteSettings: { access: { allowPublic: true } } })
      expect(res.status, res.text).to.equal(201)
    }
    for (const [name, who] of [['rootAdmin', rootAdmin], ['rootEditor', rootEditor], ['subAdmin', subAdmin], ['subEditor', subEditor]] as const) on[name] = await tk.signIn(who, OTHER)
    // Each site's administrator names its own editor.
    expect((await rootAdmin.client.put(`/api/v1/news/editors/${rootEditor.user.id}`)).status).to.equal(204)
    expect((await on.subAdmin!.put(`/api/v1/news/editors/${subEditor.user.id}`)).status).to.equal(204)
    rootArticle = await write(rootEditor.client, { access: PUBLIC, title: 'Rootnieuws artikel', lead: 'Rootlead', featured: true, categories: ['Rootcategorie'] })
    rootDraft = await write(rootEditor.client, { title: 'Rootconcept', publishAt: null, categories: ['Rootconceptcat'] })
    otherArticle = await write(on.subEditor!, { access: PUBLIC, title: 'Subnieuws artikel', lead: 'Sublead', featured: true, categories: ['Subcategorie'] })
    otherDraft = await write(on.subEditor!, { title: 'Subconcept', publishAt: null })
    // Both sites' dashboards show the latest news.
    for (const client of [rootAdmin.client, on.subAdmin!]) {
      const res = await client.put('/api/v1/intranet/dashboard', { widgets: [{ type: 'news.latest', config: { count: 20 } }] })
      expect(res.status, res.text).to.equal(200)
    }
  })
  after(() => tk?.close())

  /** Every API endpoint about one article, as this client. */
  const everyEndpoint = (client: TestClient, id: string): Array<Promise<TestResponse>> => [
    client.get(`/api/v1/news/${id}`),
    client.patch(`/api/v1/news/${id}`, { title: 'Taken over' }),
    client.delete(`/api/v1/news/${id}`),
  ]

  it('answers 404 on the subsite for a root article and draft, even to the subsite’s administrator and editor', async () => {
    for (const client of [on.subAdmin!, on.subEditor!]) {
      for (const article of [rootArticle, rootDraft]) {
        for (const res of await Promise.all(everyEndpoint(client, article.id))) expectProblem(res, 404)
        expectProblem(await client.get(`/news/${article.id}`, { headers: { accept: 'text/html' } }), 404)
        expectProblem(await client.get(`/news/${article.id}/edit`, { headers: { accept: 'text/html' } }), 404)
      }
    }
    expectProblem(await tk.client(OTHER).get(`/api/v1/news/${rootArticle.id}`), 404)
    // Untouched on its own site.
    const own = await rootEditor.client.get(`/api/v1/news/${rootArticle.id}`)
    expect(own.body).to.include({ title: 'Rootnieuws artikel', lead: 'Rootlead' })
    expect((await rootEditor.client.get(`/api/v1/news/${rootDraft.id}`)).status).to.equal(200)
  })

  it('answers 404 on the root site for a subsite article and draft, even to the root’s administrator and editor', async () => {
    for (const client of [rootAdmin.client, rootEditor.client]) {
      for (const article of [otherArticle, otherDraft]) {
        for (const res of await Promise.all(everyEndpoint(client, article.id))) expectProblem(res, 404)
        expectProblem(await client.get(`/news/${article.id}`, { headers: { accept: 'text/html' } }), 404)
      }
    }
    expect((await on.subEditor!.get(`/api/v1/news/${otherArticle.id}`)).body.title).to.equal('Subnieuws artikel')
  })

  it('lists, filters and features only the site’s own articles', async () => {
    for (const client of [on.subAdmin!, on.subEditor!, on.rootAdmin!, tk.client(OTHER)]) {
      expect(ids(await listAll(client, '/api/v1/news')), client.host).to.not.include.members([rootArticle.id, rootDraft.id])
      expect(await listAll(client, '/api/v1/news?category=rootcategorie')).to.deep.equal([])
      expect(ids(await listAll(client, '/api/v1/news?featured=true'))).to.not.include(rootArticle.id)
    }
    expect(ids(await listAll(on.subAdmin!, '/api/v1/news'))).to.deep.equal([otherArticle.id])
    expect(ids(await listAll(on.subAdmin!, '/api/v1/news?featured=true'))).to.deep.equal([otherArticle.id])
    for (const client of [rootAdmin.client, rootEditor.client, tk.client()]) {
      expect(ids(await listAll(client, '/api/v1/news')), client.host).to.not.include.members([otherArticle.id, otherDraft.id])
      expect(await listAll(client, '/api/v1/news?category=subcategorie')).to.deep.equal([])
    }
    expect(ids(await listAll(rootAdmin.client, '/api/v1/news'))).to.deep.equal([rootArticle.id])
  })

  it('keeps the other site’s articles, drafts and categories out of the news page, the Atom feed and the dashboard widget', async () => {
    const rootWords = ['Rootnieuws', 'Rootconcept', 'rootcategorie', 'rootconceptcat', rootArticle.id, rootDraft.id]
    const otherWords = ['Subnieuws', 'Subconcept', 'subcategorie', otherArticle.id, otherDraft.id]
    const noneOf = (text: string, words: string[], where: string) => {
      for (const w of words) expect(text, `${where} shows ${w}`).to.not.include(w)
    }
    for (const [client, foreign, own] of [
      [on.subAdmin!, rootWords, 'Subnieuws'],
      [rootAdmin.client, otherWords, 'Rootnieuws'],
    ] as const) {
      const page = await client.get('/news', { headers: { accept: 'text/html' } })
      expect(page.status, page.text).to.equal(200)
      expect(page.text).to.include(own)
      noneOf(page.text, foreign, `${client.host} /news`)
      const feed = await client.get('/news/feed.xml', { headers: { accept: 'application/atom+xml' } })
      expect(feed.status).to.equal(200)
      expect(feed.text).to.include(own)
      noneOf(feed.text, foreign, `${client.host} feed`)
      const dashboard = await client.get('/api/v1/intranet/dashboard')
      expect(dashboard.status, dashboard.text).to.equal(200)
      const items = dashboard.body.widgets.flatMap((w: any) => w.data.items)
      expect(items.map((i: any) => i.title)).to.deep.equal([own === 'Subnieuws' ? 'Subnieuws artikel' : 'Rootnieuws artikel'])
      const home = await client.get('/intranet', { headers: { accept: 'text/html' } })
      expect(home.status).to.equal(200)
      noneOf(home.text, foreign, `${client.host} /intranet`)
    }
  })

  it('gives the editor role on one site no power on the other', async () => {
    // The root editor on the subsite, the subsite editor on the root: not editors there.
    expectProblem(await on.rootEditor!.post('/api/v1/news', { title: 'Not here', body: '<p>x</p>' }), 403, 'NOT_EDITOR')
    expectProblem(await on.rootEditor!.patch(`/api/v1/news/${otherArticle.id}`, { title: 'Taken over' }), 403, 'NOT_EDITOR')
    expectProblem(await on.rootEditor!.delete(`/api/v1/news/${otherArticle.id}`), 403, 'NOT_EDITOR')
    expectProblem(await subEditor.client.post('/api/v1/news', { title: 'Not here', body: '<p>x</p>' }), 403, 'NOT_EDITOR')
    expectProblem(await subEditor.client.patch(`/api/v1/news/${rootArticle.id}`, { title: 'Taken over' }), 403, 'NOT_EDITOR')
    // The root administrator is no administrator (nor editor) of the subsite, and the other way round.
    expectProblem(await on.rootAdmin!.post('/api/v1/news', { title: 'Not here', body: '<p>x</p>' }), 403, 'NOT_EDITOR')
    expectProblem(await on.rootAdmin!.get('/api/v1/news/editors'), 403, 'NOT_ADMIN')
    expectProblem(await on.rootAdmin!.put(`/api/v1/news/editors/${rootEditor.user.id}`), 403, 'NOT_ADMIN')
    expectProblem(await on.rootAdmin!.delete(`/api/v1/news/editors/${subEditor.user.id}`), 403, 'NOT_ADMIN')
    expectProblem(await subAdmin.client.get('/api/v1/news/editors'), 403, 'NOT_ADMIN')
    expectProblem(await subAdmin.client.delete(`/api/v1/news/editors/${rootEditor.user.id}`), 403, 'NOT_ADMIN')
    // Each site's editor list names only its own editors, and the subsite's "remove" left the root's role alone.
    expect((await rootAdmin.client.get('/api/v1/news/editors')).body.items.map((p: any) => p.id)).to.deep.equal([rootEditor.user.id])
    expect((await on.subAdmin!.get('/api/v1/news/editors')).body.items.map((p: any) => p.id)).to.deep.equal([subEditor.user.id])
    expect((await on.subAdmin!.delete(`/api/v1/news/editors/${rootEditor.user.id}`)).status).to.equal(204)
    const still = await rootEditor.client.patch(`/api/v1/news/${rootArticle.id}`, { lead: 'Rootlead' })
    expect(still.status, still.text).to.equal(200)
    // The editors' page form on the other site is closed too.
    expect((await on.rootEditor!.get('/news/new', { headers: { accept: 'text/html' } })).status).to.equal(403)
    // Nothing changed on either side.
    expect((await rootAdmin.client.get(`/api/v1/news/${rootArticle.id}`)).body.title).to.equal('Rootnieuws artikel')
    expect((await on.subAdmin!.get(`/api/v1/news/${otherArticle.id}`)).body.title).to.equal('Subnieuws artikel')
  })

  it('has no news routes on a subsite that does not enable the plugin', async () => {
    const bare = tk.client(BARE)
    expectProblem(await bare.get('/api/v1/news'), 404)
    expectProblem(await bare.get(`/api/v1/news/${rootArticle.id}`), 404)
    expect((await bare.get('/news/feed.xml')).status).to.equal(404)
    expect(Object.keys((await bare.get('/api/v1/openapi.json')).body.paths).filter(p => p.startsWith('/news'))).to.deep.equal([])
  })
})
