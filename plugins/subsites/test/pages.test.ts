// The subsites admin pages (root-site administrators): list, create, edit, plugins on/off with their settings
// forms generated from each plugin's schema, disable, delete with confirmation; the audit trail of each change;
// each subsite's own theme stylesheet. Real HTTP, real database, forms posted as a browser posts them.
import { expect } from 'chai'
import { definePlugin } from '@plein/core'
import { createTestKernel, TestClient, type TestKernel, type TestResponse } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { subsitesPlugin } from '@plein/plugin-subsites'
import { person, ROOT_HOST, type Person } from './helpers.js'

/** A plugin with a settings schema of its own: its form comes from the kernel's schema→form renderer. */
const counterPlugin = definePlugin({
  id: 'counter',
  version: '1.0.0',
  settings: {
    type: 'object',
    additionalProperties: false,
    properties: {
      perPage: { type: 'integer', minimum: 1, maximum: 50, default: 10, title: 'Per pagina' },
      label: { type: 'string', maxLength: 12, default: 'Teller' },
    },
  },
})

function postForm(client: TestClient, path: string, fields: Record<string, string>): Promise<TestResponse> {
  const body = new URLSearchParams({ _csrf: client.csrfToken ?? '', ...fields }).toString()
  return client.request('POST', path, { raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' } })
}
const html = (client: TestClient, path: string) => client.get(path, { headers: { accept: 'text/html' } })
const textOf = (page: string, id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(page)?.[1]
const decode = (s: string | undefined) => s?.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
const themeLink = (page: string) => /<link rel="stylesheet" href="(\/assets\/theme-[0-9a-f]{16}\.css)"/.exec(page)?.[1]

const subsiteFields = (over: Record<string, string> = {}) => ({
  name: 'Intranet Pagina',
  host: 'pages-1.subsites.test',
  membership: 'open',
  allowedEmailDomains: '',
  admins: '',
  themeName: 'voorbeeld',
  logoUrl: '',
  primaryColor: '',
  ...over,
})

describe('subsites admin pages', function () {
  this.timeout(60_000)
  let tk: TestKernel
  let root: Person
  let alice: Person
  let admin: TestClient
  let subsiteId: string
  const host = 'pages-1.subsites.test'

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({ plugins: [commentsPlugin, blogPlugin, subsitesPlugin, counterPlugin] })
    root = await person(tk, { name: 'Root Admin' })
    admin = await root.on(ROOT_HOST)
    alice = await person(tk, { name: 'Alice', email: `alice-${Date.now()}@pages.example` })
  })
  after(() => tk?.close())

  it('is for root-site administrators only: sign in first, 403 page for others', async () => {
    const anonymous = new TestClient(tk.url, ROOT_HOST)
    const a = await html(anonymous, '/admin/subsites')
    expect(a.status).to.equal(302)
    expect(a.headers.location).to.equal('/auth/sign-in?next=%2Fadmin%2Fsubsites')
    for (const path of ['/admin/subsites', '/admin/subsites/new']) {
      const res = await html(await alice.on(ROOT_HOST), path)
      expect(res.status, path).to.equal(403)
      expect(res.text).to.include('Alleen beheerders van de hoofdsite beheren deelsites.')
    }
    expect((await postForm(await alice.on(ROOT_HOST), '/admin/subsites', subsiteFields())).status).to.equal(403)
    const list = await html(admin, '/admin/subsites')
    expect(list.status).to.equal(200)
    // The kernel's admin menu carries the subsites page (through kernel.adminNavigation).
    expect((await html(admin, '/admin')).text).to.match(/href="\/admin\/subsites"[^>]*>Deelsites</)
  })

  it('creates a subsite by form: errors next to the fields with the values kept, then a redirect to its plugins', async () => {
    const bad = await postForm(admin, '/admin/subsites', subsiteFields({ name: '', host: 'not a host!', primaryColor: 'blue', admins: 'nope' }))
    expect(bad.status).to.equal(400)
    expect(textOf(bad.text, 'field-name-error')).to.be.a('string').and.not.equal('')
    expect(textOf(bad.text, 'field-primaryColor-error')).to.be.a('string')
    expect(textOf(bad.text, 'field-admins-error')).to.match(/email/)
    expect(bad.text).to.include('value="not a host!"').and.include('value="blue"')
    const badHost = await postForm(admin, '/admin/subsites', subsiteFields({ host: 'not a host!' }))
    expect(badHost.status).to.equal(400)
    expect(textOf(badHost.text, 'field-host-error')).to.equal('is not a host name')

    const ok = await postForm(admin, '/admin/subsites', subsiteFields({ admins: alice.email }))
    expect(ok.status, ok.text).to.equal(302)
    const m = /^\/admin\/subsites\/([0-9a-f-]{36})\/plugins\?done=created$/.exec(String(ok.headers.location))
    expect(m, String(ok.headers.location)).to.not.equal(null)
    subsiteId = m![1]!
    const again = await postForm(admin, '/admin/subsites', subsiteFields({ name: 'Dubbel' }))
    expect(again.status).to.equal(409)
    expect(textOf(again.text, 'field-host-error')).to.include(host)
    const list = await html(admin, '/admin/subsites')
    expect(list.text).to.include('Intranet Pagina').and.include(host)
  })

  it('enabling a plugin makes its page appear on the subsite; without its dependency the 400 names it next to the box', async () => {
    const visitor = new TestClient(tk.url, host)
    expect((await html(visitor, '/blogs')).status).to.equal(404)
    const form = await html(admin, `/admin/subsites/${subsiteId}/plugins`)
    expect(form.status).to.equal(200)
    expect(form.text).to.include('name="plugin:blog"').and.include('Heeft nodig: comments.')
    expect(form.text).not.to.include('name="plugin:subsites"')

    const missing = await postForm(admin, `/admin/subsites/${subsiteId}/plugins`, { 'plugin:blog': 'true', 'plugin:comments': 'false', 'plugin:counter': 'false' })
    expect(missing.status).to.equal(400)
    expect(decode(textOf(missing.text, 'field-plugin-blog-error'))).to.equal('"blog" needs "comments": enable it too')
    expect(decode(missing.text)).to.include('"blog" needs "comments"')
    expect((await html(visitor, '/blogs')).status).to.equal(404)

    const ok = await postForm(admin, `/admin/subsites/${subsiteId}/plugins`, { 'plugin:blog': 'true', 'plugin:comments': 'true', 'plugin:counter': 'false' })
    expect(ok.status, ok.text).to.equal(302)
    expect(ok.headers.location).to.equal(`/admin/subsites/${subsiteId}/plugins?done=saved`)
    expect((await html(visitor, '/blogs')).status).to.equal(200)
    const record = await admin.get(`/api/v1/subsites/${subsiteId}`)
    expect(record.body.plugins).to.have.members(['blog', 'comments'])
  })

  it("shows ajv's settings errors next to the right field of a plugin's generated form, then saves good settings", async () => {
    const bad = await postForm(admin, `/admin/subsites/${subsiteId}/plugins`, {
      'plugin:blog': 'true',
      'plugin:comments': 'true',
      'plugin:counter': 'true',
      'settings:counter/perPage': '500',
      'settings:counter/label': 'Dit label is veel te lang',
    })
    expect(bad.status).to.equal(400)
    expect(decode(textOf(bad.text, 'sf-settings_3acounter_2fperPage-error'))).to.equal('must be <= 50')
    expect(textOf(bad.text, 'sf-settings_3acounter_2flabel-error')).to.equal('must NOT have more than 12 characters')
    expect(bad.text).to.match(/<input[^>]*name="settings:counter\/perPage"[^>]*value="500"[^>]*aria-invalid="true"/)
    const ok = await postForm(admin, `/admin/subsites/${subsiteId}/plugins`, {
      'plugin:blog': 'true',
      'plugin:comments': 'true',
      'plugin:counter': 'true',
      'settings:counter/perPage': '25',
      'settings:counter/label': '',
    })
    expect(ok.status, ok.text).to.equal(302)
    const record = await admin.get(`/api/v1/subsites/${subsiteId}`)
    expect(record.body.settings.counter).to.deep.equal({ perPage: 25 })
    const form = await html(admin, `/admin/subsites/${subsiteId}/plugins?done=saved`)
    expect(form.text).to.match(/name="settings:counter\/perPage"[^>]*value="25"/)
    expect(form.text).to.include('De wijzigingen zijn opgeslagen')
  })

  it("edits name, membership, domains, admins and theme: the subsite gets its own theme stylesheet", async () => {
    const rootTheme = themeLink((await html(new TestClient(tk.url, ROOT_HOST), '/auth/sign-in')).text)!
    const before = themeLink((await html(new TestClient(tk.url, host), '/auth/sign-in')).text)!
    expect(before).to.equal(rootTheme)
    const edit = await html(admin, `/admin/subsites/${subsiteId}`)
    expect(edit.status).to.equal(200)
    expect(edit.text).to.include('value="Intranet Pagina"')
    expect(edit.text).to.match(/<select[^>]*name="language"/)
    const saved = await postForm(admin, `/admin/subsites/${subsiteId}`, subsiteFields({
      name: 'Intranet Blauw',
      membership: 'approval',
      language: 'en',
      allowedEmailDomains: 'Pages.example\nvoorbeeld.nl',
      admins: alice.email,
      themeName: 'donkerblauw',
      primaryColor: '#0a3d62',
      logoUrl: '/logo.svg',
      disabled: 'false',
    }))
    expect(saved.status, saved.text).to.equal(302)
    expect(saved.headers.location).to.equal(`/admin/subsites/${subsiteId}?done=saved`)
    const record = (await admin.get(`/api/v1/subsites/${subsiteId}`)).body
    expect(record).to.deep.include({ name: 'Intranet Blauw', membership: 'approval', allowedEmailDomains: ['pages.example', 'voorbeeld.nl'] })
    expect(record.theme).to.deep.equal({ name: 'donkerblauw', primaryColor: '#0a3d62', logoUrl: '/logo.svg' })
    expect(record.siteSettings).to.deep.include({ language: 'en' })

    const page = await html(new TestClient(tk.url, host), '/auth/sign-in')
    // The subsite's default language: English when the browser names neither language; a Dutch browser still gets Dutch.
    expect(page.text).to.match(/<html lang="en"/)
    expect((await new TestClient(tk.url, host).get('/auth/sign-in', { headers: { accept: 'text/html', 'accept-language': 'nl' } })).text).to.match(/<html lang="nl"/)
    expect((await html(new TestClient(tk.url, ROOT_HOST), '/auth/sign-in')).text).to.match(/<html lang="nl"/)
    const theme = themeLink(page.text)!
    expect(theme).to.not.equal(rootTheme)
    expect(page.text).to.include('<img class="plein-logo" src="/logo.svg"')
    const css = await new TestClient(tk.url, host).get(theme)
    expect(css.status).to.equal(200)
    expect(css.headers['cache-control']).to.equal('public, max-age=31536000, immutable')
    expect(css.text).to.include('"donkerblauw"').and.include('#0a3d62')
    // The root site's host serves its own theme under its own name; the subsite's name is not valid there.
    const elsewhere = await new TestClient(tk.url, ROOT_HOST).get(theme)
    expect(elsewhere.status).to.equal(302)
    expect(elsewhere.headers.location).to.equal(rootTheme)
  })

  it("writes the root site's audit log and the subsite's own (plugins switched on there)", async () => {
    const rootLog = await admin.get('/api/v1/admin/audit?limit=100')
    const actions = rootLog.body.items.map((e: any) => e.action)
    expect(actions).to.include('subsite.created').and.include('subsite.changed')
    const created = rootLog.body.items.find((e: any) => e.action === 'subsite.created')
    expect(created).to.deep.include({ target: host })
    expect(created.actor.id).to.equal(root.user.id)
    const enabledOnRoot = rootLog.body.items.filter((e: any) => e.action === 'subsite.changed').flatMap((e: any) => e.detail.enabled)
    expect(enabledOnRoot).to.have.members(['blog', 'comments', 'counter'])
    expect(rootLog.body.items.some((e: any) => e.action === 'subsite.changed' && e.detail.fields.includes('theme'))).to.equal(true)

    // Alice administers the subsite (named in its admins): she reads its log there, and only there.
    const onSubsite = await alice.on(host)
    const own = await onSubsite.get('/api/v1/admin/audit?limit=100')
    expect(own.status, own.text).to.equal(200)
    const enabled = own.body.items.filter((e: any) => e.action === 'plugin.enabled').map((e: any) => e.target)
    expect(enabled).to.have.members(['blog', 'comments', 'counter'])
    expect(own.body.items.map((e: any) => e.action)).not.to.include('subsite.created')
    const page = await html(onSubsite, '/admin/audit')
    expect(page.status).to.equal(200)
    expect(page.text).to.include('Plugin enabled') // the subsite's default language is English now
    // The subsites pages do not exist on a subsite.
    expect((await html(onSubsite, '/admin/subsites')).status).to.equal(404)
    expect(page.text).not.to.include('href="/admin/subsites"')
  })

  it('disables a subsite (404 on its host), and deletes it after a confirmation page', async () => {
    const off = await postForm(admin, `/admin/subsites/${subsiteId}`, subsiteFields({ name: 'Intranet Blauw', disabled: 'true' }))
    expect(off.status).to.equal(302)
    expect((await html(new TestClient(tk.url, host), '/blogs')).status).to.equal(404)
    const confirm = await html(admin, `/admin/subsites/${subsiteId}/delete`)
    expect(confirm.status).to.equal(200)
    expect(confirm.text).to.include('Weet je het zeker?').and.include(host)
    const gone = await postForm(admin, `/admin/subsites/${subsiteId}/delete`, {})
    expect(gone.status).to.equal(302)
    expect(gone.headers.location).to.equal('/admin/subsites?done=deleted')
    expect((await admin.get(`/api/v1/subsites/${subsiteId}`)).status).to.equal(404)
    expect((await html(admin, `/admin/subsites/${subsiteId}`)).status).to.equal(404)
    const log = await admin.get('/api/v1/admin/audit?action=subsite.deleted')
    expect(log.body.items.map((e: any) => e.target)).to.include(host)
  })
})
