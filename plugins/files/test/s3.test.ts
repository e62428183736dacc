// Blobs in an S3-compatible store, for real: an s3rver started here (or the server PLEIN_TEST_S3_URL names,
// e.g. s3://key:secret@bucket?endpoint=http://127.0.0.1:9000 for MinIO). The kernel's S3BlobStore on its own
// (multipart streaming, ranges, resumable pieces) and the files plugin on top of it (PUT, ranges, tus, delete).
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { expect } from 'chai'
import { parseS3Url, S3_PART_SIZE, S3BlobStore } from '@plein/core'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { filesPlugin } from '@plein/plugin-files'
import { folder, random, raw, tokenOf, upload } from './helpers.js'

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

/** An S3 server for the tests: PLEIN_TEST_S3_URL, or an s3rver on a random port; undefined when neither is there. */
async function s3Server(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  if (process.env.PLEIN_TEST_S3_URL) return { url: process.env.PLEIN_TEST_S3_URL, stop: async () => undefined }
  let S3rver: any
  try {
    const name = 's3rver' // a dev dependency without types
    S3rver = (await import(name)).default
  } catch {
    return undefined
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'plein-s3-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'plein' }] })
  const address = await server.run()
  return {
    url: `s3://S3RVER:S3RVER@plein/test-${Math.random().toString(36).slice(2, 8)}?endpoint=http://127.0.0.1:${address.port}`,
    async stop() {
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

describe('files: S3-compatible blob storage', function () {
  this.timeout(120_000)
  let server: Awaited<ReturnType<typeof s3Server>>

  before(async function () {
    server = await s3Server()
    if (!server) {
      console.warn('    skipped: no S3 server (install the s3rver dev dependency or set PLEIN_TEST_S3_URL)')
      this.skip()
    }
  })
  after(() => server?.stop())

  it('parses s3:// URLs, with credentials from the URL or the environment, and keeps them out of its description', () => {
    const l = parseS3Url('s3://AK:SK@bucket/some/prefix/?endpoint=http://127.0.0.1:9000/&region=eu-west-1')
    expect(l).to.include({ bucket: 'bucket', prefix: 'some/prefix', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', pathStyle: true, accessKeyId: 'AK', secretAccessKey: 'SK' })
    const aws = parseS3Url('s3://bucket', { AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_REGION: 'eu-central-1' })
    expect(aws).to.include({ prefix: '', pathStyle: false, region: 'eu-central-1', accessKeyId: 'A' })
    expect(() => parseS3Url('s3://bucket', {})).to.throw(/credentials/)
    expect(() => parseS3Url('http://bucket')).to.throw(/s3:/)
    expect(new S3BlobStore(l, 'files').description).to.equal('s3://bucket/some/prefix/files at http://127.0.0.1:9000').and.not.contain('SK')
  })

  it('the store: streams a large blob up in parts, reads it whole and in ranges, sizes and deletes it', async () => {
    const store = new S3BlobStore(parseS3Url(server!.url), 'unit')
    const data = random(S3_PART_SIZE * 2 + 12_345)
    // Many small chunks, as an upload arrives.
    const pieces: Buffer[] = []
    for (let i = 0; i < data.length; i += 100_000) pieces.push(data.subarray(i, i + 100_000))
    const { key, size } = await store.put(Readable.from(pieces), { prefix: 'site' })
    expect(size).to.equal(data.length)
    expect(key).to.match(/^site\/[0-9a-f]{2}\/[0-9a-f-]{36}$/)
    expect(await store.size(key)).to.equal(data.length)
    expect((await readAll(store.get(key))).equals(data)).to.equal(true)
    expect((await readAll(store.get(key, { start: S3_PART_SIZE - 5, end: S3_PART_SIZE + 5 }))).equals(data.subarray(S3_PART_SIZE - 5, S3_PART_SIZE + 6))).to.equal(true)
    const small = await store.put(Readable.from([Buffer.from('klein')]))
    expect((await readAll(store.get(small.key))).toString()).to.equal('klein')
    await store.delete(key)
    await store.delete(small.key)
    let missing: unknown
    await readAll(store.get(key)).catch(e => (missing = e))
    expect(String(missing)).to.match(/404|NoSuchKey/)
  })

  it('the store: resumable pieces are appended, cut back, read, committed and aborted', async () => {
    const store = new S3BlobStore(parseS3Url(server!.url), 'unit')
    const key = await store.begin({ prefix: 'site' })
    expect(await store.pendingSize(key)).to.equal(0)
    const a = random(1000)
    const b = random(2000)
    expect(await store.append(key, Readable.from([a]), 0)).to.equal(1000)
    expect(await store.append(key, Readable.from([b]), 1000)).to.equal(3000)
    // An append the caller never recorded is cut back.
    expect(await store.append(key, Readable.from([b]), 1000)).to.equal(3000)
    let wrong: unknown
    await store.append(key, Readable.from([b]), 5000).catch(e => (wrong = e))
    expect(String(wrong)).to.match(/holds 3000 bytes/)
    expect((await readAll(store.readPending(key, 500))).equals(Buffer.concat([a, b]).subarray(500))).to.equal(true)
    await store.commit(key)
    expect((await readAll(store.get(key))).equals(Buffer.concat([a, b]))).to.equal(true)
    expect(await store.pendingSize(key)).to.equal(0)
    const other = await store.begin()
    await store.append(other, Readable.from([a]), 0)
    await store.abort(other)
    expect(await store.pendingSize(other)).to.equal(0)
    await store.delete(key)
  })

  describe('the files plugin on S3', () => {
    let tk: TestKernel
    let alice: SignedUp
    let token: string
    before(async function () {
      this.timeout(180_000)
      tk = await createTestKernel({ plugins: [filesPlugin], storageUrl: server!.url })
      alice = await tk.signUp({ name: 'Alice Emmer' })
      token = await tokenOf(alice)
    })
    after(() => tk?.close())

    it('stores encrypted blobs in the bucket: upload, download, ranges, versions, a resumable upload, nothing in the data folder', async () => {
      const f = await folder(alice.client, { name: 'Emmer' })
      const data = random(300_000)
      const file = await upload(alice.client, f.id, 'data.bin', data)
      const res = await raw(tk.url, `/api/v1/files/${file.id}/content`, { token })
      expect(res.status).to.equal(200)
      expect(res.body.equals(data)).to.equal(true)
      const range = await raw(tk.url, `/api/v1/files/${file.id}/content`, { token, headers: { range: 'bytes=70000-140000' } })
      expect(range.status).to.equal(206)
      expect(range.body.equals(data.subarray(70_000, 140_001))).to.equal(true)
      // The stored object is ciphertext.
      const [row] = await tk.kernel.db.query<{ blob_key: string }>('SELECT blob_key FROM files_version WHERE entity_id = $1', [file.id])
      const store = new S3BlobStore(parseS3Url(server!.url), 'files')
      const stored = await readAll(store.get(row!.blob_key))
      expect(stored.subarray(0, 4).toString()).to.equal('PLNF')
      expect(stored.includes(data.subarray(1000, 1032))).to.equal(false)

      // tus in three pieces.
      const big = random(200_000)
      const headers = { 'tus-resumable': '1.0.0' }
      const created = await raw(tk.url, '/api/v1/uploads', {
        method: 'POST',
        token,
        headers: { ...headers, 'upload-length': String(big.length), 'upload-metadata': `filename ${Buffer.from('stukken.bin').toString('base64')},folder ${Buffer.from(f.id).toString('base64')}` },
      })
      expect(created.status).to.equal(201)
      let offset = 0
      let last
      for (const cut of [70_000, 140_000, big.length]) {
        last = await raw(tk.url, String(created.headers.location), {
          method: 'PATCH',
          token,
          body: big.subarray(offset, cut),
          headers: { ...headers, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
        })
        expect(last.status, last.body.toString()).to.equal(204)
        offset = cut
      }
      const id = String(last!.headers.location).split('/').pop()
      const got = await raw(tk.url, `/api/v1/files/${id}/content`, { token })
      expect(got.body.equals(big)).to.equal(true)
      expect((await raw(tk.url, `/api/v1/files/${id}`, { token })).json.sha256).to.equal(sha256(big))
      expect(readdirSafe(path.join(tk.dataDir, 'blobs'))).to.deep.equal([])
    })
  })
})

const readdirSafe = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : [])
