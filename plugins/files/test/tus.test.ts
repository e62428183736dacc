// Resumable uploads (tus 1.0 core + creation + termination + expiration) through HTTP: pieces, resuming
// after a server restart on the same database and storage, offsets, media type, concurrent pieces, the quota,
// expiry and who may see an upload.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { createLogger, Kernel } from '@plein/core'
import { createTestDatabase, createTestKernel, signUp, TEST_HOSTS, TEST_SITE_SETTINGS, TestClient, type SignedUp, type TestKernel } from '@plein/testing'
import { filesPlugin } from '@plein/plugin-files'
import { blobDir, filesUnder, folder, put, random, raw, tokenOf, upload, type RawOptions } from './helpers.js'

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const b64 = (s: string) => Buffer.from(s).toString('base64')
const TUS = { 'tus-resumable': '1.0.0' }

/** Upload-Metadata for a file name in a folder. */
const meta = (name: string, folderId: string) => `filename ${b64(name)},folder ${b64(folderId)}`

function tus(base: string, token: string) {
  const call = (pathname: string, options: RawOptions) => raw(base, pathname, { token, ...options, headers: { ...TUS, ...options.headers } })
  return {
    create: (length: number, metadata: string, headers: Record<string, string> = {}) =>
      call('/api/v1/uploads', { method: 'POST', headers: { 'upload-length': String(length), 'upload-metadata': metadata, ...headers } }),
    head: (location: string) => call(location, { method: 'HEAD' }),
    patch: (location: string, offset: number, body: Buffer, headers: Record<string, string> = {}) =>
      call(location, { method: 'PATCH', body, headers: { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), ...headers } }),
    remove: (location: string) => call(location, { method: 'DELETE' }),
  }
}

describe('files: resumable uploads (tus)', function () {
  this.timeout(120_000)

  describe('on one kernel', () => {
    let tk: TestKernel
    let alice: SignedUp
    let bob: SignedUp
    let aliceToken: string
    let bobToken: string
    const rows = (sql: string, params: unknown[] = []) => tk.kernel.db.query<any>(sql, params)

    before(async function () {
      this.timeout(180_000)
      tk = await createTestKernel({ plugins: [filesPlugin], settings: { files: { quotaPerUserBytes: 1_000_000 } } })
      alice = await tk.signUp({ name: 'Alice Archief' })
      bob = await tk.signUp({ name: 'Bob Beheer' })
      aliceToken = await tokenOf(alice)
      bobToken = await tokenOf(bob)
    })
    after(() => tk?.close())

    it('creates an upload (201, Location, Upload-Expires), answers its offset with HEAD and stores the file on the last byte', async () => {
      const f = await folder(alice.client, { name: 'Stukken' })
      const a = tus(tk.url, aliceToken)
      const data = random(150_000)
      const created = await a.create(data.length, meta('rapport.bin', f.id))
      expect(created.status, created.body.toString()).to.equal(201)
      expect(created.headers['tus-resumable']).to.equal('1.0.0')
      const location = String(created.headers.location)
      expect(location).to.match(/^\/api\/v1\/uploads\/[0-9a-f-]{36}$/)
      expect(new Date(String(created.headers['upload-expires'])).getTime()).to.be.above(Date.now())
      const head = await a.head(location)
      expect(head.status).to.equal(200)
      expect(head.headers['upload-offset']).to.equal('0')
      expect(head.headers['upload-length']).to.equal(String(data.length))
      expect(head.headers['cache-control']).to.equal('no-store')
      expect(head.body.length).to.equal(0)
      // Nothing is visible in the folder until the last byte.
      const first = await a.patch(location, 0, data.subarray(0, 70_001))
      expect(first.status, first.body.toString()).to.equal(204)
      expect(first.headers['upload-offset']).to.equal('70001')
      expect((await alice.client.get(`/api/v1/folders/${f.id}`)).body.children.items).to.deep.equal([])
      const last = await a.patch(location, 70_001, data.subarray(70_001))
      expect(last.status, last.body.toString()).to.equal(204)
      expect(last.headers['upload-offset']).to.equal(String(data.length))
      const fileId = String(last.headers.location).split('/').pop()!
      const file = (await alice.client.get(`/api/v1/files/${fileId}`)).body
      expect(file).to.include({ name: 'rapport.bin', size: data.length, version: 1, sha256: sha256(data) })
      const content = await raw(tk.url, `/api/v1/files/${fileId}/content`, { token: aliceToken })
      expect(content.body.equals(data)).to.equal(true)
      // The upload is gone once finished.
      expect((await a.head(location)).status).to.equal(404)
      expect(await rows('SELECT 1 FROM files_upload')).to.deep.equal([])
      expect(filesUnder(path.join(blobDir(tk), '.pending'))).to.deep.equal([])
    })

    it('an existing name gets its next version; an empty file works too', async () => {
      const f = await folder(alice.client, { name: 'Versies' })
      const a = tus(tk.url, aliceToken)
      const first = await upload(alice.client, f.id, 'nota.txt', 'eerste versie')
      const created = await a.create(11, meta('nota.txt', f.id))
      const done = await a.patch(String(created.headers.location), 0, Buffer.from('tweede ding'))
      expect(done.status).to.equal(204)
      const file = (await alice.client.get(`/api/v1/files/${first.id}`)).body
      expect(file).to.include({ version: 2, size: 11, sha256: sha256(Buffer.from('tweede ding')) })
      const empty = await a.create(0, meta('leeg.txt', f.id))
      const emptyDone = await a.patch(String(empty.headers.location), 0, Buffer.alloc(0))
      expect(emptyDone.status).to.equal(204)
      const id = String(emptyDone.headers.location).split('/').pop()
      expect((await alice.client.get(`/api/v1/files/${id}`)).body).to.include({ size: 0, name: 'leeg.txt' })
    })

    it('answers 412 without Tus-Resumable, 400 for bad metadata or length, 404 for a folder you cannot see', async () => {
      const f = await folder(alice.client, { name: 'Fouten' })
      const noTus = await raw(tk.url, '/api/v1/uploads', { method: 'POST', token: aliceToken, headers: { 'upload-length': '5', 'upload-metadata': meta('a.txt', f.id) } })
      expect(noTus.status).to.equal(412)
      expect(noTus.headers['tus-version']).to.equal('1.0.0')
      const a = tus(tk.url, aliceToken)
      expect((await a.create(5, `filename ${b64('a.txt')}`)).status).to.equal(400)
      expect((await a.create(5, 'filename !!!')).status).to.equal(400)
      expect((await a.create(-1, meta('a.txt', f.id))).status).to.equal(400)
      expect((await a.create(5, meta('../a.txt', f.id))).status).to.equal(400)
      const other = await tus(tk.url, bobToken).create(5, meta('a.txt', f.id))
      expect(other.status).to.equal(404)
      expect(other.json.code).to.equal('FOLDER_NOT_FOUND')
      expect((await raw(tk.url, '/api/v1/uploads', { method: 'POST', headers: { ...TUS, 'upload-length': '5', 'upload-metadata': meta('a.txt', f.id) } })).status).to.equal(401)
    })

    it('answers 409 for a wrong offset, 415 for a wrong media type, 413 past the length; the offset stays', async () => {
      const f = await folder(alice.client, { name: 'Offsets' })
      const a = tus(tk.url, aliceToken)
      const location = String((await a.create(1000, meta('x.bin', f.id))).headers.location)
      expect((await a.patch(location, 0, random(100))).status).to.equal(204)
      const behind = await a.patch(location, 0, random(100))
      expect(behind.status).to.equal(409)
      expect(behind.json.code).to.equal('UPLOAD_OFFSET_MISMATCH')
      expect(behind.headers['upload-offset']).to.equal('100')
      expect((await a.patch(location, 150, random(100))).status).to.equal(409)
      const wrongType = await a.patch(location, 100, random(100), { 'content-type': 'application/octet-stream' })
      expect(wrongType.status).to.equal(415)
      expect((await a.patch(location, 100, random(100), { 'upload-offset': 'x' })).status).to.equal(400)
      const tooLong = await a.patch(location, 100, random(901))
      expect(tooLong.status).to.equal(413)
      // Without Content-Length it is found out while the bytes stream, and nothing of the piece is kept.
      const chunked = await raw(tk.url, location, {
        method: 'PATCH',
        token: aliceToken,
        chunks: [random(500), random(500)],
        headers: { ...TUS, 'content-type': 'application/offset+octet-stream', 'upload-offset': '100' },
      })
      expect(chunked.status).to.equal(413)
      expect(chunked.json.code).to.equal('UPLOAD_TOO_LONG')
      expect((await a.head(location)).headers['upload-offset']).to.equal('100')
      expect((await a.patch(location, 100, random(900))).status).to.equal(204)
    })

    it('two pieces at the same moment: the second is refused with 409 while the first arrives', async () => {
      const f = await folder(alice.client, { name: 'Gelijktijdig' })
      const a = tus(tk.url, aliceToken)
      const location = String((await a.create(200_000, meta('samen.bin', f.id))).headers.location)
      const data = random(200_000)
      // A slow first piece: half is sent, then it waits.
      const slow = new Promise<{ status: number; offset: string }>((resolve, reject) => {
        const base = new URL(tk.url)
        const req = httpRequest(
          {
            hostname: base.hostname,
            port: base.port,
            path: location,
            method: 'PATCH',
            agent: false,
            headers: { ...TUS, authorization: `Bearer ${aliceToken}`, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0', 'content-length': String(data.length) },
          },
          res => {
            res.resume()
            res.on('end', () => resolve({ status: res.statusCode ?? 0, offset: String(res.headers['upload-offset']) }))
          },
        )
        req.on('error', reject)
        req.write(data.subarray(0, 100_000))
        setTimeout(async () => {
          try {
            const second = await a.patch(location, 0, data)
            expect(second.status).to.equal(409)
            expect(second.json.code).to.equal('UPLOAD_BUSY')
          } catch (error) {
            reject(error)
          }
          req.end(data.subarray(100_000))
        }, 300)
      })
      const first = await slow
      expect(first.status).to.equal(204)
      expect(first.offset).to.equal(String(data.length))
      const file = (await alice.client.get(`/api/v1/folders/${f.id}`)).body.children.items[0]
      expect(file).to.include({ name: 'samen.bin', size: data.length, sha256: sha256(data) })
    })

    it('is only its creator’s: others get 404 for HEAD, PATCH and DELETE; DELETE removes it and what arrived', async () => {
      const f = await folder(alice.client, { name: 'Privé', access: { read: [`user:${bob.user.id}`], write: [`user:${bob.user.id}`] } })
      const a = tus(tk.url, aliceToken)
      const b = tus(tk.url, bobToken)
      const location = String((await a.create(1000, meta('geheim.bin', f.id))).headers.location)
      expect((await a.patch(location, 0, random(400))).status).to.equal(204)
      expect((await b.head(location)).status).to.equal(404)
      expect((await b.patch(location, 400, random(100))).status).to.equal(404)
      expect((await b.remove(location)).status).to.equal(404)
      expect((await raw(tk.url, location, { method: 'HEAD', headers: TUS })).status).to.equal(401)
      expect((await a.head(location)).headers['upload-offset']).to.equal('400')
      const [row] = await rows('SELECT blob_key FROM files_upload WHERE id = $1', [location.split('/').pop()])
      expect(filesUnder(path.join(blobDir(tk), '.pending'))).to.include(row.blob_key)
      expect((await a.remove(location)).status).to.equal(204)
      expect((await a.head(location)).status).to.equal(404)
      expect((await a.patch(location, 400, random(100))).status).to.equal(404)
      expect(filesUnder(path.join(blobDir(tk), '.pending'))).to.not.include(row.blob_key)
    })

    it('what an unfinished upload holds counts against the quota', async () => {
      const f = await folder(bob.client, { name: 'Quotum' })
      const b = tus(tk.url, bobToken)
      expect((await b.create(1_000_001, meta('te-groot.bin', f.id))).status).to.equal(507)
      const location = String((await b.create(900_000, meta('groot.bin', f.id))).headers.location)
      const other = String((await b.create(450_000, meta('ander.bin', f.id))).headers.location)
      expect((await b.patch(location, 0, random(600_000))).status).to.equal(204)
      const refused = await put(bob.client, f.id, 'erbij.bin', random(500_000))
      expect(refused.status).to.equal(507)
      // A second upload cannot use the room either.
      const over = await b.patch(other, 0, random(450_000))
      expect(over.status).to.equal(507)
      expect(over.json.code).to.equal('QUOTA_EXCEEDED')
      expect((await b.head(other)).headers['upload-offset']).to.equal('0')
      expect((await b.remove(location)).status).to.equal(204)
      expect((await b.remove(other)).status).to.equal(204)
      await upload(bob.client, f.id, 'erbij.bin', random(500_000))
    })

    it('one person may have at most 100 unfinished uploads at a time (429)', async () => {
      const carol = await tk.signUp({ name: 'Carol Veel' })
      const c = tus(tk.url, await tokenOf(carol))
      const f = await folder(carol.client, { name: 'Veel' })
      const locations: string[] = []
      for (let i = 0; i < 100; i++) {
        const created = await c.create(10, meta(`${i}.bin`, f.id))
        expect(created.status).to.equal(201)
        locations.push(String(created.headers.location))
      }
      const refused = await c.create(10, meta('101.bin', f.id))
      expect(refused.status).to.equal(429)
      expect(refused.json.code).to.equal('TOO_MANY_UPLOADS')
      expect((await c.remove(locations[0]!)).status).to.equal(204)
      expect((await c.create(10, meta('101.bin', f.id))).status).to.equal(201)
    })

    it('expires: the cleanup job removes an upload that had no piece for too long, with its bytes', async () => {
      const f = await folder(alice.client, { name: 'Verlopen' })
      const a = tus(tk.url, aliceToken)
      const fresh = String((await a.create(1000, meta('vers.bin', f.id))).headers.location)
      const stale = String((await a.create(1000, meta('oud.bin', f.id))).headers.location)
      expect((await a.patch(stale, 0, random(500))).status).to.equal(204)
      const [row] = await rows('SELECT blob_key FROM files_upload WHERE id = $1', [stale.split('/').pop()])
      await rows(`UPDATE files_upload SET expires_at = now() - interval '1 second' WHERE id = $1`, [stale.split('/').pop()])
      // Expired is gone at once for the client, and from storage once the job ran.
      expect((await a.head(stale)).status).to.equal(404)
      await tk.kernel.jobs.enqueue('files.expireUploads')
      await tk.kernel.jobs.drain()
      expect(await rows('SELECT 1 FROM files_upload WHERE id = $1', [stale.split('/').pop()])).to.deep.equal([])
      expect(filesUnder(path.join(blobDir(tk), '.pending'))).to.not.include(row.blob_key)
      expect((await a.head(fresh)).status).to.equal(200)
      expect((await a.remove(fresh)).status).to.equal(204)
    })
  })

  it('an upload in three pieces resumes after the server restarts on the same database and storage', async function () {
    this.timeout(240_000)
    const database = await createTestDatabase()
    const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-tus-'))
    const boot = async () => {
      const kernel = await Kernel.boot({
        siteDir: process.cwd(),
        config: { name: 'Restart site', hosts: TEST_HOSTS, admins: [], settings: TEST_SITE_SETTINGS, plugins: {} },
        plugins: [{ source: filesPlugin }],
        databaseUrl: database.url,
        dataDir,
        embeddedDir: database.url ? undefined : path.join(dataDir, 'pgdata'),
        secret: 'test-secret-that-is-long-enough-0123456789',
        log: createLogger({ level: process.env.PLEIN_TEST_LOG ?? 'silent', pretty: false }),
        passwordHashing: 'fast',
        shutdownTimeoutMs: 2000,
      })
      const address = await kernel.listen(0, '127.0.0.1')
      return { kernel, url: `http://127.0.0.1:${address.port}` }
    }
    let running = await boot()
    try {
      const alice = await signUp(new TestClient(running.url), { name: 'Alice Herstart' })
      const token = await tokenOf(alice)
      const f = await folder(alice.client, { name: 'Herstart' })
      const data = random(3 * 64 * 1024 + 12_345)
      const cuts = [100_000, 170_001]
      let a = tus(running.url, token)
      const location = String((await a.create(data.length, meta('groot.bin', f.id))).headers.location)
      expect((await a.patch(location, 0, data.subarray(0, cuts[0]))).status).to.equal(204)
      expect((await a.patch(location, cuts[0]!, data.subarray(cuts[0], cuts[1]))).status).to.equal(204)

      await running.kernel.stop()
      running = await boot()
      a = tus(running.url, token)
      const head = await a.head(location)
      expect(head.status).to.equal(200)
      expect(head.headers['upload-offset']).to.equal(String(cuts[1]))
      const last = await a.patch(location, cuts[1]!, data.subarray(cuts[1]))
      expect(last.status, last.body.toString()).to.equal(204)
      const fileId = String(last.headers.location).split('/').pop()!
      const file = await raw(running.url, `/api/v1/files/${fileId}`, { token })
      expect(file.json).to.include({ name: 'groot.bin', size: data.length, sha256: sha256(data) })
      const content = await raw(running.url, `/api/v1/files/${fileId}/content`, { token })
      expect(content.body.equals(data)).to.equal(true)
      const range = await raw(running.url, `/api/v1/files/${fileId}/content`, { token, headers: { range: 'bytes=131000-131100' } })
      expect(range.body.equals(data.subarray(131_000, 131_101))).to.equal(true)
    } finally {
      await running.kernel.stop()
      await database.drop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
