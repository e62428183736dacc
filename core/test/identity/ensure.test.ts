// ctx.users.ensure: accounts made by a plugin (e.g. an import) in one batch and one transaction: unverified,
// without a usable password until the person resets it; announced in one `identity.accountsCreated` event after
// the commit (not `registered` for each).
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import { definePlugin, type EnsuredAccount, type PluginContext } from '@plein/core'
import { createTestKernel, type TestKernel } from '@plein/testing'

describe('identity: accounts made by plugins (users.ensure)', () => {
  let tk: TestKernel
  let ctx: PluginContext
  const registered: string[] = []
  const created: Array<{ emails: string[]; siteId: string; inTransaction: boolean }> = []
  let transactionOpen = false

  before(async function () {
    this.timeout(60_000)
    tk = await createTestKernel({
      plugins: [
        definePlugin({
          id: 'importer',
          version: '1.0.0',
          kernel: '^1.0.0',
          register(c) {
            ctx = c
            c.hooks.identity.registered.tap(account => void registered.push(account.email))
            c.hooks.identity.accountsCreated.tap((accounts, site) => void created.push({ emails: accounts.map(a => a.email), siteId: site.id, inTransaction: transactionOpen }))
          },
        }),
      ],
    })
    await tk.signUp({ name: 'Admin', email: 'admin@example.org' })
    registered.length = 0
    created.length = 0
  })
  after(() => tk?.close())

  const accountRow = async (email: string) =>
    (await tk.kernel.db.query('SELECT id, name, email_verified_at, password_hash FROM kernel_account WHERE lower(email) = lower($1)', [email]))[0]

  it('makes the accounts that do not exist, unverified, and leaves existing ones (and their names) alone', async () => {
    const { accounts } = await ctx.users.ensure(
      [
        { email: 'New.Person@Example.org', name: ' Nieuwe Persoon ' },
        { email: 'ADMIN@example.org', name: 'Someone Else' },
        { email: 'new.person@example.org', name: 'Second Mention' },
      ],
      ctx.rootSite,
    )
    expect([...accounts.keys()]).to.have.members(['new.person@example.org', 'admin@example.org'])
    const made = accounts.get('new.person@example.org')!
    expect(made).to.include({ created: true, email: 'New.Person@Example.org', name: 'Nieuwe Persoon', emailVerified: false })
    expect(accounts.get('admin@example.org')).to.include({ created: false, name: 'Admin' })
    expect((await accountRow('admin@example.org')).name).to.equal('Admin')
    expect((await accountRow('new.person@example.org')).email_verified_at).to.equal(null)
    expect(created).to.deep.equal([{ emails: ['New.Person@Example.org'], siteId: ctx.rootSite.id, inTransaction: false }])
    expect(registered).to.deep.equal([])
  })

  it('gives a new account no password: no sign-in until the person sets one through password reset', async () => {
    const client = tk.client()
    for (const password of ['', '!', 'correct horse battery staple']) {
      const res = await client.post('/api/v1/auth/login', { email: 'new.person@example.org', password })
      expect([400, 401], res.text).to.include(res.status)
    }
    expect((await client.post('/api/v1/auth/password-reset', { email: 'new.person@example.org' })).status).to.be.oneOf([202, 204])
    await tk.kernel.jobs.drain()
    const mailDir = path.join(tk.dataDir, 'mail')
    // Quoted-printable: soft line breaks and "=3D" undone.
    const mails = readdirSync(mailDir).map(f => readFileSync(path.join(mailDir, f), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='))
    const mail = mails.find(m => /new\.person@example\.org/i.test(m) && m.includes('/auth/reset-password?token='))
    expect(mail, `a reset mail among:\n${mails.join('\n----\n')}`).to.be.a('string')
    const token = decodeURIComponent(/reset-password\?token=([^\s"&<]+)/.exec(mail!)![1]!)
    const reset = await client.post('/api/v1/auth/password-reset/confirm', { token, password: 'a brand new password' })
    expect(reset.status, reset.text).to.be.oneOf([200, 204])
    const login = await client.post('/api/v1/auth/login', { email: 'new.person@example.org', password: 'a brand new password' })
    expect(login.status, login.text).to.equal(200)
  })

  it('runs `within` in the same transaction: when it fails, no account is made and nothing is announced', async () => {
    let seen: ReadonlyMap<string, EnsuredAccount> | undefined
    let error: unknown
    try {
      await ctx.users.ensure([{ email: 'rolled.back@example.org', name: 'Rolled Back' }], ctx.rootSite, async (m, accounts) => {
        transactionOpen = true
        seen = accounts
        const inside = await m.query('SELECT count(*)::int AS n FROM kernel_account WHERE lower(email) = $1', ['rolled.back@example.org'])
        expect(inside[0].n).to.equal(1)
        transactionOpen = false
        throw new Error('the plugin’s own rows failed')
      })
    } catch (e) {
      error = e
    }
    expect((error as Error).message).to.equal('the plugin’s own rows failed')
    expect(seen!.get('rolled.back@example.org')!.created).to.equal(true)
    expect(await accountRow('rolled.back@example.org')).to.equal(undefined)
    expect(created.flatMap(c => c.emails)).to.not.include('rolled.back@example.org')
  })

  it('makes thousands of accounts in one go and hands `within` their ids', async () => {
    const people = Array.from({ length: 3000 }, (_, i) => ({ email: `bulk${i}@example.org`, name: `Bulk ${i}` }))
    const started = performance.now()
    const { accounts, result } = await ctx.users.ensure(people, ctx.rootSite, async (_m, accounts) => accounts.size)
    expect(result).to.equal(3000)
    expect([...accounts.values()].every(a => a.created)).to.equal(true)
    expect(performance.now() - started).to.be.below(15_000)
    expect(created[created.length - 1]!.emails).to.have.length(3000)
    const events = created.length
    const again = await ctx.users.ensure(people.slice(0, 10), ctx.rootSite)
    expect(created.length, 'no event when nothing was made').to.equal(events)
    expect([...again.accounts.values()].every(a => !a.created)).to.equal(true)
    expect(again.accounts.get('bulk3@example.org')!.id).to.equal(accounts.get('bulk3@example.org')!.id)
  })
})
