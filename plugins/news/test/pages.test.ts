// The news plugin's web pages: the list (featured first, categories, paging, the feed link), an article with its
// comments, and the editors' form (CSRF, errors next to the field, scheduled publishing, drafts), against the
// same access rules as the API.
import { expect } from 'chai'
import { ManualClock } from '@plein/core'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { newsPlugin } from '@plein/plugin-news'
import { commentsPlugin } from '@plein/plugin-comments'

const html = (client: TestClient, path: string) => client.get(path, { headers: { accept: 'text/html' } })

/** Posts an HTML form as a browser does: the token in the `_csrf` field, no CSRF header. */
function postForm(who: SignedUp | TestClient, path: string, fields: Record<string, string>, csrf = true): Promise<TestResponse> {
  const client = 'client' in who ? who.client : who
  const body = new URLSearchParams(csrf && client.csrfToken ? { ...fields, _csrf: client.csrfToken } : fields).toString()
  return client.post(path, undefined, { raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-csrf-token': '' } })
}

function expectPage(res: TestResponse, status = 200): string {
  expect(res.status, res.text.slice(0, 500)).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^text\/html/)
  expect(res.text.match(/<h1\b/g)?.length, 'exactly one h1').to.equal(1)
  expect(res.text).to.contain('<main').and.contain('<nav').and.contain('<header').and.contain('<footer')
  return res.text
}

/** The error shown next to a field by kernel.field. */
function fieldError(page: string, name: string): string | undefined {
  const m = new RegExp(`id="field-${name}-error"[^>]*>([^<]*)<`).exec(page)
  return m?.[1]
}

const between = (page: string, from: string, to: string) => page.slice(page.indexOf(from), to ? page.indexOf(to, page.indexOf(from)) : undefined)

describe('news: web pages', () => {
  let tk: TestKernel
  let clock: ManualClock
  let admin: SignedUp
  let editor: SignedUp
  let reader: SignedUp
  const PUBLIC = { read: ['public'] }

  const write = async (body: Record<string, unknown>) => {
    const res = await editor.client.post('/api/v1/news', { body: '<p>Text</p>', access: PUBLIC, ...body })
    expect(res.status, res.text).to.equal(201)
    return res.body
  }

  before(async function () {
    this.timeout(120_000)
    clock = new ManualClock(new Date('2026-12-01T12:00:00Z'))
    tk = await createTestKernel({ plugins: [newsPlugin, commentsPlugin], clock, site: { settings: { access: { allowPublic: true, allowLoggedIn: true } } } })
    admin = await tk.signUp({ name: 'Admin' })
    editor = await tk.signUp({ name: 'Eva Editor' })
    reader = await tk.signUp({ name: 'Rob Reader' })
    expect((await admin.client.put(`/api/v1/news/editors/${editor.user.id}`)).status).to.equal(204)
  })
  after(async () => {
    await tk?.close()
  })

  it('lists the news with the menu entry, the feed link in the head and on the page, and no editor button for readers', async () => {
    await write({ title: 'Eerste bericht', lead: 'De eerste inleiding', categories: ['beleid'] })
    const page = expectPage(await html(reader.client, '/news'))
    expect(page).to.contain('<link rel="alternate" type="application/atom+xml" href="/news/feed.xml"')
    expect(page).to.contain('href="/news/feed.xml"')
    expect(page).to.match(/<a class="utrecht-link" href="\/news"[^>]*>Nieuws<\/a>/)
    expect(page).to.contain('Eerste bericht').and.contain('De eerste inleiding')
    expect(page).to.not.contain('href="/news/new"')
    expect(page).to.contain('<option value="beleid">beleid</option>')
    expect(expectPage(await html(editor.client, '/news'))).to.contain('href="/news/new"')
    // English when the browser asks for it.
    const en = await reader.client.get('/news', { headers: { accept: 'text/html', 'accept-language': 'en-GB,en;q=0.9' } })
    expect(expectPage(en)).to.contain('<html lang="en"').and.contain('Latest news')
  })

  it('puts featured articles first, filters by category and pages with a "more" link', async () => {
    const featured = await write({ title: 'Uitgelicht oud bericht', featured: true, categories: ['personeel'], publishAt: new Date(clock.now().getTime() - 86_400_000).toISOString() })
    for (let i = 0; i < 21; i++) {
      clock.advance(1000)
      await write({ title: `Gewoon bericht ${String(i).padStart(2, '0')}`, categories: ['personeel'] })
    }
    const page = expectPage(await html(reader.client, '/news'))
    const featuredSection = between(page, 'id="news-featured"', '</section>')
    expect(featuredSection).to.contain(featured.title)
    expect(page.indexOf(featured.title), 'featured before the newest').to.be.below(page.indexOf('Gewoon bericht 20'))
    expect(page.split(featured.title).length - 1, 'shown once').to.equal(1)
    const more = /href="(\/news\?cursor=[^"]+)"/.exec(page)
    expect(more, 'a "more" link').to.not.equal(null)
    const second = expectPage(await html(reader.client, more![1]!.replace(/&amp;/g, '&')))
    // Newest first: the first page ends with message 01; the older ones follow on the next.
    expect(page).to.contain('Gewoon bericht 01').and.not.contain('Gewoon bericht 00')
    expect(second).to.contain('Gewoon bericht 00').and.contain('Eerste bericht').and.not.contain('Gewoon bericht 20')
    const beleid = expectPage(await html(reader.client, '/news?category=beleid'))
    expect(beleid).to.contain('Eerste bericht').and.contain('<option value="beleid" selected>beleid</option>')
    expect(beleid).to.not.contain('Gewoon bericht')
    const none = expectPage(await html(reader.client, '/news?category=onbekend'))
    expect(none).to.contain('Geen nieuws in de categorie “onbekend”')
    expect((await html(reader.client, `/news?category=${'x'.repeat(51)}`)).status).to.equal(400)
  })

  it('shows an article: lead, image, date, categories, body and the comments thread; the edit link only for editors', async () => {
    const a = await write({ title: 'Nieuwe fietsenstalling', lead: 'Bij het stadskantoor', body: '<p>De stalling is <strong>open</strong>.</p><script>alert(1)</script>', imageUrl: '/images/stalling.jpg', categories: ['gebouwen', 'fiets'] })
    await reader.client.post(`/api/v1/entities/${a.id}/comments`, { body: 'Eindelijk!' })
    const page = expectPage(await html(reader.client, `/news/${a.id}`))
    expect(page).to.contain('<h1 class="utrecht-heading-1">Nieuwe fietsenstalling</h1>')
    expect(page).to.contain('Bij het stadskantoor').and.contain('<strong>open</strong>').and.not.contain('<script')
    expect(page).to.contain('src="/images/stalling.jpg"')
    expect(page).to.contain('Gepubliceerd op 1 december 2026 om 13:00').and.contain(`datetime="${clock.now().toISOString()}"`)
    expect(page).to.contain('href="/news?category=gebouwen"').and.contain('href="/news?category=fiets"')
    expect(page).to.contain('id="comments-heading"').and.contain('Eindelijk!').and.contain(`action="/entities/${a.id}/comments"`)
    expect(page).to.not.contain(`/news/${a.id}/edit`)
    expect(expectPage(await html(editor.client, `/news/${a.id}`))).to.contain(`href="/news/${a.id}/edit"`)
    expect(expectPage(await html(tk.client(), `/news/${a.id}`))).to.contain('Je moet ingelogd zijn om te reageren')
    expect((await html(reader.client, '/news/00000000-0000-4000-8000-000000000000')).status).to.equal(404)
  })

  it('keeps the form routes to editors: sign in first, 403 for others, 404 for an article they cannot see', async () => {
    const anonymous = tk.client()
    const get = await html(anonymous, '/news/new')
    expect(get.status).to.equal(302)
    expect(get.headers.location).to.equal('/auth/sign-in?next=%2Fnews%2Fnew')
    expect((await postForm(anonymous, '/news/new', { title: 'x', body: 'y' })).status).to.equal(401)
    expect((await html(reader.client, '/news/new')).status).to.equal(403)
    expect((await postForm(reader, '/news/new', { title: 'x', body: 'y' })).status).to.equal(403)
    const a = await write({ title: 'Niet van lezers' })
    expect((await html(reader.client, `/news/${a.id}/edit`)).status).to.equal(403)
    expect((await postForm(reader, `/news/${a.id}/edit`, { title: 'Gekaapt', body: 'x' })).status).to.equal(403)
    expect((await html(editor.client, '/news/00000000-0000-4000-8000-000000000000/edit')).status).to.equal(404)
    expect((await reader.client.get(`/api/v1/news/${a.id}`)).body.title).to.equal('Niet van lezers')
  })

  it('refuses a form without the CSRF token and shows each mistake next to its field, keeping the values', async () => {
    const form = expectPage(await html(editor.client, '/news/new'))
    expect(form).to.contain('name="_csrf"').and.contain('action="/news/new"').and.contain('type="datetime-local"')
    for (const name of ['title', 'lead', 'body', 'imageUrl', 'categories', 'publishAt']) expect(form).to.match(new RegExp(`<label class="utrecht-form-label" for="field-${name}">`))
    expect((await postForm(editor, '/news/new', { title: 'Zonder token', body: 'x' }, false)).status).to.equal(403)
    const res = await postForm(editor, '/news/new', { title: '  ', body: 'Tekst blijft staan', imageUrl: 'javascript:alert(1)', status: 'scheduled', publishAt: '', categories: 'a, b' })
    const page = expectPage(res, 400)
    expect(page).to.contain('role="alert"')
    expect(fieldError(page, 'title')).to.equal('Geef het artikel een titel.')
    expect(fieldError(page, 'imageUrl')).to.equal('Geef een adres dat begint met https:// of /.')
    expect(fieldError(page, 'publishAt')).to.equal('Kies de datum en tijd waarop het artikel verschijnt.')
    expect(fieldError(page, 'body')).to.equal(undefined)
    expect(page).to.contain('aria-invalid="true"').and.contain('Tekst blijft staan').and.contain('value="a, b"')
    expect(page).to.match(/id="status-scheduled" name="status" value="scheduled" checked/)
    const tooMany = expectPage(await postForm(editor, '/news/new', { title: 'Te veel', body: 'x', categories: Array.from({ length: 21 }, (_, i) => `c${i}`).join(',') }), 400)
    expect(fieldError(tooMany, 'categories')).to.equal('Hoogstens 20 categorieën van elk hoogstens 50 tekens.')
  })

  it('schedules an article in the site’s time zone: invisible to others until its time, listed for its editor meanwhile', async () => {
    const res = await postForm(editor, '/news/new', { title: 'Nieuwjaarsreceptie', lead: 'Iedereen welkom', body: 'Op 15 januari.\n\nIn de hal.', status: 'scheduled', publishAt: '2027-01-15T09:30', categories: 'Agenda', featured: 'on' })
    expect(res.status, res.text).to.equal(302)
    const id = /^\/news\/([0-9a-f-]{36})$/.exec(String(res.headers.location))![1]!
    const api = await editor.client.get(`/api/v1/news/${id}`)
    // 09:30 in Amsterdam in winter is 08:30 UTC.
    expect(api.body).to.include({ publishedAt: '2027-01-15T08:30:00.000Z', featured: true, lead: 'Iedereen welkom', body: '<p>Op 15 januari.</p><p>In de hal.</p>' })
    expect(api.body.categories).to.deep.equal(['agenda'])
    expect(api.body.access.read).to.not.include('user:' + reader.user.id)
    expect((await html(reader.client, `/news/${id}`)).status).to.equal(404)
    expect((await html(tk.client(), `/news/${id}`)).status).to.equal(404)
    expect(expectPage(await html(reader.client, '/news'))).to.not.contain('Nieuwjaarsreceptie')
    const mine = expectPage(await html(editor.client, '/news'))
    expect(between(mine, 'id="news-unpublished"', '</section>')).to.contain('Nieuwjaarsreceptie').and.contain('Gepland voor 15 januari 2027 om 09:30')
    // The edit form shows the same wall-clock time back.
    const edit = expectPage(await html(editor.client, `/news/${id}/edit`))
    expect(edit).to.contain('value="2027-01-15T09:30"').and.match(/id="status-scheduled" name="status" value="scheduled" checked/).and.match(/id="field-featured" name="featured" value="on" checked/)
    clock.set(new Date('2027-01-15T08:30:00Z'))
    expect(expectPage(await html(reader.client, `/news/${id}`))).to.contain('Iedereen welkom')
    expect(between(expectPage(await html(reader.client, '/news')), 'id="news-featured"', '</section>')).to.contain('Nieuwjaarsreceptie')
  })

  it('saves drafts visible to their writers only, and publishes them from the edit form', async () => {
    const res = await postForm(editor, '/news/new', { title: 'Conceptbericht', body: 'Nog niet af', status: 'draft' })
    expect(res.status, res.text).to.equal(302)
    const id = String(res.headers.location).split('/').pop()!
    expect(expectPage(await html(editor.client, `/news/${id}`))).to.contain('Concept')
    expect((await html(reader.client, `/news/${id}`)).status).to.equal(404)
    expect((await html(tk.client(), `/news/${id}`)).status).to.equal(404)
    expect(expectPage(await html(reader.client, '/news'))).to.not.contain('Conceptbericht')
    // A mistake on the edit form is shown there; then the article is published with a new title.
    const wrong = expectPage(await postForm(editor, `/news/${id}/edit`, { title: '', body: 'Nog niet af', status: 'published' }), 400)
    expect(fieldError(wrong, 'title')).to.equal('Geef het artikel een titel.')
    const saved = await postForm(editor, `/news/${id}/edit`, { title: 'Nu gepubliceerd', body: 'Af', status: 'published' })
    expect(saved.status, saved.text).to.equal(302)
    expect(saved.headers.location).to.equal(`/news/${id}`)
    const page = expectPage(await html(reader.client, `/news/${id}`))
    expect(page).to.contain('Nu gepubliceerd').and.contain('<p>Af</p>')
    expect((await reader.client.get(`/api/v1/news/${id}`)).body.publishedAt).to.equal(clock.now().toISOString())
  })
})
