// The access model (ARCHITECTURE §4, API.md "Access"), through a fixture plugin that uses only the kernel's
// scoped helpers: a property-based test over random users, groups and access lists, then the grant rules.
import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import fc from 'fast-check'
import { createTestKernel, TestClient, type SignedUp, type TestKernel } from '@plein/testing'
import { expectProblem, itemsPlugin, listAll, newItemsState, withBearer, type ItemJson, type ItemsState } from './helpers.js'

const POOL = 4 // ordinary accounts; index POOL is the administrator
const GROUPS = 3

type Tok = { t: 'public' } | { t: 'logged_in' } | { t: 'site' } | { t: 'user'; i: number } | { t: 'group'; g: number }

const tokArb: fc.Arbitrary<Tok> = fc.oneof(
  fc.constant<Tok>({ t: 'public' }),
  fc.constant<Tok>({ t: 'logged_in' }),
  fc.constant<Tok>({ t: 'site' }),
  fc.record({ t: fc.constant('user' as const), i: fc.nat(POOL) }),
  fc.record({ t: fc.constant('group' as const), g: fc.nat(GROUPS - 1) }),
)

const scenarioArb = fc.record({
  /** groups[u][g]: account u is in group g. */
  groups: fc.array(fc.array(fc.boolean(), { minLength: GROUPS, maxLength: GROUPS }), { minLength: POOL, maxLength: POOL }),
  /** Accounts with a member row on the (invite-only) site: they hold site:<id>. */
  siteMembers: fc.array(fc.boolean(), { minLength: POOL, maxLength: POOL }),
  items: fc.array(
    fc.record({
      creator: fc.nat(POOL),
      /** A draft (published_at NULL): only its writers (and admins) see it. */
      draft: fc.boolean(),
      access: fc.option(fc.record({ read: fc.array(tokArb, { maxLength: 3 }), write: fc.array(tokArb, { maxLength: 2 }) }), { nil: undefined }),
    }),
    { maxLength: 6 },
  ),
  limit: fc.integer({ min: 1, max: 3 }),
})

describe('access: the model, property-based', () => {
  let tk: TestKernel
  const state = newItemsState()
  let admin: SignedUp
  const pool: SignedUp[] = []
  let siteId: string

  before(async function () {
    this.timeout(60_000)
    // Invite-only, so holding site:<id> depends on a member row the test controls.
    // Site memberships are set in SQL between runs, behind the kernel's back: no cached sessions.
    tk = await createTestKernel({ plugins: [itemsPlugin(state)], site: { settings: { membership: 'invite' } }, sessionCacheMs: 0 })
    admin = await tk.signUp({ name: 'Admin' })
    for (let i = 0; i < POOL; i++) pool.push(await tk.signUp({ name: `User ${i}` }))
    siteId = (await tk.http.get('/api/v1/site')).body.id
  })
  after(() => tk?.close())

  it('lists exactly the items whose read or write list meets the viewer tokens (drafts: write list; all for an admin), answers 404 for the rest, and lets only writers change them', async function () {
    this.timeout(120_000)
    const accounts = [...pool, admin]
    await fc.assert(
      fc.asyncProperty(scenarioArb, async scenario => {
        // A clean slate: no items, fresh groups, the drawn site memberships.
        await tk.kernel.db.query(`DELETE FROM entity WHERE kind = 'item'`)
        await tk.kernel.db.query(`DELETE FROM kernel_site_member WHERE site_id = $1 AND role = 'member'`, [siteId])
        const groupIds = Array.from({ length: GROUPS }, () => randomUUID())
        state.groups.clear()
        const held: Array<Set<string>> = accounts.map((a, u) => {
          const tokens = new Set(['public', 'logged_in', `user:${a.user.id}`])
          if (u === POOL) return tokens // the administrator: everything anyway
          const groups = groupIds.filter((_, g) => scenario.groups[u]![g])
          state.groups.set(a.user.id, new Set(groups))
          for (const g of groups) tokens.add(`group:${g}`)
          if (scenario.siteMembers[u]) tokens.add(`site:${siteId}`)
          return tokens
        })
        for (let u = 0; u < POOL; u++) {
          if (scenario.siteMembers[u]) {
            await tk.kernel.db.query(`INSERT INTO kernel_site_member (site_id, account_id, role) VALUES ($1, $2, 'member')`, [siteId, accounts[u]!.user.id])
          }
        }
        const token = (t: Tok) =>
          t.t === 'user' ? `user:${accounts[t.i]!.user.id}` : t.t === 'group' ? `group:${groupIds[t.g]}` : t.t === 'site' ? `site:${siteId}` : t.t
        // What a creator may grant: public, logged_in and user:<any>; group: and site: only when held (admins: all).
        const grantable = (u: number, tok: string) => !/^(group|site):/.test(tok) || u === POOL || held[u]!.has(tok)

        // Create the items, oldest first.
        const created: Array<{ item: ItemJson; readers: Set<string>; writers: Set<string>; owner: number; draft: boolean }> = []
        for (const spec of scenario.items) {
          const owner = `user:${accounts[spec.creator]!.user.id}`
          let access: { read: string[]; write: string[] } | undefined
          if (spec.access) {
            access = {
              read: [...new Set(spec.access.read.map(token))].filter(t => grantable(spec.creator, t)),
              write: [...new Set(spec.access.write.map(token))].filter(t => t !== 'public' && grantable(spec.creator, t)),
            }
          }
          const res = await accounts[spec.creator]!.client.post('/api/v1/items', { title: `item ${created.length}`, ...(access ? { access } : {}) })
          expect(res.status, res.text).to.equal(201)
          const read = access ? access.read : ['logged_in'] // the site's default read access
          const write = [owner, ...(access?.write ?? [])]
          expect(new Set(res.body.access.read)).to.deep.equal(new Set(read))
          expect(new Set(res.body.access.write)).to.deep.equal(new Set(write))
          if (spec.draft) await tk.kernel.db.query('UPDATE entity SET published_at = NULL WHERE id = $1', [res.body.id])
          created.push({ item: res.body, readers: new Set([...read, ...write]), writers: new Set(write), owner: spec.creator, draft: spec.draft })
        }

        const viewers: Array<{ name: string; client: TestClient; tokens: Set<string>; isAdmin: boolean; signedIn: boolean; u?: number }> = [
          { name: 'anonymous', client: tk.client(), tokens: new Set(['public']), isAdmin: false, signedIn: false },
          ...accounts.map((a, u) => ({ name: a.user.name, client: a.client, tokens: held[u]!, isAdmin: u === POOL, signedIn: true, u })),
        ]
        for (const viewer of viewers) {
          const meets = (list: Set<string>) => [...list].some(t => viewer.tokens.has(t))
          const readable = (c: (typeof created)[number]) => viewer.isAdmin || meets(c.writers) || (!c.draft && meets(c.readers))
          const writable = (c: (typeof created)[number]) =>
            viewer.signedIn && (viewer.isAdmin || c.owner === viewer.u || [...c.writers].some(t => t !== 'public' && viewer.tokens.has(t)))
          // The list, every page: exactly the readable items, newest first, none twice.
          const listed = (await listAll(viewer.client, scenario.limit)).map(i => i.id)
          const expected = created.filter(readable).map(c => c.item.id).reverse()
          expect(listed, `list of ${viewer.name}`).to.deep.equal(expected)
          // A direct fetch agrees with the list; an update needs write access.
          for (const c of created) {
            const got = await viewer.client.get(`/api/v1/items/${c.item.id}`)
            const update = await viewer.client.patch(`/api/v1/items/${c.item.id}`, { title: 'changed' })
            if (!readable(c)) {
              expectProblem(got, 404, 'NOT_FOUND')
              expectProblem(update, 404, 'NOT_FOUND')
            } else {
              expect(got.status, `${viewer.name} reads ${c.item.id}`).to.equal(200)
              expect(got.body.id).to.equal(c.item.id)
              const status = writable(c) ? 200 : viewer.signedIn ? 403 : 401
              expect(update.status, `${viewer.name} updates ${c.item.id}: ${update.text}`).to.equal(status)
            }
          }
        }
      }),
      { numRuns: 15 },
    )
  })
})

describe('access: grants, defaults and sites', () => {
  let tk: TestKernel
  const state: ItemsState = newItemsState({ otherHost: 'other.test' })
  let admin: SignedUp
  let ann: SignedUp
  let ben: SignedUp
  let siteId: string
  const groupOfAnn = randomUUID()

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({ plugins: [itemsPlugin(state)] })
    admin = await tk.signUp({ name: 'Admin' })
    ann = await tk.signUp({ name: 'Ann' })
    ben = await tk.signUp({ name: 'Ben' })
    state.groups.set(ann.user.id, new Set([groupOfAnn]))
    siteId = (await tk.http.get('/api/v1/site')).body.id
  })
  after(() => tk?.close())

  const create = (who: SignedUp, access?: { read?: string[]; write?: string[] }) => who.client.post('/api/v1/items', { title: 'x', ...(access ? { access } : {}) })

  it('lets a user grant public, logged_in, user:<any id> and the group and site tokens they hold', async () => {
    for (const read of [['public'], ['logged_in'], [`user:${ben.user.id}`], [`user:${randomUUID()}`], [`group:${groupOfAnn}`], [`site:${siteId}`]]) {
      const res = await create(ann, { read, write: read[0] === 'public' ? [] : read })
      expect(res.status, `${read}: ${res.text}`).to.equal(201)
    }
  })

  it('forbids granting a group: or site: token the user does not hold (403), in read or in write', async () => {
    for (const tok of [`group:${randomUUID()}`, `group:${groupOfAnn}`, `site:${randomUUID()}`]) {
      expectProblem(await create(ben, { read: [tok] }), 403, 'ACCESS_TOKEN_NOT_HELD')
      expectProblem(await create(ben, { write: [tok] }), 403, 'ACCESS_TOKEN_NOT_HELD')
    }
    expectProblem(await create(ann, { read: [`site:${randomUUID()}`] }), 403, 'ACCESS_TOKEN_NOT_HELD')
  })

  it('never gives anonymous visitors write access (403)', async () => {
    expectProblem(await create(ann, { read: ['public'], write: ['public'] }), 403, 'ACCESS_PUBLIC_WRITE')
  })

  it('answers 400 for something that is not an access token', async () => {
    for (const bad of ['everyone', 'user:42', 'group:', 'GROUP:' + randomUUID()]) {
      expectProblem(await create(ann, { read: [bad] }), 400)
    }
  })

  it('applies the site default (logged_in) when no access is given, with the owner as writer', async () => {
    const res = await create(ben)
    expect(res.body.access).to.deep.equal({ read: ['logged_in'], write: [`user:${ben.user.id}`] })
    expect((await tk.client().get(`/api/v1/items/${res.body.id}`)).status).to.equal(404)
    expect((await ann.client.get(`/api/v1/items/${res.body.id}`)).status).to.equal(200)
  })

  it('answers a hidden item exactly like an item that does not exist (apart from instance)', async () => {
    const hidden = await create(ben, { read: [], write: [] })
    const strip = (text: string) => text.replace(/,?"instance":"[^"]*"/, '')
    const a = await ann.client.get(`/api/v1/items/${hidden.body.id}`)
    const b = await ann.client.get(`/api/v1/items/${randomUUID()}`)
    expectProblem(a, 404)
    expect(strip(a.text)).to.equal(strip(b.text))
    // Its owner and the administrator still see it.
    expect((await ben.client.get(`/api/v1/items/${hidden.body.id}`)).status).to.equal(200)
    expect((await admin.client.get(`/api/v1/items/${hidden.body.id}`)).status).to.equal(200)
  })

  it('gives an administrator of one site nothing on another site, and keeps every site to its own items', async () => {
    const rootItem = await create(ben, { read: ['public'] })
    const adminToken = (await admin.client.post('/api/v1/auth/tokens', { name: 'other site' })).body.token
    const benToken = (await ben.client.post('/api/v1/auth/tokens', { name: 'other site' })).body.token
    const onOther = (token: string) => {
      const client = new TestClient(tk.url, 'other.test')
      return { ...withBearer(client, token), host: client.host }
    }
    // The root's items do not exist on the other site, not even for the root's administrator.
    const adminThere = onOther(adminToken)
    expect(adminThere.host).to.equal('other.test')
    expect((await adminThere.get('/api/v1/site')).body.name).to.equal('Other site')
    expect((await listAll(adminThere, 100)).map(i => i.id)).to.deep.equal([])
    expectProblem(await adminThere.get(`/api/v1/items/${rootItem.body.id}`), 404)
    // An item made on the other site, readable only by its owner: the root's administrator is nobody there…
    const otherItem = await onOther(benToken).post('/api/v1/items', { title: 'elsewhere', access: { read: [], write: [] } })
    expect(otherItem.status, otherItem.text).to.equal(201)
    expectProblem(await adminThere.get(`/api/v1/items/${otherItem.body.id}`), 404)
    expectProblem(await adminThere.request('PATCH', `/api/v1/items/${otherItem.body.id}`, { title: 'taken over' }), 404)
    // …and at home it is not listed or found either.
    expect((await listAll(admin.client, 100)).map(i => i.id)).to.not.include(otherItem.body.id)
    expectProblem(await admin.client.get(`/api/v1/items/${otherItem.body.id}`), 404)
    expect((await onOther(benToken).get(`/api/v1/items/${otherItem.body.id}`)).status).to.equal(200)
  })

  it('lets a site administrator read and change everything on their own site', async () => {
    const secret = await create(ann, { read: [`group:${groupOfAnn}`], write: [] })
    expect((await admin.client.get(`/api/v1/items/${secret.body.id}`)).status).to.equal(200)
    const res = await admin.client.patch(`/api/v1/items/${secret.body.id}`, { title: 'moderated' })
    expect(res.status, res.text).to.equal(200)
    expect((await ann.client.get(`/api/v1/items/${secret.body.id}`)).body.title).to.equal('moderated')
    expectProblem(await ben.client.patch(`/api/v1/items/${secret.body.id}`, { title: 'nope' }), 404)
  })
})

describe('access: site settings', () => {
  let tk: TestKernel
  let ann: SignedUp
  let siteId: string

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel({
      plugins: [itemsPlugin(newItemsState())],
      site: { settings: { access: { allowPublic: false, allowLoggedIn: false, defaultRead: ['site'] } } },
    })
    await tk.signUp({ name: 'Admin' })
    ann = await tk.signUp({ name: 'Ann' })
    siteId = (await tk.http.get('/api/v1/site')).body.id
  })
  after(() => tk?.close())

  it('forbids public content when access.allowPublic is false (403)', async () => {
    expectProblem(await ann.client.post('/api/v1/items', { title: 'x', access: { read: ['public'] } }), 403, 'ACCESS_PUBLIC_FORBIDDEN')
  })

  it('forbids content for every signed-in account when access.allowLoggedIn is false (403)', async () => {
    expectProblem(await ann.client.post('/api/v1/items', { title: 'x', access: { read: ['logged_in'] } }), 403, 'ACCESS_LOGGED_IN_FORBIDDEN')
    expectProblem(await ann.client.post('/api/v1/items', { title: 'x', access: { write: ['logged_in'] } }), 403, 'ACCESS_LOGGED_IN_FORBIDDEN')
  })

  it('still allows user: and site: tokens there, and uses access.defaultRead (site → site:<id>)', async () => {
    expect((await ann.client.post('/api/v1/items', { title: 'x', access: { read: [`site:${siteId}`] } })).status).to.equal(201)
    const res = await ann.client.post('/api/v1/items', { title: 'default' })
    expect(res.status, res.text).to.equal(201)
    expect(res.body.access).to.deep.equal({ read: [`site:${siteId}`], write: [`user:${ann.user.id}`] })
  })
})
