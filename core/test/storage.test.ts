// The local blob store's resumable writes (begin, append, commit, abort) and PLEIN_STORAGE_URL checking.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { expect } from 'chai'
import { LocalBlobStore } from '@plein/core'
import { readEnvironment } from '../src/config/environment.js'

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

describe('blob storage', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'plein-blobs-'))
  })
  afterEach(() => rmSync(root, { recursive: true, force: true }))

  it('a pending blob grows by appends, is not readable until committed, then is; abort removes it', async () => {
    const store = new LocalBlobStore(root)
    const key = await store.begin({ prefix: 'site' })
    expect(key).to.match(/^site\/[0-9a-f]{2}\/[0-9a-f-]{36}$/)
    expect(await store.pendingSize(key)).to.equal(0)
    expect(await store.append(key, Readable.from([Buffer.from('hello ')]), 0)).to.equal(6)
    expect(await store.append(key, Readable.from([Buffer.from('world')]), 6)).to.equal(11)
    expect((await readAll(store.readPending(key, 6))).toString()).to.equal('world')
    let missing: unknown
    await readAll(store.get(key)).catch(e => (missing = e))
    expect((missing as NodeJS.ErrnoException).code).to.equal('ENOENT')
    await store.commit(key)
    expect((await readAll(store.get(key))).toString()).to.equal('hello world')
    expect(await store.pendingSize(key)).to.equal(0)
    const other = await store.begin()
    await store.append(other, Readable.from([Buffer.from('x')]), 0)
    await store.abort(other)
    expect(await store.pendingSize(other)).to.equal(0)
    expect(readdirSync(path.join(root, '.pending'), { recursive: true }).filter(f => statSync(path.join(root, '.pending', String(f))).isFile())).to.deep.equal([])
  })

  it('an append the caller never recorded is cut back; a shorter blob than expected, or a cut-off append, changes nothing', async () => {
    const store = new LocalBlobStore(root)
    const key = await store.begin()
    await store.append(key, Readable.from([Buffer.from('abc')]), 0)
    await store.append(key, Readable.from([Buffer.from('def')]), 3)
    // The caller only knows of 3 bytes: the second append is undone before the next one.
    expect(await store.append(key, Readable.from([Buffer.from('XYZ')]), 3)).to.equal(6)
    expect((await readAll(store.readPending(key))).toString()).to.equal('abcXYZ')
    let error: unknown
    await store.append(key, Readable.from([Buffer.from('!')]), 10).catch(e => (error = e))
    expect(String(error)).to.match(/holds 6 bytes, not 10/)
    const broken = new Readable({
      read() {
        this.push(Buffer.from('partial'))
        this.destroy(new Error('client went away'))
      },
    })
    error = undefined
    await store.append(key, broken, 6).catch(e => (error = e))
    expect(String(error)).to.match(/went away/)
    expect(await store.pendingSize(key)).to.equal(6)
  })

  it('PLEIN_STORAGE_URL must be an s3:// URL', () => {
    const siteDir = mkdtempSync(path.join(tmpdir(), 'plein-env-'))
    try {
      const base = { PLEIN_SECRET: 'x'.repeat(40) }
      expect(readEnvironment(siteDir, base).storageUrl).to.equal(undefined)
      expect(readEnvironment(siteDir, { ...base, PLEIN_STORAGE_URL: 's3://bucket/p?endpoint=http://127.0.0.1:9000' }).storageUrl).to.equal('s3://bucket/p?endpoint=http://127.0.0.1:9000')
      expect(() => readEnvironment(siteDir, { ...base, PLEIN_STORAGE_URL: '/var/blobs' })).to.throw(/PLEIN_STORAGE_URL/)
    } finally {
      rmSync(siteDir, { recursive: true, force: true })
    }
    expect(existsSync(siteDir)).to.equal(false)
  })
})
