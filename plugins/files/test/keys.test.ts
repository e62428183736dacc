// Key management plugged in by another plugin (filesKeyProviderRef): file keys wrapped with a key-management
// service's site keys (a test plugin with its own key file, nothing from PLEIN_SECRET), rotation through it,
// old versions still readable, switching from the built-in provider, and a boot refused when stored keys
// belong to a provider that is not there.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { createLogger, Kernel, KernelBootError, type PluginDefinition } from '@plein/core'
import { createTestDatabase, createTestKernel, signUp, TEST_HOSTS, TEST_SITE_SETTINGS, TestClient, type SignedUp, type TestKernel } from '@plein/testing'
import { filesKeysServiceRef, filesPlugin } from '@plein/plugin-files'
import { unwrapKey } from '../src/crypto/keys.js'
import { expectProblem, folder, random, raw, tokenOf, upload } from './helpers.js'
import { kmsPlugin, readKeyFile } from './support/kms.js'

const SECRET = 'test-secret-that-is-long-enough-0123456789'

describe('files: a key provider plugged in by another plugin', function () {
  this.timeout(120_000)
  let work: string
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'plein-kms-'))
  })
  after(() => rmSync(work, { recursive: true, force: true }))

  describe('with a key-management plugin from the start', () => {
    let tk: TestKernel
    let admin: SignedUp
    let token: string
    let keyFile: string
    const rows = async (fileId?: string) =>
      tk.kernel.db.query<{ entity_id: string; version: number; wrapped_key: Buffer; key_version: number; key_provider: string }>(
        `SELECT entity_id, version, wrapped_key, key_version, key_provider FROM files_version ${fileId ? 'WHERE entity_id = $1' : ''} ORDER BY entity_id, version`,
        fileId ? [fileId] : [],
      )
    const kmsKey = (version: number) => Buffer.from(readKeyFile(keyFile).sites[tk.kernel.rootSite.id]!.keys[version]!, 'hex')
    const content = (fileId: string, version?: number) => raw(tk.url, `/api/v1/files/${fileId}${version ? `/versions/${version}` : ''}/content`, { token })

    before(async () => {
      keyFile = path.join(work, 'keys.json')
      tk = await createTestKernel({ plugins: [kmsPlugin({ file: keyFile }), filesPlugin] })
      admin = await tk.signUp({ name: 'Beheer Sleutels' })
      token = await tokenOf(admin)
    })
    after(() => tk?.close())

    it('wraps file keys with the provider’s site keys, not with keys from PLEIN_SECRET; files download as uploaded', async () => {
      const f = await folder(admin.client, { name: 'Kluis' })
      const first = random(150_000)
      const file = await upload(admin.client, f.id, 'kluis.bin', first)
      await upload(admin.client, f.id, 'kluis.bin', 'tweede versie')
      const stored = await rows(file.id)
      expect(stored.map(r => [r.version, r.key_provider, r.key_version])).to.deep.equal([
        [1, 'test-kms', 1],
        [2, 'test-kms', 1],
      ])
      // The key from the provider's own file unwraps it; the site key PLEIN_SECRET would give does not.
      expect(unwrapKey(kmsKey(1), stored[0]!.wrapped_key)).to.have.length(32)
      const derived = tk.kernel.keysFor('files').derive(`site-key:${tk.kernel.rootSite.id}:v1`)
      expect(() => unwrapKey(derived, stored[0]!.wrapped_key)).to.throw(/does not unwrap/)
      expect((await content(file.id, 1)).body.equals(first)).to.equal(true)
      expect((await content(file.id)).body.toString()).to.equal('tweede versie')
    })

    it('rotates through the provider (endpoint and service): every key re-wrapped, old versions still download', async () => {
      const f = await folder(admin.client, { name: 'Rotatie' })
      const data = random(70_000)
      const file = await upload(admin.client, f.id, 'rotatie.bin', data)
      await upload(admin.client, f.id, 'rotatie.bin', 'nieuw')
      const before = await rows()
      const current = readKeyFile(keyFile).sites[tk.kernel.rootSite.id]!.current

      const rotated = await admin.client.post('/api/v1/files-keys/rotate')
      expect(rotated.status, rotated.text).to.equal(200)
      expect(rotated.body).to.deep.equal({ version: current + 1, rewrapped: before.length })
      expect(readKeyFile(keyFile).sites[tk.kernel.rootSite.id]!.current).to.equal(current + 1)
      for (const row of await rows()) {
        expect([row.key_provider, row.key_version]).to.deep.equal(['test-kms', current + 1])
        expect(unwrapKey(kmsKey(current + 1), row.wrapped_key)).to.have.length(32)
      }
      expect((await content(file.id, 1)).body.equals(data)).to.equal(true)
      expect((await content(file.id, 2)).body.toString()).to.equal('nieuw')

      // A new file takes the new version; `plein files rotate-key` goes through the same service.
      const fresh = await upload(admin.client, f.id, 'vers.txt', 'na de rotatie')
      expect((await rows(fresh.id))[0]!.key_version).to.equal(current + 1)
      const again = await tk.kernel.service(filesKeysServiceRef)!.rotate(tk.kernel.rootSite)
      expect(again.version).to.equal(current + 2)
      expect((await content(fresh.id)).body.toString()).to.equal('na de rotatie')
      expect((await content(file.id, 1)).body.equals(data)).to.equal(true)
    })
  })

  it('refuses to rotate with a provider that does not rotate here, and says so', async () => {
    const tk = await createTestKernel({ plugins: [kmsPlugin({ file: path.join(work, 'fixed.json'), rotates: false }), filesPlugin] })
    try {
      const admin = await tk.signUp()
      const f = await folder(admin.client, { name: 'Vast' })
      const file = await upload(admin.client, f.id, 'vast.txt', 'vaste sleutel')
      expect(expectProblem(await admin.client.post('/api/v1/files-keys/rotate'), 409, 'KEY_ROTATION_UNSUPPORTED').detail).to.include('test-kms')
      expect((await raw(tk.url, `/api/v1/files/${file.id}/content`, { token: await tokenOf(admin) })).body.toString()).to.equal('vaste sleutel')
    } finally {
      await tk.close()
    }
  })

  it('switches from the built-in provider (old keys stay readable, a rotation moves them); a provider that is gone stops the boot', async () => {
    const database = await createTestDatabase()
    const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-kms-switch-'))
    const keyFile = path.join(work, 'switch.json')
    const boot = async (extra: PluginDefinition[]) => {
      const kernel = await Kernel.boot({
        siteDir: process.cwd(),
        config: { name: 'Switch site', hosts: TEST_HOSTS, admins: [], settings: TEST_SITE_SETTINGS, plugins: {} },
        plugins: [{ source: filesPlugin }, ...extra.map(source => ({ source }))],
        databaseUrl: database.url,
        dataDir,
        embeddedDir: database.url ? undefined : path.join(dataDir, 'pgdata'),
        secret: SECRET,
        log: createLogger({ level: process.env.PLEIN_TEST_LOG ?? 'silent', pretty: false }),
        passwordHashing: 'fast',
        shutdownTimeoutMs: 2000,
      })
      const address = await kernel.listen(0, '127.0.0.1')
      return { kernel, url: `http://127.0.0.1:${address.port}` }
    }
    const refused = async (extra: PluginDefinition[]) => {
      const error = await boot(extra).then(
        async running => {
          await running.kernel.stop()
          throw new Error('the boot should have been refused')
        },
        (e: unknown) => e,
      )
      expect(error).to.be.instanceOf(KernelBootError)
      const problem = (error as KernelBootError).problems.find(p => p.code === 'PLUGIN_START_FAILED')
      expect(problem?.plugin).to.equal('files')
      return problem!.message
    }
    const providers = async (kernel: Kernel) =>
      (await kernel.db.query<{ key_provider: string; n: number }>('SELECT key_provider, count(*)::int AS n FROM files_version GROUP BY key_provider ORDER BY key_provider')).map(r => [r.key_provider, r.n])

    let running = await boot([])
    try {
      const alice = await signUp(new TestClient(running.url), { name: 'Alice Wissel' })
      const token = await tokenOf(alice)
      const f = await folder(alice.client, { name: 'Wissel' })
      const old = random(90_000)
      const before = await upload(alice.client, f.id, 'oud.bin', old)
      expect(await providers(running.kernel)).to.deep.equal([['derived', 1]])
      await running.kernel.stop()

      // Built-in → key-management plugin: allowed; what the built-in provider wrapped still reads, new files go to the KMS.
      running = await boot([kmsPlugin({ file: keyFile })])
      const bearer = { authorization: `Bearer ${token}` }
      const fetch = (id: string) => raw(running.url, `/api/v1/files/${id}/content`, { token })
      expect((await fetch(before.id)).body.equals(old)).to.equal(true)
      const added = await upload(new TestClient(running.url), f.id, 'nieuw.txt', 'via de kms', bearer)
      expect(await providers(running.kernel)).to.deep.equal([['derived', 1], ['test-kms', 1]])
      // A rotation moves every key into the KMS: from then on, PLEIN_SECRET alone opens nothing.
      const rotated = await running.kernel.service(filesKeysServiceRef)!.rotate(running.kernel.rootSite)
      expect(rotated).to.deep.equal({ version: 2, rewrapped: 2 })
      expect(await providers(running.kernel)).to.deep.equal([['test-kms', 2]])
      expect((await fetch(before.id)).body.equals(old)).to.equal(true)
      await running.kernel.stop()

      // The KMS plugin gone, or another KMS in its place: the boot stops with a clear reason.
      const gone = await refused([])
      expect(gone).to.include('"test-kms"').and.include('"derived"').and.include('2 by').and.include('Enable the plugin')
      const other = await refused([kmsPlugin({ file: path.join(work, 'other.json'), id: 'other-kms' })])
      expect(other).to.include('"test-kms"').and.include('"other-kms"')

      // With the KMS back, everything reads again: the old file (version 1 under its new wrap) and the new one.
      running = await boot([kmsPlugin({ file: keyFile })])
      expect((await fetch(before.id)).body.equals(old)).to.equal(true)
      expect((await fetch(added.id)).body.toString()).to.equal('via de kms')
    } finally {
      await running.kernel.stop().catch(() => undefined)
      await database.drop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
