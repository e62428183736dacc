// The main journey in a real browser (issue 9): Debian's headless Chromium, driven by playwright-core, clicks
// and types through the server-rendered pages the way a person does. Every page type is checked with axe-core
// (no serious or critical violations), for one h1, labelled fields, landmarks and the budgets; the keyboard part
// uses only Tab, Enter and typing. Screenshots of the main pages land in docs/screenshots/.
// Skips (with a message) only when /usr/bin/chromium is missing: `apt-get install chromium`.
import { expect } from 'chai'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createTestKernel, type TestKernel } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { searchPlugin } from '@plein/plugin-search'
import { audit, audits, focused, follow, HTML_BUDGET, launch, person, skipWithoutChromium, stylesheetFacts, tabTo, type Watch } from './support.js'

const ANNA = { name: 'Anna de Vries', email: 'anna@example.org', password: 'speeltuin-noord-2025' }
const BRAM = { name: 'Bram Jansen', email: 'bram@example.org', password: 'fietsenstalling-42' }
const GROUP = 'Wijkteam Noord'
const POST = 'Nieuwe speeltuin in het Noorderpark'
const COMMENT = 'Wat een goed idee! Wanneer begint de bouw?'
const KEYBOARD_COMMENT = 'Typed with the keyboard only: count me in.'

describe('browser: the main journey in headless Chromium (with axe-core)', function () {
  this.timeout(120_000)
  let tk: TestKernel
  let browser: Browser
  const contexts: BrowserContext[] = []
  let postUrl = ''

  before(async function () {
    skipWithoutChromium(this)
    tk = await createTestKernel({ plugins: [commentsPlugin, blogPlugin, groupsPlugin, searchPlugin] })
    browser = await launch()
  })

  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await tk?.close()
    if (audits.length > 0) {
      console.log('      page audits (path, status, HTML bytes, minor/moderate axe findings):')
      for (const a of audits) console.log(`        ${a.name.padEnd(28)} ${a.url.padEnd(48)} ${a.status} ${String(a.htmlBytes).padStart(6)} B  ${a.axe.other.length}`)
    }
  })

  async function open(locale: 'nl-NL' | 'en-GB'): Promise<{ page: Page; w: Watch }> {
    const p = await person(browser, locale)
    contexts.push(p.context)
    return { page: p.page, w: p.watch }
  }

  /** Clicks and waits for the page it leads to. */
  it('a newcomer signs up, signs in, starts a group, blogs in it, comments, and finds the post with search', async () => {
    const { page, w } = await open('nl-NL')
    await page.goto(tk.url + '/')
    await audit(page, w, 'home (empty)')

    // Sign up: first the error state (every problem next to its field), then for real.
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Account maken' }).click())
    expect(new URL(page.url()).pathname).to.equal('/auth/sign-up')
    await audit(page, w, 'sign up', { screenshot: 'sign-up' })
    await page.getByLabel('Naam').fill(ANNA.name)
    await page.getByLabel('E-mailadres').fill('anna@')
    await page.getByLabel('Wachtwoord').fill('kort')
    await follow(page, () => page.getByRole('button', { name: 'Account maken' }).click())
    await audit(page, w, 'sign up (errors)', { screenshot: 'sign-up-errors' })
    expect(w.lastDocument!.status()).to.equal(400)
    expect(await page.getByRole('alert').textContent()).to.contain('Verbeter de gemarkeerde velden')
    expect(await page.getByLabel('Naam').inputValue(), 'the name is kept').to.equal(ANNA.name)
    for (const [field, error] of [['email', 'geldig e-mailadres'], ['password', 'minstens 10 tekens']]) {
      const input = page.locator(`#field-${field}`)
      expect(await input.getAttribute('aria-invalid')).to.equal('true')
      const described = await input.getAttribute('aria-describedby')
      expect(await page.locator(`#${described!.split(' ').pop()}`).textContent()).to.contain(error)
    }
    expect(await page.locator('#field-name').getAttribute('aria-invalid')).to.equal(null)
    await page.getByLabel('E-mailadres').fill(ANNA.email)
    await page.getByLabel('Wachtwoord').fill(ANNA.password)
    await follow(page, () => page.getByRole('button', { name: 'Account maken' }).click())

    // Sign in.
    expect(new URL(page.url()).pathname).to.equal('/auth/sign-in')
    expect(await page.getByRole('status').textContent()).to.contain('Je account is gemaakt')
    await audit(page, w, 'sign in', { screenshot: 'sign-in' })
    await page.getByLabel('E-mailadres').fill(ANNA.email)
    await page.getByLabel('Wachtwoord').fill(ANNA.password)
    await follow(page, () => page.getByRole('button', { name: 'Inloggen' }).click())
    expect(await page.getByRole('navigation').textContent()).to.contain(`Ingelogd als ${ANNA.name}`)

    // A group: the list, the form (with its error state), the group's page.
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Groepen' }).click())
    await audit(page, w, 'group list (empty)')
    await follow(page, () => page.getByRole('link', { name: 'Nieuwe groep' }).click())
    await audit(page, w, 'new group form', { screenshot: 'group-new' })
    await follow(page, () => page.getByRole('button', { name: 'Groep maken' }).click())
    await audit(page, w, 'new group form (errors)')
    expect(await page.locator('#field-name-error').textContent()).to.contain('Geef de groep een naam')
    await page.getByLabel('Naam').fill(GROUP)
    await page.getByLabel('Beschrijving').fill('Samen werken aan een fijne wijk: speelplekken, groen en verkeer.')
    await page.getByLabel('Open: iedereen kan lid worden').check()
    await follow(page, () => page.getByRole('button', { name: 'Groep maken' }).click())
    expect(await page.locator('h1').textContent()).to.equal(GROUP)
    await audit(page, w, 'group page (owner)')

    // A blog post in the group, then a comment on it.
    await follow(page, () => page.getByRole('link', { name: 'Schrijf een blog in deze groep' }).click())
    expect(await page.getByText(`In de groep “${GROUP}”`).count()).to.equal(1)
    await audit(page, w, 'new blog post form', { screenshot: 'blog-new' })
    await page.getByLabel('Titel').fill(POST)
    await page.getByLabel('Tekst').fill('Het Noorderpark krijgt een nieuwe speeltuin.\n\nDenk mee over de toestellen: reageer hieronder.')
    await page.getByLabel('Labels').fill('speeltuin, noord')
    await follow(page, () => page.getByRole('button', { name: 'Publiceren' }).click())
    postUrl = page.url()
    expect(new URL(postUrl).pathname).to.match(/^\/blogs\/[0-9a-f-]{36}$/)
    expect(await page.locator('h1').textContent()).to.equal(POST)
    expect(await page.locator('article').textContent()).to.contain('Denk mee over de toestellen')
    await audit(page, w, 'blog post (no comments)')
    await page.getByLabel('Je reactie').fill(COMMENT)
    await follow(page, () => page.getByRole('button', { name: 'Plaatsen' }).click())
    expect(new URL(page.url()).hash).to.equal('#comments-heading')
    expect(await page.locator('#comments-heading').textContent()).to.contain('Reacties (1)')
    expect(await page.locator('section[aria-labelledby=comments-heading] li').first().textContent()).to.contain(COMMENT)
    await page.evaluate(() => window.scrollTo(0, 0))
    await audit(page, w, 'blog post', { screenshot: 'blog-post' })

    // Search finds it (the form works without JavaScript: a GET with ?q=).
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Zoeken' }).click())
    await audit(page, w, 'search (no query)')
    await page.getByLabel('Zoekwoorden').fill('speeltuin')
    await follow(page, () => page.keyboard.press('Enter'))
    expect(new URL(page.url()).search).to.equal('?q=speeltuin')
    expect(await page.getByRole('link', { name: POST }).count()).to.equal(1)
    expect(await page.locator('mark').count()).to.be.at.least(1)
    await audit(page, w, 'search results', { screenshot: 'search' })
    await page.getByLabel('Zoekwoorden').fill('xylofoon')
    await follow(page, () => page.getByRole('button', { name: 'Zoeken' }).click())
    expect(await page.getByText('Niets gevonden voor “xylofoon”').count()).to.equal(1)
    await audit(page, w, 'search (nothing found)')

    // The lists and the home page now show it.
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Blogs' }).click())
    expect(await page.getByRole('link', { name: POST }).count()).to.equal(1)
    await audit(page, w, 'blog list', { screenshot: 'blogs' })
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Groepen' }).click())
    await audit(page, w, 'group list', { screenshot: 'groups' })
    await follow(page, () => page.getByRole('link', { name: GROUP }).click())
    expect(await page.getByRole('link', { name: POST }).count()).to.equal(1)
    await audit(page, w, 'group page', { screenshot: 'group' })
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Home' }).click())
    expect(await page.getByRole('link', { name: POST }).count()).to.equal(1)
    await audit(page, w, 'home', { screenshot: 'home' })
  })

  it('a second person (in English) signs up, joins the group and then sees the post and the comment', async () => {
    expect(postUrl, 'the first journey made the post').to.not.equal('')
    const { page, w } = await open('en-GB')
    await page.goto(tk.url + '/')
    expect(await page.locator('html').getAttribute('lang')).to.equal('en')
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Create account' }).click())
    await audit(page, w, 'sign up (en)')
    await page.getByLabel('Name').fill(BRAM.name)
    await page.getByLabel('E-mail address').fill(BRAM.email)
    await page.getByLabel('Password').fill(BRAM.password)
    await follow(page, () => page.getByRole('button', { name: 'Create account' }).click())
    await page.getByLabel('E-mail address').fill(BRAM.email)
    await page.getByLabel('Password').fill(BRAM.password)
    await follow(page, () => page.getByRole('button', { name: 'Sign in' }).click())
    expect(await page.getByRole('navigation').textContent()).to.contain(`Signed in as ${BRAM.name}`)

    // Not a member yet: the group's post is not for him (not in the activity, not in search, not by its address).
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Groups' }).click())
    await follow(page, () => page.getByRole('link', { name: GROUP }).click())
    await audit(page, w, 'group page (not a member)')
    expect(await page.getByRole('link', { name: POST }).count()).to.equal(0)
    expect((await page.goto(postUrl))!.status()).to.equal(404)
    await page.goBack()

    await follow(page, () => page.getByRole('button', { name: 'Join' }).click())
    expect(await page.getByRole('button', { name: 'Leave group' }).count()).to.equal(1)
    expect(await page.locator('#members-heading').textContent()).to.contain('Members (2)')
    await audit(page, w, 'group page (member, en)')
    await follow(page, () => page.getByRole('link', { name: POST }).click())
    expect(page.url()).to.equal(postUrl)
    expect(await page.locator('h1').textContent()).to.equal(POST)
    expect(await page.locator('#comments-heading').textContent()).to.contain('Comments (1)')
    expect(await page.locator('section[aria-labelledby=comments-heading]').textContent()).to.contain(COMMENT).and.to.contain(ANNA.name)
    await audit(page, w, 'blog post (en)')

    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Search' }).click())
    await page.getByLabel('Search terms').fill('Noorderpark')
    await follow(page, () => page.getByRole('button', { name: 'Search' }).click())
    expect(await page.getByRole('link', { name: POST }).count()).to.equal(1)
  })

  it('the skip link is the first Tab stop, Enter moves focus to <main>, and focus is visible', async () => {
    const { page } = await open('nl-NL')
    await page.goto(tk.url + '/auth/sign-in')
    const hidden = await page.locator('.plein-skip').boundingBox()
    expect(hidden!.x + hidden!.width, 'the skip link is out of sight until focused').to.be.at.most(0)
    await page.keyboard.press('Tab')
    const first = await focused(page)
    expect(first).to.include({ tag: 'a', href: '#main', text: 'Naar de inhoud', visible: true })
    const shown = await page.locator('.plein-skip').boundingBox()
    expect(shown!.x, 'the focused skip link is on screen').to.be.at.least(0)
    expect(shown!.y).to.be.at.least(0)
    await page.keyboard.press('Enter')
    expect(await focused(page)).to.include({ tag: 'main', id: 'main' })
    // The next Tab continues inside main, not at the top of the page.
    await page.keyboard.press('Tab')
    expect(await focused(page), 'Tab after the skip link continues in main').to.include({ id: 'field-email' })
  })

  it('Tab reaches every link, field and button of a signed-in post page and leaves it at the end (no trap)', async () => {
    const { page } = await open('nl-NL')
    await page.goto(tk.url + '/auth/sign-in')
    await page.getByLabel('E-mailadres').fill(ANNA.email)
    await page.getByLabel('Wachtwoord').fill(ANNA.password)
    await follow(page, () => page.getByRole('button', { name: 'Inloggen' }).click())
    await page.goto(postUrl)
    const tabbable = await page.evaluate(
      () => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), textarea, select')].filter(el => (el as HTMLElement).tabIndex >= 0).length,
    )
    const seen: string[] = []
    for (let i = 0; i < tabbable + 2; i++) {
      await page.keyboard.press('Tab')
      const f = await focused(page)
      if (f.tag === 'body') break
      expect(f.visible, `focus visible on <${f.tag}> "${f.text || f.name}"`).to.equal(true)
      seen.push(`${f.tag}:${f.text || f.name}`)
    }
    expect(seen.length, `Tab stops: ${seen.join(' | ')}`).to.equal(tabbable)
    expect(new Set(seen).size, 'no element is visited twice').to.equal(seen.length)
    expect(seen.at(-1)).to.equal('a:API-documentatie')
  })

  it('keyboard only: sign in and post a comment with Tab, Enter and typing', async () => {
    const { page, w } = await open('en-GB')
    await page.goto(tk.url + '/')
    await tabTo(page, f => f.tag === 'a' && f.href === '/auth/sign-in', 'the "Sign in" link')
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
    expect(new URL(page.url()).pathname).to.equal('/auth/sign-in')
    await tabTo(page, f => f.id === 'field-email', 'the e-mail field')
    await page.keyboard.type(BRAM.email)
    await page.keyboard.press('Tab')
    expect((await focused(page)).id).to.equal('field-password')
    await page.keyboard.type(BRAM.password)
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
    expect(await page.getByRole('navigation').textContent()).to.contain(`Signed in as ${BRAM.name}`)

    // Home lists the post (Bram is a member of its group now): Tab to it, open it, comment.
    await tabTo(page, f => f.tag === 'a' && f.text === POST, 'the post on the home page')
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
    expect(page.url()).to.equal(postUrl)
    await tabTo(page, f => f.tag === 'textarea' && f.name === 'body', 'the comment field')
    await page.keyboard.type(KEYBOARD_COMMENT)
    await page.keyboard.press('Tab')
    expect(await focused(page)).to.include({ tag: 'button', text: 'Post' })
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
    expect(await page.locator('#comments-heading').textContent()).to.contain('Comments (2)')
    expect(await page.locator('section[aria-labelledby=comments-heading]').textContent()).to.contain(KEYBOARD_COMMENT)
    await audit(page, w, 'blog post (keyboard)')
  })

  it('budgets: HTML under 100 KB, no JavaScript, CSS with a content hash served immutable', async () => {
    expect(audits.length, 'pages audited by the journeys').to.be.at.least(20)
    for (const a of audits) expect(a.htmlBytes, a.name).to.be.below(HTML_BUDGET)
    const { page } = await open('nl-NL')
    await page.goto(tk.url + '/')
    const css = await stylesheetFacts(page)
    expect(css.href).to.match(/^\/assets\/plein-[0-9a-f]{16}\.css$/)
    expect(css.hashMatches, 'the name carries the hash of the content').to.equal(true)
    expect(css.cacheControl).to.contain('immutable').and.to.contain('max-age=31536000')
    const largest = audits.reduce((a, b) => (b.htmlBytes > a.htmlBytes ? b : a))
    console.log(`      budgets: largest HTML ${largest.htmlBytes} B (${largest.name}); CSS ${css.href} ${css.bytes} B, Cache-Control: ${css.cacheControl}`)
  })
})
