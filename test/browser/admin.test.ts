// The admin pages in a real browser: a root-site administrator creates a subsite with its own theme, tries to
// switch on a plugin without its dependency (the 400 names it), switches both on, and the plugin's page appears
// on the subsite's host. Every admin page passes axe-core (no serious or critical violations) and the page checks
// of support.ts; screenshots land in docs/screenshots/admin-*.png. Skips only when /usr/bin/chromium is missing.
import { expect } from 'chai'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createTestKernel, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { subsitesPlugin } from '@plein/plugin-subsites'
import { audit, follow, launch, person, skipWithoutChromium, type Watch } from './support.js'

const ADMIN = { name: 'Beheerder Plein', email: 'beheer@example.org', password: 'beheer-wachtwoord-2025' }
const MEMBER = { name: 'Mila Medewerker', email: 'mila@example.org', password: 'medewerker-wachtwoord' }
// Chromium resolves every *.localhost name to the loopback address, so a subsite host needs no DNS.
const SUBSITE_HOST = 'intranet.localhost'
/** A small inline logo (a data: URL: the CSP allows those images, and no request leaves the test). */
const LOGO = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 40 40'%3E%3Crect width='40' height='40' rx='6' fill='%230a3d62'/%3E%3Cpath d='M12 30V10h10a7 7 0 010 14h-5v6z' fill='%23fff'/%3E%3C/svg%3E"

describe('browser: the admin pages in headless Chromium (with axe-core)', function () {
  this.timeout(120_000)
  let tk: TestKernel
  let browser: Browser
  const contexts: BrowserContext[] = []

  before(async function () {
    skipWithoutChromium(this)
    tk = await createTestKernel({ plugins: [commentsPlugin, blogPlugin, subsitesPlugin] })
    // The first account is the root site's administrator; the second is a member, for the users page.
    for (const who of [ADMIN, MEMBER]) {
      const res = await tk.client().post('/api/v1/auth/register', who)
      expect(res.status, res.text).to.equal(201)
    }
    browser = await launch()
  })

  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await tk?.close()
  })

  async function open(): Promise<{ page: Page; w: Watch }> {
    const p = await person(browser, 'nl-NL')
    contexts.push(p.context)
    return { page: p.page, w: p.watch }
  }

  async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
    await page.goto(tk.url + '/auth/sign-in')
    await page.getByLabel('E-mailadres').fill(who.email)
    await page.getByLabel('Wachtwoord').fill(who.password)
    await follow(page, () => page.getByRole('button', { name: 'Inloggen' }).click())
  }

  it('a site admin creates a subsite, enables a plugin on it (its dependency first), and the plugin appears there', async () => {
    const { page, w } = await open()
    await signIn(page, ADMIN)
    const subsiteUrl = tk.url.replace('127.0.0.1', SUBSITE_HOST)

    // The admin link is in the main menu; the admin pages each pass the checks.
    await follow(page, () => page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Beheer' }).click())
    expect(new URL(page.url()).pathname).to.equal('/admin')
    await audit(page, w, 'admin settings', { screenshot: 'admin-settings' })
    await follow(page, () => page.getByRole('navigation', { name: 'Beheer' }).getByRole('link', { name: 'Plugins' }).click())
    await audit(page, w, 'admin plugins (root)')
    await follow(page, () => page.getByRole('navigation', { name: 'Beheer' }).getByRole('link', { name: 'Deelsites' }).click())
    await audit(page, w, 'admin subsites (empty)')

    // A new subsite with its own theme; first with a mistake, shown next to its field.
    await follow(page, () => page.getByRole('link', { name: 'Nieuwe deelsite' }).click())
    await audit(page, w, 'admin new subsite')
    await page.getByLabel('Naam', { exact: true }).fill('Intranet Voorbeeld')
    await page.getByLabel('Hostnaam').fill('niet geldig!')
    await page.getByLabel('Tokenset').selectOption('donkerblauw')
    await page.getByLabel('Hoofdkleur').fill('#0a3d62')
    await page.getByLabel('Logo (URL)').fill(LOGO)
    await follow(page, () => page.getByRole('button', { name: 'Deelsite maken' }).click())
    expect(w.lastDocument!.status()).to.equal(400)
    await audit(page, w, 'admin new subsite (errors)')
    expect(await page.locator('#field-host').getAttribute('aria-invalid')).to.equal('true')
    expect(await page.locator('#field-host-error').textContent()).to.contain('host')
    await page.getByLabel('Hostnaam').fill(SUBSITE_HOST)
    await follow(page, () => page.getByRole('button', { name: 'Deelsite maken' }).click())

    // The subsite answers, without a blog yet.
    const before = await (await browser.newContext()).newPage()
    const missing = await before.goto(`${subsiteUrl}/blogs`)
    expect(missing!.status()).to.equal(404)
    await before.context().close()

    // Its plugins: blog alone is refused with the 400's message naming the dependency, next to the box.
    expect(new URL(page.url()).pathname).to.match(/^\/admin\/subsites\/[0-9a-f-]{36}\/plugins$/)
    expect(await page.getByRole('status').textContent()).to.contain('De deelsite is gemaakt')
    await audit(page, w, 'admin subsite plugins', { screenshot: 'admin-plugins' })
    await page.getByLabel('blog aan').check()
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(w.lastDocument!.status()).to.equal(400)
    expect(await page.getByRole('alert').first().textContent()).to.contain('"blog" needs "comments"')
    expect(await page.locator('#field-plugin-blog-error').textContent()).to.contain('comments')
    await audit(page, w, 'admin subsite plugins (errors)')
    await page.getByLabel('comments aan').check()
    await page.getByLabel('blog aan').check()
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(await page.getByRole('status').textContent()).to.contain('opgeslagen')

    // The blog appears on the subsite, in the subsite's own theme.
    const visitor = await open()
    const res = await visitor.page.goto(`${subsiteUrl}/blogs`)
    expect(res!.status()).to.equal(200)
    await audit(visitor.page, visitor.w, 'subsite blogs (new theme)', { screenshot: 'theme-donkerblauw' })
    expect(await visitor.page.locator('header img.plein-logo').getAttribute('src')).to.equal(LOGO)
    const themes = await visitor.page.evaluate(() => [...document.querySelectorAll('link[rel=stylesheet]')].map(l => (l as HTMLLinkElement).getAttribute('href')))
    const rootThemes = await page.evaluate(() => [...document.querySelectorAll('link[rel=stylesheet]')].map(l => (l as HTMLLinkElement).getAttribute('href')))
    expect(themes[0]).to.equal(rootThemes[0])
    expect(themes[1]).to.match(/^\/assets\/theme-[0-9a-f]{16}\.css$/).and.not.equal(rootThemes[1])
    const button = await visitor.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--basis-color-accent-1-inverse-bg-default').trim())
    expect(button).to.equal('#0a3d62')

    // The list, the edit form and the delete confirmation.
    await page.goto(tk.url + '/admin/subsites')
    await audit(page, w, 'admin subsites', { screenshot: 'admin-subsites' })
    await follow(page, () => page.getByRole('link', { name: 'Wijzigen: Intranet Voorbeeld' }).click())
    await audit(page, w, 'admin edit subsite')
    await page.goto(tk.url + '/admin/subsites')
    await follow(page, () => page.getByRole('link', { name: 'Verwijderen: Intranet Voorbeeld' }).click())
    await audit(page, w, 'admin delete subsite (confirm)')
  })

  it('users and roles: search, make someone administrator; the audit log shows it', async () => {
    const { page, w } = await open()
    await signIn(page, ADMIN)
    // Mila joins the root site by signing in once (open membership makes her a member) and asking to join.
    const mila = tk.client()
    await mila.post('/api/v1/auth/login', { email: MEMBER.email, password: MEMBER.password })
    await mila.post('/api/v1/site/join')

    await page.goto(tk.url + '/admin/users')
    await page.getByLabel('Zoek op naam of e-mailadres').fill('mila')
    await follow(page, () => page.getByRole('button', { name: 'Zoeken' }).click())
    expect(await page.locator('table').textContent()).to.contain(MEMBER.name)
    await audit(page, w, 'admin users', { screenshot: 'admin-users' })
    await follow(page, () => page.getByRole('button', { name: 'Maak beheerder' }).click())
    expect(await page.getByRole('status').textContent()).to.contain('De rol is gewijzigd')

    await follow(page, () => page.getByRole('navigation', { name: 'Beheer' }).getByRole('link', { name: 'Auditlog' }).click())
    const log = await page.locator('table').textContent()
    expect(log).to.contain('Rol gegeven').and.contain('Deelsite gemaakt').and.contain(ADMIN.name)
    await audit(page, w, 'admin audit', { screenshot: 'admin-audit' })

    await follow(page, () => page.getByRole('navigation', { name: 'Beheer' }).getByRole('link', { name: 'Achtergrondtaken' }).click())
    await page.getByLabel('Status').selectOption('failed')
    await follow(page, () => page.getByRole('button', { name: 'Toon' }).click())
    expect(page.url()).to.match(/\/admin\/jobs\?status=failed$/)
    await audit(page, w, 'admin jobs')
  })

  it('shows a 403 page to someone who is not an administrator, and no admin link', async () => {
    const other = { name: 'Otto Buiten', email: 'otto@example.org', password: 'geen-beheerder-123' }
    expect((await tk.client().post('/api/v1/auth/register', other)).status).to.equal(201)
    const { page, w } = await open()
    await signIn(page, other)
    expect(await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Beheer' }).count()).to.equal(0)
    const res = await page.goto(tk.url + '/admin')
    expect(res!.status()).to.equal(403)
    await audit(page, w, 'admin 403')
    expect(await page.getByRole('alert').textContent()).to.contain('Alleen beheerders')
  })
})
