// The files pages in a real browser: Debian's headless Chromium (playwright-core) uploads a file through the
// multipart form without JavaScript, opens it, shares it with a colleague and makes a public link; the colleague
// (in English) then finds it under "Shared with me". Every page is audited (axe-core: no serious or critical
// violations, one h1, labelled fields, budgets); screenshots land in docs/screenshots (files, file, file-share).
// Skips (with a message) only when /usr/bin/chromium is missing: `apt-get install chromium`.
import { expect } from 'chai'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createTestKernel, type TestKernel } from '@plein/testing'
import { filesPlugin } from '@plein/plugin-files'
import { groupsPlugin } from '@plein/plugin-groups'
import { audit, follow, launch, person, signInWithForm, skipWithoutChromium, type Watch } from './support.js'

const ANNA = { name: 'Anna de Vries', email: 'anna.files@example.org', password: 'speeltuin-noord-2025' }
const BRAM = { name: 'Bram Jansen', email: 'bram.files@example.org', password: 'fietsenstalling-42' }
const FOLDER = 'Vergaderstukken'
const FILE = 'agenda-dinsdag.txt'

describe('browser: files pages in headless Chromium (with axe-core)', function () {
  this.timeout(120_000)
  let tk: TestKernel
  let browser: Browser
  const contexts: BrowserContext[] = []

  before(async function () {
    skipWithoutChromium(this)
    tk = await createTestKernel({ plugins: [filesPlugin, groupsPlugin] })
    await tk.signUp({ name: 'Beheer' })
    await tk.signUp(ANNA)
    await tk.signUp(BRAM)
    browser = await launch()
  })

  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await tk?.close()
  })

  async function signedIn(who: typeof ANNA, locale: 'nl-NL' | 'en-GB'): Promise<{ page: Page; w: Watch }> {
    const p = await person(browser, locale)
    contexts.push(p.context)
    await signInWithForm(p.page, tk.url, who.email, who.password)
    return { page: p.page, w: p.watch }
  }

  it('Anna uploads a file through the form, opens it, shares it with Bram and makes a public link', async () => {
    const { page, w } = await signedIn(ANNA, 'nl-NL')
    await follow(page, () => page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Bestanden' }).click())
    expect(new URL(page.url()).pathname).to.equal('/files')
    await audit(page, w, 'files (empty)')
    await page.getByLabel('Naam van de map').fill(FOLDER)
    await follow(page, () => page.getByRole('button', { name: 'Map maken' }).click())
    expect(await page.locator('h1').textContent()).to.equal(FOLDER)
    await audit(page, w, 'folder (empty)')

    // Upload without a file first: the error sits at the field.
    await follow(page, () => page.getByRole('button', { name: 'Uploaden' }).click())
    expect(w.lastDocument!.status()).to.equal(400)
    expect(await page.locator('#field-file-error').textContent()).to.contain('Kies een bestand')
    await audit(page, w, 'folder (upload error)')
    await page.getByLabel('Bestanden', { exact: true }).setInputFiles([
      { name: FILE, mimeType: 'text/plain', buffer: Buffer.from('1. Opening\n2. Speeltuin Noorderpark\n3. Rondvraag\n') },
      { name: 'begroting.csv', mimeType: 'text/csv', buffer: Buffer.from('post;bedrag\nspeeltoestellen;12000\n') },
    ])
    await follow(page, () => page.getByRole('button', { name: 'Uploaden' }).click())
    expect(await page.getByRole('status').textContent()).to.contain('2 bestand(en) opgeslagen')
    expect(await page.getByRole('link', { name: FILE }).count()).to.equal(1)
    await audit(page, w, 'folder', { screenshot: 'files' })

    await follow(page, () => page.getByRole('link', { name: FILE }).click())
    expect(await page.locator('h1').textContent()).to.equal(FILE)
    await audit(page, w, 'file', { screenshot: 'file' })
    const download = await page.context().request.get(new URL((await page.getByRole('link', { name: 'Downloaden', exact: true }).getAttribute('href'))!, page.url()).toString())
    expect(await download.text()).to.contain('Speeltuin Noorderpark')

    await page.getByLabel('E-mailadres van een persoon').fill(BRAM.email)
    await page.getByLabel('Recht').selectOption('write')
    await follow(page, () => page.getByRole('button', { name: 'Delen', exact: true }).click())
    expect(await page.locator('section[aria-labelledby=share-heading]').textContent()).to.contain(BRAM.name).and.contain('lezen en wijzigen')

    await page.getByLabel('Hoe vaak te downloaden').fill('5')
    await follow(page, () => page.getByRole('button', { name: 'Link maken' }).click())
    const made = await page.getByRole('status').textContent()
    expect(made).to.match(/\/s\/[A-Za-z0-9_-]{22}/)
    await audit(page, w, 'file (shared, link made)', { screenshot: 'file-share' })
    const link = /(http:\/\/\S+\/s\/[A-Za-z0-9_-]{22})/.exec(made!)![1]!
    const anonymous = await browser.newContext()
    contexts.push(anonymous)
    expect(await (await anonymous.request.get(link)).text()).to.contain('Rondvraag')
  })

  it('Bram (in English) finds the file under "Shared with me" and opens it', async () => {
    const { page, w } = await signedIn(BRAM, 'en-GB')
    await follow(page, () => page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Files' }).click())
    expect(await page.locator('section', { hasText: 'Shared with me' }).getByRole('link', { name: FILE }).count()).to.equal(1)
    expect(await page.getByRole('link', { name: FOLDER }).count(), "Anna's folder itself was not shared").to.equal(0)
    await audit(page, w, 'files (shared with me, en)')
    await follow(page, () => page.getByRole('link', { name: FILE }).click())
    expect(await page.locator('h1').textContent()).to.equal(FILE)
    // He may change it (write), not share it further (no manage): no share form, no links.
    expect(await page.getByRole('button', { name: 'Save name' }).count()).to.equal(1)
    expect(await page.getByLabel("A person's e-mail address").count()).to.equal(0)
    expect(await page.locator('#links-heading').count()).to.equal(0)
    await audit(page, w, 'file (shared, en)')
  })
})
