// Browser test support: Debian's Chromium driven by playwright-core, axe-core for accessibility, and the
// checks every page type must pass (one h1, labelled fields, landmarks, budgets, no script, no CSP errors).
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core'

/** Debian's package (`apt-get install chromium`); the tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = (): boolean => existsSync(CHROMIUM)

/** Skips the suite, saying how to install the browser, when there is no Chromium. Call it first in `before`. */
export function skipWithoutChromium(suite: Mocha.Context): void {
  if (hasChromium()) return
  console.log(`      SKIPPED: no ${CHROMIUM}; install Debian's package with \`apt-get install chromium\` to run the browser tests.`)
  suite.skip()
}

export const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots')

/** A page's HTML must stay under this (issue 9, "Budgets"). */
export const HTML_BUDGET = 100 * 1024

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
}

/** A person's browser: its own cookies, a 1280×800 window, a language. */
export async function person(browser: Browser, locale: 'nl-NL' | 'en-GB'): Promise<{ context: BrowserContext; page: Page; watch: Watch }> {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  return { context, page, watch: watch(page) }
}

// axe-core runs in the page. Playwright's addScriptTag adds an inline <script>, which the site's CSP
// (script-src 'self') rightly blocks; evaluating the source over the DevTools protocol is not subject to the
// page's CSP, so axe runs on exactly the page a person sees, with the real policy in force.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface AxeNode {
  target: string[]
  failureSummary?: string
}
interface AxeViolation {
  id: string
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null
  help: string
  nodes: AxeNode[]
}

/** What a page sent and did: the last HTML document, script requests, CSP and script errors. */
/** Clicks (or submits) and waits for the page that leads to. */
export async function follow(page: Page, click: () => Promise<void>): Promise<void> {
  await Promise.all([page.waitForNavigation(), click()])
}

/** Signs in through the sign-in form (its fields by id, in any language). */
export async function signInWithForm(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/auth/sign-in`)
  await page.locator('#field-email').fill(email)
  await page.locator('#field-password').fill(password)
  await follow(page, () => page.locator('form.plein-form button[type=submit]').click())
}

export interface Watch {
  lastDocument: Response | undefined
  scripts: string[]
  problems: string[]
}

function watch(page: Page): Watch {
  const w: Watch = { lastDocument: undefined, scripts: [], problems: [] }
  page.on('response', r => {
    if (r.request().resourceType() === 'document' && r.request().frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400)) w.lastDocument = r
  })
  page.on('request', r => {
    if (r.resourceType() === 'script') w.scripts.push(r.url())
  })
  page.on('console', m => {
    // Any CSP report (an inline style or script someone added) is a failure.
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) w.problems.push(m.text())
  })
  page.on('pageerror', e => w.problems.push(String(e)))
  return w
}

export interface AuditResult {
  name: string
  url: string
  status: number
  htmlBytes: number
  axe: { serious: number; critical: number; other: string[] }
}

/** Every audit of the run, for the summary printed at the end. */
export const audits: AuditResult[] = []

/**
 * The checks every page type must pass. Fails on: axe violations that are serious or critical, not exactly one
 * h1, a form field without a label, a missing landmark, HTML over budget, any <script>, a CSP error.
 * Other axe findings are printed. With `screenshot`, saves docs/screenshots/<screenshot>.png.
 */
export async function audit(page: Page, w: Watch, name: string, options: { screenshot?: string } = {}): Promise<AuditResult> {
  const doc = w.lastDocument
  expect(doc, `${name}: no HTML document was loaded`).to.not.equal(undefined)
  const html = await doc!.body()
  const status = doc!.status()

  // Budgets: small HTML, and no JavaScript at all (so none can block rendering).
  expect(html.length, `${name}: HTML is ${html.length} bytes`).to.be.below(HTML_BUDGET)
  expect(html.toString('utf8'), `${name}: the HTML has a <script>`).to.not.match(/<script\b/i)
  expect(w.scripts, `${name}: scripts were requested`).to.deep.equal([])
  expect(w.problems.length, `${name}: CSP or script errors:\n${w.problems.join('\n')}`).to.equal(0)

  // (No named functions inside evaluate: tsx's keepNames would wrap them in a helper the page does not have.)
  const facts = await page.evaluate(() => {
    const fields = [...document.querySelectorAll('input, select, textarea')].filter(
      el => !['hidden', 'submit', 'button', 'reset', 'image'].includes((el as HTMLInputElement).type) && getComputedStyle(el).display !== 'none',
    ) as Array<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>
    const unlabelled = fields
      .filter(f => !(f.labels && [...f.labels].some(l => l.textContent!.trim() !== '')) && !f.getAttribute('aria-label') && !f.getAttribute('aria-labelledby'))
      .map(f => f.name || f.id)
    // Landmarks at the page level: a header or footer inside an article, aside, main, nav or section is no landmark.
    const [banner, contentinfo] = ['header', 'footer'].map(
      tag => [...document.querySelectorAll(tag)].filter(el => !el.parentElement!.closest('article, aside, main, nav, section')).length,
    )
    return {
      h1: document.querySelectorAll('h1').length,
      unlabelled,
      banner: banner! + document.querySelectorAll('[role=banner]').length,
      nav: document.querySelectorAll('nav, [role=navigation]').length,
      main: document.querySelectorAll('main, [role=main]').length,
      contentinfo: contentinfo! + document.querySelectorAll('[role=contentinfo]').length,
      lang: document.documentElement.lang,
      title: document.title,
    }
  })
  expect(facts.h1, `${name}: h1 elements`).to.equal(1)
  expect(facts.unlabelled, `${name}: form fields without a label`).to.deep.equal([])
  expect(facts.banner, `${name}: header landmarks`).to.equal(1)
  expect(facts.nav, `${name}: nav landmarks`).to.be.at.least(1)
  expect(facts.main, `${name}: main landmarks`).to.equal(1)
  expect(facts.contentinfo, `${name}: footer landmarks`).to.equal(1)
  expect(facts.lang, `${name}: <html lang>`).to.match(/^(nl|en)$/)
  expect(facts.title, `${name}: <title>`).to.not.equal('')

  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: unknown[] }> } }).axe.run(document, {
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    })
    return result.violations
  }) as AxeViolation[]
  const describe = (v: AxeViolation) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(', ')})`
  const bad = violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
  const other = violations.filter(v => !bad.includes(v)).map(describe)
  for (const line of other) console.log(`      axe (${name}): ${line}`)
  expect(bad.length, `${name}: serious or critical axe violations:\n${bad.map(describe).join('\n')}`).to.equal(0)

  // Retaken on request (`npm run screenshots`), or when missing: an ordinary test run leaves docs/ as it is.
  if (options.screenshot && (process.env.PLEIN_SCREENSHOTS === '1' || !existsSync(path.join(SCREENSHOTS, `${options.screenshot}.png`)))) {
    mkdirSync(SCREENSHOTS, { recursive: true })
    await page.screenshot({ path: path.join(SCREENSHOTS, `${options.screenshot}.png`) })
  }
  const result: AuditResult = {
    name,
    url: new URL(page.url()).pathname,
    status,
    htmlBytes: html.length,
    axe: { serious: 0, critical: 0, other },
  }
  audits.push(result)
  return result
}

/** The element that has focus: tag, id/name, text, and whether its focus is visible (an outline or a shadow). */
export async function focused(page: Page): Promise<{ tag: string; id: string; name: string; text: string; href: string; visible: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    if (!el || el === document.body) return { tag: 'body', id: '', name: '', text: '', href: '', visible: false }
    const s = getComputedStyle(el)
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
    const shadow = s.boxShadow !== 'none' && s.boxShadow !== ''
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      name: el.getAttribute('name') ?? '',
      text: (el.textContent ?? '').trim().replace(/\s+/g, ' '),
      href: el.getAttribute('href') ?? '',
      visible: outline || shadow,
    }
  })
}

/**
 * Presses Tab until the focused element matches; fails when it takes more than `max` presses (a trap, or the
 * element is not reachable). Every element focused on the way must show its focus.
 */
export async function tabTo(page: Page, matches: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    const f = await focused(page)
    if (f.tag !== 'body') expect(f.visible, `focus is not visible on <${f.tag}> "${f.text || f.id || f.name}"`).to.equal(true)
    if (matches(f)) return
  }
  throw new Error(`Tab did not reach ${what} within ${max} presses`)
}

/** The stylesheet link of the page, and what the server says about it. */
export async function stylesheetFacts(page: Page): Promise<{ href: string; cacheControl: string; bytes: number; hashMatches: boolean }> {
  const href = await page.getAttribute('link[rel=stylesheet]', 'href')
  expect(href, 'the page links a stylesheet').to.be.a('string')
  const response = await page.context().request.get(new URL(href!, page.url()).toString())
  expect(response.status()).to.equal(200)
  const body = await response.body()
  const hash = /plein-([0-9a-f]{16})\.css$/.exec(href!)?.[1]
  return {
    href: href!,
    cacheControl: response.headers()['cache-control'] ?? '',
    bytes: body.length,
    hashMatches: hash === createHash('sha256').update(body).digest('hex').slice(0, 16),
  }
}
