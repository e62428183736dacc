// The groups plugin's management pages: members (paged, searchable, roles, removal), requests, invitations (and
// the invited person's accept/decline on the group page), settings and deleting a group. Every form round-trips
// (POST with _csrf, redirect after post), a refused CSRF token, errors next to the field, who may see what.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { groupsPlugin } from '@plein/plugin-groups'
import { wikiPlugin } from '@plein/plugin-wiki'
import { createGroup, expectProblem, mails } from './helpers.js'

const html = { accept: 'text/html' }
const h1s = (text: string) => text.match(/<h1\b/g)?.length ?? 0

function postForm(client: TestClient, path: string, fields: Record<string, string> = {}, csrf = client.csrfToken ?? '') {
  return client.post(path, undefined, {
    raw: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-csrf-token': '' },
  })
}

/** Posts a form and expects the redirect after post; returns where it leads. */
async function submit(client: TestClient, path: string, fields: Record<string, string> = {}): Promise<string> {
  const res = await postForm(client, path, fields)
  expect(res.status, `${path}: ${res.text}`).to.equal(302)
  return String(res.headers.location)
}

describe('groups: management pages', () => {
  let tk: TestKernel
  let olivia: SignedUp
  let adam: SignedUp
  let mia: SignedUp
  let otto: SignedUp
  let ivy: SignedUp

  const page = (who: SignedUp | TestClient, url: string) => ('client' in who ? who.client : who).get(url, { headers: html })
  const api = (who: SignedUp, url: string) => who.client.get(url)

  async function join(group: { id: string }, who: SignedUp): Promise<void> {
    const res = await who.client.post(`/api/v1/groups/${group.id}/join`)
    if (res.status === 202) expect((await olivia.client.post(`/api/v1/groups/${group.id}/requests/${who.user.id}/approve`)).status).to.equal(200)
    else expect(res.status, res.text).to.equal(200)
  }

  before(async function () {
    this.timeout(120_000)
    tk = await createTestKernel({ plugins: [groupsPlugin, wikiPlugin] })
    await tk.signUp({ name: 'Site Admin' })
    olivia = await tk.signUp({ name: 'Olivia Owner' })
    adam = await tk.signUp({ name: 'Adam Admin' })
    mia = await tk.signUp({ name: 'Mia Member' })
    otto = await tk.signUp({ name: 'Otto Outsider' })
    ivy = await tk.signUp({ name: 'Ivy Invited', email: `ivy-${Date.now()}@example.org` })
  })
  after(() => tk?.close())

  it('links the management pages from the group page only for those who may use them, and the wiki when it is on', async () => {
    const g = await createGroup(olivia, { name: 'Buurtteam', membership: 'closed' })
    await join(g, mia)
    const owner = await page(olivia, `/groups/${g.id}`)
    expect(owner.status).to.equal(200)
    expect(h1s(owner.text)).to.equal(1)
    for (const p of ['members', 'requests', 'invitations', 'settings']) expect(owner.text).to.contain(`href="/groups/${g.id}/${p}"`)
    expect(owner.text).to.contain(`href="/wiki?group=${g.id}"`).and.not.contain(`href="/files/groups/${g.id}"`)
    const member = await page(mia, `/groups/${g.id}`)
    expect(member.text).to.contain(`href="/groups/${g.id}/members"`)
    for (const p of ['requests', 'invitations', 'settings']) expect(member.text).not.to.contain(`href="/groups/${g.id}/${p}"`)
    const outsider = await page(otto, `/groups/${g.id}`)
    expect(outsider.text).not.to.contain(`/groups/${g.id}/members"`).and.not.to.contain('/wiki?group=')
  })

  it('lists members a page at a time with a "more" link, searches by name, and only the owner changes roles', async function () {
    this.timeout(60_000)
    const g = await createGroup(olivia, { name: 'Grote groep' })
    const many: SignedUp[] = []
    for (let i = 0; i < 20; i++) many.push(await tk.signUp({ name: `Lid Nummer ${String(i).padStart(2, '0')}` }))
    for (const who of many) await join(g, who)
    await join(g, adam)
    const first = await page(mia.client, `/groups/${g.id}/members`)
    expect(first.status, first.text).to.equal(200)
    expect(h1s(first.text)).to.equal(1)
    expect(first.text).to.contain('Leden van Grote groep').and.contain('role="search"').and.contain('<label class="utrecht-form-label" for="field-q">')
    const more = /href="(\/groups\/[^"]+\/members\?cursor=[^"]+)"/.exec(first.text)
    expect(more, 'a more link').to.not.equal(null)
    const second = await page(mia.client, more![1]!.replace(/&amp;/g, '&'))
    expect(second.status).to.equal(200)
    // 22 members: 20 on the first page (newest first: Adam), the rest (the owner among them) on the second.
    expect(first.text).to.contain('Adam Admin').and.not.contain('Olivia Owner')
    expect(second.text).to.contain('Olivia Owner').and.not.contain('Adam Admin').and.not.contain('?cursor=')
    const found = await page(mia.client, `/groups/${g.id}/members?q=${encodeURIComponent('nummer 07')}`)
    expect(found.text).to.contain('Lid Nummer 07').and.contain('value="nummer 07"')
    expect(found.text).not.to.contain('Lid Nummer 08')
    // A member sees no actions; the owner makes Adam administrator with the form.
    expect(first.text).not.to.contain(`/members/${adam.user.id}/role`)
    const ownerView = await page(olivia, `/groups/${g.id}/members`)
    expect(ownerView.text).to.contain(`action="/groups/${g.id}/members/${adam.user.id}/role"`).and.contain('Beheerder maken')
    expect(await submit(olivia.client, `/groups/${g.id}/members/${adam.user.id}/role`, { role: 'admin' })).to.equal(`/groups/${g.id}/members`)
    const members = (await api(olivia, `/api/v1/groups/${g.id}/members?q=Adam`)).body.items
    expect(members.map((m: any) => m.role)).to.deep.equal(['admin'])
    // An administrator (not the owner) sees remove buttons for members, but no role buttons and none for the owner.
    const adminView = await page(adam, `/groups/${g.id}/members?q=Lid`)
    expect(adminView.text).to.contain(`/members/${many[0]!.user.id}/remove"`).and.not.contain('/role"')
    expect((await postForm(adam.client, `/groups/${g.id}/members/${mia.user.id}/role`, { role: 'admin' })).status).to.equal(403)
    // A role outside the form's choices is refused at the edge.
    expect((await postForm(olivia.client, `/groups/${g.id}/members/${mia.user.id}/role`, { role: 'owner' })).status).to.equal(400)
  })

  it('removes a member with the form (administrators); the member is gone from the group', async () => {
    const g = await createGroup(olivia, { name: 'Opruimers' })
    await join(g, mia)
    await join(g, adam)
    expect((await olivia.client.patch(`/api/v1/groups/${g.id}/members/${adam.user.id}`, { role: 'admin' })).status).to.equal(200)
    // CSRF: without the token nothing happens.
    expect((await postForm(adam.client, `/groups/${g.id}/members/${mia.user.id}/remove`, {}, '')).status).to.equal(403)
    expect((await postForm(mia.client, `/groups/${g.id}/members/${adam.user.id}/remove`)).status).to.equal(403)
    expect(await submit(adam.client, `/groups/${g.id}/members/${mia.user.id}/remove`)).to.equal(`/groups/${g.id}/members`)
    expect((await api(mia, `/api/v1/groups/${g.id}`)).body.viewerStatus).to.equal(null)
    expect((await api(olivia, `/api/v1/groups/${g.id}`)).body.memberCount).to.equal(2)
  })

  it('shows requests to administrators only; approve and reject with the forms', async () => {
    const g = await createGroup(olivia, { name: 'Besloten club', membership: 'closed' })
    await join(g, mia)
    // Asking to join with the group page's button: pending, and the page says so.
    expect(await submit(otto.client, `/groups/${g.id}/join`)).to.equal(`/groups/${g.id}`)
    expect(await submit(adam.client, `/groups/${g.id}/join`)).to.equal(`/groups/${g.id}`)
    expect((await page(otto, `/groups/${g.id}`)).text).to.contain('Je aanvraag wacht op goedkeuring.')
    expect((await page(mia, `/groups/${g.id}/requests`)).status).to.equal(403)
    expect((await page(otto, `/groups/${g.id}/requests`)).status).to.equal(403)
    expect((await page(tk.client(), `/groups/${g.id}/requests`)).headers.location).to.match(/^\/auth\/sign-in\?next=/)
    const list = await page(olivia, `/groups/${g.id}/requests`)
    expect(list.status).to.equal(200)
    expect(h1s(list.text)).to.equal(1)
    expect(list.text).to.contain('Otto Outsider').and.contain('Adam Admin').and.contain(`action="/groups/${g.id}/requests/${otto.user.id}/approve"`)
    expect((await postForm(olivia.client, `/groups/${g.id}/requests/${otto.user.id}/approve`, {}, 'wrong')).status).to.equal(403)
    expect((await postForm(mia.client, `/groups/${g.id}/requests/${otto.user.id}/approve`)).status).to.equal(403)
    expect(await submit(olivia.client, `/groups/${g.id}/requests/${otto.user.id}/approve`)).to.equal(`/groups/${g.id}/requests`)
    expect(await submit(olivia.client, `/groups/${g.id}/requests/${adam.user.id}/reject`)).to.equal(`/groups/${g.id}/requests`)
    expect((await api(otto, `/api/v1/groups/${g.id}`)).body.viewerStatus).to.equal('member')
    expect((await api(adam, `/api/v1/groups/${g.id}`)).body.viewerStatus).to.equal(null)
    expect((await page(olivia, `/groups/${g.id}/requests`)).text).to.contain('Geen openstaande aanvragen.')
    // Approving a request that is no longer there: the service's problem.
    expect((await postForm(olivia.client, `/groups/${g.id}/requests/${adam.user.id}/approve`)).status).to.equal(404)
  })

  it('invites by e-mail address: errors next to the field, the invited person accepts on the group page', async () => {
    const g = await createGroup(olivia, { name: 'Geheime werkgroep', hidden: true })
    const form = await page(olivia, `/groups/${g.id}/invitations`)
    expect(form.status).to.equal(200)
    expect(h1s(form.text)).to.equal(1)
    expect(form.text).to.contain('<label class="utrecht-form-label" for="field-email">').and.contain('Geen openstaande uitnodigingen.')
    // Errors: empty, not an address, already a member.
    const empty = await postForm(olivia.client, `/groups/${g.id}/invitations`, { email: ' ' })
    expect(empty.status).to.equal(400)
    expect(empty.text).to.contain('id="field-email-error"').and.contain('Vul een e-mailadres in.').and.contain('aria-invalid="true"')
    const bad = await postForm(olivia.client, `/groups/${g.id}/invitations`, { email: 'ivy@' })
    expect(bad.status).to.equal(400)
    expect(bad.text).to.contain('Vul een geldig e-mailadres in').and.contain('value="ivy@"')
    const self = await postForm(olivia.client, `/groups/${g.id}/invitations`, { email: olivia.user.email })
    expect(self.status).to.equal(400)
    expect(self.text).to.contain('Deze persoon is al lid van de groep.')
    // Before the invitation the hidden group does not exist for Ivy.
    expect((await page(ivy, `/groups/${g.id}`)).status).to.equal(404)
    expect(await submit(olivia.client, `/groups/${g.id}/invitations`, { email: ivy.user.email.toUpperCase() })).to.equal(`/groups/${g.id}/invitations?sent=1`)
    expect(await submit(olivia.client, `/groups/${g.id}/invitations`, { email: 'nog-geen-account@example.org' })).to.equal(`/groups/${g.id}/invitations?sent=1`)
    const sent = await page(olivia, `/groups/${g.id}/invitations?sent=1`)
    expect(sent.text).to.contain('Uitnodiging verstuurd.').and.contain('Ivy Invited').and.contain('nog-geen-account@example.org')
    await tk.kernel.jobs.drain()
    expect(mails(tk.dataDir).some(m => m.includes('nog-geen-account@example.org'))).to.equal(true)
    // Ivy sees the group with accept and decline instead of a join button; CSRF is checked; she accepts.
    const invited = await page(ivy, `/groups/${g.id}`)
    expect(invited.status).to.equal(200)
    expect(invited.text).to.contain('Je bent uitgenodigd voor deze groep.').and.contain(`action="/groups/${g.id}/invitations/accept"`).and.contain(`action="/groups/${g.id}/invitations/decline"`)
    expect(invited.text).not.to.contain(`action="/groups/${g.id}/join"`)
    expect((await postForm(ivy.client, `/groups/${g.id}/invitations/accept`, {}, '')).status).to.equal(403)
    expect(await submit(ivy.client, `/groups/${g.id}/invitations/accept`)).to.equal(`/groups/${g.id}`)
    expect((await api(ivy, `/api/v1/groups/${g.id}`)).body.viewerStatus).to.equal('member')
    expect((await page(ivy, `/groups/${g.id}`)).text).to.contain('Groep verlaten')
    // Someone else declines: the hidden group is gone from view again.
    expect(await submit(olivia.client, `/groups/${g.id}/invitations`, { email: otto.user.email })).to.equal(`/groups/${g.id}/invitations?sent=1`)
    expect(await submit(otto.client, `/groups/${g.id}/invitations/decline`)).to.equal('/groups')
    expect((await page(otto, `/groups/${g.id}`)).status).to.equal(404)
    expect((await postForm(otto.client, `/groups/${g.id}/invitations/accept`)).status).to.equal(404)
  })

  it('keeps a hidden group\'s pages from outsiders (404) and the settings and invitations from members (403)', async () => {
    const hidden = await createGroup(olivia, { name: 'Onzichtbaar', hidden: true })
    for (const p of ['', '/members', '/requests', '/invitations', '/settings', '/delete']) {
      expect((await page(otto, `/groups/${hidden.id}${p}`)).status, p).to.equal(404)
    }
    for (const p of ['/settings', '/invitations/accept', '/delete']) {
      expect((await postForm(otto.client, `/groups/${hidden.id}${p}`, p === '/settings' ? { name: 'Van mij' } : {})).status, p).to.equal(404)
    }
    const closed = await createGroup(olivia, { name: 'Dicht', membership: 'closed' })
    await join(closed, mia)
    expect((await page(otto, `/groups/${closed.id}/members`)).status).to.equal(403)
    for (const p of ['/settings', '/invitations', '/delete']) expect((await page(mia, `/groups/${closed.id}${p}`)).status, p).to.equal(403)
    expect((await postForm(mia.client, `/groups/${closed.id}/settings`, { name: 'Van Mia' })).status).to.equal(403)
    expect((await postForm(mia.client, `/groups/${closed.id}/invitations`, { email: otto.user.email })).status).to.equal(403)
    expect((await postForm(mia.client, `/groups/${closed.id}/delete`)).status).to.equal(403)
    expect((await api(olivia, `/api/v1/groups/${closed.id}`)).body.name).to.equal('Dicht')
  })

  it('changes the settings with the form (name error next to the field), then deletes the group after a confirmation', async () => {
    const g = await createGroup(olivia, { name: 'Tuinclub', description: 'Groen', membership: 'open' })
    const form = await page(olivia, `/groups/${g.id}/settings`)
    expect(form.status).to.equal(200)
    expect(h1s(form.text)).to.equal(1)
    expect(form.text).to.contain('value="Tuinclub"').and.contain('>Groen</textarea>')
    expect(form.text).to.match(/<input class="utrecht-radio-button utrecht-radio-button--html-input" type="radio" id="membership-open" name="membership" value="open" checked/)
    expect(form.text).to.contain('for="field-hidden"').and.contain(`href="/groups/${g.id}/delete"`)
    const missing = await postForm(olivia.client, `/groups/${g.id}/settings`, { name: '  ', description: 'Nieuw', membership: 'closed' })
    expect(missing.status).to.equal(400)
    expect(missing.text).to.contain('id="field-name-error"').and.contain('Geef de groep een naam.').and.contain('>Nieuw</textarea>')
    expect(missing.text).to.match(/value="closed" checked/)
    const long = await postForm(olivia.client, `/groups/${g.id}/settings`, { name: 'x'.repeat(201), membership: 'open' })
    expect(long.status).to.equal(400)
    expect(long.text).to.contain('Gebruik hoogstens 200 tekens.')
    expect((await postForm(olivia.client, `/groups/${g.id}/settings`, { name: 'Zonder token' }, '')).status).to.equal(403)
    expect(await submit(olivia.client, `/groups/${g.id}/settings`, { name: 'Tuinclub Noord', description: 'Groen en blij', membership: 'closed', hidden: 'on' })).to.equal(`/groups/${g.id}/settings?saved=1`)
    const saved = await page(olivia, `/groups/${g.id}/settings?saved=1`)
    expect(saved.text).to.contain('De instellingen zijn opgeslagen.').and.contain('value="Tuinclub Noord"').and.match(/id="field-hidden" name="hidden" value="on" checked/)
    const json = (await api(olivia, `/api/v1/groups/${g.id}`)).body
    expect(json).to.include({ name: 'Tuinclub Noord', description: 'Groen en blij', membership: 'closed', hidden: true })
    expect((await page(otto, `/groups/${g.id}`)).status).to.equal(404)
    // Unchecked, the hidden box makes the group visible again.
    await submit(olivia.client, `/groups/${g.id}/settings`, { name: 'Tuinclub Noord', description: 'Groen en blij', membership: 'closed' })
    expect((await api(olivia, `/api/v1/groups/${g.id}`)).body.hidden).to.equal(false)
    // Deleting: first a confirmation page, then the POST.
    const confirm = await page(olivia, `/groups/${g.id}/delete`)
    expect(confirm.status).to.equal(200)
    expect(h1s(confirm.text)).to.equal(1)
    expect(confirm.text).to.contain('Tuinclub Noord verwijderen').and.contain(`action="/groups/${g.id}/delete"`).and.contain('Ja, verwijder de groep')
    expect((await postForm(olivia.client, `/groups/${g.id}/delete`, {}, '')).status).to.equal(403)
    expect(await submit(olivia.client, `/groups/${g.id}/delete`)).to.equal('/groups')
    expectProblem(await olivia.client.get(`/api/v1/groups/${g.id}`), 404, 'GROUP_NOT_FOUND')
  })

  it('creates a group with the form (radio buttons that show as checked) and leaves with the button, by the API\'s rules', async () => {
    const form = await page(mia, '/groups/new')
    expect(form.text).to.contain('class="utrecht-radio-button utrecht-radio-button--html-input" type="radio" id="membership-open"')
    const missing = await postForm(mia.client, '/groups/new', { name: '', membership: 'closed' })
    expect(missing.status).to.equal(400)
    expect(missing.text).to.contain('Geef de groep een naam.').and.match(/value="closed" checked/)
    const to = await submit(mia.client, '/groups/new', { name: 'Mia\'s kring', description: 'Lezen', membership: 'closed' })
    const id = /^\/groups\/([0-9a-f-]{36})$/.exec(to)![1]!
    const json = (await api(mia, `/api/v1/groups/${id}`)).body
    expect(json).to.include({ name: "Mia's kring", membership: 'closed', viewerRole: 'owner', memberCount: 1 })
    // The owner cannot leave (the API's 409), a member can.
    expect((await postForm(mia.client, `/groups/${id}/leave`)).status).to.equal(409)
    await submit(otto.client, `/groups/${id}/join`)
    expect(await submit(mia.client, `/groups/${id}/requests/${otto.user.id}/approve`)).to.equal(`/groups/${id}/requests`)
    expect(await submit(otto.client, `/groups/${id}/leave`)).to.equal(`/groups/${id}`)
    expect((await api(mia, `/api/v1/groups/${id}`)).body.memberCount).to.equal(1)
  })
})
