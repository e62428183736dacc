// The news and wiki pages in a real browser (Debian's headless Chromium via playwright-core): an editor writes an
// article through the form (first with mistakes), a reader opens and comments it in English; someone writes wiki
// pages, links them, edits one, compares revisions and restores one. Every page type passes the same checks as
// the main journey (axe-core without serious or critical violations, one h1, labelled fields, landmarks, budgets,
// no script). Screenshots: docs/screenshots/news.png, news-article.png, wiki-page.png, wiki-revisions.png.
import { expect } from 'chai'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { newsPlugin } from '@plein/plugin-news'
import { wikiPlugin } from '@plein/plugin-wiki'
import { audit, audits, follow, HTML_BUDGET, launch, person, signInWithForm, skipWithoutChromium, type Watch } from './support.js'

const ARTICLE = 'Nieuw stadskantoor opent in maart'
const PUBLIC = { read: ['public'] }

describe('browser: news and wiki pages in headless Chromium (with axe-core)', function () {
  this.timeout(120_000)
  let tk: TestKernel
  let browser: Browser
  let editor: SignedUp
  let reader: SignedUp
  const contexts: BrowserContext[] = []
  let articleUrl = ''

  before(async function () {
    skipWithoutChromium(this)
    tk = await createTestKernel({ plugins: [commentsPlugin, groupsPlugin, newsPlugin, wikiPlugin], site: { name: 'Gemeente Voorbeeld', settings: { access: { allowPublic: true, allowLoggedIn: true } } } })
    // The first account administers the site, and administrators are news editors.
    editor = await tk.signUp({ name: 'Eva de Redacteur', email: 'eva@example.org', password: 'redactie-2026-noord' })
    reader = await tk.signUp({ name: 'Ravi Lezer', email: 'ravi@example.org', password: 'lezen-is-leuk-42' })
    browser = await launch()
  })

  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await tk?.close()
    const mine = audits.filter(a => /^(news|wiki)/.test(a.name))
    if (mine.length > 0) {
      console.log('      page audits (path, status, HTML bytes, minor/moderate axe findings):')
      for (const a of mine) console.log(`        ${a.name.padEnd(28)} ${a.url.padEnd(48)} ${a.status} ${String(a.htmlBytes).padStart(6)} B  ${a.axe.other.length}`)
    }
  })

  async function signedIn(who: SignedUp, locale: 'nl-NL' | 'en-GB'): Promise<{ page: Page; w: Watch }> {
    const p = await person(browser, locale)
    contexts.push(p.context)
    await signInWithForm(p.page, tk.url, who.user.email, who.password)
    return { page: p.page, w: p.watch }
  }

  it('an editor writes an article with the form, and the list shows it featured, with categories and the feed', async () => {
    // Some news already: two older articles in categories.
    for (const [title, category] of [['Wegwerkzaamheden Dorpsstraat', 'verkeer'], ['Nieuwe openingstijden bibliotheek', 'cultuur']]) {
      const res = await editor.client.post('/api/v1/news', { title, lead: `Over ${title.toLowerCase()}.`, body: '<p>Meer volgt.</p>', categories: [category], access: PUBLIC })
      expect(res.status, res.text).to.equal(201)
    }
    const { page, w } = await signedIn(editor, 'nl-NL')
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Nieuws' }).click())
    expect(new URL(page.url()).pathname).to.equal('/news')
    expect(await page.locator('link[rel=alternate][type="application/atom+xml"]').getAttribute('href')).to.equal('/news/feed.xml')
    await audit(page, w, 'news list (editor)')
    await follow(page, () => page.getByRole('link', { name: 'Nieuw artikel' }).click())
    await audit(page, w, 'news form')
    // A scheduled article without its date, and no title: both errors next to their fields.
    await page.getByLabel('Gepland op de datum hieronder').check()
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(w.lastDocument!.status()).to.equal(400)
    await audit(page, w, 'news form (errors)')
    expect(await page.locator('#field-title-error').textContent()).to.contain('Geef het artikel een titel')
    expect(await page.locator('#field-publishAt-error').textContent()).to.contain('Kies de datum en tijd')
    await page.getByLabel('Titel').fill(ARTICLE)
    await page.getByLabel('Inleiding').fill('Na twee jaar bouwen gaat het nieuwe stadskantoor aan het Stationsplein open.')
    await page.getByLabel('Tekst', { exact: true }).fill('Op maandag 2 maart opent het nieuwe stadskantoor zijn deuren.\n\nU kunt er terecht voor paspoorten, rijbewijzen en vergunningen. Maak vooraf een afspraak.')
    await page.getByLabel('Categorieën (met komma’s)').fill('Dienstverlening, Gebouwen')
    await page.getByLabel('Gepubliceerd (nu, of de datum die het al had)').check()
    await page.getByLabel('Uitlichten bovenaan de nieuwspagina').check()
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    articleUrl = page.url()
    expect(new URL(articleUrl).pathname).to.match(/^\/news\/[0-9a-f-]{36}$/)
    expect(await page.locator('h1').textContent()).to.equal(ARTICLE)
    await audit(page, w, 'news article (editor)')
    await follow(page, () => page.getByRole('link', { name: 'Bewerken' }).click())
    expect(await page.getByLabel('Titel').inputValue()).to.equal(ARTICLE)
    await audit(page, w, 'news edit form')

    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Nieuws' }).click())
    const featured = page.locator('section[aria-labelledby=news-featured]')
    expect(await featured.getByRole('link', { name: ARTICLE }).count()).to.equal(1)
    await audit(page, w, 'news list', { screenshot: 'news' })
    await page.getByLabel('Categorie', { exact: true }).selectOption('verkeer')
    await follow(page, () => page.getByRole('button', { name: 'Filteren' }).click())
    expect(new URL(page.url()).search).to.equal('?category=verkeer')
    expect(await page.getByRole('link', { name: 'Wegwerkzaamheden Dorpsstraat' }).count()).to.equal(1)
    expect(await page.getByRole('link', { name: ARTICLE }).count()).to.equal(0)
    await audit(page, w, 'news list (category)')
  })

  it('a reader (in English) opens the article, comments, and has no edit link', async () => {
    expect(articleUrl, 'the first test wrote the article').to.not.equal('')
    const { page, w } = await signedIn(reader, 'en-GB')
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'News' }).click())
    await audit(page, w, 'news list (en)')
    await follow(page, () => page.getByRole('link', { name: ARTICLE }).first().click())
    expect(page.url()).to.equal(articleUrl)
    expect(await page.getByRole('link', { name: 'Edit' }).count()).to.equal(0)
    await page.getByLabel('Your comment').fill('Will there be bicycle parking?')
    await follow(page, () => page.getByRole('button', { name: 'Post' }).click())
    expect(await page.locator('#comments-heading').textContent()).to.contain('Comments (1)')
    await audit(page, w, 'news article (en)')
    expect((await page.goto(tk.url + '/news/new'))!.status()).to.equal(403)

    // The Dutch article page, for the screenshot.
    const nl = await signedIn(reader, 'nl-NL')
    await nl.page.goto(articleUrl)
    expect(await nl.page.locator('#comments-heading').textContent()).to.contain('Reacties (1)')
    await audit(nl.page, nl.w, 'news article', { screenshot: 'news-article' })
  })

  it('someone writes and links wiki pages, edits one, compares revisions and restores one', async () => {
    const handbook = (await editor.client.post('/api/v1/wiki', { title: 'Personeelshandboek', body: '<p>Alles over werken bij de gemeente.</p>', access: PUBLIC })).body
    for (const title of ['Verlof', 'Thuiswerken', 'Declaraties']) {
      const res = await editor.client.post('/api/v1/wiki', { title, body: `<p>${title}: de regels.</p>`, parentId: handbook.id })
      expect(res.status, res.text).to.equal(201)
    }
    await editor.client.post('/api/v1/wiki', { title: 'Huisstijl', body: '<p>Logo en kleuren.</p>', access: PUBLIC })

    const { page, w } = await signedIn(editor, 'nl-NL')
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Wiki' }).click())
    expect(await page.locator('nav[aria-labelledby=wiki-tree] li li').count()).to.equal(3)
    await audit(page, w, 'wiki tree')
    await follow(page, () => page.getByRole('link', { name: 'Personeelshandboek' }).click())
    await follow(page, () => page.getByRole('link', { name: 'Subpagina toevoegen' }).click())
    await audit(page, w, 'wiki form')
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(await page.locator('#field-title-error').textContent()).to.contain('Geef de pagina een titel')
    await audit(page, w, 'wiki form (errors)')
    await page.getByLabel('Titel').fill('Fietsregeling')
    await page.getByLabel('Tekst', { exact: true }).fill(`<p>Met de fietsregeling koop je voordelig een fiets.</p><p>Lees ook de regels over <a href="/wiki/${handbook.id}">het personeelshandboek</a>.</p>`)
    await page.getByLabel('Wat heb je veranderd? (samenvatting)').fill('Nieuwe regeling')
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(await page.locator('h1').textContent()).to.equal('Fietsregeling')
    const pageUrl = page.url()

    // Change it: a second revision.
    await follow(page, () => page.getByRole('link', { name: 'Bewerken' }).click())
    await audit(page, w, 'wiki edit form')
    await page.getByLabel('Tekst', { exact: true }).fill(
      `<p>Met de fietsregeling koop je voordelig een fiets of e-bike.</p><p>Aanvragen kan tot 1 november.</p><p>Lees ook de regels over <a href="/wiki/${handbook.id}">het personeelshandboek</a>.</p>`,
    )
    await page.getByLabel('Wat heb je veranderd? (samenvatting)').fill('E-bikes en de termijn')
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(page.url()).to.equal(pageUrl)
    expect(await page.locator('article > p.plein-meta').textContent()).to.contain('Versie 2')
    await audit(page, w, 'wiki page', { screenshot: 'wiki-page' })

    // The internal link works, and the linked page lists this one as a backlink.
    await follow(page, () => page.locator('article').getByRole('link', { name: 'het personeelshandboek' }).click())
    expect(await page.locator('h1').textContent()).to.equal('Personeelshandboek')
    expect(await page.locator('section[aria-labelledby=wiki-backlinks]').getByRole('link', { name: 'Fietsregeling' }).count()).to.equal(1)
    await audit(page, w, 'wiki page (parent)')
    await page.goto(pageUrl)

    await follow(page, () => page.getByRole('link', { name: 'Versies' }).click())
    expect(await page.locator('tbody tr').count()).to.equal(2)
    await audit(page, w, 'wiki revisions', { screenshot: 'wiki-revisions' })
    await follow(page, () => page.getByRole('button', { name: 'Vergelijken' }).click())
    expect(await page.locator('ins').first().textContent()).to.contain('e-bike')
    expect(await page.locator('del').first().textContent()).to.contain('voordelig een fiets.')
    await audit(page, w, 'wiki diff')
    await follow(page, () => page.getByRole('link', { name: 'Alle versies' }).click())
    await follow(page, () => page.getByRole('button', { name: 'Versie 1 terugzetten' }).click())
    expect(page.url()).to.equal(pageUrl)
    expect(await page.locator('article > p.plein-meta').textContent()).to.contain('Versie 3')
    expect(await page.locator('article').textContent()).to.not.contain('e-bike')
  })

  it('a reader (in English) reads the wiki: tree, page, revisions', async () => {
    const { page, w } = await signedIn(reader, 'en-GB')
    await follow(page, () => page.getByRole('navigation').getByRole('link', { name: 'Wiki' }).click())
    await audit(page, w, 'wiki tree (en)')
    await follow(page, () => page.getByRole('link', { name: 'Fietsregeling' }).click())
    expect(await page.getByRole('link', { name: 'Edit' }).count()).to.equal(0)
    await audit(page, w, 'wiki page (en)')
    await follow(page, () => page.getByRole('link', { name: 'Revisions' }).click())
    expect(await page.getByRole('button', { name: /Restore/ }).count()).to.equal(0)
    await audit(page, w, 'wiki revisions (en)')
    for (const a of audits) expect(a.htmlBytes, a.name).to.be.below(HTML_BUDGET)
  })
})
