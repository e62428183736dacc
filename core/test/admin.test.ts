// The admin pages (settings, plugins, users and roles, audit log), the audit API, the schema→form renderer
// and the per-site theme stylesheet, through real HTTP on a real database.
import { expect } from 'chai'
import { h, type VNode } from 'preact'
import { createAjv, definePlugin, readSchemaForm, placeErrors, type View } from '@plein/core'
import { createTestKernel, TestClient, type TestKernel, type TestResponse } from '@plein/testing'

/** A urlencoded form post carrying the session's CSRF token, as a browser sends it. */
function postForm(client: TestClient, path: string, fields: Record<string, string>, options: { csrf?: boolean } = {}): Promise<TestResponse> {
  const body = new URLSearchParams({ ...(options.csrf === false ? {} : { _csrf: client.csrfToken ?? '' }), ...fields }).toString()
  return client.request('POST', path, { raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-csrf-token': '' } })
}

const html = (client: TestClient, path: string) => client.get(path, { headers: { accept: 'text/html' } })

/** The text of the element with this id (a field's error message), or undefined. */
const textOf = (page: string, id: string) => {
  const m = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(page)
  return m?.[1]
}

const widgetSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    title: { type: 'string', title: 'Titel', maxLength: 20, default: 'Widgets' },
    max: { type: 'integer', minimum: 1, maximum: 50, default: 5, description: 'How many at most.' },
    mode: { enum: ['compact', 'full'], default: 'full' },
    shown: { type: 'boolean', default: true },
    tags: { type: 'array', items: { type: 'string', maxLength: 10 }, default: [] },
    limits: { type: 'object', title: 'Limits', properties: { perDay: { type: 'integer', minimum: 0, default: 10 } } },
  },
}

const validateWidgets = createAjv({ useDefaults: true }).compile(widgetSettings)

/** A plugin that uses the kernel's schema form for a form of its own: what any plugin gets for free. */
const widgets = definePlugin({
  id: 'widgets',
  version: '1.0.0',
  settings: widgetSettings,
  register(ctx) {
    const Form: View<{ value: unknown; errors?: Record<string, string> }> = ({ ui, value, errors }) =>
      h(
        'form',
        { class: 'plein-form', method: 'post', action: '/widgets/settings', noValidate: true },
        h('input', { type: 'hidden', name: '_csrf', value: ui.csrfToken ?? '' }),
        ui.view('kernel.schemaForm', { schema: widgetSettings, value, errors, prefix: 'w' }),
        h('button', { class: 'utrecht-button', type: 'submit' }, 'OK'),
      ) as VNode
    ctx.views.define('widgets.form', Form)
    ctx.routes(r => {
      r.get('widgets.form', '/widgets/settings', { hidden: true }, c => ctx.views.page(c, { title: 'Widgets', view: 'widgets.form', props: { value: ctx.settings(c.site) } }))
      r.post('widgets.save', '/widgets/settings', { hidden: true, form: { type: 'object', additionalProperties: { type: 'string', maxLength: 5000 } } }, async c => {
        const value = readSchemaForm(widgetSettings, c.input.body, 'w')
        if (!validateWidgets(value)) {
          const errors = Object.fromEntries((validateWidgets.errors ?? []).map(e => [e.instancePath, e.message ?? 'invalid']))
          return ctx.views.page(c, { title: 'Widgets', view: 'widgets.form', status: 400, props: { value, errors } })
        }
        c.body = value
      })
    })
  },
})

describe('admin pages', function () {
  this.timeout(60_000)
  let tk: TestKernel
  let admin: TestClient
  let adminId: string
  let alice: { client: TestClient; user: { id: string; name: string; email: string } }

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({
      plugins: [widgets],
      site: { settings: { theme: { name: 'donkerblauw', primaryColor: '#123456', logoUrl: 'https://cdn.voorbeeld.example/logo.svg' } } },
    })
    const root = await tk.signUp({ name: 'Root Beheerder' })
    admin = root.client
    adminId = root.user.id
    alice = await tk.signUp({ name: 'Alice Zoekbaar' })
    // Alice joins the site (membership is open), so she has a row on the users page.
    expect((await alice.client.post('/api/v1/site/join')).status).to.equal(200)
  })
  after(() => tk?.close())

  it('sends anonymous visitors to sign in, and answers 403 with a problem page to people who are not administrators', async () => {
    const anonymous = tk.client()
    for (const path of ['/admin', '/admin/plugins', '/admin/users', '/admin/audit']) {
      const a = await html(anonymous, path)
      expect(a.status, path).to.equal(302)
      expect(a.headers.location).to.equal(`/auth/sign-in?next=${encodeURIComponent(path)}`)
      const res = await html(alice.client, path)
      expect(res.status, path).to.equal(403)
      expect(res.headers['content-type']).to.match(/^text\/html/)
      expect(res.text).to.include('Alleen beheerders van deze site')
      expect(res.text).to.include('role="alert"')
    }
    const post = await postForm(alice.client, '/admin/users/role', { userId: adminId, role: 'member' })
    expect(post.status).to.equal(403)
    expect((await tk.client().get('/api/v1/admin/audit')).status).to.equal(401)
    expect((await alice.client.get('/api/v1/admin/audit')).status).to.equal(403)
  })

  it('shows the Beheer link in the main menu to administrators only', async () => {
    const mine = await html(admin, '/')
    expect(mine.text).to.match(/<a class="utrecht-link" href="\/admin"[^>]*>Beheer<\/a>/)
    const english = await admin.get('/', { headers: { accept: 'text/html', 'accept-language': 'en' } })
    expect(english.text).to.match(/href="\/admin"[^>]*>Admin<\/a>/)
    expect((await html(alice.client, '/')).text).not.to.include('href="/admin"')
  })

  it('shows the settings (theme included) and the plugins with their settings as a generated form', async () => {
    const settings = await html(admin, '/admin')
    expect(settings.status).to.equal(200)
    expect(settings.text).to.include('Donkerblauw').and.include('#123456').and.include('site.json')
    expect(settings.text).to.include('aria-current="page"')
    const plugins = await html(admin, '/admin/plugins')
    expect(plugins.status).to.equal(200)
    expect(plugins.text).to.include('widgets')
    // Each property of the schema is a labelled field: title, description, enum as a choice, nested object as a group.
    expect(plugins.text).to.match(/<label class="utrecht-form-label" for="sf-view_3awidgets_2ftitle">Titel<\/label>/)
    expect(plugins.text).to.include('How many at most.')
    expect(plugins.text).to.match(/<select[^>]*name="view:widgets\/mode"/)
    expect(plugins.text).to.match(/<legend class="utrecht-form-label">Limits<\/legend>/)
    expect(plugins.text).to.match(/name="view:widgets\/limits\/perDay"[^>]*value="10"|value="10"[^>]*name="view:widgets\/limits\/perDay"/)
  })

  it('lists members with search and paging, grants and revokes roles by form, and writes each change to the audit log', async () => {
    const found = await html(admin, '/admin/users?q=zoekbaar')
    expect(found.status).to.equal(200)
    expect(found.text).to.include('Alice Zoekbaar')
    const none = await html(admin, '/admin/users?q=%25nobody%25')
    expect(none.text).not.to.include('Alice Zoekbaar')

    const grant = await postForm(admin, '/admin/users/role', { userId: alice.user.id, role: 'admin', back: '/admin/users?status=member' })
    expect(grant.status, grant.text).to.equal(302)
    expect(grant.headers.location).to.equal('/admin/users?status=member&done=role')
    const admins = await admin.get('/api/v1/site/members?role=admin')
    expect(admins.body.items.map((m: any) => m.user.id)).to.include(alice.user.id)
    const afterGrant = await html(admin, '/admin/users?status=member&done=role')
    expect(afterGrant.text).to.include('De rol is gewijzigd.')

    const revoke = await postForm(admin, '/admin/users/role', { userId: alice.user.id, role: 'member' })
    expect(revoke.status).to.equal(302)

    const log = await admin.get('/api/v1/admin/audit?limit=2')
    expect(log.status).to.equal(200)
    expect(log.body.items.map((e: any) => e.action)).to.deep.equal(['role.revoked', 'role.granted'])
    expect(log.body.items[1]).to.include({ target: alice.user.id })
    expect(log.body.items[1].actor).to.deep.equal({ id: adminId, name: 'Root Beheerder' })
    expect(log.body.items[1].createdAt).to.match(/Z$/)

    const page = await html(admin, '/admin/audit')
    expect(page.status).to.equal(200)
    expect(page.text).to.include('Rol gegeven').and.include('Rol ingetrokken').and.include('Root Beheerder')
  })

  it('audits role changes made through the JSON API too, and no entry when nothing changed', async () => {
    const granted = await admin.patch(`/api/v1/site/members/${alice.user.id}`, { role: 'admin' })
    expect(granted.status).to.equal(200)
    const again = await admin.patch(`/api/v1/site/members/${alice.user.id}`, { role: 'admin' })
    expect(again.status).to.equal(200)
    const back = await admin.patch(`/api/v1/site/members/${alice.user.id}`, { role: 'member' })
    expect(back.status).to.equal(200)
    const log = await admin.get('/api/v1/admin/audit?limit=3')
    expect(log.body.items.map((e: any) => [e.action, e.target])).to.deep.equal([
      ['role.revoked', alice.user.id],
      ['role.granted', alice.user.id],
      ['role.revoked', alice.user.id],
    ])
    const only = await admin.get('/api/v1/admin/audit?action=role.granted&limit=100')
    expect(only.body.items.every((e: any) => e.action === 'role.granted')).to.equal(true)
  })

  it('pages the audit log with a cursor, newest first, without repeats', async () => {
    for (let i = 0; i < 3; i++) {
      await postForm(admin, '/admin/users/role', { userId: alice.user.id, role: i % 2 === 0 ? 'admin' : 'member' })
    }
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res: TestResponse = await admin.get(`/api/v1/admin/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      expect(res.status).to.equal(200)
      seen.push(...res.body.items.map((e: any) => e.id))
      cursor = res.body.nextCursor
    } while (cursor)
    expect(seen.length).to.be.at.least(5)
    expect(new Set(seen).size).to.equal(seen.length)
    const first = await html(admin, '/admin/audit?limit=2')
    expect(first.text).to.match(/href="\/admin\/audit\?cursor=[A-Za-z0-9_-]+"/)
    expect((await admin.get('/api/v1/admin/audit?cursor=nonsense!')).status).to.equal(400)
  })

  it('refuses to take the last administrator role away, with the reason on the page', async () => {
    // Alice is admin after the loop above; make her member again, then the root admin is the only one.
    await postForm(admin, '/admin/users/role', { userId: alice.user.id, role: 'member' })
    await admin.patch(`/api/v1/site/members/${adminId}`, { role: 'admin' })
    const res = await postForm(admin, '/admin/users/role', { userId: adminId, role: 'member' })
    expect(res.status).to.equal(409)
    expect(res.text).to.include('role="alert"').and.include('administrator')
  })

  it('gives a role by e-mail address, and shows a wrong address next to the e-mail field', async () => {
    const bob = await tk.signUp({ name: 'Bob', email: 'bob.beheer@example.org' })
    const bad = await postForm(admin, '/admin/users/grant', { email: 'nobody@example.org', role: 'admin' })
    expect(bad.status).to.equal(400)
    expect(bad.text).to.match(/<input[^>]*id="field-email"[^>]*aria-invalid="true"/)
    expect(textOf(bad.text, 'field-email-error')).to.equal('Er is geen account met dit e-mailadres.')
    expect(bad.text).to.include('value="nobody@example.org"')
    const ok = await postForm(admin, '/admin/users/grant', { email: 'bob.beheer@example.org', role: 'admin' })
    expect(ok.status).to.equal(302)
    const me = await bob.client.get('/admin', { headers: { accept: 'text/html' } })
    expect(me.status).to.equal(200)
  })

  it('rejects a form post without the CSRF token', async () => {
    const res = await postForm(admin, '/admin/users/role', { userId: alice.user.id, role: 'admin' }, { csrf: false })
    expect(res.status).to.equal(403)
  })

  describe('schema form', () => {
    it('reads posted fields back into a value: numbers, booleans, lists, nested objects; empty fields left out', () => {
      const value = readSchemaForm(widgetSettings, { 'w/title': 'Hoi', 'w/max': '7', 'w/mode': 'compact', 'w/shown': 'false', 'w/tags': 'a\r\n\r\n b \n', 'w/limits/perDay': '' }, 'w')
      expect(value).to.deep.equal({ title: 'Hoi', max: 7, mode: 'compact', shown: false, tags: ['a', 'b'] })
      expect(readSchemaForm(widgetSettings, { 'w/max': 'veel', 'w/shown': 'true' }, 'w')).to.deep.equal({ max: 'veel', shown: true })
    })

    it('places each error at the field its JSON pointer names (array items at their list), the rest on the form', () => {
      const placed = placeErrors(widgetSettings, { '/max': 'must be integer', '/tags/3': 'too long', '/limits/perDay': 'must be >= 0', '': 'odd' })
      expect(placed.byField).to.deep.equal({ '/max': 'must be integer', '/tags': 'too long', '/limits/perDay': 'must be >= 0' })
      expect(placed.unplaced).to.deep.equal(['odd'])
    })

    it('round-trips a plugin form: errors from ajv next to the right field, values kept; a good post is saved', async () => {
      const form = await html(admin, '/widgets/settings')
      expect(form.status).to.equal(200)
      expect(form.text).to.match(/<input type="hidden" name="w\/shown" value="false"\/?><input[^>]*type="checkbox"[^>]*name="w\/shown"[^>]*value="true"[^>]*checked/)
      const bad = await postForm(admin, '/widgets/settings', { 'w/title': 'x'.repeat(30), 'w/max': 'veel', 'w/mode': 'full', 'w/shown': 'false', 'w/tags': 'ok\nmuch-too-long-tag', 'w/limits/perDay': '-1' })
      expect(bad.status).to.equal(400)
      expect(textOf(bad.text, 'sf-w_2fmax-error')).to.equal('must be integer')
      expect(textOf(bad.text, 'sf-w_2ftitle-error')).to.match(/must NOT have more than 20 characters/)
      expect(textOf(bad.text, 'sf-w_2ftags-error')).to.match(/must NOT have more than 10 characters/)
      expect(textOf(bad.text, 'sf-w_2flimits_2fperDay-error')).to.match(/must be >= 0/)
      expect(textOf(bad.text, 'sf-w_2fmode-error')).to.equal(undefined)
      expect(bad.text).to.match(/<input[^>]*name="w\/max"[^>]*value="veel"[^>]*aria-invalid="true"/)
      const good = await postForm(admin, '/widgets/settings', { 'w/title': 'Mooi', 'w/max': '9', 'w/mode': 'compact', 'w/shown': 'false', 'w/tags': 'a\nb', 'w/limits/perDay': '3' })
      expect(good.status).to.equal(200)
      expect(JSON.parse(good.text)).to.deep.equal({ title: 'Mooi', max: 9, mode: 'compact', shown: false, tags: ['a', 'b'], limits: { perDay: 3 } })
    })
  })

  describe('theme', () => {
    it('links a content-hashed theme stylesheet with the token set, colour and logo, cached for a year', async () => {
      const page = await html(tk.client(), '/auth/sign-in')
      const links = [...page.text.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map(m => m[1]!)
      expect(links).to.have.length(2)
      const theme = links[1]!
      expect(theme).to.match(/^\/assets\/theme-[0-9a-f]{16}\.css$/)
      const css = await tk.client().get(theme)
      expect(css.status).to.equal(200)
      expect(css.headers['content-type']).to.match(/^text\/css/)
      expect(css.headers['cache-control']).to.equal('public, max-age=31536000, immutable')
      expect(css.text).to.include('Plein theme "donkerblauw"').and.include('#123456').and.include('--plein-logo-url: url("https://cdn.voorbeeld.example/logo.svg")')
      const { createHash } = await import('node:crypto')
      expect(theme).to.equal(`/assets/theme-${createHash('sha256').update(css.text).digest('hex').slice(0, 16)}.css`)
      expect(css.headers.etag).to.equal(`"${theme.slice(14, 30)}"`)
      // An old hash (before a theme change) leads to the current file.
      const old = await tk.client().get('/assets/theme-0000000000000000.css')
      expect(old.status).to.equal(302)
      expect(old.headers.location).to.equal(theme)
      // The logo is shown in the header, and its https origin (only) may serve images.
      expect(page.text).to.match(/<img class="plein-logo" src="https:\/\/cdn.voorbeeld.example\/logo.svg" alt\/>/)
      expect(page.headers['content-security-policy']).to.match(/img-src 'self' data: https:\/\/cdn\.voorbeeld\.example;/)
      expect(page.headers['content-security-policy']).to.include("style-src 'self'")
      expect(page.text).not.to.match(/style=/)
    })

    it('gives another theme setting another stylesheet name (a site with the default theme)', async function () {
      this.timeout(120_000)
      const plain = await createTestKernel({})
      try {
        const page = await html(plain.client(), '/auth/sign-in')
        const theme = [...page.text.matchAll(/<link rel="stylesheet" href="(\/assets\/theme-[^"]+)"/g)].map(m => m[1]!)[0]!
        const mine = [...(await html(tk.client(), '/auth/sign-in')).text.matchAll(/<link rel="stylesheet" href="(\/assets\/theme-[^"]+)"/g)].map(m => m[1]!)[0]!
        expect(theme).to.match(/^\/assets\/theme-[0-9a-f]{16}\.css$/)
        expect(theme).not.to.equal(mine)
        const css = await plain.client().get(theme)
        expect(css.text).to.include('Plein theme "voorbeeld"').and.not.include('#123456')
        expect(page.text).not.to.include('plein-logo"')
      } finally {
        await plain.close()
      }
    })
  })
})
