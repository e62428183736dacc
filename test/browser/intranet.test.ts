// The intranet's pages in a real browser: Debian's headless Chromium (playwright-core) visits the people directory,
// a profile, "edit my profile", the CSV import, the events list, an event (RSVP onto the waiting list), the event
// form, the dashboard and its management page. Every page type gets the same checks as the main journey (axe-core
// with no serious or critical violations, one h1, labelled fields, landmarks, budgets, no script); screenshots of
// the main ones land in docs/screenshots/. Skips (with a message) only when /usr/bin/chromium is missing.
import { expect } from 'chai'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { eventsPlugin } from '@plein/plugin-events'
import { groupsPlugin } from '@plein/plugin-groups'
import { intranetPlugin } from '@plein/plugin-intranet'
import { newsPlugin } from '@plein/plugin-news'
import { peoplePlugin } from '@plein/plugin-people'
import { audit, audits, follow, launch, person, skipWithoutChromium, type Watch } from './support.js'

const PASSWORD = 'koffie-en-thee-2025'

describe('browser: the intranet pages in headless Chromium (with axe-core)', function () {
  this.timeout(180_000)
  let tk: TestKernel
  let browser: Browser
  const contexts: BrowserContext[] = []
  let admin: SignedUp
  let sanne: SignedUp
  let joost: SignedUp
  let eventId = ''

  before(async function () {
    skipWithoutChromium(this)
    tk = await createTestKernel({ plugins: [intranetPlugin, newsPlugin, groupsPlugin, eventsPlugin, peoplePlugin], site: { name: 'Gemeente Voorbeeld' } })
    admin = await tk.signUp({ name: 'Fatima Beheer', email: 'beheer@voorbeeld.nl', password: PASSWORD })
    sanne = await tk.signUp({ name: 'Sanne de Vries', email: 'sanne@voorbeeld.nl', password: PASSWORD })
    joost = await tk.signUp({ name: 'Joost Bakker', email: 'joost@voorbeeld.nl', password: PASSWORD })
    const ok = (res: { status: number; text: string }, status = 200) => expect(res.status, res.text).to.be.oneOf([status, 201, 204])
    for (const who of [sanne, joost]) ok(await admin.client.patch(`/api/v1/site/members/${who.user.id}`, { role: 'member' }))
    ok(await admin.client.put(`/api/v1/people/${admin.user.id}`, { department: 'ICT', function: 'Functioneel beheerder', skills: ['Toegankelijkheid'] }))
    ok(await admin.client.put(`/api/v1/people/${sanne.user.id}`, { department: 'Burgerzaken', function: 'Teamleider', phone: '+31 30 123 4567', location: 'Stadskantoor', skills: ['Projectleiding', 'Wet open overheid'] }))
    ok(await admin.client.put(`/api/v1/people/${joost.user.id}`, { department: 'Financiën', function: 'Controller', skills: ['Excel'] }))
    const group = await sanne.client.post('/api/v1/groups', { name: 'Team Burgerzaken', description: 'Alles over paspoorten en rijbewijzen.', membership: 'open' })
    ok(group)
    ok(await admin.client.put(`/api/v1/news/editors/${admin.user.id}`))
    ok(await admin.client.post('/api/v1/news', { title: 'Nieuwe koffieautomaten op elke verdieping', body: '<p>Vanaf maandag.</p>', access: { read: ['logged_in'] } }))
    ok(await admin.client.post('/api/v1/news', { title: 'Verbouwing stadskantoor start in maart', body: '<p>Planning volgt.</p>', access: { read: ['logged_in'] } }))
    const day = 86400_000
    const at = (days: number, hour: number) => new Date(Math.floor(Date.now() / day) * day + days * day + hour * 3600_000).toISOString()
    const event = await sanne.client.post('/api/v1/events', {
      title: 'Kennissessie Wet open overheid',
      startsAt: at(7, 13),
      endsAt: at(7, 15),
      location: 'Stadskantoor, zaal 4.12',
      onlineUrl: 'https://meet.voorbeeld.nl/woo',
      capacity: 1,
      description: '<p>Wat betekent de Woo voor ons werk? Met voorbeelden uit de praktijk.</p>',
    })
    ok(event)
    eventId = event.body.id
    ok(await admin.client.post(`/api/v1/events/${eventId}/rsvp`))
    ok(await sanne.client.post('/api/v1/events', { title: 'Vrijdagmiddagborrel', startsAt: at(3, 15), endsAt: at(3, 17), location: 'Kantine' }))
    ok(
      await admin.client.put('/api/v1/intranet/dashboard', {
        widgets: [
          { type: 'news.latest', column: 'main', config: { count: 3 } },
          { type: 'events.upcoming', column: 'main', config: { count: 3 } },
          { type: 'people.search', column: 'main', config: { count: 3 } },
          { type: 'intranet.quickLinks', column: 'side', config: { links: [{ label: 'Roosters', url: '/wiki/roosters' }, { label: 'Webmail', url: 'https://mail.voorbeeld.nl' }] } },
          { type: 'groups.mine', column: 'side' },
        ],
      }),
    )
    ok(await admin.client.post('/api/v1/intranet/announcements', { text: 'Donderdag 18:00–20:00 onderhoud aan het netwerk.', level: 'warning', startsAt: new Date(Date.now() - 3600_000).toISOString(), endsAt: new Date(Date.now() + 86400_000).toISOString() }))
    ok(await admin.client.put('/api/v1/intranet/menu', { items: [{ label: 'Smoelenboek', url: '/people' }] }))
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

  async function signedIn(email: string, locale: 'nl-NL' | 'en-GB' = 'nl-NL'): Promise<{ page: Page; w: Watch }> {
    const p = await person(browser, locale)
    contexts.push(p.context)
    await p.page.goto(tk.url + '/auth/sign-in')
    await p.page.getByLabel(locale === 'en-GB' ? 'E-mail address' : 'E-mailadres').fill(email)
    await p.page.getByLabel(locale === 'en-GB' ? 'Password' : 'Wachtwoord').fill(PASSWORD)
    await follow(p.page, () => p.page.getByRole('button', { name: locale === 'en-GB' ? 'Sign in' : 'Inloggen' }).click())
    return { page: p.page, w: p.watch }
  }

  it('a colleague uses the dashboard, the directory, a profile and her own profile form', async () => {
    const { page, w } = await signedIn('joost@voorbeeld.nl')
    await follow(page, () => page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Intranet' }).click())
    expect(await page.locator('.plein-banners').textContent()).to.contain('onderhoud aan het netwerk')
    expect(await page.getByRole('heading', { name: 'Laatste nieuws' }).count()).to.equal(1)
    expect(await page.getByRole('link', { name: 'Kennissessie Wet open overheid' }).count()).to.equal(1)
    await audit(page, w, 'intranet dashboard', { screenshot: 'dashboard' })

    // The widget's search form leads to the directory.
    await page.getByLabel('Naam of trefwoord').fill('sanne')
    await follow(page, () => page.getByRole('button', { name: 'Zoeken' }).click())
    expect(new URL(page.url()).pathname).to.equal('/people')
    expect(await page.getByRole('link', { name: 'Sanne de Vries' }).count()).to.equal(1)
    expect(await page.getByRole('link', { name: 'Joost Bakker' }).count()).to.equal(0)
    await audit(page, w, 'people search results')
    await follow(page, () => page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Collega’s' }).click())
    await audit(page, w, 'people directory', { screenshot: 'people' })
    await follow(page, () => page.getByRole('link', { name: 'Sanne de Vries' }).click())
    expect(await page.locator('h1').textContent()).to.equal('Sanne de Vries')
    expect(await page.locator('dl').textContent()).to.contain('Teamleider').and.contain('Projectleiding')
    expect(await page.getByRole('link', { name: 'Team Burgerzaken' }).count()).to.equal(1)
    await audit(page, w, 'profile page', { screenshot: 'person' })

    // His own profile: the form from the site's fields, first with an error next to the field.
    await page.goto(tk.url + '/people/me/edit')
    await audit(page, w, 'edit my profile')
    await page.getByLabel('Telefoon').fill('bel me maar')
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(w.lastDocument!.status()).to.equal(400)
    expect(await page.locator('#field-phone-error').textContent()).to.contain('Vul een telefoonnummer in')
    await audit(page, w, 'edit my profile (errors)')
    await page.getByLabel('Telefoon').fill('+31 30 765 4321')
    await follow(page, () => page.getByRole('button', { name: 'Opslaan' }).click())
    expect(await page.locator('h1').textContent()).to.equal('Joost Bakker')
    expect(await page.locator('dl').textContent()).to.contain('+31 30 765 4321')
  })

  it('a colleague finds an event, signs up onto the waiting list, and creates one', async () => {
    const { page, w } = await signedIn('joost@voorbeeld.nl')
    await follow(page, () => page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Agenda' }).click())
    await audit(page, w, 'events list', { screenshot: 'events' })
    await follow(page, () => page.getByRole('link', { name: 'Kennissessie Wet open overheid' }).click())
    expect(await page.getByText('1 van 1 plaatsen bezet').count()).to.equal(1)
    await follow(page, () => page.getByRole('button', { name: 'Op de wachtlijst zetten' }).click())
    expect(await page.getByRole('status').filter({ hasText: 'Je staat op de wachtlijst, plaats 1.' }).count()).to.equal(1)
    await audit(page, w, 'event page', { screenshot: 'event' })

    await page.goto(tk.url + '/events/new')
    await follow(page, () => page.getByRole('button', { name: 'Activiteit maken' }).click())
    expect(w.lastDocument!.status()).to.equal(400)
    await audit(page, w, 'new event form (errors)')
    await page.getByLabel('Titel').fill('Lunchwandeling')
    await page.getByLabel('Begint').fill('2030-05-14T12:15')
    await page.getByLabel('Eindigt').fill('2030-05-14T13:00')
    await follow(page, () => page.getByRole('button', { name: 'Activiteit maken' }).click())
    expect(await page.locator('h1').textContent()).to.equal('Lunchwandeling')
    expect(await page.locator('dl').textContent()).to.contain('12:15 – 13:00 (Europe/Amsterdam)')
  })

  it('the organiser sees the attendees; the administrator imports colleagues and arranges the intranet (in English)', async () => {
    const organiser = await signedIn('sanne@voorbeeld.nl')
    await organiser.page.goto(`${tk.url}/events/${eventId}`)
    expect(await organiser.page.getByRole('heading', { name: 'Deelnemers' }).count()).to.equal(1)
    expect(await organiser.page.getByText('Wachtlijst (1)').count()).to.equal(1)
    await audit(organiser.page, organiser.w, 'event page (organiser)')
    await organiser.page.goto(`${tk.url}/events/${eventId}/edit`)
    await audit(organiser.page, organiser.w, 'edit event form')

    const { page, w } = await signedIn('beheer@voorbeeld.nl', 'en-GB')
    await page.goto(tk.url + '/people/import')
    await audit(page, w, 'people import (en)')
    await page.getByLabel('CSV text').fill('email,name,department\nnieuw@voorbeeld.nl,Nieuwe Collega,Burgerzaken\ngeen-adres,Iemand,ICT')
    await follow(page, () => page.getByRole('button', { name: 'Check and import' }).click())
    expect(w.lastDocument!.status()).to.equal(400)
    expect(await page.locator('table').textContent()).to.contain('is not an e-mail address')
    await audit(page, w, 'people import report (en)')
    await page.getByLabel('CSV text').fill('email,name,department\nnieuw@voorbeeld.nl,Nieuwe Collega,Burgerzaken')
    await follow(page, () => page.getByRole('button', { name: 'Check and import' }).click())
    expect(await page.getByRole('status').filter({ hasText: '1 rows imported' }).count()).to.equal(1)

    await page.goto(tk.url + '/intranet/manage')
    await audit(page, w, 'intranet management (en)')
    await page.getByLabel('Menu, one item per line').fill('Directory | /people\nEvents | /events\n- Calendar | /events/calendar.ics')
    await follow(page, () => page.getByRole('button', { name: 'Save menu' }).click())
    expect(await page.getByRole('status').filter({ hasText: 'Saved.' }).count()).to.equal(1)
    await follow(page, () => page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Intranet' }).click())
    expect(await page.getByRole('navigation', { name: 'Intranet menu' }).getByRole('link', { name: 'Calendar' }).count()).to.equal(1)
    await audit(page, w, 'intranet dashboard (admin, en)')
  })
})
