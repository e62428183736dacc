// Managing a group in a real browser (Debian's headless Chromium via playwright-core): an owner starts a closed
// group with the form, someone asks to join (in English), the owner approves the request, looks up and promotes
// the member on the members page, invites a colleague and changes the settings. Every page type passes the same
// checks as the main journey (axe-core without serious or critical violations, one h1, labelled fields, landmarks,
// budgets, no script). Screenshots: docs/screenshots/group-requests.png, group-members.png, group-settings.png.
import { expect } from 'chai'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { groupsPlugin } from '@plein/plugin-groups'
import { audit, audits, follow, launch, person, signInWithForm, skipWithoutChromium, type Watch } from './support.js'

const GROUP = 'Werkgroep Duurzaam Wonen'

describe('browser: managing a group in headless Chromium (with axe-core)', function () {
  this.timeout(120_000)
  let tk: TestKernel
  let browser: Browser
  let owner: SignedUp
  let asker: SignedUp
  const contexts: BrowserContext[] = []

  before(async function () {
    skipWithoutChromium(this)
    tk = await createTestKernel({ plugins: [groupsPlugin] })
    await tk.signUp({ name: 'Beheerder Site' })
    owner = await tk.signUp({ name: 'Fatima El Amrani', email: 'fatima@example.org', password: 'zonnepanelen-op-het-dak' })
    asker = await tk.signUp({ name: 'Bram Jansen', email: 'bram.groups@example.org', password: 'fietsenstalling-42' })
    browser = await launch()
  })

  after(async function () {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await tk?.close()
    const mine = audits.filter(a => a.name.startsWith('group '))
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

  it('a closed group: a request, approval by the owner, the members page, an invitation and the settings', async () => {
    // The owner starts a closed group with the form.
    const o = await signedIn(owner, 'nl-NL')
    await o.page.goto(tk.url + '/groups/new')
    await o.page.getByLabel('Naam').fill(GROUP)
    await o.page.getByLabel('Beschrijving').fill('Samen de wijk verduurzamen: isolatie, zonnepanelen en groene daken.')
    await o.page.getByLabel('Besloten: aanvragen worden beoordeeld').check()
    expect(await o.page.getByLabel('Besloten: aanvragen worden beoordeeld').isChecked()).to.equal(true)
    await follow(o.page, () => o.page.getByRole('button', { name: 'Groep maken' }).click())
    expect(await o.page.locator('h1').textContent()).to.equal(GROUP)
    const groupUrl = o.page.url()
    const groupId = new URL(groupUrl).pathname.split('/')[2]!
    await audit(o.page, o.w, 'group page (owner, closed)')
    // A few colleagues are members already (through the API), so the members page has something to show.
    for (const name of ['Sanne de Boer', 'Youssef Bakker', 'Lotte Visser']) {
      const colleague = await tk.signUp({ name })
      expect((await colleague.client.post(`/api/v1/groups/${groupId}/join`)).status).to.equal(202)
      expect((await owner.client.post(`/api/v1/groups/${groupId}/requests/${colleague.user.id}/approve`)).status).to.equal(200)
    }

    // Bram (in English) asks to join with the button.
    const b = await signedIn(asker, 'en-GB')
    await b.page.goto(groupUrl)
    await audit(b.page, b.w, 'group page (outsider, en)')
    expect(await b.page.locator(`a[href="/groups/${groupId}/settings"]`).count()).to.equal(0)
    await follow(b.page, () => b.page.getByRole('button', { name: 'Ask to join' }).click())
    expect(await b.page.getByRole('status').filter({ hasText: 'Your request waits for approval.' }).count()).to.equal(1)
    await audit(b.page, b.w, 'group page (pending, en)')

    // The owner finds the request through the group page's link and approves it.
    await o.page.goto(groupUrl)
    await follow(o.page, () => o.page.getByRole('navigation', { name: 'Groep' }).getByRole('link', { name: 'Aanvragen' }).click())
    expect(new URL(o.page.url()).pathname).to.equal(`/groups/${groupId}/requests`)
    expect(await o.page.locator('h1').textContent()).to.equal(`Aanvragen voor ${GROUP}`)
    expect(await o.page.getByRole('cell', { name: 'Bram Jansen', exact: true }).count()).to.equal(1)
    await audit(o.page, o.w, 'group requests', { screenshot: 'group-requests' })
    await follow(o.page, () => o.page.getByRole('button', { name: 'Toelaten voor Bram Jansen' }).click())
    expect(new URL(o.page.url()).pathname).to.equal(`/groups/${groupId}/requests`)
    expect(await o.page.getByText('Geen openstaande aanvragen.').count()).to.equal(1)
    await audit(o.page, o.w, 'group requests (none)')

    // Bram is in: he leaves no request behind and sees the members link, not the administrators' pages.
    await b.page.goto(groupUrl)
    expect(await b.page.getByRole('button', { name: 'Leave group' }).count()).to.equal(1)
    expect(await b.page.getByRole('navigation', { name: 'Group' }).getByRole('link', { name: 'Members', exact: true }).count()).to.equal(1)
    for (const p of ['requests', 'invitations', 'settings']) expect(await b.page.locator(`a[href="/groups/${groupId}/${p}"]`).count()).to.equal(0)
    await audit(b.page, b.w, 'group page (member, en)')

    // The members page: search by name, then make Bram an administrator.
    await o.page.goto(groupUrl)
    await follow(o.page, () => o.page.getByRole('navigation', { name: 'Groep' }).getByRole('link', { name: 'Leden' }).click())
    expect(await o.page.locator('tbody tr').count()).to.equal(5)
    await audit(o.page, o.w, 'group members', { screenshot: 'group-members' })
    await o.page.getByLabel('Zoek op naam').fill('bram')
    await follow(o.page, () => o.page.getByRole('button', { name: 'Zoeken' }).click())
    expect(new URL(o.page.url()).search).to.equal('?q=bram')
    expect(await o.page.locator('tbody tr').count()).to.equal(1)
    await audit(o.page, o.w, 'group members (search)')
    await follow(o.page, () => o.page.getByRole('button', { name: 'Beheerder maken voor Bram Jansen' }).click())
    expect(await o.page.getByRole('row', { name: /Bram Jansen/ }).getByRole('cell', { name: 'beheerder' }).count()).to.equal(1)

    // An invitation by e-mail address: first the error next to the field, then for real.
    await o.page.goto(`${groupUrl}/invitations`)
    await audit(o.page, o.w, 'group invitations')
    await o.page.getByLabel('E-mailadres').fill('sanne@')
    await follow(o.page, () => o.page.getByRole('button', { name: 'Uitnodigen' }).click())
    expect(o.w.lastDocument!.status()).to.equal(400)
    expect(await o.page.locator('#field-email-error').textContent()).to.contain('geldig e-mailadres')
    await audit(o.page, o.w, 'group invitations (errors)')
    await o.page.getByLabel('E-mailadres').fill('nieuwe.buur@example.org')
    await follow(o.page, () => o.page.getByRole('button', { name: 'Uitnodigen' }).click())
    expect(await o.page.getByRole('status').filter({ hasText: 'Uitnodiging verstuurd.' }).count()).to.equal(1)
    expect(await o.page.getByText('nieuwe.buur@example.org').count()).to.equal(1)

    // The settings: the closed group shows as closed; a new description is saved.
    await o.page.goto(groupUrl)
    await follow(o.page, () => o.page.getByRole('navigation', { name: 'Groep' }).getByRole('link', { name: 'Instellingen' }).click())
    expect(await o.page.getByLabel('Besloten: aanvragen worden beoordeeld').isChecked()).to.equal(true)
    expect(await o.page.getByLabel('Open: iedereen kan lid worden').isChecked()).to.equal(false)
    await audit(o.page, o.w, 'group settings', { screenshot: 'group-settings' })
    await o.page.getByLabel('Naam').fill('')
    await follow(o.page, () => o.page.getByRole('button', { name: 'Opslaan' }).click())
    expect(await o.page.locator('#field-name-error').textContent()).to.contain('Geef de groep een naam')
    await audit(o.page, o.w, 'group settings (errors)')
    await o.page.getByLabel('Naam').fill(GROUP)
    await o.page.getByLabel('Beschrijving').fill('Samen de wijk verduurzamen.')
    await follow(o.page, () => o.page.getByRole('button', { name: 'Opslaan' }).click())
    expect(await o.page.getByRole('status').filter({ hasText: 'De instellingen zijn opgeslagen.' }).count()).to.equal(1)
    expect((await owner.client.get(`/api/v1/groups/${groupId}`)).body.description).to.equal('Samen de wijk verduurzamen.')

    // Deleting asks first; Bram (an administrator now) may see the confirmation too, the owner cancels.
    await follow(o.page, () => o.page.getByRole('link', { name: 'Groep verwijderen' }).click())
    await audit(o.page, o.w, 'group delete (confirm)')
    await follow(o.page, () => o.page.getByRole('link', { name: 'Nee, terug naar de instellingen' }).click())
    expect(new URL(o.page.url()).pathname).to.equal(`/groups/${groupId}/settings`)
  })
})
