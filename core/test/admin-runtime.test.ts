// The root site's run-time settings (over site.json), the jobs admin page and the language switch, through
// real HTTP on a real database: forms round-trip, errors at the field, changes in effect at once and audited.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { createLogger, definePlugin, Kernel } from '@plein/core'
import { createTestDatabase, createTestKernel, signUp, TEST_SITE_SETTINGS, TestClient, usesServerDatabase, type TestDatabase, type TestKernel, type TestResponse } from '@plein/testing'

function postForm(client: TestClient, path: string, fields: Record<string, string>): Promise<TestResponse> {
  const body = new URLSearchParams({ _csrf: client.csrfToken ?? '', ...fields }).toString()
  return client.request('POST', path, { raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-csrf-token': '' } })
}
const html = (client: TestClient, path: string, headers: Record<string, string> = {}) => client.get(path, { headers: { accept: 'text/html', ...headers } })

/** What a browser posts for a generated form showing `value`: one field per leaf, lists as lines. */
function formFields(value: unknown, prefix: string, out: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) formFields(v, `${prefix}/${k}`, out)
  } else if (Array.isArray(value)) {
    out[prefix] = value.join('\n')
  } else if (value !== undefined && value !== null) {
    out[prefix] = String(value)
  }
  return out
}

const alphaSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    greeting: { type: 'string', maxLength: 20, default: 'Hallo' },
    count: { type: 'integer', minimum: 1, maximum: 10, default: 3 },
  },
}

/** Fails while `broken` is true: a job an administrator retries after the cause is gone. */
let broken = true

const alpha = definePlugin({
  id: 'alpha',
  version: '1.0.0',
  settings: alphaSettings,
  register(ctx) {
    ctx.jobs.define('alpha.flaky', async () => {
      if (broken) throw new Error('the mail server said no')
    })
    ctx.routes(r => r.get('alpha.settings', '/api/v1/alpha', {}, c => ({ ...ctx.settings(c.site) })))
  },
})

const beta = definePlugin({
  id: 'beta',
  version: '1.0.0',
  dependencies: { alpha: '^1.0.0' },
  register(ctx) {
    ctx.routes(r => r.get('beta.hello', '/api/v1/beta', {}, () => ({ beta: true })))
  },
})

const pointers = (res: TestResponse) => (res.body?.errors ?? []).map((e: any) => e.location?.pointer)

describe('admin at run time: root settings, jobs page, language switch', function () {
  this.timeout(60_000)
  let tk: TestKernel
  let admin: TestClient
  let member: TestClient

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({ plugins: [alpha, beta], settings: { alpha: { greeting: 'Goedemorgen' } } })
    admin = (await tk.signUp({ name: 'Root Beheerder' })).client
    member = (await tk.signUp({ name: 'Gewoon Lid' })).client
  })
  after(() => tk?.close())

  const settings = async () => (await admin.get('/api/v1/site/settings')).body

  describe('root site settings over site.json', () => {
    it('shows the effective settings to administrators only, with nothing changed yet', async () => {
      expect((await tk.client().get('/api/v1/site/settings')).status).to.equal(401)
      expect((await member.get('/api/v1/site/settings')).status).to.equal(403)
      expect((await member.patch('/api/v1/site/settings', { siteSettings: { membership: 'invite' } })).status).to.equal(403)
      const s = await settings()
      expect(s).to.include({ editable: true, updatedAt: null })
      expect(s.plugins).to.deep.equal(['alpha', 'beta'])
      expect(s.siteSettings.membership).to.equal('open')
      expect(s.settings.alpha).to.deep.equal({ greeting: 'Goedemorgen', count: 3 })
      expect(s.overrides).to.deep.equal({})
    })

    it('changes a setting by PATCH, in effect at once, audited; null goes back to site.json', async () => {
      const res = await admin.patch('/api/v1/site/settings', { siteSettings: { membership: 'approval' }, settings: { alpha: { count: 7 } } })
      expect(res.status, res.text).to.equal(200)
      expect(res.body.siteSettings.membership).to.equal('approval')
      expect(res.body.overrides).to.deep.equal({ siteSettings: { membership: 'approval' }, settings: { alpha: { count: 7 } } })
      expect(Date.parse(res.body.updatedAt)).to.not.be.NaN
      // In effect without a restart: the kernel's root site and the plugin's own settings.
      expect(tk.kernel.rootSite.settings.membership).to.equal('approval')
      expect((await tk.client().get('/api/v1/alpha')).body).to.deep.equal({ greeting: 'Goedemorgen', count: 7 })
      // Other settings keep site.json's values.
      expect((tk.kernel.rootSite.settings as any).auth.requireEmailVerification).to.equal(false)

      const audit = await admin.get('/api/v1/admin/audit?action=settings.changed')
      expect(audit.body.items[0]).to.deep.include({ action: 'settings.changed', target: 'root', detail: { fields: ['membership'], plugins: ['alpha'] } })

      const reset = await admin.patch('/api/v1/site/settings', { siteSettings: { membership: null }, settings: { alpha: null } })
      expect(reset.status, reset.text).to.equal(200)
      expect(reset.body.overrides).to.deep.equal({})
      expect(tk.kernel.rootSite.settings.membership).to.equal('open')
      expect((await tk.client().get('/api/v1/alpha')).body.count).to.equal(3)
    })

    it('refuses invalid values with every problem at its pointer, and changes nothing', async () => {
      const res = await admin.patch('/api/v1/site/settings', { siteSettings: { membership: 'everyone', theme: { primaryColor: 'red' } }, settings: { alpha: { count: 99 }, nope: { a: 1 } } })
      expect(res.status, res.text).to.equal(400)
      expect(pointers(res)).to.include.members(['/siteSettings/membership', '/siteSettings/theme/primaryColor', '/settings/alpha/count', '/settings/nope'])
      expect((await admin.patch('/api/v1/site/settings', { unknown: 1 })).status).to.equal(400)
      const noCsrf = await admin.patch('/api/v1/site/settings', { siteSettings: { membership: 'invite' } }, { headers: { 'x-csrf-token': 'wrong' } })
      expect(noCsrf.status, 'a session without its CSRF token').to.equal(403)
      expect((await settings()).overrides).to.deep.equal({})
    })

    it('switches plugins on and off on the root, respecting dependencies exactly as subsites do', async () => {
      const refused = await admin.patch('/api/v1/site/settings', { plugins: ['beta'] })
      expect(refused.status, refused.text).to.equal(400)
      expect(refused.body.errors).to.deep.include({ in: 'body', location: { pointer: '/plugins/0' }, detail: '"beta" needs "alpha": enable it too', code: 'dependency' })
      const unknown = await admin.patch('/api/v1/site/settings', { plugins: ['alpha', 'ghost'] })
      expect(pointers(unknown)).to.deep.equal(['/plugins/1'])

      const off = await admin.patch('/api/v1/site/settings', { plugins: ['alpha'] })
      expect(off.status, off.text).to.equal(200)
      expect(off.body.overrides.plugins).to.deep.equal({ beta: false })
      expect((await tk.client().get('/api/v1/beta')).status).to.equal(404)
      expect((await tk.client().get('/api/v1/site')).body.plugins.map((p: any) => p.name)).to.deep.equal(['alpha'])
      const audit = await admin.get('/api/v1/admin/audit?action=plugin.disabled')
      expect(audit.body.items[0]).to.include({ action: 'plugin.disabled', target: 'beta' })

      const back = await admin.patch('/api/v1/site/settings', { plugins: null })
      expect(back.body.overrides).to.deep.equal({})
      expect((await tk.client().get('/api/v1/beta')).body).to.deep.equal({ beta: true })
    })

    it('round-trips the settings form on the root: saved, shown again, in effect, errors at the field, reset', async () => {
      const page = await html(admin, '/admin')
      expect(page.status).to.equal(200)
      expect(page.text).to.match(/<form class="plein-form plein-form--wide" method="post" action="\/admin\/settings"/)
      expect(page.text).to.match(/<select[^>]*name="site\/membership"/)
      expect(page.text).to.include('Alle instellingen komen uit site.json.')
      const before = tk.kernel.themeStylesheet(tk.kernel.rootSite).path

      const fields = formFields(tk.kernel.rootSite.settings, 'site')
      const saved = await postForm(admin, '/admin/settings', { ...fields, 'site/membership': 'approval', 'site/theme/primaryColor': '#00785a', 'site/allowedEmailDomains': 'haarlem.nl\nvoorbeeld.nl' })
      expect(saved.status, saved.text).to.equal(302)
      expect(saved.headers.location).to.equal('/admin?done=saved')
      expect(tk.kernel.rootSite.settings).to.deep.include({ membership: 'approval', allowedEmailDomains: ['haarlem.nl', 'voorbeeld.nl'] })
      expect((tk.kernel.rootSite.settings as any).auth.requireEmailVerification, 'fields not changed keep their value').to.equal(false)
      expect((await settings()).overrides.siteSettings).to.deep.equal({ membership: 'approval', allowedEmailDomains: ['haarlem.nl', 'voorbeeld.nl'], theme: { primaryColor: '#00785a' } })
      // The theme applies at once: another stylesheet, linked from every page.
      const after = tk.kernel.themeStylesheet(tk.kernel.rootSite).path
      expect(after).to.not.equal(before)
      const shown = await html(admin, '/admin?done=saved')
      expect(shown.text).to.include(after).and.include('De wijzigingen zijn opgeslagen')
      expect(shown.text).to.match(/<option value="approval" selected/)
      expect(shown.text).to.include('value="#00785a"')
      expect(shown.text).to.include('Hier gewijzigd (boven site.json): allowedEmailDomains, membership, theme.')

      const bad = await postForm(admin, '/admin/settings', { ...formFields(tk.kernel.rootSite.settings, 'site'), 'site/theme/primaryColor': 'rood', 'site/sessions/idleMinutes': '2' })
      expect(bad.status).to.equal(400)
      expect(bad.text).to.match(/id="sf-site_2ftheme_2fprimaryColor-error"[^>]*>[^<]*pattern/)
      expect(bad.text).to.match(/id="sf-site_2fsessions_2fidleMinutes-error"[^>]*>[^<]*5/)
      expect(bad.text).to.include('value="rood"')
      expect(tk.kernel.rootSite.settings.theme).to.deep.include({ primaryColor: '#00785a' })

      const reset = await postForm(admin, '/admin/settings/reset', {})
      expect(reset.headers.location).to.equal('/admin?done=reset')
      expect((await settings()).overrides).to.deep.equal({})
      expect(tk.kernel.rootSite.settings.membership).to.equal('open')
      expect(tk.kernel.themeStylesheet(tk.kernel.rootSite).path).to.equal(before)
    })

    it('round-trips the plugins form on the root: a missing dependency at its check box, settings errors at the field', async () => {
      const page = await html(admin, '/admin/plugins')
      expect(page.text).to.match(/<input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" id="field-plugin-beta" name="plugin:beta" value="true" checked/)
      const refused = await postForm(admin, '/admin/plugins', { 'plugin:alpha': 'false', 'plugin:beta': 'true' })
      expect(refused.status).to.equal(400)
      expect(refused.text).to.match(/id="field-plugin-beta-error"[^>]*>&quot;beta&quot; needs &quot;alpha&quot;/)
      expect(refused.text).to.include('Verbeter de gemarkeerde velden.')
      const invalid = await postForm(admin, '/admin/plugins', { 'plugin:alpha': 'true', 'plugin:beta': 'true', 'view:alpha/greeting': 'Hoi', 'view:alpha/count': '11' })
      expect(invalid.status).to.equal(400)
      expect(invalid.text).to.match(/id="sf-view_3aalpha_2fcount-error"[^>]*>[^<]*10/)
      expect((await tk.client().get('/api/v1/alpha')).body.count).to.equal(3)

      const saved = await postForm(admin, '/admin/plugins', { 'plugin:alpha': 'true', 'plugin:beta': 'false', 'view:alpha/greeting': 'Hoi', 'view:alpha/count': '4' })
      expect(saved.headers.location).to.equal('/admin/plugins?done=saved')
      expect((await tk.client().get('/api/v1/alpha')).body).to.deep.equal({ greeting: 'Hoi', count: 4 })
      expect((await tk.client().get('/api/v1/beta')).status).to.equal(404)
      expect((await settings()).overrides).to.deep.equal({ plugins: { beta: false }, settings: { alpha: { greeting: 'Hoi', count: 4 } } })
      expect((await html(admin, '/admin/plugins')).text).to.include('hier gewijzigd')

      expect((await postForm(admin, '/admin/plugins/reset', {})).headers.location).to.equal('/admin/plugins?done=reset')
      expect((await settings()).overrides).to.deep.equal({})
      expect((await tk.client().get('/api/v1/alpha')).body).to.deep.equal({ greeting: 'Goedemorgen', count: 3 })
      expect((await tk.client().get('/api/v1/beta')).status).to.equal(200)
    })

    it('leaves out stored overrides that no longer fit (a plugin gone, a schema changed) instead of failing', async () => {
      const id = tk.kernel.rootSite.id
      await tk.kernel.db.query('UPDATE kernel_site SET overrides = $2 WHERE id = $1', [id, JSON.stringify({ siteSettings: { membership: 'nobody' }, settings: { gone: { a: 1 }, alpha: { count: 5 } }, plugins: { gone: true } })])
      const site = await tk.kernel.rootSettings.load(id)
      expect(site.settings.membership).to.equal('open')
      expect(site.settingsOf('alpha')).to.deep.include({ count: 5 })
      expect([...site.plugins]).to.deep.equal(['alpha', 'beta'])
      await tk.kernel.db.query(`UPDATE kernel_site SET overrides = '{}' WHERE id = $1`, [id])
      await tk.kernel.rootSettings.load(id)
    })
  })

  describe('jobs page', () => {
    it('lists failed jobs with the reason and attempts, filters by status, and retries by form (CSRF, audited)', async () => {
      broken = true
      const id = (await tk.kernel.jobs.enqueue('alpha.flaky', {}, { maxAttempts: 1, site: tk.kernel.rootSite }))!
      await tk.kernel.jobs.drain()
      const page = await html(admin, '/admin/jobs?status=failed')
      expect(page.status).to.equal(200)
      expect(page.text).to.include('the mail server said no').and.include('alpha.flaky').and.include('1 van 1')
      expect(page.text).to.include('<option value="failed" selected')
      expect(page.text).to.match(/<form class="plein-inline-form" method="post" action="\/admin\/jobs\/retry">/)
      expect(page.text).to.include(`value="${id}"`)
      expect(page.text).to.match(/href="\/admin\/jobs"[^>]*>Achtergrondtaken</)
      expect((await html(admin, '/admin/jobs?status=done')).text).to.not.include(id)

      const noCsrf = await admin.request('POST', '/admin/jobs/retry', { raw: `id=${id}`, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-csrf-token': '' } })
      expect(noCsrf.status).to.equal(403)
      expect((await postForm(member, '/admin/jobs/retry', { id })).status).to.equal(403)

      broken = false
      const retried = await postForm(admin, '/admin/jobs/retry', { id, back: '/admin/jobs?status=failed' })
      expect(retried.status, retried.text).to.equal(302)
      expect(retried.headers.location).to.equal('/admin/jobs?status=failed&done=retried')
      await tk.kernel.jobs.drain()
      const [row] = await tk.kernel.db.query<{ status: string }>('SELECT status FROM kernel_job WHERE id = $1', [id])
      expect(row!.status).to.equal('done')
      expect((await admin.get('/api/v1/admin/audit?action=job.retried')).body.items[0]).to.include({ target: id })
      const again = await postForm(admin, '/admin/jobs/retry', { id })
      expect(again.status).to.equal(404)
      expect(again.text).to.include('Er is geen mislukte taak')
    })

    it('pages jobs newest first with a cursor, without repeats (page and API)', async () => {
      const ids: string[] = []
      for (let i = 0; i < 3; i++) {
        const id = (await tk.kernel.jobs.enqueue('alpha.flaky', { i }, { delayMs: 3_600_000 }))!
        await tk.kernel.db.query(`UPDATE kernel_job SET created_at = now() + ($2 || ' seconds')::interval WHERE id = $1`, [id, String(100 + i)])
        ids.unshift(id)
      }
      const first = await html(admin, '/admin/jobs?status=queued&limit=2')
      const more = /href="(\/admin\/jobs\?status=queued&amp;cursor=[^"]+)"/.exec(first.text)
      expect(more, 'a link to older jobs').to.not.equal(null)
      const rows = (page: string) => page.split('<td>In de wachtrij</td>').length - 1
      expect(rows(first.text)).to.equal(2)
      const second = await html(admin, more![1]!.replace(/&amp;/g, '&'))
      expect(rows(second.text)).to.equal(1)
      expect(second.text).to.not.include('cursor=')

      const api = await admin.get('/api/v1/admin/jobs?status=queued&limit=2')
      expect(api.body.items.map((j: any) => j.id)).to.deep.equal(ids.slice(0, 2))
      const next = await admin.get(`/api/v1/admin/jobs?status=queued&limit=2&cursor=${api.body.nextCursor}`)
      expect(next.body.items.map((j: any) => j.id)).to.include(ids[2]).and.not.include(ids[0])
      await tk.kernel.db.query('DELETE FROM kernel_job WHERE id = ANY($1)', [ids])
    })
  })

  describe('language switch', () => {
    it('offers the other language in the footer and keeps the choice in a cookie for a year', async () => {
      const visitor = tk.client()
      const home = await html(visitor, '/')
      expect(home.text).to.include('<html lang="nl"')
      expect(home.text).to.match(/<ul class="plein-language" aria-label="Taal">/)
      expect(home.text).to.include('href="/language?lang=en&amp;next=%2F" lang="en" hreflang="en">English</a>')

      const set = await html(visitor, '/language?lang=en&next=%2Fauth%2Fsign-in')
      expect(set.status).to.equal(302)
      expect(set.headers.location).to.equal('/auth/sign-in')
      const cookie = String(set.headers['set-cookie'])
      expect(cookie).to.match(/lang=en; path=\//).and.match(/samesite=lax/i).and.match(/httponly/i)
      const expires = Date.parse(/expires=([^;]+)/.exec(cookie)![1]!)
      expect(expires - Date.now()).to.be.above(364 * 86_400_000)
      // The cookie comes before Accept-Language.
      const english = await html(visitor, '/', { 'accept-language': 'nl' })
      expect(english.text).to.include('<html lang="en"').and.include('Sign in')
      expect(english.text).to.include('lang="nl" hreflang="nl">Nederlands</a>')
    })

    it("puts an account's own language before the cookie", async () => {
      const { client } = await tk.signUp({ name: 'Taalkiezer' })
      await html(client, '/language?lang=en&next=%2F')
      expect((await html(client, '/')).text).to.include('<html lang="en"')
      expect((await client.patch('/api/v1/users/me', { locale: 'nl' })).status).to.equal(200)
      const page = await html(client, '/')
      expect(page.text).to.include('<html lang="nl"')
      expect(page.text, 'no switch when the account has a language').to.not.include('plein-language')
    })

    it('sends back to a path on this site only (no open redirect) and refuses unknown languages', async () => {
      const visitor = tk.client()
      for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/%0d%0aSet-Cookie:x=1']) {
        const res = await html(visitor, `/language?lang=en&next=${encodeURIComponent(next)}`)
        expect(res.status, next).to.equal(302)
        expect(res.headers.location, next).to.equal('/')
      }
      expect((await html(visitor, '/language?lang=de&next=%2F')).status).to.equal(400)
      expect((await html(visitor, '/language')).status).to.equal(400)
    })
  })
})

describe('root site settings across processes (PostgreSQL server only; skipped on the embedded database, which one process owns)', () => {
  let database: TestDatabase
  const kernels: Kernel[] = []
  const dirs: string[] = []

  before(async function () {
    if (!usesServerDatabase()) this.skip()
    this.timeout(60_000)
    database = await createTestDatabase()
    for (let i = 0; i < 2; i++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-root-settings-'))
      dirs.push(dataDir)
      kernels.push(
        await Kernel.boot({
          siteDir: process.cwd(),
          dataDir,
          databaseUrl: database.url,
          config: { name: 'Shared', hosts: ['127.0.0.1', 'localhost'], admins: [], plugins: {}, settings: TEST_SITE_SETTINGS },
          plugins: [alpha, beta].map(source => ({ source })),
          secret: 'test-secret-that-is-long-enough-0123456789',
          log: createLogger({ level: process.env.PLEIN_TEST_LOG ?? 'silent', pretty: false }),
          shutdownTimeoutMs: 2000,
          passwordHashing: 'fast',
          runJobs: false,
        }),
      )
    }
  })
  after(async () => {
    for (const k of kernels) await k.stop()
    await database?.drop()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it('puts a change made through one process in effect in the other within a second', async function () {
    this.timeout(30_000)
    const one = `http://127.0.0.1:${(await kernels[0]!.listen(0, '127.0.0.1')).port}`
    const two = `http://127.0.0.1:${(await kernels[1]!.listen(0, '127.0.0.1')).port}`
    const { client } = await signUp(new TestClient(one), { name: 'Root Admin' })
    expect((await new TestClient(two).get('/api/v1/alpha')).body.count).to.equal(3)
    const res = await client.patch('/api/v1/site/settings', { settings: { alpha: { count: 9 } }, plugins: ['alpha'] })
    expect(res.status, res.text).to.equal(200)
    const started = Date.now()
    for (;;) {
      const other = new TestClient(two)
      const [a, b] = await Promise.all([other.get('/api/v1/alpha'), other.get('/api/v1/beta')])
      if (a.body?.count === 9 && b.status === 404) break
      expect(Date.now() - started, 'milliseconds until the other process follows').to.be.below(1000)
      await new Promise(r => setTimeout(r, 20))
    }
    expect(kernels[1]!.rootSite.settingsOf('alpha')).to.deep.include({ count: 9 })
  })
})
