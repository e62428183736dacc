// Privacy (AVG/GDPR): the data export (streamed, in batches) and account deletion (one transaction).
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { expectProblem, itemsPlugin, listAll, newItemsState, withBearer, type ItemsState } from './helpers.js'

const BULK = 520 // more than the export's batch of 500

describe('privacy: export', () => {
  let tk: TestKernel
  const state: ItemsState = newItemsState()
  let admin: SignedUp
  let person: SignedUp
  let other: SignedUp
  let siteId: string
  let token: string
  const ownIds: string[] = []
  let otherItem: string

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({ plugins: [itemsPlugin(state)] })
    admin = await tk.signUp({ name: 'Admin' })
    person = await tk.signUp({ name: 'Pim' })
    other = await tk.signUp({ name: 'Olga' })
    siteId = (await tk.http.get('/api/v1/site')).body.id
    expect((await admin.client.patch(`/api/v1/site/members/${person.user.id}`, { role: 'admin' })).status).to.equal(200)
    token = (await person.client.post('/api/v1/auth/tokens', { name: 'export me' })).body.token
    state.groups.set(person.user.id, new Set(['0b7a6b2e-8d8c-4b43-9e6c-1b2a3c4d5e6f']))
    for (const title of ['first', 'second']) ownIds.push((await person.client.post('/api/v1/items', { title })).body.id)
    otherItem = (await other.client.post('/api/v1/items', { title: 'not mine' })).body.id
    // Many items at once (one statement: they share created_at, so the batches must page by id too).
    const rows = await tk.kernel.db.query(
      `INSERT INTO entity (site_id, kind, owner_id, title, read_access, write_access)
       SELECT $1, 'item', $2, 'bulk ' || g, ARRAY['logged_in'], ARRAY[$3::text] FROM generate_series(1, ${BULK}) g RETURNING id`,
      [siteId, person.user.id, `user:${person.user.id}`],
    )
    ownIds.push(...rows.map((r: any) => r.id))
  })
  after(() => tk?.close())

  it('needs a signed-in user (401)', async () => {
    expectProblem(await tk.client().get('/api/v1/users/me/export'), 401)
  })

  it('returns the account, its site roles, its token names and every one of its items as one JSON document', async () => {
    const res = await person.client.get('/api/v1/users/me/export')
    expect(res.status).to.equal(200)
    expect(String(res.headers['content-type'])).to.match(/^application\/json/)
    expect(String(res.headers['content-disposition'])).to.match(/^attachment/)
    expect(res.headers['cache-control']).to.equal('no-store')
    const data = JSON.parse(res.text)
    expect(data.account).to.include({ id: person.user.id, email: person.user.email, name: 'Pim' })
    expect(data.siteRoles).to.deep.equal([{ siteId, role: 'admin', since: data.siteRoles[0].since }])
    expect(data.apiTokens.map((t: any) => t.name)).to.deep.equal(['export me'])
    expect(Object.keys(data.apiTokens[0]).sort()).to.deep.equal(['createdAt', 'id', 'lastUsedAt', 'name'])
    expect(data.sessions.length).to.be.at.least(1)
    // What plugins add through identity.exportAccount.
    expect(data.plugins.items).to.deep.equal({ groups: ['0b7a6b2e-8d8c-4b43-9e6c-1b2a3c4d5e6f'] })
    // All items, across the batch boundary: none lost, none twice, nobody else's.
    const ids: string[] = data.content.map((c: any) => c.id)
    expect(ids).to.have.length(BULK + 2)
    expect(new Set(ids).size).to.equal(ids.length)
    expect(new Set(ids)).to.deep.equal(new Set(ownIds))
    expect(ids).to.not.include(otherItem)
    const first = data.content.find((c: any) => c.id === ownIds[0])
    expect(first).to.include({ siteId, type: 'item', title: 'first' })
    expect(first.access).to.deep.equal({ read: ['logged_in'], write: [`user:${person.user.id}`] })
  })

  it('contains no secret: no password hash, no token, no session id or CSRF token', async () => {
    const res = await person.client.get('/api/v1/users/me/export')
    expect(res.text).to.not.include(person.password)
    expect(res.text).to.not.include(token.slice(6))
    expect(res.text).to.not.include('scrypt$')
    expect(res.text.toLowerCase()).to.not.match(/hash|csrf/)
    expect(res.text).to.not.include(person.client.csrfToken!)
    const sessions = await tk.kernel.db.query('SELECT id_hash FROM kernel_session WHERE account_id = $1', [person.user.id])
    expect(sessions.length).to.be.at.least(1)
    for (const s of sessions) expect(res.text).to.not.include(s.id_hash)
  })

  it('works over a personal API token as well', async () => {
    const res = await withBearer(tk.http, token).get('/api/v1/users/me/export')
    expect(res.status).to.equal(200)
    expect(JSON.parse(res.text).account.id).to.equal(person.user.id)
  })
})

describe('privacy: account deletion', () => {
  let tk: TestKernel
  const state: ItemsState = newItemsState()
  let admin: SignedUp

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({ plugins: [itemsPlugin(state)] })
    admin = await tk.signUp({ name: 'Admin' })
  })
  after(() => tk?.close())

  const count = async (table: string, accountId: string) =>
    (await tk.kernel.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE account_id = $1`, [accountId]))[0].n as number

  it('removes the account: 204, signed out, cannot sign in, its sessions and tokens are gone', async () => {
    const leaver = await tk.signUp({ name: 'Leaver' })
    const token = (await leaver.client.post('/api/v1/auth/tokens', { name: 't' })).body.token
    await tk.client().post('/api/v1/auth/login', { email: leaver.user.email, password: leaver.password }) // a second session
    expect(await count('kernel_session', leaver.user.id)).to.equal(2)
    const res = await leaver.client.delete('/api/v1/users/me')
    expect(res.status, res.text).to.equal(204)
    expectProblem(await leaver.client.get('/api/v1/auth/me'), 401)
    expectProblem(await tk.client().post('/api/v1/auth/login', { email: leaver.user.email, password: leaver.password }), 401, 'INVALID_CREDENTIALS')
    expectProblem(await withBearer(tk.http, token).get('/api/v1/auth/me'), 401)
    expect(await count('kernel_session', leaver.user.id)).to.equal(0)
    expect(await count('kernel_api_token', leaver.user.id)).to.equal(0)
    expect(await tk.kernel.db.query('SELECT 1 FROM kernel_account WHERE id = $1', [leaver.user.id])).to.have.length(0)
    expectProblem(await admin.client.get(`/api/v1/users/${leaver.user.id}`), 404)
    // The address is free again.
    expect((await tk.client().post('/api/v1/auth/register', { email: leaver.user.email, password: leaver.password, name: 'Back' })).status).to.equal(201)
  })

  it('anonymises content by default: the item stays (still listed) without an owner', async () => {
    const leaver = await tk.signUp({ name: 'Author' })
    const reader = await tk.signUp({ name: 'Reader' })
    const item = (await leaver.client.post('/api/v1/items', { title: 'keeps living' })).body.id
    expect((await leaver.client.delete('/api/v1/users/me')).status).to.equal(204)
    const [row] = await tk.kernel.db.query('SELECT owner_id FROM entity WHERE id = $1', [item])
    expect(row).to.deep.equal({ owner_id: null })
    expect((await listAll(reader.client, 100)).map(i => i.id)).to.include(item)
    const got = await reader.client.get(`/api/v1/items/${item}`)
    expect(got.status).to.equal(200)
    expect(got.body.ownerId).to.equal(null)
  })

  it('refuses with 409 when a plugin vetoes (identity.beforeAccountDelete), and rolls back everything', async () => {
    const keeper = await tk.signUp({ name: 'Keeper' })
    const token = (await keeper.client.post('/api/v1/auth/tokens', { name: 't' })).body.token
    const item = (await keeper.client.post('/api/v1/items', { title: 'precious' })).body.id
    state.vetoDelete.add(keeper.user.id)
    const res = await keeper.client.delete('/api/v1/users/me')
    const problem = expectProblem(res, 409, 'ACCOUNT_DELETE_REFUSED')
    expect(problem.detail).to.equal('You still own items others depend on.')
    // The plugin deleted the items before it vetoed: that is undone with the rest.
    expect(await tk.kernel.db.query('SELECT owner_id FROM entity WHERE id = $1', [item])).to.deep.equal([{ owner_id: keeper.user.id }])
    expect((await keeper.client.get('/api/v1/auth/me')).status).to.equal(200)
    expect((await withBearer(tk.http, token).get('/api/v1/auth/me')).status).to.equal(200)
    expect((await tk.client().post('/api/v1/auth/login', { email: keeper.user.email, password: keeper.password })).status).to.equal(200)
    // Once the plugin agrees, the account goes.
    state.vetoDelete.delete(keeper.user.id)
    expect((await keeper.client.delete('/api/v1/users/me')).status).to.equal(204)
  })

  it('needs a signed-in user (401) and, with a cookie, the CSRF token (403)', async () => {
    expectProblem(await tk.client().delete('/api/v1/users/me'), 401)
    const person = await tk.signUp()
    person.client.csrfToken = undefined
    expectProblem(await person.client.delete('/api/v1/users/me'), 403, 'CSRF_TOKEN_INVALID')
    expect((await person.client.get('/api/v1/auth/me')).status).to.equal(200)
  })
})

describe('privacy: deletedUserContent "delete"', () => {
  let tk: TestKernel

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({ plugins: [itemsPlugin(newItemsState())], site: { settings: { privacy: { deletedUserContent: 'delete' } } } })
    await tk.signUp({ name: 'Admin' })
  })
  after(() => tk?.close())

  it("deletes the account's content with it, and nobody else's", async () => {
    const leaver = await tk.signUp({ name: 'Leaver' })
    const stayer = await tk.signUp({ name: 'Stayer' })
    const gone = [(await leaver.client.post('/api/v1/items', { title: 'a' })).body.id, (await leaver.client.post('/api/v1/items', { title: 'b' })).body.id]
    const kept = (await stayer.client.post('/api/v1/items', { title: 'c', access: { read: ['logged_in'], write: [`user:${leaver.user.id}`] } })).body.id
    expect((await leaver.client.delete('/api/v1/users/me')).status).to.equal(204)
    expect(await tk.kernel.db.query('SELECT id FROM entity WHERE id = ANY($1::uuid[])', [gone])).to.deep.equal([])
    expect(await tk.kernel.db.query('SELECT owner_id FROM entity WHERE id = $1', [kept])).to.deep.equal([{ owner_id: stayer.user.id }])
    for (const id of gone) expectProblem(await stayer.client.get(`/api/v1/items/${id}`), 404)
    expect((await listAll(stayer.client, 100)).map(i => i.id)).to.deep.equal([kept])
  })
})
