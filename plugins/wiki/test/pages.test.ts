// The wiki plugin's web pages: the tree of the site and of a group, a page with working links, the form to write
// and change pages (CSRF, errors next to the field, conflicts), revisions, a readable diff and restore, and the
// same access rules as the API (a page in a closed group is hidden from non-members).
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { wikiPlugin } from '@plein/plugin-wiki'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { createPage } from './helpers.js'

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

const fieldError = (page: string, name: string) => new RegExp(`id="field-${name}-error"[^>]*>([^<]*)<`).exec(page)?.[1]
const created = (res: TestResponse) => {
  expect(res.status, res.text.slice(0, 500)).to.equal(302)
  return /^\/wiki\/([0-9a-f-]{36})$/.exec(String(res.headers.location))![1]!
}

describe('wiki: web pages', () => {
  let tk: TestKernel
  let alice: SignedUp
  let bob: SignedUp
  const PUBLIC = { read: ['public'] }

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({ plugins: [wikiPlugin, commentsPlugin, groupsPlugin], site: { settings: { access: { allowPublic: true, allowLoggedIn: true } } } })
    await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice Auteur' })
    bob = await tk.signUp({ name: 'Bob Lezer' })
  })
  after(async () => {
    await tk?.close()
  })

  it('shows the site’s page tree, nested, with the menu entry', async () => {
    const top = await createPage(alice.client, { title: 'Handboek', access: PUBLIC })
    const mid = await createPage(alice.client, { title: 'Inwerken', parentId: top.id })
    await createPage(alice.client, { title: 'Eerste dag', parentId: mid.id })
    await createPage(alice.client, { title: 'Afspraken', access: PUBLIC })
    const page = expectPage(await html(bob.client, '/wiki'))
    expect(page).to.match(/<a class="utrecht-link" href="\/wiki"[^>]*>Wiki<\/a>/)
    // Afspraken < Handboek by title; Inwerken inside Handboek's list item, Eerste dag inside Inwerken's.
    expect(page).to.match(new RegExp(`<li><a class="utrecht-link" href="/wiki/${top.id}">Handboek</a><ul><li><a class="utrecht-link" href="/wiki/${mid.id}">Inwerken</a><ul><li><a [^>]*>Eerste dag</a></li></ul></li></ul></li>`))
    expect(page.indexOf('Afspraken')).to.be.below(page.indexOf('Handboek'))
    expect(page).to.contain('href="/wiki/new"')
    expect(expectPage(await html(tk.client(), '/wiki'))).to.not.contain('href="/wiki/new"')
    expect((await html(bob.client, '/wiki?cursor=nonsense')).status).to.equal(400)
  })

  it('shows a page: body with working links between pages, place in the tree, backlinks, comments; edit links for writers only', async () => {
    const target = await createPage(alice.client, { title: 'Verlof', body: '<p>Vraag verlof aan.</p>', access: PUBLIC })
    const source = await createPage(alice.client, { title: 'Regelingen', body: `<p>Zie <a href="/wiki/${target.id}">verlof</a>.</p>`, access: PUBLIC })
    const sub = await createPage(alice.client, { title: 'Zorgverlof', parentId: target.id })
    await bob.client.post(`/api/v1/entities/${target.id}/comments`, { body: 'Helder!' })
    const read = expectPage(await html(bob.client, `/wiki/${source.id}`))
    expect(read).to.contain('<h1 class="utrecht-heading-1">Regelingen</h1>').and.match(new RegExp(`<a href="/wiki/${target.id}"[^>]*>verlof</a>`))
    // The link leads to the page.
    const linked = expectPage(await html(bob.client, `/wiki/${target.id}`))
    expect(linked).to.contain('Vraag verlof aan.').and.contain('id="wiki-backlinks"').and.contain(`href="/wiki/${source.id}"`)
    expect(linked).to.contain('id="wiki-children"').and.contain(`href="/wiki/${sub.id}"`)
    expect(linked).to.contain('Versie 1').and.contain('Alice Auteur').and.contain(`href="/wiki/${target.id}/revisions"`)
    expect(linked).to.contain('Helder!').and.contain(`action="/entities/${target.id}/comments"`)
    expect(linked).to.not.contain(`/wiki/${target.id}/edit`)
    const own = expectPage(await html(alice.client, `/wiki/${target.id}`))
    expect(own).to.contain(`href="/wiki/${target.id}/edit"`).and.contain(`href="/wiki/new?parent=${target.id}"`)
    const child = expectPage(await html(bob.client, `/wiki/${sub.id}`))
    expect(child).to.contain('aria-label="Kruimelpad"').and.contain(`href="/wiki/${target.id}">Verlof</a>`)
    expect((await html(bob.client, '/wiki/00000000-0000-4000-8000-000000000000')).status).to.equal(404)
  })

  it('writes a page and a subpage from the form: sign in first, CSRF, errors next to the field', async () => {
    const anonymous = await html(tk.client(), '/wiki/new')
    expect(anonymous.status).to.equal(302)
    expect(anonymous.headers.location).to.equal('/auth/sign-in?next=%2Fwiki%2Fnew')
    expect((await postForm(tk.client(), '/wiki/new', { title: 'x', body: 'y' })).status).to.equal(401)
    const form = expectPage(await html(alice.client, '/wiki/new'))
    expect(form).to.contain('name="_csrf"').and.match(/<label class="utrecht-form-label" for="field-title">/).and.match(/<label class="utrecht-form-label" for="field-body">/)
    expect((await postForm(alice, '/wiki/new', { title: 'Zonder token', body: 'x' }, false)).status).to.equal(403)
    const wrong = expectPage(await postForm(alice, '/wiki/new', { title: ' ', body: 'Blijft staan' }), 400)
    expect(fieldError(wrong, 'title')).to.equal('Geef de pagina een titel.')
    expect(fieldError(wrong, 'body')).to.equal(undefined)
    expect(wrong).to.contain('role="alert"').and.contain('Blijft staan').and.contain('aria-invalid="true"')
    const id = created(await postForm(alice, '/wiki/new', { title: 'Thuiswerken', body: 'Regels voor thuiswerken.\n\nVraag je leidinggevende.', summary: 'Eerste versie' }))
    const page = (await alice.client.get(`/api/v1/wiki/${id}`)).body
    expect(page).to.include({ title: 'Thuiswerken', body: '<p>Regels voor thuiswerken.</p><p>Vraag je leidinggevende.</p>', revision: 1, parentId: null })
    // A subpage: the form carries the parent.
    const subForm = expectPage(await html(alice.client, `/wiki/new?parent=${id}`))
    expect(subForm).to.contain(`name="parentId" value="${id}"`).and.contain('Onder “Thuiswerken”')
    const subId = created(await postForm(alice, '/wiki/new', { title: 'Thuiswerkplek', body: '<p>Een <em>goede</em> stoel.</p><script>x()</script>', parentId: id }))
    const sub = (await alice.client.get(`/api/v1/wiki/${subId}`)).body
    expect(sub).to.include({ parentId: id, body: '<p>Een <em>goede</em> stoel.</p>' })
  })

  it('changes a page: a new revision; a stale form is a conflict, not an overwrite; only writers may', async () => {
    const page = await createPage(alice.client, { title: 'Parkeren', body: '<p>Achter het kantoor.</p>', access: PUBLIC })
    expect((await html(bob.client, `/wiki/${page.id}/edit`)).status).to.equal(403)
    expect((await postForm(bob, `/wiki/${page.id}/edit`, { title: 'Gekaapt', body: 'x' })).status).to.equal(403)
    const form = expectPage(await html(alice.client, `/wiki/${page.id}/edit`))
    expect(form).to.contain('name="revision" value="1"').and.contain('value="Parkeren"').and.contain('&lt;p>Achter het kantoor.&lt;/p>')
    expect(created(await postForm(alice, `/wiki/${page.id}/edit`, { title: 'Parkeren', body: '<p>Achter het kantoor.</p><p>Fietsen in de kelder.</p>', summary: 'Fietsen', revision: '1' }))).to.equal(page.id)
    // The same form sent again (still at revision 1): refused with a message, the text kept.
    const stale = expectPage(await postForm(alice, `/wiki/${page.id}/edit`, { title: 'Parkeren', body: 'Mijn versie', revision: '1' }), 412)
    expect(stale).to.contain('role="alert"').and.contain('nu versie 2').and.contain('Mijn versie')
    const missing = expectPage(await postForm(alice, `/wiki/${page.id}/edit`, { title: 'Parkeren', body: '', revision: '2' }), 400)
    expect(fieldError(missing, 'body')).to.equal('Schrijf de tekst van de pagina.')
    const json = (await alice.client.get(`/api/v1/wiki/${page.id}`)).body
    expect(json).to.include({ revision: 2, body: '<p>Achter het kantoor.</p><p>Fietsen in de kelder.</p>' })
  })

  it('lists revisions (who, when), shows a readable diff, and restores a revision with a POST form', async () => {
    const page = await createPage(alice.client, { title: 'Lunch', body: '<p>Kantine open om 12.</p><p>Soep op maandag.</p>', access: PUBLIC })
    await alice.client.patch(`/api/v1/wiki/${page.id}`, { body: '<p>Kantine open om 12.</p><p>Soep op dinsdag.</p><p>Fruit gratis.</p>', summary: 'Nieuwe dagen' })
    const history = expectPage(await html(bob.client, `/wiki/${page.id}/revisions`))
    expect(history).to.contain('<caption class="utrecht-table__caption">Versies</caption>').and.contain('Alice Auteur').and.contain('Nieuwe dagen')
    expect(history).to.contain(`href="/wiki/${page.id}/diff?to=2"`).and.match(/<label class="utrecht-form-label" for="field-from">/)
    expect(history, 'no restore button for a reader').to.not.contain('/restore"')
    const diff = expectPage(await html(bob.client, `/wiki/${page.id}/diff?from=1&to=2`))
    expect(diff).to.contain('2 regels toegevoegd, 1 regels verwijderd.')
    expect(diff).to.contain('<td class="utrecht-table__cell">verwijderd</td><td class="utrecht-table__cell"><del>Soep op maandag.</del></td>')
    expect(diff).to.contain('<td class="utrecht-table__cell">toegevoegd</td><td class="utrecht-table__cell"><ins>Fruit gratis.</ins></td>')
    expect(diff).to.contain('Kantine open om 12.')
    expect((await html(bob.client, `/wiki/${page.id}/diff?from=1&to=9`)).status).to.equal(404)
    expect((await html(bob.client, `/wiki/${page.id}/diff?from=0`)).status).to.equal(400)
    // Restore: only writers; the form carries the revision it was shown at.
    expect((await postForm(bob, `/wiki/${page.id}/revisions/1/restore`, { revision: '2' })).status).to.equal(403)
    const mine = expectPage(await html(alice.client, `/wiki/${page.id}/revisions`))
    expect(mine).to.contain(`action="/wiki/${page.id}/revisions/1/restore"`).and.contain('Versie 1 terugzetten')
    expect((await postForm(alice, `/wiki/${page.id}/revisions/1/restore`, { revision: '2' }, false)).status).to.equal(403)
    expect(created(await postForm(alice, `/wiki/${page.id}/revisions/1/restore`, { revision: '2' }))).to.equal(page.id)
    const restored = (await alice.client.get(`/api/v1/wiki/${page.id}`)).body
    expect(restored).to.include({ revision: 3, body: '<p>Kantine open om 12.</p><p>Soep op maandag.</p>' })
    const revisions = (await alice.client.get(`/api/v1/wiki/${page.id}/revisions`)).body.items
    expect(revisions[0]).to.include({ rev: 3, restoredFrom: 1, summary: 'Versie 1 teruggezet' })
    // A restore from a page that was stale by then is refused with a message.
    const stale = expectPage(await postForm(alice, `/wiki/${page.id}/revisions/2/restore`, { revision: '2' }), 412)
    expect(stale).to.contain('role="alert"').and.contain('nu versie 3')
    expect(expectPage(await html(alice.client, `/wiki/${page.id}/revisions`))).to.contain('teruggezet van versie 1')
  })

  it('keeps a closed group’s pages to its members: tree, page, form', async () => {
    const res = await alice.client.post('/api/v1/groups', { name: 'Projectteam', membership: 'closed' })
    expect(res.status, res.text).to.equal(201)
    const group = res.body
    const form = expectPage(await html(alice.client, `/wiki/new?group=${group.id}`))
    expect(form).to.contain(`name="containerId" value="${group.id}"`).and.contain('In de groep “Projectteam”')
    const id = created(await postForm(alice, '/wiki/new', { title: 'Geheime planning', body: 'Alleen voor het team.', containerId: group.id }))
    expect((await alice.client.get(`/api/v1/wiki/${id}`)).body.access.read).to.deep.equal([`group:${group.id}`])
    const subId = created(await postForm(alice, '/wiki/new', { title: 'Mijlpalen', body: 'Q1', parentId: id }))
    const tree = expectPage(await html(alice.client, `/wiki?group=${group.id}`))
    expect(tree).to.contain('Wiki van Projectteam').and.contain('Geheime planning').and.contain('Mijlpalen').and.contain(`href="/wiki/new?group=${group.id}"`)
    expect(expectPage(await html(alice.client, `/wiki/${id}`))).to.contain(`href="/wiki?group=${group.id}"`)
    // Not in the site's own tree, and nothing of it for a non-member.
    expect(expectPage(await html(alice.client, '/wiki'))).to.not.contain('Geheime planning')
    const outside = expectPage(await html(bob.client, `/wiki?group=${group.id}`))
    expect(outside).to.not.contain('Geheime planning')
    expect(outside).to.not.contain('Mijlpalen')
    for (const path of [`/wiki/${id}`, `/wiki/${subId}`, `/wiki/${id}/revisions`, `/wiki/${id}/diff`, `/wiki/${id}/edit`]) expect((await html(bob.client, path)).status, path).to.equal(404)
    expect((await html(bob.client, `/wiki/new?parent=${id}`)).status).to.equal(400)
    expect((await postForm(bob, `/wiki/${id}/revisions/1/restore`, {})).status).to.equal(404)
    // A non-member cannot write into the group: the form says why.
    const refused = expectPage(await postForm(bob, '/wiki/new', { title: 'Ingebroken', body: 'x', containerId: group.id }), 403)
    expect(refused).to.contain('role="alert"')
    expect(expectPage(await html(tk.client(), '/wiki'))).to.not.contain('Geheime planning')
  })
})
