// The directory with groups and content: field visibility for every kind of viewer, writing profiles,
// search and filters that only see what the viewer may see, profile pages with groups and recent content.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { commentsPlugin } from '@plein/plugin-comments'
import { groupsPlugin } from '@plein/plugin-groups'
import { peoplePlugin } from '@plein/plugin-people'
import { searchPlugin } from '@plein/plugin-search'
import { wikiPlugin } from '@plein/plugin-wiki'
import { expectInvalid, expectProblem, ids, listAll, makeMember, TEST_FIELDS, uniqueWord } from './helpers.js'

describe('people: the directory with groups and content', () => {
  let tk: TestKernel
  let admin: SignedUp
  /** A member of the site. */
  let mia: SignedUp
  /** Another member. */
  let max: SignedUp
  /** Signed in, not a member of the site. */
  let lars: SignedUp
  let anonymous: TestClient

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({
      plugins: [peoplePlugin, groupsPlugin, wikiPlugin, commentsPlugin, searchPlugin],
      settings: { people: { fields: TEST_FIELDS, directory: 'public', recentItems: 5 } },
      site: { settings: { membership: 'approval' } },
    })
    admin = await tk.signUp({ name: 'Admin' })
    mia = await tk.signUp({ name: 'Mia de Member' })
    max = await tk.signUp({ name: 'Max Member' })
    lars = await tk.signUp({ name: 'Lars Logged-in' })
    anonymous = tk.client()
    await makeMember(admin, mia)
    await makeMember(admin, max)
  })
  after(() => tk?.close())

  const fieldNames = async (client: TestClient) => {
    const res = await client.get('/api/v1/people/fields')
    expect(res.status, res.text).to.equal(200)
    return res.body.items.map((f: any) => f.name)
  }

  it('shows each viewer the field definitions they may see, in order', async () => {
    expect(await fieldNames(anonymous)).to.deep.equal(['department'])
    expect(await fieldNames(lars.client)).to.deep.equal(['department', 'function', 'skills'])
    expect(await fieldNames(mia.client)).to.deep.equal(['department', 'function', 'phone', 'workEmail', 'skills'])
    expect(await fieldNames(admin.client)).to.deep.equal(['department', 'function', 'phone', 'workEmail', 'skills', 'salaryScale'])
    const skills = (await admin.client.get('/api/v1/people/fields')).body.items.find((f: any) => f.name === 'skills')
    expect(skills).to.deep.equal({ name: 'skills', type: 'string[]', label: { nl: 'Skills', en: 'Skills' }, visibility: 'logged_in', searchable: true, editableBy: 'self', maxLength: 30, maxItems: 5 })
  })

  describe('writing profiles', () => {
    const profile = {
      department: ' ICT ',
      function: 'Ontwikkelaar',
      phone: '+31 (0)20 123-4567',
      workEmail: 'mia@gemeente.example',
      skills: ['GIS', 'TypeScript', 'gis', ' '],
    }

    it('answers 401 to anonymous visitors and 403 to accounts that are not members of the site', async () => {
      expectProblem(await anonymous.put('/api/v1/people/me', profile), 401)
      expectProblem(await lars.client.put('/api/v1/people/me', profile), 403, 'PEOPLE_MEMBERS_ONLY')
      expectProblem(await anonymous.get('/api/v1/people/me'), 401)
      expectProblem(await lars.client.get('/api/v1/people/me'), 404, 'PERSON_NOT_FOUND')
    })

    it('creates (201), then replaces (200) your own profile, normalised', async () => {
      const created = await mia.client.put('/api/v1/people/me', profile)
      expect(created.status, created.text).to.equal(201)
      expect(created.body).to.deep.include({ id: mia.user.id, name: 'Mia de Member', email: mia.user.email, url: `/people/${mia.user.id}` })
      expect(created.body.fields).to.deep.equal({
        department: 'ICT',
        function: 'Ontwikkelaar',
        phone: '+31 (0)20 123-4567',
        workEmail: 'mia@gemeente.example',
        skills: ['GIS', 'TypeScript'],
      })
      const replaced = await mia.client.put('/api/v1/people/me', { ...profile, function: null, phone: '' })
      expect(replaced.status, replaced.text).to.equal(200)
      expect(replaced.body.fields).to.not.have.any.keys('function', 'phone')
      expect((await mia.client.put('/api/v1/people/me', profile)).status).to.equal(200)
      expect((await mia.client.get('/api/v1/people/me')).body.fields.function).to.equal('Ontwikkelaar')
    })

    it('checks every field against the site’s definitions and lists every problem (400)', async () => {
      const res = await mia.client.put('/api/v1/people/me', {
        nickname: 'Mimi',
        phone: 'call me',
        workEmail: 'not-an-address',
        skills: ['a', 'b', 'c', 'd', 'e', 'f'],
        function: 'x'.repeat(51),
      })
      const errors = expectInvalid(res, [
        ['body', '/nickname'],
        ['body', '/phone'],
        ['body', '/workEmail'],
        ['body', '/skills'],
        ['body', '/function'],
      ])
      expect(errors).to.have.length(5)
      expect(res.body.code).to.equal('PEOPLE_PROFILE_INVALID')
      expectInvalid(await mia.client.put('/api/v1/people/me', { department: 42, skills: 'GIS' }), [['body', '/department']])
      expectInvalid(await mia.client.put('/api/v1/people/me', { skills: ['x'.repeat(31)] }), [['body', '/skills']])
      expect((await mia.client.get('/api/v1/people/me')).body.fields.department).to.equal('ICT')
    })

    it('leaves fields kept by administrators to them', async () => {
      expectInvalid(await mia.client.put('/api/v1/people/me', { ...profile, salaryScale: '11' }), [['body', '/salaryScale']])
      const byAdmin = await admin.client.put(`/api/v1/people/${mia.user.id}`, { ...profile, salaryScale: '10' })
      expect(byAdmin.status, byAdmin.text).to.equal(200)
      expect(byAdmin.body.fields.salaryScale).to.equal('10')
      // Writing your own profile keeps the administrators' fields, sent unchanged or not at all.
      expect((await mia.client.put('/api/v1/people/me', profile)).body.fields.salaryScale).to.equal('10')
      expect((await mia.client.put('/api/v1/people/me', { ...profile, salaryScale: '10' })).status).to.equal(200)
      expectInvalid(await mia.client.put('/api/v1/people/me', { ...profile, salaryScale: '12' }), [['body', '/salaryScale']])
    })

    it('lets only administrators write someone else’s profile, of an existing account', async () => {
      expectProblem(await lars.client.put(`/api/v1/people/${max.user.id}`, { department: 'HR' }), 403)
      expectProblem(await max.client.put(`/api/v1/people/${mia.user.id}`, { department: 'HR' }), 403)
      expectProblem(await anonymous.put(`/api/v1/people/${mia.user.id}`, { department: 'HR' }), 401)
      expectProblem(await admin.client.put('/api/v1/people/00000000-0000-4000-8000-000000000000', { department: 'HR' }), 404, 'USER_NOT_FOUND')
      expectInvalid(await admin.client.put('/api/v1/people/nope', { department: 'HR' }), [['path', 'userId']])
      expectInvalid(await admin.client.put(`/api/v1/people/${max.user.id}`, { phone: 'x' }), [['body', '/phone']])
      const res = await admin.client.put(`/api/v1/people/${max.user.id}`, { department: 'HR', skills: ['Werving'], salaryScale: '9' })
      expect(res.status, res.text).to.equal(201)
      expect(res.body).to.deep.include({ id: max.user.id, name: 'Max Member', email: max.user.email })
    })
  })

  describe('a profile page', () => {
    it('shows each viewer exactly the fields their level may see (the person and administrators see all)', async () => {
      const fieldsAs = async (client: TestClient) => {
        const res = await client.get(`/api/v1/people/${mia.user.id}`)
        expect(res.status, res.text).to.equal(200)
        return res.body
      }
      const anon = await fieldsAs(anonymous)
      expect(Object.keys(anon.fields)).to.deep.equal(['department'])
      expect(anon).to.not.have.property('email')
      expect(anon.name).to.equal('Mia de Member')
      expect(Object.keys((await fieldsAs(lars.client)).fields)).to.have.members(['department', 'function', 'skills'])
      const member = await fieldsAs(max.client)
      expect(Object.keys(member.fields)).to.have.members(['department', 'function', 'skills', 'phone', 'workEmail'])
      expect(member).to.not.have.property('email')
      for (const client of [admin.client, mia.client]) {
        const all = await fieldsAs(client)
        expect(Object.keys(all.fields)).to.have.members(['department', 'function', 'skills', 'phone', 'workEmail', 'salaryScale'])
        expect(all.email).to.equal(mia.user.email)
      }
      expect(JSON.stringify(await fieldsAs(max.client))).to.not.include('salaryScale')
    })

    it('answers 404 for someone without a profile here, and 400 for an id that is not a UUID', async () => {
      expectProblem(await admin.client.get(`/api/v1/people/${lars.user.id}`), 404, 'PERSON_NOT_FOUND')
      expectProblem(await admin.client.get('/api/v1/people/00000000-0000-4000-8000-000000000000'), 404)
      expectInvalid(await admin.client.get('/api/v1/people/nope'), [['path', 'userId']])
    })

    it('lists the person’s groups the viewer may see, and their content the viewer may read', async () => {
      const open = (await mia.client.post('/api/v1/groups', { name: 'Open groep', membership: 'open' })).body
      const hidden = (await mia.client.post('/api/v1/groups', { name: 'Geheime groep', membership: 'closed', hidden: true })).body
      const publicPage = (await mia.client.post('/api/v1/wiki', { title: 'Openbare pagina', body: '', access: { read: ['public'] } })).body
      const privatePage = (await mia.client.post('/api/v1/wiki', { title: 'Privé pagina', body: '', access: { read: [`user:${mia.user.id}`] } })).body
      const groupPage = (await mia.client.post('/api/v1/wiki', { title: 'Groepspagina', body: '', containerId: hidden.id })).body
      const as = async (client: TestClient) => (await client.get(`/api/v1/people/${mia.user.id}`)).body
      const outsider = await as(lars.client)
      expect(outsider.groups.map((g: any) => g.id)).to.deep.equal([open.id])
      expect(outsider.groups[0]).to.deep.equal({ id: open.id, name: 'Open groep', url: `/groups/${open.id}` })
      expect(ids(outsider.recent)).to.deep.equal([publicPage.id])
      expect(JSON.stringify(outsider)).to.not.include('Geheime groep')
      const self = await as(mia.client)
      expect(self.groups.map((g: any) => g.id)).to.have.members([open.id, hidden.id])
      expect(ids(self.recent)).to.deep.equal([groupPage.id, privatePage.id, publicPage.id])
      expect(ids((await as(admin.client)).recent)).to.have.length(3)
      expect((await as(anonymous)).recent.map((i: any) => i.type)).to.deep.equal(['wiki'])
    })
  })

  describe('search and filters', () => {
    const word = uniqueWord()
    const people: SignedUp[] = []

    before(async () => {
      const data = [
        { name: `Anna ${word}`, department: 'Burgerzaken', function: 'Teamleider', skills: ['GIS', 'Excel'], workEmail: `anna.${word}x@gemeente.example`, salaryScale: `schaal${word}` },
        { name: `Bram ${word}`, department: 'ICT', function: 'Ontwikkelaar', skills: ['TypeScript', 'gis'], phone: '020 555 0101' },
        { name: `Cleo ${word}`, department: 'ict', function: 'Architect', skills: ['Excel'] },
        { name: `Daan ${word}`, department: 'Financiën', function: 'Controller' },
      ]
      for (const { name, ...fields } of data) {
        const who = await tk.signUp({ name })
        await makeMember(admin, who)
        const res = await admin.client.put(`/api/v1/people/${who.user.id}`, fields)
        expect(res.status, res.text).to.equal(201)
        people.push(who)
      }
    })

    const find = async (client: TestClient, query: string) => {
      const res = await client.get(`/api/v1/people?${query}`)
      expect(res.status, res.text).to.equal(200)
      return res.body.items.map((p: any) => p.name.split(' ')[0])
    }

    it('finds people by (the start of) their name, by name order', async () => {
      expect(await find(anonymous, `q=${word}`)).to.deep.equal(['Anna', 'Bram', 'Cleo', 'Daan'])
      expect(await find(anonymous, `q=bra ${word.slice(0, 5)}`)).to.deep.equal(['Bram'])
    })

    it('finds people by a searchable field only when the viewer may see that field', async () => {
      expect(await find(anonymous, `q=${word} burgerzaken`)).to.deep.equal(['Anna'])
      expect(await find(anonymous, `q=${word} teamleider`)).to.deep.equal([])
      expect(await find(lars.client, `q=${word} teamleider`)).to.deep.equal(['Anna'])
      expect(await find(lars.client, `q=${word} typescript`)).to.deep.equal(['Bram'])
      expect(await find(lars.client, `q=anna.${word}x`)).to.deep.equal([])
      expect(await find(max.client, `q=anna.${word}x`)).to.deep.equal(['Anna'])
      expect(await find(max.client, `q=schaal${word}`)).to.deep.equal([])
      expect(await find(admin.client, `q=schaal${word}`)).to.deep.equal(['Anna'])
      // Not searchable at all: the phone number.
      expect(await find(admin.client, `q=${word} 0101`)).to.deep.equal([])
    })

    it('filters by department and skill, exactly and in any case, if the viewer may see the field', async () => {
      expect(await find(anonymous, `q=${word}&department=ict`)).to.deep.equal(['Bram', 'Cleo'])
      expect(await find(lars.client, `q=${word}&skill=GIS`)).to.deep.equal(['Anna', 'Bram'])
      expect(await find(lars.client, `q=${word}&skill=excel&department=Burgerzaken`)).to.deep.equal(['Anna'])
      expect(await find(lars.client, `q=${word}&department=IC`)).to.deep.equal([])
      expectInvalid(await anonymous.get(`/api/v1/people?skill=GIS`), [['query', 'skill']])
    })

    it('pages through the directory by name; bad paging input is a 400', async () => {
      const names: string[] = []
      let cursor: string | null = null
      do {
        const res: any = await mia.client.get(`/api/v1/people?q=${word}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
        expect(res.body.items.length).to.be.at.most(3)
        names.push(...res.body.items.map((p: any) => p.name.split(' ')[0]))
        cursor = res.body.nextCursor
      } while (cursor)
      expect(names).to.deep.equal(['Anna', 'Bram', 'Cleo', 'Daan'])
      const everyone = await listAll(mia.client, '/api/v1/people', 2)
      expect(everyone.map(p => p.name.toLowerCase())).to.deep.equal(everyone.map(p => p.name.toLowerCase()).sort())
      expectInvalid(await mia.client.get('/api/v1/people?cursor=abc'), [['query', 'cursor']])
      expectInvalid(await mia.client.get('/api/v1/people?limit=101&colour=red&department='), [
        ['query', 'limit'],
        ['query', 'colour'],
        ['query', 'department'],
      ])
      // Words only: punctuation is no query syntax.
      expect((await mia.client.get(`/api/v1/people?q=${encodeURIComponent("&|!:*'()")}`)).status).to.equal(200)
    })

    it('offers the directory to other plugins as a service, with the same visibility', async () => {
      const { peopleServiceRef } = await import('@plein/plugin-people')
      const service = tk.kernel.service(peopleServiceRef)!
      const found = await service.search(tk.kernel.rootSite, { user: null, tokens: new Set(['public']), isAdmin: false }, { q: `anna ${word}`, limit: 5 })
      expect(found.map(p => p.name)).to.deep.equal([`Anna ${word}`])
      expect(Object.keys(found[0]!.fields)).to.deep.equal(['department'])
    })
  })

  describe('removing a profile', () => {
    it('removes your own, or (administrators) anyone’s; the account stays', async () => {
      const who = await tk.signUp({ name: 'Vera Vertrekt' })
      await makeMember(admin, who)
      expect((await who.client.put('/api/v1/people/me', { department: 'Tijdelijk' })).status).to.equal(201)
      expect((await who.client.delete('/api/v1/people/me')).status).to.equal(204)
      expectProblem(await who.client.get(`/api/v1/people/${who.user.id}`), 404)
      expectProblem(await who.client.delete('/api/v1/people/me'), 404)
      expect((await admin.client.put(`/api/v1/people/${who.user.id}`, { department: 'Terug' })).status).to.equal(201)
      expectProblem(await max.client.delete(`/api/v1/people/${who.user.id}`), 403)
      expect((await admin.client.delete(`/api/v1/people/${who.user.id}`)).status).to.equal(204)
      expectProblem(await admin.client.delete(`/api/v1/people/${who.user.id}`), 404)
      expect((await who.client.get('/api/v1/auth/me')).status).to.equal(200)
    })

    it('includes the profile in the account’s data export, and deletes it with the account', async () => {
      const who = await tk.signUp({ name: 'Gerrit Gaat' })
      await makeMember(admin, who)
      await who.client.put('/api/v1/people/me', { department: 'Archief' })
      const data = await who.client.get('/api/v1/users/me/export')
      expect(data.status).to.equal(200)
      expect(data.body.plugins.people).to.have.length(1)
      expect(data.body.plugins.people[0].fields).to.deep.equal({ department: 'Archief' })
      expect((await who.client.delete('/api/v1/users/me')).status).to.equal(204)
      expectProblem(await admin.client.get(`/api/v1/people/${who.user.id}`), 404)
    })
  })

  it('describes every people endpoint in the OpenAPI document, with its 400 answer', async () => {
    const doc = (await anonymous.get('/api/v1/openapi.json')).body
    const expected: Array<[string, string]> = [
      ['/people', 'get'],
      ['/people/fields', 'get'],
      ['/people/me', 'get'],
      ['/people/me', 'put'],
      ['/people/me', 'delete'],
      ['/people/{userId}', 'get'],
      ['/people/{userId}', 'put'],
      ['/people/{userId}', 'delete'],
      ['/people/import', 'post'],
      ['/people/export', 'get'],
    ]
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method]
      expect(op, `${method} ${path}`).to.be.an('object')
      expect(op.responses).to.have.property('400')
    }
    expect(Object.keys(doc.paths['/people/export'].get.responses['200'].content)).to.deep.equal(['text/csv'])
  })
})
