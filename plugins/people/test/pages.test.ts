// The directory's web pages: search form with filters and cursor paging, profile pages that show only the fields
// the viewer may see, the "edit my profile" form (CSRF, errors next to the field), and the administrators' CSV
// import (pasted text: a report and nothing imported on any problem) with the export link.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { groupsPlugin } from '@plein/plugin-groups'
import { peoplePlugin } from '@plein/plugin-people'
import { makeMember, TEST_FIELDS } from './helpers.js'

const html = { accept: 'text/html' }

/** Posts an HTML form with its CSRF field (and without the header the test client would add). */
function postForm(client: TestClient, path: string, fields: Record<string, string>, csrf = client.csrfToken ?? '') {
  return client.post(path, undefined, {
    raw: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-csrf-token': '' },
  })
}

const h1s = (text: string) => text.match(/<h1\b/g)?.length ?? 0

describe('people: web pages', () => {
  let tk: TestKernel
  let admin: SignedUp
  let mia: SignedUp
  let max: SignedUp
  let lars: SignedUp

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({
      plugins: [peoplePlugin, groupsPlugin],
      settings: { people: { fields: TEST_FIELDS, directory: 'logged_in' } },
      site: { settings: { membership: 'approval' } },
    })
    admin = await tk.signUp({ name: 'Admin Beheer' })
    mia = await tk.signUp({ name: 'Mia Pagina' })
    max = await tk.signUp({ name: 'Max Pagina' })
    lars = await tk.signUp({ name: 'Lars Buiten' })
    await makeMember(admin, mia)
    await makeMember(admin, max)
    const put = await admin.client.put(`/api/v1/people/${mia.user.id}`, { department: 'ICT', function: 'Ontwikkelaar', phone: '+31 20 123 4567', skills: ['TypeScript', 'PostgreSQL'], salaryScale: 'Schaal 11' })
    expect(put.status, put.text).to.equal(201)
    expect((await admin.client.put(`/api/v1/people/${max.user.id}`, { department: 'Financiën', skills: ['Excel'] })).status).to.equal(201)
  })
  after(() => tk?.close())

  it('sends visitors to sign in and lists colleagues, with the menu entry, for signed-in viewers', async () => {
    const anonymous = await tk.client().get('/people', { headers: html })
    expect(anonymous.status).to.equal(302)
    expect(anonymous.headers.location).to.equal('/auth/sign-in?next=%2Fpeople')
    const res = await lars.client.get('/people', { headers: html })
    expect(res.status, res.text).to.equal(200)
    expect(String(res.headers['content-type'])).to.match(/^text\/html/)
    expect(h1s(res.text)).to.equal(1)
    expect(res.text).to.contain('<html lang="nl"').and.contain('href="/people"').and.contain('Collega’s')
    expect(res.text).to.contain(`href="/people/${mia.user.id}"`).and.contain(`href="/people/${max.user.id}"`)
    // The search form: labelled fields, a GET form (no CSRF needed).
    expect(res.text).to.contain('method="get" action="/people"').and.contain('for="field-q"').and.contain('for="field-department"').and.contain('for="field-skill"')
    // Not a member: no "edit my profile"; not an admin: no import.
    expect(res.text).not.to.contain('/people/me/edit').and.not.contain('href="/people/import"')
    const english = await lars.client.get('/people', { headers: { accept: 'text/html', 'accept-language': 'en' } })
    expect(english.text).to.contain('<html lang="en"').and.contain('Colleagues').and.contain('Name or keyword')
  })

  it('searches by name, department and skill, and pages with a cursor that keeps the query', async () => {
    const byName = await lars.client.get('/people?q=mia', { headers: html })
    expect(byName.text).to.contain(`/people/${mia.user.id}`).and.not.contain(`/people/${max.user.id}`)
    const byDepartment = await lars.client.get('/people?department=financi%C3%ABn', { headers: html })
    expect(byDepartment.text).to.contain(`/people/${max.user.id}`).and.not.contain(`/people/${mia.user.id}`)
    expect(byDepartment.text).to.contain('value="financiën"')
    const bySkill = await lars.client.get('/people?skill=typescript', { headers: html })
    expect(bySkill.text).to.contain(`/people/${mia.user.id}`).and.not.contain(`/people/${max.user.id}`)
    // 25 more people: a second page, reached through the "next" link (the query stays).
    const rows = ['email,name,department', ...Array.from({ length: 25 }, (_, i) => `bulk${i}@example.org,Bulk ${String(i).padStart(2, '0')},Bulk`)].join('\n')
    const imported = await admin.client.request('POST', '/api/v1/people/import', { raw: rows, headers: { 'content-type': 'text/csv' } })
    expect(imported.status, imported.text).to.equal(200)
    const first = await lars.client.get('/people?department=bulk', { headers: html })
    expect(first.text.match(/href="\/people\/[0-9a-f-]{36}"/g)).to.have.length(20)
    const next = /href="(\/people\?department=bulk&amp;cursor=[^"]+)"/.exec(first.text)
    expect(next, 'a next link that keeps the filter').to.not.equal(null)
    const second = await lars.client.get(next![1]!.replace(/&amp;/g, '&'), { headers: html })
    expect(second.status, second.text).to.equal(200)
    expect(second.text.match(/href="\/people\/[0-9a-f-]{36}"/g)).to.have.length(5)
    expect(second.text).to.contain('Bulk 24').and.not.contain('Bulk 00')
  })

  it('shows on a profile page only the fields the viewer may see (an admins-only field never to a colleague)', async () => {
    const colleague = await max.client.get(`/people/${mia.user.id}`, { headers: html })
    expect(colleague.status, colleague.text).to.equal(200)
    expect(h1s(colleague.text)).to.equal(1)
    expect(colleague.text).to.contain('<h1 class="utrecht-heading-1">Mia Pagina</h1>')
    expect(colleague.text).to.contain('Ontwikkelaar').and.contain('+31 20 123 4567').and.contain('TypeScript, PostgreSQL')
    expect(colleague.text).not.to.contain('Schaal 11').and.not.contain('Salary scale')
    // Signed in but not a member: the members-only phone number is not shown either.
    const outsider = await lars.client.get(`/people/${mia.user.id}`, { headers: html })
    expect(outsider.text).to.contain('Ontwikkelaar').and.not.contain('+31 20 123 4567').and.not.contain('Schaal 11')
    const asAdmin = await admin.client.get(`/people/${mia.user.id}`, { headers: html })
    expect(asAdmin.text).to.contain('Schaal 11').and.contain(mia.user.email)
    // Her groups (those the viewer may see) are on the page.
    const group = await mia.client.post('/api/v1/groups', { name: 'Zichtbare groep', membership: 'open' })
    expect(group.status, group.text).to.equal(201)
    expect((await max.client.get(`/people/${mia.user.id}`, { headers: html })).text).to.contain(`href="/groups/${group.body.id}"`).and.contain('Zichtbare groep')
    expect((await max.client.get('/people/00000000-0000-4000-8000-000000000000', { headers: html })).status).to.equal(404)
  })

  it('lets a member edit their own profile with the form: CSRF checked, errors next to the field, then saved', async () => {
    const form = await max.client.get('/people/me/edit', { headers: html })
    expect(form.status, form.text).to.equal(200)
    expect(h1s(form.text)).to.equal(1)
    expect(form.text).to.contain('action="/people/me/edit"').and.contain('name="_csrf"')
    for (const name of ['department', 'function', 'phone', 'workEmail', 'skills']) expect(form.text).to.contain(`for="field-${name}"`)
    // The admins' field is shown, not editable.
    expect(form.text).not.to.contain('name="salaryScale"')
    expect(form.text).to.contain('Beheerders houden dit veld bij.')
    expect(form.text).to.contain('>Excel</textarea>')
    const values = { department: 'Financiën', function: 'Controller', phone: 'bel me', workEmail: 'max@', skills: 'Excel\nSAP' }
    expect((await postForm(max.client, '/people/me/edit', values, '')).status).to.equal(403)
    const bad = await postForm(max.client, '/people/me/edit', values)
    expect(bad.status, bad.text).to.equal(400)
    expect(bad.text).to.contain('id="field-phone-error"').and.contain('Vul een telefoonnummer in').and.contain('id="field-workEmail-error"').and.contain('Vul een geldig e-mailadres in')
    expect(bad.text).to.contain('value="Controller"').and.contain('aria-invalid="true"')
    const good = await postForm(max.client, '/people/me/edit', { ...values, phone: '+31 6 1234 5678', workEmail: 'max@gemeente.example' })
    expect(good.status, good.text).to.equal(302)
    expect(good.headers.location).to.equal(`/people/${max.user.id}`)
    const me = (await max.client.get('/api/v1/people/me')).body
    expect(me.fields).to.deep.include({ function: 'Controller', phone: '+31 6 1234 5678', skills: ['Excel', 'SAP'] })
    // Not a member of the site: no profile form, and posting is refused.
    expect((await lars.client.get('/people/me/edit', { headers: html })).text).to.contain('Alleen leden van deze site hebben hier een profiel.')
    expect((await postForm(lars.client, '/people/me/edit', { department: 'X' })).status).to.equal(403)
  })

  it('lets only administrators import pasted CSV: a report of every problem and nothing imported, then all rows', async () => {
    expect((await max.client.get('/people/import', { headers: html })).status).to.equal(403)
    expect((await postForm(max.client, '/people/import', { csv: 'email,name\na@example.org,A' })).status).to.equal(403)
    const page = await admin.client.get('/people/import', { headers: html })
    expect(page.status, page.text).to.equal(200)
    expect(page.text).to.contain('for="field-csv"').and.contain('href="/api/v1/people/export"').and.contain('name="_csrf"')
    const broken = ['email,name,department,phone', 'nieuw1@example.org,Nieuw Een,ICT,+31 20 000 0000', 'geen-adres,Nieuw Twee,ICT,', 'nieuw3@example.org,,ICT,bel me'].join('\n')
    const report = await postForm(admin.client, '/people/import', { csv: broken })
    expect(report.status, report.text).to.equal(400)
    expect(report.text).to.contain('Er is niets geïmporteerd').and.contain('<table class="utrecht-table"')
    expect(report.text).to.match(/<td class="utrecht-table__cell">3<\/td><td class="utrecht-table__cell">email<\/td><td class="utrecht-table__cell">is not an e-mail address<\/td>/)
    expect(report.text).to.match(/<td class="utrecht-table__cell">4<\/td><td class="utrecht-table__cell">name<\/td>/)
    expect(report.text).to.match(/<td class="utrecht-table__cell">4<\/td><td class="utrecht-table__cell">phone<\/td>/)
    expect(report.text).to.contain('nieuw1@example.org') // the pasted text is kept in the form
    const none = await admin.client.get('/api/v1/people?q=nieuw')
    expect(none.body.items).to.deep.equal([])
    const fixed = ['email,name,department', 'nieuw1@example.org,Nieuw Een,ICT', `${mia.user.email},Mia Pagina,Juridisch`].join('\r\n')
    const done = await postForm(admin.client, '/people/import', { csv: fixed })
    expect(done.status, done.text).to.equal(302)
    expect(done.headers.location).to.equal('/people/import?rows=2&created=1&updated=1&accounts=1')
    expect((await admin.client.get(done.headers.location as string, { headers: html })).text).to.contain('2 rijen geïmporteerd')
    expect((await admin.client.get('/api/v1/people?q=nieuw')).body.items.map((p: any) => p.name)).to.deep.equal(['Nieuw Een'])
    expect((await admin.client.get(`/api/v1/people/${mia.user.id}`)).body.fields.department).to.equal('Juridisch')
  })
})
