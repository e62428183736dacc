// The account and notification pages in a real browser: Debian's headless Chromium driven by playwright-core,
// with the same checks as the main journey on every page type (axe-core without serious or critical findings, one
// h1, labelled fields, landmarks, budgets, no script). The verification and reset links come from the mail the
// kernel writes (.eml files in the test kernel's data folder). Screenshots land in docs/screenshots/.
// Skips (with a message) only when /usr/bin/chromium is missing: `apt-get install chromium`.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createTestKernel, type TestClient, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { notificationsPlugin } from '@plein/plugin-notifications'
import { audit, audits, follow, launch, person, skipWithoutChromium, type Watch } from './support.js'

const ANNA = { name: 'Anna de Vries', email: 'anna.account@example.org', password: 'speeltuin-noord-2025', newPassword: 'fietsenstalling-zuid-2026' }
const BRAM = { name: 'Bram Jansen', email: 'bram.account@example.org', password: 'wijkteam-noord-42' }

/** Quoted-printable, as nodemailer writes long lines. */
const decodeQP = (s: string) => s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))

describe('browser: account and notification pages in headless Chromium (with axe-core)', function () {
  this.timeout(120_000)
  let tk: TestKernel
  let browser: Browser
  const contexts: BrowserContext[] = []

  before(async function () {
    skipWithoutChromium(this)
    tk = await createTestKernel({
      plugins: [commentsPlugin, blogPlugin, groupsPlugin, notificationsPlugin],
      site: { settings: { auth: { requireEmailVerification: true } } },
    })
    browser = await launch()
  })

  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await tk?.close()
    if (audits.length > 0) {
      console.log('      page audits (path, status, HTML bytes, minor/moderate axe findings):')
      for (const a of audits) console.log(`        ${a.name.padEnd(32)} ${a.url.padEnd(40)} ${a.status} ${String(a.htmlBytes).padStart(6)} B  ${a.axe.other.length}`)
    }
  })

  async function open(locale: 'nl-NL' | 'en-GB'): Promise<{ page: Page; w: Watch }> {
    const p = await person(browser, locale)
    contexts.push(p.context)
    return { page: p.page, w: p.watch }
  }

  /** The newest link to `linkPath` in the mail written to `email` (the kernel writes .eml files without SMTP) once the mail jobs ran. */
  async function mailedLink(email: string, linkPath: string): Promise<string> {
    await tk.kernel.jobs.drain()
    const folder = path.join(tk.dataDir, 'mail')
    const texts = readdirSync(folder)
      .filter(f => f.endsWith('.eml'))
      .sort()
      .map(f => decodeQP(readFileSync(path.join(folder, f), 'utf8')))
      .filter(t => t.includes(email) && t.includes(linkPath))
    const match = new RegExp(`https?://\\S+${linkPath.replace(/\//g, '\\/')}\\?token=\\S+`).exec(texts.at(-1) ?? '')
    expect(match, `a ${linkPath} link in the mail to ${email}`).to.not.equal(null)
    return match![0]
  }

  const menu = (page: Page) => page.getByRole('navigation', { name: /Hoofdmenu|Main menu/ })

  /** Bram: registered, confirmed and signed in through the API (he posts what Anna hears of). */
  async function bram(): Promise<{ client: TestClient; id: string }> {
    const client = tk.client()
    expect((await client.post('/api/v1/auth/register', { email: BRAM.email, password: BRAM.password, name: BRAM.name })).status).to.equal(201)
    const token = decodeURIComponent(new URL(await mailedLink(BRAM.email, '/auth/verify-email')).searchParams.get('token')!)
    expect((await client.post('/api/v1/auth/verify-email', { token })).status).to.equal(200)
    const login = await client.post('/api/v1/auth/login', { email: BRAM.email, password: BRAM.password })
    expect(login.status).to.equal(200)
    return { client, id: login.body.user.id }
  }

  it('confirms the e-mail address, resets a forgotten password, and manages profile, language, password, tokens, notifications and deletion', async () => {
    const { client: bramClient, id: bramId } = await bram()
    const { page, w } = await open('nl-NL')

    // Sign up; the confirmation link from the mail opens a page whose button confirms.
    await page.goto(tk.url + '/auth/sign-up')
    await page.getByLabel('Naam').fill(ANNA.name)
    await page.getByLabel('E-mailadres').fill(ANNA.email)
    await page.getByLabel('Wachtwoord').fill(ANNA.password)
    await follow(page, () => page.getByRole('button', { name: 'Account maken' }).click())
    expect(await page.getByRole('status').textContent()).to.contain('Bevestig je e-mailadres')
    await page.goto(await mailedLink(ANNA.email, '/auth/verify-email'))
    await audit(page, w, 'verify e-mail (link)')
    await follow(page, () => page.getByRole('button', { name: 'Bevestig mijn e-mailadres' }).click())
    expect(await page.locator('h1').textContent()).to.equal('E-mailadres bevestigd')
    await audit(page, w, 'verify e-mail (confirmed)')
    await page.goto(tk.url + '/auth/verify-email')
    await audit(page, w, 'verify e-mail (send again)')
    await page.getByLabel('E-mailadres').fill(ANNA.email)
    await follow(page, () => page.getByRole('button', { name: 'Stuur opnieuw' }).click())
    expect(await page.getByRole('status').textContent()).to.contain('Als er een onbevestigd account')

    // Forgotten password: from the sign-in page, an error next to the field, then the neutral answer.
    await page.goto(tk.url + '/auth/sign-in')
    await follow(page, () => page.getByRole('link', { name: 'Wachtwoord vergeten?' }).click())
    expect(new URL(page.url()).pathname).to.equal('/auth/forgot-password')
    await audit(page, w, 'forgot password', { screenshot: 'forgot-password' })
    await page.getByLabel('E-mailadres').fill('anna@')
    await follow(page, () => page.getByRole('button', { name: 'Stuur de link' }).click())
    expect(w.lastDocument!.status()).to.equal(400)
    expect(await page.locator('#field-email-error').textContent()).to.contain('geldig e-mailadres')
    await audit(page, w, 'forgot password (errors)')
    await page.getByLabel('E-mailadres').fill(ANNA.email)
    await follow(page, () => page.getByRole('button', { name: 'Stuur de link' }).click())
    expect(await page.getByRole('status').textContent()).to.contain('Als er een account bij dit e-mailadres hoort')
    await audit(page, w, 'forgot password (sent)')

    // The reset link: choose a new password (too short first), then sign in with it.
    await page.goto(await mailedLink(ANNA.email, '/auth/reset-password'))
    await audit(page, w, 'new password')
    await page.getByLabel('Nieuw wachtwoord').fill('kort')
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(await page.locator('#field-password-error').textContent()).to.contain('minstens 10 tekens')
    await page.getByLabel('Nieuw wachtwoord').fill(ANNA.newPassword)
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(await page.getByRole('status').textContent()).to.contain('Je wachtwoord is gewijzigd')
    await page.getByLabel('E-mailadres').fill(ANNA.email)
    await page.getByLabel('Wachtwoord').fill(ANNA.newPassword)
    await follow(page, () => page.getByRole('button', { name: 'Inloggen' }).click())

    // Settings from the header: profile and language.
    await follow(page, () => menu(page).getByRole('link', { name: 'Instellingen' }).click())
    expect(new URL(page.url()).pathname).to.equal('/account')
    await audit(page, w, 'settings', { screenshot: 'settings' })
    await page.getByLabel('Naam').fill('')
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(await page.locator('#field-name-error').textContent()).to.contain('Vul je naam in')
    await audit(page, w, 'settings (errors)')
    await page.getByLabel('Naam').fill(ANNA.name)
    await page.getByLabel('English').check()
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    // The browser asks for Dutch; her choice wins.
    expect(await page.locator('html').getAttribute('lang')).to.equal('en')
    expect(await page.getByRole('status').textContent()).to.contain('Your settings are saved')
    await audit(page, w, 'settings (en)')
    await page.getByLabel('As my browser').check()
    await follow(page, () => page.getByRole('button', { name: 'Save' }).click())
    expect(await page.locator('html').getAttribute('lang')).to.equal('nl')

    // Password.
    await follow(page, () => page.getByRole('navigation', { name: 'Instellingen' }).getByRole('link', { name: 'Wachtwoord' }).click())
    await audit(page, w, 'change password')
    await page.getByLabel('Huidig wachtwoord').fill('niet mijn wachtwoord')
    await page.getByLabel('Nieuw wachtwoord').fill(ANNA.password)
    await follow(page, () => page.getByRole('button', { name: 'Wachtwoord wijzigen' }).click())
    expect(await page.locator('#field-currentPassword-error').textContent()).to.contain('niet je huidige wachtwoord')
    await audit(page, w, 'change password (errors)')
    await page.getByLabel('Huidig wachtwoord').fill(ANNA.newPassword)
    await page.getByLabel('Nieuw wachtwoord').fill(ANNA.password)
    await follow(page, () => page.getByRole('button', { name: 'Wachtwoord wijzigen' }).click())
    expect(await page.getByRole('status').textContent()).to.contain('Je wachtwoord is gewijzigd')

    // Personal tokens: the new one is shown once.
    await follow(page, () => page.getByRole('navigation', { name: 'Instellingen' }).getByRole('link', { name: 'Persoonlijke tokens' }).click())
    await audit(page, w, 'tokens (none)')
    await page.getByLabel('Naam van het token').fill('Agenda-koppeling')
    await follow(page, () => page.getByRole('button', { name: 'Token maken' }).click())
    const token = await page.getByLabel('Je nieuwe token').inputValue()
    expect(token).to.match(/^plein_/)
    await audit(page, w, 'tokens (created)', { screenshot: 'tokens' })
    const me = await tk.client().get('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } })
    expect(me.body.user.email).to.equal(ANNA.email)
    await page.goto(tk.url + '/account/tokens')
    expect(await page.content()).to.not.contain(token)
    await follow(page, () => page.getByRole('button', { name: 'Token “Agenda-koppeling” intrekken' }).click())
    expect(await page.getByRole('status').textContent()).to.contain('ingetrokken')

    // Notifications: Anna follows Bram, Bram posts; the bell counts, the page lists, forms mark read.
    const annaApi = tk.client()
    expect((await annaApi.post('/api/v1/auth/login', { email: ANNA.email, password: ANNA.password })).status).to.equal(200)
    expect((await annaApi.post(`/api/v1/entities/${bramId}/follow`)).status).to.equal(204)
    for (const title of ['Snoeiwerk in het Noorderpark', 'Buurtbarbecue op 14 juni']) {
      expect((await bramClient.post('/api/v1/blogs', { title, body: '<p>Doe mee!</p>', access: { read: ['public'] } })).status).to.equal(201)
    }
    await tk.kernel.jobs.drain()
    await page.goto(tk.url + '/')
    await follow(page, () => menu(page).getByRole('link', { name: 'Meldingen (2 ongelezen)' }).click())
    expect(new URL(page.url()).pathname).to.equal('/notifications')
    expect(await page.getByRole('link', { name: `${BRAM.name} plaatste “Buurtbarbecue op 14 juni”` }).count()).to.equal(1)
    await audit(page, w, 'notifications', { screenshot: 'notifications' })
    await follow(page, () => page.getByRole('button', { name: /^Markeer als gelezen: .*Buurtbarbecue/ }).click())
    expect(await menu(page).getByRole('link', { name: 'Meldingen (1 ongelezen)' }).count()).to.equal(1)
    await follow(page, () => page.getByRole('button', { name: 'Alles als gelezen markeren' }).click())
    expect(await menu(page).getByRole('link', { name: 'Meldingen', exact: true }).count()).to.equal(1)
    await audit(page, w, 'notifications (all read)')

    // E-mail preferences and what she follows.
    await follow(page, () => page.getByRole('link', { name: 'E-mail en volgen' }).click())
    await audit(page, w, 'notification preferences', { screenshot: 'notification-preferences' })
    await page.getByLabel('Eén keer per week een overzicht').check()
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(await page.getByRole('status').textContent()).to.contain('Je keuze is opgeslagen')
    expect(await page.getByLabel('Eén keer per week een overzicht').isChecked()).to.equal(true)
    await follow(page, () => page.getByRole('button', { name: `“${BRAM.name}” ontvolgen` }).click())
    expect(await page.getByRole('status').textContent()).to.contain('Je volgt dit niet meer')

    // Export link and deletion (confirmed with the password); signed out afterwards.
    await page.goto(tk.url + '/account')
    const download = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download mijn gegevens' }).click()]).then(([d]) => d)
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'))
    expect(exported.account.email).to.equal(ANNA.email)
    await follow(page, () => page.getByRole('navigation', { name: 'Instellingen' }).getByRole('link', { name: 'Account verwijderen' }).click())
    await audit(page, w, 'delete account')
    await page.getByLabel('Je wachtwoord, ter bevestiging').fill('fout wachtwoord')
    await follow(page, () => page.getByRole('button', { name: 'Verwijder mijn account' }).click())
    expect(await page.locator('#field-password-error').textContent()).to.contain('niet je huidige wachtwoord')
    await audit(page, w, 'delete account (errors)')
    await page.getByLabel('Je wachtwoord, ter bevestiging').fill(ANNA.password)
    await follow(page, () => page.getByRole('button', { name: 'Verwijder mijn account' }).click())
    expect(await page.locator('h1').textContent()).to.equal('Account verwijderd')
    expect(await menu(page).getByRole('link', { name: 'Inloggen' }).count()).to.equal(1)
    await audit(page, w, 'account deleted')
  })

})
