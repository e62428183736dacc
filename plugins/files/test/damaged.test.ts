// A stored blob that fails authentication (corrupted on disk here): a clear problem answer when the damage is
// found before the first byte goes out, a cut connection (never a short file that looks whole) when it is found
// later, and one log line with the file id and no key material either way.
import { readFileSync, writeFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { expect } from 'chai'
import { createLogger } from '@plein/core'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { filesPlugin } from '@plein/plugin-files'
import { blobPath, folder, random, raw, tokenOf, upload } from './helpers.js'

const SEGMENT = 64 * 1024

describe('files: damaged blobs', function () {
  this.timeout(60_000)
  let tk: TestKernel
  let alice: SignedUp
  let token: string
  const lines: any[] = []

  before(async function () {
    this.timeout(180_000)
    const destination = new Writable({
      write(chunk, _e, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
        done()
      },
    })
    tk = await createTestKernel({ plugins: [filesPlugin], log: createLogger({ level: 'info', destination }) })
    alice = await tk.signUp({ name: 'Alice Schade' })
    token = await tokenOf(alice)
  })
  after(() => tk?.close())

  const damageLogs = (fileId: string) => lines.filter(l => l.file === fileId && /damaged/.test(l.msg))

  it('a damaged header or first segment answers 500 urn:plein:problem:file-damaged, logged once with the file id', async () => {
    const f = await folder(alice.client, { name: 'Schade' })
    const data = random(3 * SEGMENT + 100)
    const file = await upload(alice.client, f.id, 'kapot.bin', data)
    const blob = await blobPath(tk, file.id)
    const original = readFileSync(blob)
    for (const at of [0, 4, 9 + 10]) {
      const broken = Buffer.from(original)
      broken[at]! ^= 0x01
      writeFileSync(blob, broken)
      lines.length = 0
      const res = await raw(tk.url, `/api/v1/files/${file.id}/content`, { token })
      expect(res.status, `damage at ${at}`).to.equal(500)
      expect(res.complete).to.equal(true)
      expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
      expect(res.json).to.include({ type: 'urn:plein:problem:file-damaged', code: 'FILE_DAMAGED', status: 500 })
      expect(res.body.includes(data.subarray(0, 16))).to.equal(false)
      await new Promise(r => setTimeout(r, 50))
      const logged = damageLogs(file.id)
      expect(logged, JSON.stringify(lines)).to.have.length(1)
      expect(logged[0].level).to.equal(50)
      // No key material in the line: nothing but what names the file and the reason.
      expect(Object.keys(logged[0]).filter(k => /key|secret/i.test(k))).to.deep.equal([])
      expect(lines.filter(l => l.level >= 50 && l.file !== file.id), 'no second error line (e.g. "request failed")').to.deep.equal([])
    }
    // A range that starts in an undamaged segment is served; one that starts in the damaged one is the problem.
    const broken = Buffer.from(original)
    broken[9 + 2 * (SEGMENT + 16) + 7]! ^= 0x01
    writeFileSync(blob, broken)
    const early = await raw(tk.url, `/api/v1/files/${file.id}/content`, { token, headers: { range: 'bytes=10-20' } })
    expect(early.status).to.equal(206)
    expect(early.body.equals(data.subarray(10, 21))).to.equal(true)
    const late = await raw(tk.url, `/api/v1/files/${file.id}/content`, { token, headers: { range: `bytes=${2 * SEGMENT + 5}-${2 * SEGMENT + 50}` } })
    expect(late.status).to.equal(500)
    expect(late.json.code).to.equal('FILE_DAMAGED')
    writeFileSync(blob, original)
    expect((await raw(tk.url, `/api/v1/files/${file.id}/content`, { token })).body.equals(data)).to.equal(true)
  })

  it('damage found after bytes went out cuts the connection: the client never gets a short file that looks whole', async () => {
    const f = await folder(alice.client, { name: 'Later' })
    const data = random(6 * SEGMENT + 1)
    const file = await upload(alice.client, f.id, 'later.bin', data)
    const blob = await blobPath(tk, file.id)
    const original = readFileSync(blob)
    const broken = Buffer.from(original)
    broken[9 + 4 * (SEGMENT + 16) + 100]! ^= 0x40
    writeFileSync(blob, broken)
    lines.length = 0
    const res = await raw(tk.url, `/api/v1/files/${file.id}/content`, { token })
    expect(res.status).to.equal(200)
    expect(res.headers['content-length']).to.equal(String(data.length))
    expect(res.complete, 'the answer must not end normally').to.equal(false)
    expect(res.body.length).to.be.at.most(4 * SEGMENT)
    expect(res.body.equals(data.subarray(0, res.body.length))).to.equal(true)
    await new Promise(r => setTimeout(r, 100))
    expect(damageLogs(file.id)).to.have.length(1)
    // The server goes on serving.
    writeFileSync(blob, original)
    expect((await raw(tk.url, `/api/v1/files/${file.id}/content`, { token })).body.equals(data)).to.equal(true)
  })
})
