// Site roles: administrators promote and demote (never the last one); users' e-mail only for themselves and admins.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { expectProblem } from './helpers.js'

describe('identity: roles', () => {
  let tk: TestKernel
  let admin: SignedUp
  let bea: SignedUp
  let cas: SignedUp

  before(async function () {
    this.timeout(60_000) // the first kernel of a process also builds the embedded database template
    tk = await createTestKernel()
    admin = await tk.signUp({ name: 'Admin' })
    bea = await tk.signUp({ name: 'Bea' })
    cas = await tk.signUp({ name: 'Cas' })
  })
  after(() => tk?.close())

  const roleOf = async (userId: string) => {
    const list = await admin.client.get('/api/v1/site/members?limit=100')
    expect(list.status).to.equal(200)
    return list.body.items.find((m: any) => m.user.id === userId)?.role ?? null
  }

  it('lets an administrator promote a member to administrator, who may then administer', async () => {
    expectProblem(await bea.client.get('/api/v1/site/members'), 403, 'NOT_ADMIN')
    const res = await admin.client.patch(`/api/v1/site/members/${bea.user.id}`, { role: 'admin' })
    expect(res.status, res.text).to.equal(200)
    expect(res.body).to.deep.equal({ userId: bea.user.id, role: 'admin' })
    expect(await roleOf(bea.user.id)).to.equal('admin')
    // The new role applies to the session Bea already has.
    expect((await bea.client.get('/api/v1/site/members')).status).to.equal(200)
  })

  it('lets an administrator demote an administrator to member, who then loses the rights at once', async () => {
    const res = await admin.client.patch(`/api/v1/site/members/${bea.user.id}`, { role: 'member' })
    expect(res.status, res.text).to.equal(200)
    expect(await roleOf(bea.user.id)).to.equal('member')
    expectProblem(await bea.client.get('/api/v1/site/members'), 403, 'NOT_ADMIN')
  })

  it('refuses to demote the last administrator (409 LAST_ADMIN)', async () => {
    expectProblem(await admin.client.patch(`/api/v1/site/members/${admin.user.id}`, { role: 'member' }), 409, 'LAST_ADMIN')
    expect(await roleOf(admin.user.id)).to.equal('admin')
  })

  it('lets an administrator step down when another administrator remains, and then keeps that one', async () => {
    expect((await admin.client.patch(`/api/v1/site/members/${cas.user.id}`, { role: 'admin' })).status).to.equal(200)
    expect((await cas.client.patch(`/api/v1/site/members/${admin.user.id}`, { role: 'member' })).status).to.equal(200)
    expectProblem(await admin.client.get('/api/v1/site/members'), 403)
    expectProblem(await cas.client.patch(`/api/v1/site/members/${cas.user.id}`, { role: 'member' }), 409, 'LAST_ADMIN')
    // Put things back for the tests below.
    expect((await cas.client.patch(`/api/v1/site/members/${admin.user.id}`, { role: 'admin' })).status).to.equal(200)
    expect((await admin.client.patch(`/api/v1/site/members/${cas.user.id}`, { role: 'member' })).status).to.equal(200)
  })

  it('forbids a non-administrator to change roles (403), even their own, and 401 for a visitor', async () => {
    expectProblem(await bea.client.patch(`/api/v1/site/members/${bea.user.id}`, { role: 'admin' }), 403, 'NOT_ADMIN')
    expectProblem(await bea.client.patch(`/api/v1/site/members/${admin.user.id}`, { role: 'member' }), 403, 'NOT_ADMIN')
    expectProblem(await tk.client().patch(`/api/v1/site/members/${bea.user.id}`, { role: 'admin' }), 401)
    expect(await roleOf(bea.user.id)).to.equal('member')
    expect(await roleOf(admin.user.id)).to.equal('admin')
  })

  it('answers 404 for an unknown account and 400 for a role that does not exist', async () => {
    expectProblem(await admin.client.patch('/api/v1/site/members/00000000-0000-4000-8000-000000000000', { role: 'admin' }), 404)
    const bad = expectProblem(await admin.client.patch(`/api/v1/site/members/${bea.user.id}`, { role: 'owner' }), 400)
    expect(bad.errors.map((e: any) => e.location.pointer)).to.deep.equal(['/role'])
  })

  describe('GET /api/v1/users/:id', () => {
    it('shows the e-mail address to the user themself', async () => {
      const res = await bea.client.get(`/api/v1/users/${bea.user.id}`)
      expect(res.status).to.equal(200)
      expect(res.body).to.deep.equal({ id: bea.user.id, name: 'Bea', email: bea.user.email })
    })

    it('shows the e-mail address to an administrator', async () => {
      const res = await admin.client.get(`/api/v1/users/${bea.user.id}`)
      expect(res.body).to.deep.equal({ id: bea.user.id, name: 'Bea', email: bea.user.email })
    })

    it('hides the e-mail address from other members and from visitors', async () => {
      for (const client of [cas.client, tk.client()]) {
        const res = await client.get(`/api/v1/users/${bea.user.id}`)
        expect(res.status).to.equal(200)
        expect(res.body).to.deep.equal({ id: bea.user.id, name: 'Bea' })
        expect(res.text).to.not.include(bea.user.email)
      }
    })

    it('answers 404 for an unknown id and 400 for one that is not a UUID', async () => {
      expectProblem(await cas.client.get('/api/v1/users/00000000-0000-4000-8000-000000000000'), 404)
      expectProblem(await cas.client.get('/api/v1/users/not-a-uuid'), 400)
    })
  })
})
