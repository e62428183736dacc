// Cached site records across processes (issue 6, "Scale"): two kernels on one database, each with its own
// cache of subsites; a change made through one is in effect on the other within a second (change notices).
// Only on a PostgreSQL server: the embedded database belongs to one process, so there is no second one.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { createLogger, Kernel } from '@plein/core'
import { createTestDatabase, signUp, TEST_SITE_SETTINGS, TestClient, usesServerDatabase, type TestDatabase } from '@plein/testing'
import { blogPlugin } from '@plein/plugin-blog'
import { commentsPlugin } from '@plein/plugin-comments'
import { subsitesPlugin } from '@plein/plugin-subsites'
import { createSubsite, eventually, expectProblem } from './helpers.js'

const LIMIT_MS = 1000

describe('subsites: cache invalidation across processes (PostgreSQL server only; skipped on the embedded database, which one process owns)', () => {
  let database: TestDatabase
  const kernels: Kernel[] = []
  const dirs: string[] = []
  let one: string
  let two: string
  let adminOne: TestClient
  let adminTwo: TestClient

  before(async function () {
    if (!usesServerDatabase()) this.skip()
    this.timeout(60_000)
    database = await createTestDatabase()
    for (let i = 0; i < 2; i++) {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-cache-test-'))
      dirs.push(dataDir)
      const kernel = await Kernel.boot({
        siteDir: process.cwd(),
        dataDir,
        databaseUrl: database.url,
        config: { name: 'Shared', hosts: ['127.0.0.1', 'localhost'], admins: [], plugins: {}, settings: TEST_SITE_SETTINGS },
        plugins: [commentsPlugin, blogPlugin, subsitesPlugin].map(source => ({ source })),
        secret: 'test-secret-that-is-long-enough-0123456789',
        log: createLogger({ level: process.env.PLEIN_TEST_LOG ?? 'silent', pretty: false }),
        shutdownTimeoutMs: 2000,
        passwordHashing: 'fast',
      })
      kernels.push(kernel)
    }
    one = `http://127.0.0.1:${(await kernels[0]!.listen(0, '127.0.0.1')).port}`
    two = `http://127.0.0.1:${(await kernels[1]!.listen(0, '127.0.0.1')).port}`
    const admin = await signUp(new TestClient(one), { name: 'Root Admin' })
    adminOne = admin.client
    adminTwo = new TestClient(two)
    expect((await adminTwo.post('/api/v1/auth/login', { email: admin.user.email, password: admin.password })).status).to.equal(200)
  })
  after(async () => {
    for (const k of kernels) await k.stop()
    await database?.drop()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  const on = (base: string, host: string) => new TestClient(base, host)

  it('serves a subsite created through one process from the other, also after the other cached "unknown host"', async () => {
    const host = 'new.cache.test'
    expectProblem(await on(two, host).get('/api/v1/site'), 404, 'SITE_NOT_FOUND')
    const s = await createSubsite(adminOne, { name: 'New', host, plugins: ['comments', 'blog'] })
    const ms = await eventually(async () => {
      expect((await on(two, host).get('/api/v1/site')).body?.id).to.equal(s.id)
    }, 3000, 20)
    expect(ms, 'milliseconds until the other process serves it').to.be.below(LIMIT_MS)
  })

  it('sees a PATCH made in one process in the other within a second: plugins, disabled, host, and back the other way', async () => {
    const host = 'patched.cache.test'
    const s = await createSubsite(adminOne, { name: 'Patched', host, plugins: ['comments', 'blog'] })
    // Both processes have it cached now.
    for (const base of [one, two]) expect((await on(base, host).get('/api/v1/blogs')).status).to.equal(200)

    const timed = async (change: () => Promise<void>, check: () => Promise<void>) => {
      await change()
      const ms = await eventually(check, 3000, 20)
      expect(ms, 'milliseconds until the other process follows').to.be.below(LIMIT_MS)
    }
    await timed(
      async () => {
        expect((await adminOne.patch(`/api/v1/subsites/${s.id}`, { plugins: ['comments'] })).status).to.equal(200)
      },
      async () => {
        expect((await on(two, host).get('/api/v1/blogs')).status).to.equal(404)
      },
    )
    await timed(
      async () => {
        expect((await adminTwo.patch(`/api/v1/subsites/${s.id}`, { plugins: ['comments', 'blog'] })).status).to.equal(200)
      },
      async () => {
        expect((await on(one, host).get('/api/v1/blogs')).status).to.equal(200)
      },
    )
    await timed(
      async () => {
        expect((await adminOne.patch(`/api/v1/subsites/${s.id}`, { disabled: true })).status).to.equal(200)
      },
      async () => {
        expect((await on(two, host).get('/api/v1/site')).status).to.equal(404)
      },
    )
    await timed(
      async () => {
        expect((await adminTwo.patch(`/api/v1/subsites/${s.id}`, { disabled: false, host: 'moved.cache.test' })).status).to.equal(200)
      },
      async () => {
        expect((await on(one, 'moved.cache.test').get('/api/v1/site')).body?.id).to.equal(s.id)
        expect((await on(one, host).get('/api/v1/site')).status).to.equal(404)
      },
    )
    await timed(
      async () => {
        expect((await adminOne.patch(`/api/v1/subsites/${s.id}`, { name: 'Renamed' })).status).to.equal(200)
      },
      async () => {
        expect((await on(two, 'moved.cache.test').get('/api/v1/site')).body?.name).to.equal('Renamed')
      },
    )
  })

  it('stops serving a subsite deleted through the other process within a second', async () => {
    const host = 'deleted.cache.test'
    const s = await createSubsite(adminTwo, { name: 'Deleted', host, plugins: [] })
    expect((await on(one, host).get('/api/v1/site')).status).to.equal(200)
    expect((await adminTwo.delete(`/api/v1/subsites/${s.id}`)).status).to.equal(204)
    const ms = await eventually(async () => {
      expect((await on(one, host).get('/api/v1/site')).status).to.equal(404)
    }, 3000, 20)
    expect(ms).to.be.below(LIMIT_MS)
  })
})
