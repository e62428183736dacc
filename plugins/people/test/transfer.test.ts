// CSV import (all or nothing, with a report of every problem; accounts made for new addresses) and export.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { groupsPlugin } from '@plein/plugin-groups'
import { peoplePlugin } from '@plein/plugin-people'
import { csvRows, expectProblem, importCsv, listAll, TEST_FIELDS } from './helpers.js'

const MAX_ROWS = 3000

describe('people: CSV import and export', () => {
  let tk: TestKernel
  let admin: SignedUp
  let bob: SignedUp
  let anonymous: TestClient

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({ plugins: [peoplePlugin, groupsPlugin], settings: { people: { fields: TEST_FIELDS, importMaxRows: MAX_ROWS } } })
    admin = await tk.signUp({ name: 'Admin' })
    bob = await tk.signUp({ name: 'Bob Bestaand', email: 'bob.bestaand@example.org' })
    anonymous = tk.client()
  })
  after(() => tk?.close())

  const count = async (table: 'kernel_account' | 'people_profile') => (await tk.kernel.db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number
  const accountByEmail = async (email: string) => (await tk.kernel.db.query('SELECT * FROM kernel_account WHERE lower(email) = lower($1)', [email]))[0]

  describe('who may', () => {
    it('answers 401 to anonymous visitors and 403 to non-administrators, for import and export', async () => {
      expectProblem(await importCsv(anonymous, 'email,name\n'), 401)
      expectProblem(await importCsv(bob.client, 'email,name\n'), 403, 'NOT_ADMIN')
      expectProblem(await anonymous.get('/api/v1/people/export'), 401)
      expectProblem(await bob.client.get('/api/v1/people/export'), 403)
    })

    it('takes text/csv only (415), and not more than the limit (413)', async () => {
      expectProblem(await importCsv(admin.client, 'email,name\n', 'application/json'), 415, 'UNSUPPORTED_MEDIA_TYPE')
      expectProblem(await admin.client.post('/api/v1/people/import', { email: 'x' }), 415)
      const big = await admin.client.request('POST', '/api/v1/people/import', { raw: 'x', headers: { 'content-type': 'text/csv', 'content-length': String(64 * 1024 * 1024) } }).catch(() => undefined)
      if (big) expectProblem(big, 413, 'BODY_TOO_LARGE')
    })
  })

  describe('import', () => {
    it('makes accounts (no password yet) and profiles, keeps existing accounts’ names, and reports what it did', async () => {
      const csv =
        '\uFEFFemail,name,department,skills,phone\r\n' +
        'anna.nieuw@example.org,Anna Nieuw,Burgerzaken,"GIS; Excel",020 123 4567\r\n' +
        'BOB.BESTAAND@example.org,Robert B.,ICT,TypeScript,\r\n'
      const before = await count('kernel_account')
      const res = await importCsv(admin.client, csv)
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.deep.equal({ rows: 2, accountsCreated: 1, profilesCreated: 2, profilesUpdated: 0 })
      expect(await count('kernel_account')).to.equal(before + 1)
      const anna = await accountByEmail('anna.nieuw@example.org')
      expect(anna).to.include({ name: 'Anna Nieuw', email_verified_at: null })
      expect((await anonymous.post('/api/v1/auth/login', { email: 'anna.nieuw@example.org', password: 'correct horse battery staple' })).status).to.equal(401)
      const profile = await admin.client.get(`/api/v1/people/${anna.id}`)
      expect(profile.body.fields).to.deep.equal({ department: 'Burgerzaken', skills: ['GIS', 'Excel'], phone: '020 123 4567' })
      const bobProfile = await admin.client.get(`/api/v1/people/${bob.user.id}`)
      expect(bobProfile.body).to.deep.include({ name: 'Bob Bestaand' })
      expect(bobProfile.body.fields).to.deep.equal({ department: 'ICT', skills: ['TypeScript'] })
    })

    it('replaces only the file’s columns of an existing profile; an empty cell clears the field', async () => {
      await admin.client.put(`/api/v1/people/${bob.user.id}`, { department: 'ICT', function: 'Beheerder', skills: ['Linux'] })
      const res = await importCsv(admin.client, 'email;name;skills;department\nbob.bestaand@example.org;Bob;"PostgreSQL; Linux";\n')
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.deep.equal({ rows: 1, accountsCreated: 0, profilesCreated: 0, profilesUpdated: 1 })
      expect((await admin.client.get(`/api/v1/people/${bob.user.id}`)).body.fields).to.deep.equal({ function: 'Beheerder', skills: ['PostgreSQL', 'Linux'] })
    })

    it('reports every problem with row, field and reason, and imports nothing at all', async () => {
      const csv = [
        'email,name,department,phone,skills,nickname,department',
        'ok.one@example.org,Ok One,ICT,,,,',
        'not-an-address,No Mail,ICT,,,,',
        'ok.one@example.org,Twice,ICT,,,,',
        ',Nameless Mail,ICT,,,,',
        'no.name@example.org,,ICT,,,,',
        'bad.phone@example.org,Bad Phone,ICT,call me,,,',
        'many.skills@example.org,Many,ICT,,a;b;c;d;e;f,,',
        'short.row@example.org,Short',
        `long.dept@example.org,Long,${'x'.repeat(201)},,,,`,
      ].join('\n')
      const beforeAccounts = await count('kernel_account')
      const beforeProfiles = await count('people_profile')
      const res = await importCsv(admin.client, csv)
      const body = expectProblem(res, 400, 'PEOPLE_IMPORT_INVALID')
      const report = body.errors.map((e: any) => [e.row, e.field, e.code])
      expect(report).to.deep.equal([
        [1, 'nickname', 'unknown'],
        [1, 'department', 'duplicate'],
        [3, 'email', 'format'],
        [4, 'email', 'duplicate'],
        [5, 'email', 'required'],
        [6, 'name', 'required'],
        [7, 'phone', 'format'],
        [8, 'skills', 'maxItems'],
        [9, null, 'columns'],
        [10, 'department', 'maxLength'],
      ])
      for (const e of body.errors) {
        expect(e).to.include.keys('in', 'location', 'detail', 'code', 'row', 'field', 'reason')
        expect(e.in).to.equal('body')
        expect(e.location.pointer).to.equal(e.field === null ? `/${e.row}` : `/${e.row}/${e.field}`)
        expect(e.reason).to.be.a('string').and.not.equal('')
      }
      expect(body.errors[3].reason).to.equal('is in row 2 already')
      expect(body.rows).to.equal(9)
      expect(await count('kernel_account')).to.equal(beforeAccounts)
      expect(await count('people_profile')).to.equal(beforeProfiles)
      expect(await accountByEmail('ok.one@example.org')).to.equal(undefined)
    })

    it('reports a header without email or name, a malformed file, and an empty one', async () => {
      const noColumns = expectProblem(await importCsv(admin.client, 'department\nICT\n'), 400)
      expect(noColumns.errors.map((e: any) => [e.row, e.field])).to.deep.equal([
        [1, 'email'],
        [1, 'name'],
      ])
      const malformed = expectProblem(await importCsv(admin.client, 'email,name\na@example.org,"Unclosed\n'), 400)
      expect(malformed.errors.map((e: any) => [e.row, e.code])).to.deep.equal([[2, 'csv']])
      expectProblem(await importCsv(admin.client, ''), 400)
      expectProblem(await importCsv(admin.client, '\uFEFF'), 400)
      const latin1 = Buffer.from('email,name\nj@example.org,Jos\xe9\n', 'latin1')
      expectProblem(await admin.client.request('POST', '/api/v1/people/import', { raw: latin1, headers: { 'content-type': 'text/csv' } }), 400, 'PEOPLE_CSV_ENCODING')
    })

    it('refuses more rows than the site takes at once', async () => {
      const rows = Array.from({ length: MAX_ROWS + 1 }, (_, i) => `too.many${i}@example.org,Person ${i}`)
      const body = expectProblem(await importCsv(admin.client, `email,name\n${rows.join('\n')}\n`), 400)
      expect(body.errors.map((e: any) => e.code)).to.deep.equal(['maxRows'])
      expect(body.errors[0].row).to.equal(MAX_ROWS + 2)
    })

    it('takes values with quotes, commas and line breaks, and undoes the export’s formula guard', async () => {
      const csv = 'email,name,function,department\r\n"quote@example.org","O\'Brien, ""Q""","Line one\nline two","\'=SUM(A1)"\r\n'
      const res = await importCsv(admin.client, csv)
      expect(res.status, res.text).to.equal(200)
      const id = (await accountByEmail('quote@example.org')).id
      const got = (await admin.client.get(`/api/v1/people/${id}`)).body
      expect(got.name).to.equal('O\'Brien, "Q"')
      expect(got.fields).to.deep.equal({ function: 'Line one\nline two', department: '=SUM(A1)' })
    })

    it('imports thousands of rows in one go (more than one batch)', async function () {
      this.timeout(60_000)
      const n = 2500
      const rows = Array.from({ length: n }, (_, i) => `bulk${i}@example.org,Bulk ${String(i).padStart(4, '0')},Afdeling ${i % 7},,skill${i % 13}; common`)
      const started = performance.now()
      const res = await importCsv(admin.client, `email,name,department,phone,skills\n${rows.join('\n')}\n`)
      expect(res.status, res.text).to.equal(200)
      expect(res.body).to.deep.equal({ rows: n, accountsCreated: n, profilesCreated: n, profilesUpdated: 0 })
      expect(performance.now() - started).to.be.below(20_000)
      const found = await admin.client.get('/api/v1/people?q=bulk 2499')
      expect(found.body.items.map((p: any) => p.name)).to.deep.equal(['Bulk 2499'])
      const dept = await listAll(admin.client, '/api/v1/people?department=afdeling 3&skill=COMMON')
      expect(dept.length).to.equal(Math.ceil((n - 3) / 7))
      // Importing the same file again changes profiles, makes no accounts.
      const again = await importCsv(admin.client, `email,name,department\n${rows.slice(0, 10).map(r => r.split(',').slice(0, 3).join(',')).join('\n')}\n`)
      expect(again.body).to.deep.equal({ rows: 10, accountsCreated: 0, profilesCreated: 0, profilesUpdated: 10 })
    })

    it('lets an imported colleague pick up an e-mailed group invitation (the account is announced as registered)', async () => {
      const group = (await admin.client.post('/api/v1/groups', { name: 'Uitgenodigd', membership: 'closed' })).body
      const invite = await admin.client.post(`/api/v1/groups/${group.id}/invitations`, { email: 'invited.later@example.org' })
      expect(invite.status, invite.text).to.be.oneOf([200, 201, 202])
      expect((await importCsv(admin.client, 'email,name\ninvited.later@example.org,Later\n')).status).to.equal(200)
      const account = await accountByEmail('invited.later@example.org')
      const rows = await tk.kernel.db.query('SELECT status FROM groups_member WHERE group_id = $1 AND account_id = $2', [group.id, account.id])
      expect(rows.map((r: any) => r.status)).to.deep.equal(['invited'])
    })

    it('lets an imported colleague choose a password through the reset mail', async () => {
      const client = tk.client()
      expect((await client.post('/api/v1/auth/password-reset', { email: 'anna.nieuw@example.org' })).status).to.equal(202)
      await tk.kernel.jobs.drain() // the reset mail is a job
      const dir = path.join(tk.dataDir, 'mail')
      const mails = readdirSync(dir).map(f => readFileSync(path.join(dir, f), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='))
      const mail = mails.find(m => m.includes('anna.nieuw@example.org') && m.includes('/auth/reset-password?token='))!
      const token = decodeURIComponent(/reset-password\?token=([^\s"&<]+)/.exec(mail)![1]!)
      expect((await client.post('/api/v1/auth/password-reset/confirm', { token, password: 'anna kiest zelf een wachtwoord' })).status).to.equal(204)
      expect((await client.post('/api/v1/auth/login', { email: 'anna.nieuw@example.org', password: 'anna kiest zelf een wachtwoord' })).status).to.equal(200)
    })
  })

  describe('export', () => {
    it('streams every profile as RFC 4180 CSV with a BOM, which the import takes back unchanged', async () => {
      await admin.client.put(`/api/v1/people/${bob.user.id}`, { department: '=HYPERLINK("x")', phone: '+31 6 1234 5678', skills: ['a, b', 'c "d"'], salaryScale: '8' })
      const res = await admin.client.get('/api/v1/people/export')
      expect(res.status).to.equal(200)
      expect(String(res.headers['content-type'])).to.match(/^text\/csv/)
      expect(String(res.headers['content-disposition'])).to.match(/^attachment; filename="people-\d{4}-\d{2}-\d{2}\.csv"$/)
      expect(res.text.startsWith('\uFEFFemail,name,department,function,phone,workEmail,skills,salaryScale\r\n')).to.equal(true)
      const rows = csvRows(res.text)
      const bobRow = rows.find(r => r[0] === 'bob.bestaand@example.org')!
      expect(bobRow).to.deep.equal(['bob.bestaand@example.org', 'Bob Bestaand', `'=HYPERLINK("x")`, '', '+31 6 1234 5678', '', 'a, b; c "d"', '8'])
      expect(rows.length).to.equal(1 + (await tk.kernel.db.query('SELECT count(*)::int AS n FROM people_profile'))[0].n)
      // Sorted by name, every profile once.
      const names = rows.slice(1).map(r => r[1]!.toLowerCase())
      expect(names).to.deep.equal([...names].sort())
      expect(new Set(rows.map(r => r[0])).size).to.equal(rows.length)
      // Round trip: importing the export changes nothing.
      const snapshot = async () => (await tk.kernel.db.query('SELECT account_id, data FROM people_profile ORDER BY account_id')).map((r: any) => JSON.stringify(r))
      const before = await snapshot()
      const back = await importCsv(admin.client, res.text)
      expect(back.status, back.text.slice(0, 500)).to.equal(200)
      expect(back.body).to.include({ rows: rows.length - 1, accountsCreated: 0, profilesUpdated: rows.length - 1 })
      expect(await snapshot()).to.deep.equal(before)
    })
  })
})
