// API.md "Files" through HTTP (issue 7): folders with paged children, streamed uploads and versions,
// downloads with ranges, ETags and sniffed types, copy, rename and move, trash, public links (passwords,
// expiry, limits, drop boxes), who sees what, the audit log, key rotation, the scan hook, sharing.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { expect } from 'chai'
import { definePlugin } from '@plein/core'
import { createTestKernel, type SignedUp, type TestClient, type TestKernel } from '@plein/testing'
import { filesHooks, filesPlugin } from '@plein/plugin-files'
import { groupsPlugin } from '@plein/plugin-groups'
import { searchPlugin } from '@plein/plugin-search'
import { allChildren, blobDir, blobPath, expectProblem, filesUnder, folder, names, put, random, raw, tokenOf, upload, uuidPattern } from './helpers.js'

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')
const SEGMENT = 64 * 1024
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

/** A scanner as a plugin would be (e.g. clamd): refuses what carries the EICAR test string. */
const scanner = definePlugin({
  id: 'test-scanner',
  version: '1.0.0',
  dependencies: { files: '^1.0.0' },
  register(ctx) {
    ctx.hooks.of(filesHooks).scan.tap(async candidate => {
      const chunks: Buffer[] = []
      for await (const c of candidate.open()) chunks.push(c as Buffer)
      const content = Buffer.concat(chunks)
      // The scanner gets the plaintext, whole, and its hash matches.
      if (createHash('sha256').update(content).digest('hex') !== candidate.sha256) return { reason: 'hash mismatch in scan' }
      return content.includes(EICAR) ? { reason: 'EICAR test signature found' } : undefined
    })
  },
})

describe('files', function () {
  this.timeout(60_000)
  let tk: TestKernel
  let admin: SignedUp
  let alice: SignedUp
  let bob: SignedUp
  let carol: SignedUp
  let anonymous: TestClient
  let aliceToken: string
  let bobToken: string

  before(async function () {
    this.timeout(180_000)
    tk = await createTestKernel({ plugins: [filesPlugin, groupsPlugin, searchPlugin, scanner] })
    admin = await tk.signUp({ name: 'Site Admin' })
    alice = await tk.signUp({ name: 'Alice Archivaris' })
    bob = await tk.signUp({ name: 'Bob Beleid' })
    carol = await tk.signUp({ name: 'Carol Communicatie' })
    anonymous = tk.client()
    aliceToken = await tokenOf(alice)
    bobToken = await tokenOf(bob)
  })
  after(() => tk?.close())

  const get = (path: string, options: Parameters<typeof raw>[2] = {}) => raw(tk.url, path, options)
  const content = (id: string, options: Parameters<typeof raw>[2] = {}) => raw(tk.url, `/api/v1/files/${id}/content`, { token: aliceToken, ...options })
  const rows = (sql: string, params: unknown[] = []) => tk.kernel.db.query(sql, params)

  describe('folders', () => {
    it('POST /api/v1/folders answers 201 with a private folder of its creator', async () => {
      const res = await alice.client.post('/api/v1/folders', { name: '  Beleidsstukken  ' })
      expect(res.status, res.text).to.equal(201)
      expect(String(res.headers['content-type'])).to.match(/^application\/json/)
      const f = res.body
      expect(f.id).to.match(uuidPattern)
      expect(f).to.include({ type: 'folder', title: 'Beleidsstukken', name: 'Beleidsstukken', parentId: null, containerId: null, deleted: false })
      expect(f.owner).to.include({ id: alice.user.id })
      // In your own space a folder is private until you share it.
      expect(f.access).to.deep.equal({ read: [], write: [`user:${alice.user.id}`] })
      expect(f.url).to.equal(`/files/folders/${f.id}`)
      expectProblem(await bob.client.get(`/api/v1/folders/${f.id}`), 404, 'FOLDER_NOT_FOUND')
      expectProblem(await anonymous.get(`/api/v1/folders/${f.id}`), 404)
    })

    it('a sub-folder takes its parent’s sharing; a second one with the same name (any case) is a 409', async () => {
      const parent = await folder(alice.client, { name: 'Project', access: { read: [`user:${bob.user.id}`] } })
      const sub = await folder(alice.client, { name: 'Notulen', parentId: parent.id })
      expect(sub.parentId).to.equal(parent.id)
      expect(sub.access.read).to.deep.equal([`user:${bob.user.id}`])
      expectProblem(await alice.client.post('/api/v1/folders', { name: 'NOTULEN', parentId: parent.id }), 409, 'NAME_TAKEN')
      // Bob may read (the share) but not write.
      expect((await bob.client.get(`/api/v1/folders/${sub.id}`)).status).to.equal(200)
      expectProblem(await bob.client.post('/api/v1/folders', { name: 'Bob’s', parentId: parent.id }), 403)
    })

    it('rejects bad names with 400 in the ADR form, an unknown parent with 404, and anonymous callers with 401', async () => {
      for (const name of ['a/b', 'a\\b', '..', '.', '   ', 'tab\there', 'x'.repeat(256)]) {
        const body = expectProblem(await alice.client.post('/api/v1/folders', { name }), 400)
        expect(body.errors, name).to.be.an('array').that.is.not.empty
        expect(body.errors[0].in).to.equal('body')
        expect(body.errors[0].location).to.deep.equal({ pointer: '/name' })
      }
      expectProblem(await alice.client.post('/api/v1/folders', {}), 400)
      expectProblem(await alice.client.post('/api/v1/folders', { name: 'x', colour: 'red' }), 400)
      expectProblem(await alice.client.post('/api/v1/folders', { name: 'x', parentId: '00000000-0000-4000-8000-000000000000' }), 404)
      expectProblem(await anonymous.post('/api/v1/folders', { name: 'x' }), 401)
    })

    it('GET lists children in pages: folders first, then by name, each exactly once', async () => {
      const f = await folder(alice.client, { name: 'Paged' })
      for (const n of ['b.txt', 'A.txt', 'c.txt', 'e.txt', 'D.txt']) await upload(alice.client, f.id, n, `content of ${n}`)
      for (const n of ['zeta', 'Alpha']) await folder(alice.client, { name: n, parentId: f.id })
      const first = await alice.client.get(`/api/v1/folders/${f.id}?limit=3`)
      expect(first.status, first.text).to.equal(200)
      expect(first.body).to.include({ id: f.id, name: 'Paged', type: 'folder' })
      expect(first.body.children.items).to.have.length(3)
      expect(first.body.children.nextCursor).to.be.a('string')
      const all = await allChildren(alice.client, f.id, 3)
      expect(names(all)).to.deep.equal(['Alpha', 'zeta', 'A.txt', 'b.txt', 'c.txt', 'D.txt', 'e.txt'])
      expect(all.map(i => i.type)).to.deep.equal(['folder', 'folder', 'file', 'file', 'file', 'file', 'file'])
      expect(new Set(all.map(i => i.id)).size).to.equal(7)
      const file = all.find(i => i.name === 'b.txt')
      expect(file).to.include({ parentId: f.id, size: 16, version: 1, mime: 'text/plain', sha256: sha256('content of b.txt') })
      // The default page and the largest allowed page hold everything here; beyond 100 is a 400.
      expect((await alice.client.get(`/api/v1/folders/${f.id}`)).body.children.nextCursor).to.equal(null)
      expectProblem(await alice.client.get(`/api/v1/folders/${f.id}?limit=101`), 400)
      expectProblem(await alice.client.get(`/api/v1/folders/${f.id}?cursor=not-a-cursor`), 400, 'INVALID_CURSOR')
      const shaped = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
      for (const bad of [shaped({ f: true, n: 'a', i: f.id }), shaped([2, 'a', f.id]), shaped([1, 'a', 'not-an-id']), shaped([1, 7, f.id])]) {
        expectProblem(await alice.client.get(`/api/v1/folders/${f.id}?cursor=${bad}`), 400, 'INVALID_CURSOR')
      }
    })

    it('pages through children with the longest names (any script) on the cursors it gives out', async () => {
      const f = await folder(alice.client, { name: 'Lange namen' })
      const long = ['文'.repeat(255), 'ä'.repeat(254) + 'b', 'Ω'.repeat(255)]
      for (const n of long) await upload(alice.client, f.id, n, n.slice(0, 3))
      await folder(alice.client, { name: '書'.repeat(255), parentId: f.id })
      // Page by page as in one page (the order of these scripts is the database's collation); the folder first.
      const whole = (await alice.client.get(`/api/v1/folders/${f.id}?limit=100`)).body.children.items
      expect(names(whole)[0]).to.equal('書'.repeat(255))
      expect(names(whole).slice(1)).to.have.members(long)
      expect(names(await allChildren(alice.client, f.id, 1))).to.deep.equal(names(whole))
    })
  })

  describe('upload and download', () => {
    let f: any
    before(async () => {
      f = await folder(alice.client, { name: 'Uploads' })
    })

    it('PUT with a raw body answers 201 with the file and its ETag; the same name again is a new version (200)', async () => {
      const one = Buffer.from('eerste versie\n')
      const res = await put(alice.client, f.id, 'nota.txt', one)
      expect(res.status, res.text).to.equal(201)
      const file = res.body
      expect(file.id).to.match(uuidPattern)
      expect(file).to.include({ type: 'file', name: 'nota.txt', parentId: f.id, size: one.length, version: 1, sha256: sha256(one), mime: 'text/plain' })
      expect(res.headers.etag).to.equal(`"${sha256(one)}"`)
      expect(file.access).to.deep.equal(f.access)

      const two = Buffer.from('tweede versie, langer\n')
      const again = await put(alice.client, f.id, 'Nota.TXT', two)
      expect(again.status, again.text).to.equal(200)
      expect(again.body).to.include({ id: file.id, version: 2, size: two.length, sha256: sha256(two) })
      const got = await content(file.id)
      expect(got.status).to.equal(200)
      expect(got.body.equals(two)).to.equal(true)
    })

    it('If-Match guards against overwriting: a stale ETag is a 412 and nothing changes', async () => {
      const file = await upload(alice.client, f.id, 'guarded.txt', 'v1')
      expectProblem(await put(alice.client, f.id, 'guarded.txt', 'v2', { 'if-match': '"0000"' }), 412, 'PRECONDITION_FAILED')
      expect((await content(file.id)).body.toString()).to.equal('v1')
      const ok = await put(alice.client, f.id, 'guarded.txt', 'v2', { 'if-match': `"${sha256('v1')}"` })
      expect(ok.status, ok.text).to.equal(200)
      expect(ok.body.version).to.equal(2)
      // If-Match on a name that holds no file yet: nothing to match.
      expectProblem(await put(alice.client, f.id, 'absent.txt', 'x', { 'if-match': `"${sha256('v1')}"` }), 412)
      expectProblem(await put(alice.client, f.id, 'absent.txt', 'x', { 'if-match': '*' }), 412)
      expect(names(await allChildren(alice.client, f.id))).to.not.include('absent.txt')
    })

    it('streams the bytes with Content-Length, ETag, Accept-Ranges, a sniffed type and a sandbox policy; If-None-Match answers 304', async () => {
      const data = random(200_000)
      const file = await upload(alice.client, f.id, 'data.bin', data)
      const res = await content(file.id)
      expect(res.status).to.equal(200)
      expect(res.complete).to.equal(true)
      expect(res.body.equals(data)).to.equal(true)
      expect(res.headers['content-length']).to.equal('200000')
      expect(res.headers.etag).to.equal(`"${sha256(data)}"`)
      expect(res.headers['accept-ranges']).to.equal('bytes')
      expect(res.headers['content-type']).to.equal('application/octet-stream')
      expect(res.headers['x-content-type-options']).to.equal('nosniff')
      expect(String(res.headers['content-security-policy'])).to.contain('sandbox')
      expect(String(res.headers['content-disposition'])).to.match(/^attachment; filename="data\.bin"/)

      const cached = await content(file.id, { headers: { 'if-none-match': `"other", "${sha256(data)}"` } })
      expect(cached.status).to.equal(304)
      expect(cached.body.length).to.equal(0)
      expect((await content(file.id, { headers: { 'if-none-match': '"other"' } })).status).to.equal(200)
      // Someone without access learns nothing, not even that it exists.
      expectProblem(await bob.client.get(`/api/v1/files/${file.id}/content`), 404, 'FILE_NOT_FOUND')
      expectProblem(await bob.client.get(`/api/v1/files/${file.id}`), 404)
    })

    it('answers Range requests with 206 and exactly those bytes, across segment boundaries, suffix and open ranges; 416 outside', async () => {
      const size = 3 * SEGMENT + 1234
      const data = random(size)
      const file = await upload(alice.client, f.id, 'ranges.bin', data)
      const cases: Array<[string, number, number]> = [
        ['bytes=0-0', 0, 0],
        ['bytes=10-99', 10, 99],
        [`bytes=${SEGMENT - 5}-${SEGMENT + 5}`, SEGMENT - 5, SEGMENT + 5],
        [`bytes=${SEGMENT}-${3 * SEGMENT - 1}`, SEGMENT, 3 * SEGMENT - 1],
        [`bytes=${3 * SEGMENT + 10}-`, 3 * SEGMENT + 10, size - 1],
        ['bytes=-100', size - 100, size - 1],
        [`bytes=-${size + 50}`, 0, size - 1],
        [`bytes=${size - 1}-${size + 1000}`, size - 1, size - 1],
      ]
      for (const [range, start, end] of cases) {
        const res = await content(file.id, { headers: { range } })
        expect(res.status, range).to.equal(206)
        expect(res.headers['content-range'], range).to.equal(`bytes ${start}-${end}/${size}`)
        expect(res.headers['content-length'], range).to.equal(String(end - start + 1))
        expect(res.body.equals(data.subarray(start, end + 1)), range).to.equal(true)
      }
      for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0', 'bytes=50-10']) {
        const res = await alice.client.get(`/api/v1/files/${file.id}/content`, { headers: { range } })
        expectProblem(res, 416, 'RANGE_NOT_SATISFIABLE')
        expect(res.headers['content-range'], range).to.equal(`bytes */${size}`)
      }
      // Several ranges, or units we do not know: the whole file.
      for (const range of ['bytes=0-1,5-6', 'items=0-5']) {
        const res = await content(file.id, { headers: { range } })
        expect(res.status, range).to.equal(200)
        expect(res.body.equals(data)).to.equal(true)
      }
      // If-Range with an old ETag: the whole (changed) file instead of a piece of it.
      const stale = await content(file.id, { headers: { range: 'bytes=0-9', 'if-range': '"old"' } })
      expect(stale.status).to.equal(200)
      const fresh = await content(file.id, { headers: { range: 'bytes=0-9', 'if-range': `"${sha256(data)}"` } })
      expect(fresh.status).to.equal(206)
    })

    it('keeps an empty file and a file of exactly one segment', async () => {
      const empty = await upload(alice.client, f.id, 'empty.txt', Buffer.alloc(0))
      expect(empty).to.include({ size: 0, sha256: sha256('') })
      const res = await content(empty.id)
      expect(res.status).to.equal(200)
      expect(res.body.length).to.equal(0)
      const exact = random(SEGMENT)
      const one = await upload(alice.client, f.id, 'segment.bin', exact)
      expect((await content(one.id)).body.equals(exact)).to.equal(true)
      expect((await content(one.id, { headers: { range: `bytes=${SEGMENT - 2}-` } })).body.equals(exact.subarray(SEGMENT - 2))).to.equal(true)
      const more = random(SEGMENT + 1)
      const two = await upload(alice.client, f.id, 'segment+1.bin', more)
      expect((await content(two.id)).body.equals(more)).to.equal(true)
    })

    it('stores only ciphertext: the plaintext appears nowhere in the blob folder', async () => {
      const secret = Buffer.from('Staatsgeheim: de begroting van 2031 '.repeat(100))
      const file = await upload(alice.client, f.id, 'geheim.txt', secret)
      const blob = readFileSync(await blobPath(tk, file.id))
      expect(blob.subarray(0, 5).toString('latin1')).to.equal('PLNF\u0001')
      expect(blob.length).to.equal(9 + secret.length + 16)
      expect(blob.includes(Buffer.from('Staatsgeheim'))).to.equal(false)
    })

    it('answers PUT into a folder the caller may only read with 403, and into one they cannot see with 404', async () => {
      const shared = await folder(alice.client, { name: 'Read only', access: { read: [`user:${bob.user.id}`] } })
      expectProblem(await put(bob.client, shared.id, 'x.txt', 'x'), 403)
      expectProblem(await put(carol.client, shared.id, 'x.txt', 'x'), 404)
      expectProblem(await put(anonymous, shared.id, 'x.txt', 'x'), 401)
      const dots = await raw(tk.url, `/api/v1/folders/${shared.id}/files/%2E%2E`, { method: 'PUT', body: 'x', token: aliceToken })
      expect(dots.status).to.equal(400)
      expect(dots.json.code).to.equal('INVALID_NAME')
      expectProblem(await put(alice.client, shared.id, 'a/b.txt', 'x'), 400, 'INVALID_NAME')
      expect(await allChildren(alice.client, shared.id)).to.deep.equal([])
    })
  })

  describe('content types and file names', () => {
    let f: any
    before(async () => {
      f = await folder(alice.client, { name: 'Types' })
    })

    it('trusts the bytes, not the client: an .exe named .txt is served as application/octet-stream, as an attachment', async () => {
      const exe = Buffer.concat([Buffer.from('MZ\u0090\u0000\u0003\u0000\u0000\u0000', 'latin1'), random(500)])
      const file = await upload(alice.client, f.id, 'leesmij.txt', exe, { 'content-type': 'text/plain' })
      expect(file.mime).to.equal('application/octet-stream')
      const res = await content(file.id)
      expect(res.headers['content-type']).to.equal('application/octet-stream')
      expect(String(res.headers['content-disposition'])).to.match(/^attachment;/)
    })

    it('serves HTML uploaded as an image as HTML, never inline, always sandboxed', async () => {
      const html = '<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>'
      for (const name of ['foto.png', 'pagina.html', 'plaatje.svg']) {
        const file = await upload(alice.client, f.id, name, html, { 'content-type': 'image/png' })
        expect(file.mime, name).to.not.match(/^image\/png/)
        const res = await content(file.id)
        expect(String(res.headers['content-type']), name).to.not.match(/^image\/png|^text\/plain/)
        expect(String(res.headers['content-disposition']), name).to.match(/^attachment;/)
        expect(String(res.headers['content-security-policy']), name).to.match(/default-src 'none'; sandbox/)
        expect(res.headers['x-content-type-options']).to.equal('nosniff')
      }
      const svg = await upload(alice.client, f.id, 'logo.svg', '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
      expect(String((await content(svg.id)).headers['content-disposition'])).to.match(/^attachment;/)
    })

    it('recognises real images and PDFs whatever their name, and shows those inline', async () => {
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), random(100)])
      const file = await upload(alice.client, f.id, 'plaatje.txt', png)
      expect(file.mime).to.equal('image/png')
      const res = await content(file.id)
      expect(res.headers['content-type']).to.equal('image/png')
      expect(String(res.headers['content-disposition'])).to.match(/^inline;/)
      const pdf = await upload(alice.client, f.id, 'stuk', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n', 'latin1'))
      expect(pdf.mime).to.equal('application/pdf')
      const csv = await upload(alice.client, f.id, 'cijfers.csv', 'jaar;bedrag\n2025;100\n')
      expect(csv.mime).to.equal('text/csv')
    })

    it('gives a safe Content-Disposition whatever the name holds', async () => {
      const nasty = ['a"b;c=d.txt', 'rapport é ü 😀.txt', 'evil\u202egnp.exe', "it's (1) *.txt", 'back\\slash'.replace('\\', '_'), '%0d%0aSet-Cookie: x=1.txt']
      for (const name of nasty) {
        const file = await upload(alice.client, f.id, name, 'hello')
        expect(file.name).to.equal(name.normalize('NFC'))
        const header = String((await content(file.id)).headers['content-disposition'])
        const m = /^(inline|attachment); filename="([^"]*)"; filename\*=UTF-8''(.*)$/.exec(header)
        expect(m, header).to.not.equal(null)
        // The quoted fallback is plain printable ASCII without quotes or backslashes; the extended form is RFC 8187 attr-chars only.
        expect(m![2], header).to.match(/^[\x20-\x7e]*$/)
        expect(m![2]).to.not.match(/["\\]/)
        expect(m![3], header).to.match(/^[A-Za-z0-9!#$&+.^_`|~%-]*$/)
        expect(decodeURIComponent(m![3]!)).to.equal(name.normalize('NFC'))
        expect(header).to.not.match(/[\r\n]/)
      }
      // Control characters (a header injection) are not a file name at all.
      expectProblem(await put(alice.client, f.id, 'a\r\nb.txt', 'x'), 400, 'INVALID_NAME')
    })
  })

  describe('versions', () => {
    it('lists earlier versions, downloads each, and restores one as a new version (nothing lost)', async () => {
      const f = await folder(alice.client, { name: 'Versioned', access: { read: [`user:${bob.user.id}`] } })
      const v = [Buffer.from('versie een'), Buffer.from('versie twee, iets langer'), random(70_000)]
      const file = await upload(alice.client, f.id, 'plan.txt', v[0]!)
      await upload(alice.client, f.id, 'plan.txt', v[1]!)
      await upload(alice.client, f.id, 'plan.txt', v[2]!)
      const list = await alice.client.get(`/api/v1/files/${file.id}/versions`)
      expect(list.status, list.text).to.equal(200)
      expect(list.body.items.map((i: any) => i.version)).to.deep.equal([3, 2, 1])
      expect(list.body.items.map((i: any) => i.current)).to.deep.equal([true, false, false])
      expect(list.body.items[2]).to.include({ size: v[0]!.length, sha256: sha256(v[0]!) })
      expect(list.body.items[2].createdBy).to.include({ id: alice.user.id })
      for (const n of [1, 2, 3]) {
        const res = await raw(tk.url, `/api/v1/files/${file.id}/versions/${n}/content`, { token: aliceToken })
        expect(res.status).to.equal(200)
        expect(res.body.equals(v[n - 1]!), `version ${n}`).to.equal(true)
        expect(res.headers.etag).to.equal(`"${sha256(v[n - 1]!)}"`)
      }
      expectProblem(await alice.client.get(`/api/v1/files/${file.id}/versions/9/content`), 404, 'VERSION_NOT_FOUND')

      // A reader sees the versions but may not restore.
      expect((await bob.client.get(`/api/v1/files/${file.id}/versions`)).status).to.equal(200)
      expectProblem(await bob.client.post(`/api/v1/files/${file.id}/versions/1/restore`), 403)
      expectProblem(await carol.client.get(`/api/v1/files/${file.id}/versions`), 404)

      const restored = await alice.client.post(`/api/v1/files/${file.id}/versions/1/restore`)
      expect(restored.status, restored.text).to.equal(200)
      expect(restored.body).to.include({ id: file.id, version: 4, sha256: sha256(v[0]!) })
      expect((await content(file.id)).body.equals(v[0]!)).to.equal(true)
      const after = await alice.client.get(`/api/v1/files/${file.id}/versions`)
      expect(after.body.items.map((i: any) => i.version)).to.deep.equal([4, 3, 2, 1])
      expectProblem(await alice.client.post(`/api/v1/files/${file.id}/versions/9/restore`), 404)
    })
  })

  describe('copy, rename and move', () => {
    let a: any
    let b: any
    before(async () => {
      a = await folder(alice.client, { name: 'Copy A' })
      b = await folder(alice.client, { name: 'Copy B' })
    })

    it('copies a file into a folder under its own key: same bytes, new id, a different ciphertext', async () => {
      const data = random(100_000)
      const file = await upload(alice.client, a.id, 'bron.bin', data)
      expectProblem(await alice.client.post(`/api/v1/files/${file.id}/copy`, { parentId: a.id }), 409, 'NAME_TAKEN')
      const res = await alice.client.post(`/api/v1/files/${file.id}/copy`, { parentId: a.id, name: 'kopie.bin' })
      expect(res.status, res.text).to.equal(201)
      expect(res.body.id).to.not.equal(file.id)
      expect(res.body).to.include({ name: 'kopie.bin', parentId: a.id, version: 1, sha256: sha256(data), size: data.length })
      const into = await alice.client.post(`/api/v1/files/${file.id}/copy`, { parentId: b.id })
      expect(into.status, into.text).to.equal(201)
      expect(into.body).to.include({ name: 'bron.bin', parentId: b.id })
      for (const id of [res.body.id, into.body.id]) expect((await content(id)).body.equals(data)).to.equal(true)
      const blobs = await Promise.all([file.id, res.body.id, into.body.id].map(async id => readFileSync(await blobPath(tk, id))))
      expect(blobs[0]!.equals(blobs[1]!)).to.equal(false)
      expect(blobs[1]!.equals(blobs[2]!)).to.equal(false)
      // Copying needs write access to the target; carol cannot even see the source.
      const foreign = await folder(bob.client, { name: 'Bob private' })
      expectProblem(await alice.client.post(`/api/v1/files/${file.id}/copy`, { parentId: foreign.id }), 404)
      expectProblem(await carol.client.post(`/api/v1/files/${file.id}/copy`, { parentId: a.id }), 404)
    })

    it('renames a file (409 when the name is taken, in any case) and moves it to another folder', async () => {
      const file = await upload(alice.client, a.id, 'oud.txt', 'tekst')
      await upload(alice.client, a.id, 'Bezet.txt', 'bezet')
      expectProblem(await alice.client.patch(`/api/v1/files/${file.id}`, { name: 'bezet.TXT' }), 409, 'NAME_TAKEN')
      const renamed = await alice.client.patch(`/api/v1/files/${file.id}`, { name: 'nieuw.txt' })
      expect(renamed.status, renamed.text).to.equal(200)
      expect(renamed.body).to.include({ name: 'nieuw.txt', title: 'nieuw.txt' })
      expect(String((await content(file.id)).headers['content-disposition'])).to.contain('filename="nieuw.txt"')
      const moved = await alice.client.patch(`/api/v1/files/${file.id}`, { parentId: b.id })
      expect(moved.status, moved.text).to.equal(200)
      expect(moved.body.parentId).to.equal(b.id)
      expect(names(await allChildren(alice.client, b.id))).to.include('nieuw.txt')
      expect(names(await allChildren(alice.client, a.id))).to.not.include('nieuw.txt')
      // Someone who may read but not write cannot rename.
      expectProblem(await bob.client.patch(`/api/v1/files/${file.id}`, { name: 'x.txt' }), 404)
      expectProblem(await alice.client.patch(`/api/v1/files/${file.id}`, {}), 400)
    })

    it('never moves a folder into itself or below itself; a clash in the target is a 409', async () => {
      const top = await folder(alice.client, { name: 'Top' })
      const mid = await folder(alice.client, { name: 'Mid', parentId: top.id })
      const low = await folder(alice.client, { name: 'Low', parentId: mid.id })
      expectProblem(await alice.client.patch(`/api/v1/folders/${top.id}`, { parentId: top.id }), 409, 'MOVE_INTO_ITSELF')
      expectProblem(await alice.client.patch(`/api/v1/folders/${top.id}`, { parentId: low.id }), 409, 'MOVE_INTO_ITSELF')
      expectProblem(await alice.client.patch(`/api/v1/folders/${mid.id}`, { parentId: low.id }), 409, 'MOVE_INTO_ITSELF')
      await folder(alice.client, { name: 'low', parentId: top.id })
      expectProblem(await alice.client.patch(`/api/v1/folders/${low.id}`, { parentId: top.id }), 409, 'NAME_TAKEN')
      const ok = await alice.client.patch(`/api/v1/folders/${low.id}`, { parentId: top.id, name: 'Low 2' })
      expect(ok.status, ok.text).to.equal(200)
      expect(ok.body).to.include({ parentId: top.id, name: 'Low 2' })
      const renamed = await alice.client.patch(`/api/v1/folders/${mid.id}`, { name: 'Midden' })
      expect(renamed.body.name).to.equal('Midden')
    })
  })

  describe('trash', () => {
    it('a deleted file disappears for everyone (lists, activity, search, direct fetch) and comes back on restore', async () => {
      const f = await folder(alice.client, { name: 'Gedeeld met Bob', access: { read: [`user:${bob.user.id}`] } })
      const file = await upload(alice.client, f.id, 'zeppelinvlucht.txt', 'Het verslag van de zeppelinvlucht boven Utrecht.')
      const seen = async (who: SignedUp) => ({
        list: names(await allChildren(who.client, f.id)).includes('zeppelinvlucht.txt'),
        activity: (await who.client.get('/api/v1/activity?limit=100')).body.items.some((i: any) => i.id === file.id),
        search: (await who.client.get('/api/v1/search?q=zeppelinvlucht')).body.items.some((i: any) => i.id === file.id),
        get: (await who.client.get(`/api/v1/files/${file.id}`)).status,
      })
      expect(await seen(bob)).to.deep.equal({ list: true, activity: true, search: true, get: 200 })

      const del = await alice.client.delete(`/api/v1/files/${file.id}`)
      expect(del.status, del.text).to.equal(204)
      expect(await seen(bob)).to.deep.equal({ list: false, activity: false, search: false, get: 404 })
      expect((await seen(alice)).list).to.equal(false)
      expectProblem(await alice.client.get(`/api/v1/files/${file.id}/content`), 404)
      const trash = await alice.client.get('/api/v1/trash')
      expect(trash.status).to.equal(200)
      expect(trash.body.items.map((i: any) => i.id)).to.include(file.id)
      expect(trash.body.items.find((i: any) => i.id === file.id).deleted).to.equal(true)
      expect((await bob.client.get('/api/v1/trash')).body.items.map((i: any) => i.id)).to.not.include(file.id)
      // Only a writer restores; a reader cannot even see it.
      expectProblem(await bob.client.post(`/api/v1/files/${file.id}/restore`), 404)

      const restored = await alice.client.post(`/api/v1/files/${file.id}/restore`)
      expect(restored.status, restored.text).to.equal(200)
      expect(restored.body.deleted).to.equal(false)
      expect(await seen(bob)).to.deep.equal({ list: true, activity: true, search: true, get: 200 })
      expect((await content(file.id)).body.toString()).to.contain('zeppelinvlucht boven Utrecht')
      expectProblem(await alice.client.post(`/api/v1/files/${file.id}/restore`), 409, 'NOT_IN_TRASH')
    })

    it('a deleted folder takes its contents with it; restore brings them back; name clashes and trashed parents are 409s', async () => {
      const top = await folder(alice.client, { name: 'Map met inhoud', access: { read: [`user:${bob.user.id}`] } })
      const sub = await folder(alice.client, { name: 'Sub', parentId: top.id })
      const inner = await upload(alice.client, sub.id, 'binnen.txt', 'binnenin')
      expect((await bob.client.get(`/api/v1/files/${inner.id}`)).status).to.equal(200)
      expect((await alice.client.delete(`/api/v1/folders/${top.id}`)).status).to.equal(204)
      expectProblem(await bob.client.get(`/api/v1/files/${inner.id}`), 404)
      expectProblem(await bob.client.get(`/api/v1/folders/${sub.id}`), 404)
      // The owner too: what is inside a trashed folder is in the trash with it (no downloads, no uploads).
      expectProblem(await alice.client.get(`/api/v1/files/${inner.id}/content`), 404)
      expectProblem(await alice.client.get(`/api/v1/folders/${sub.id}`), 404)
      expectProblem(await put(alice.client, sub.id, 'erbij.txt', 'x'), 404)
      expect((await alice.client.get('/api/v1/trash')).body.items.map((i: any) => i.id)).to.include(top.id)
      expect((await bob.client.get('/api/v1/activity?limit=100')).body.items.map((i: any) => i.id)).to.not.include.members([inner.id, sub.id, top.id])
      expect((await alice.client.post(`/api/v1/files/${top.id}/restore`)).status).to.equal(200)
      expect((await bob.client.get(`/api/v1/files/${inner.id}`)).status).to.equal(200)

      // A file whose folder is in the trash waits for the folder; a name taken meanwhile is a 409.
      const file = await upload(alice.client, sub.id, 'los.txt', 'los')
      expect((await alice.client.delete(`/api/v1/files/${file.id}`)).status).to.equal(204)
      await upload(alice.client, sub.id, 'los.txt', 'nieuw')
      expectProblem(await alice.client.post(`/api/v1/files/${file.id}/restore`), 409, 'NAME_TAKEN')
      const other = await upload(alice.client, sub.id, 'ander.txt', 'ander')
      expect((await alice.client.delete(`/api/v1/files/${other.id}`)).status).to.equal(204)
      expect((await alice.client.delete(`/api/v1/folders/${sub.id}`)).status).to.equal(204)
      expectProblem(await alice.client.post(`/api/v1/files/${other.id}/restore`), 409, 'PARENT_IN_TRASH')
      // Bob may read but not delete.
      const kept = await upload(alice.client, top.id, 'blijft.txt', 'blijft')
      expectProblem(await bob.client.delete(`/api/v1/files/${kept.id}`), 403)
    })
  })

  describe('public links', () => {
    let f: any
    let file: any
    const data = random(150_000)
    before(async () => {
      f = await folder(alice.client, { name: 'Te delen' })
      file = await upload(alice.client, f.id, 'openbaar.bin', data)
    })

    const link = async (id: string, body: Record<string, unknown> = {}, who: SignedUp = alice) => {
      const res = await who.client.post(`/api/v1/files/${id}/links`, body)
      expect(res.status, res.text).to.equal(201)
      return res.body as { id: string; url: string; mode: string }
    }
    const token = (url: string) => new URL(url).pathname.split('/')[2]!
    const open = (url: string, options: Parameters<typeof raw>[2] = {}) => raw(tk.url, new URL(url).pathname, options)

    it('answers 201 with { id, url }: the url holds a fresh 128-bit random token, stored only as a hash', async () => {
      const one = await link(file.id)
      const two = await link(file.id)
      expect(one.id).to.match(uuidPattern)
      // The site's public URL, or the origin the request came to.
      expect(one.url).to.match(/^http:\/\/127\.0\.0\.1(:\d+)?\/s\/[A-Za-z0-9_-]{22}$/)
      expect(Buffer.from(token(one.url), 'base64url').length).to.equal(16)
      expect(token(one.url)).to.not.equal(token(two.url))
      const stored = await rows('SELECT token_hash FROM files_link WHERE id = $1', [one.id])
      expect(stored[0].token_hash).to.not.contain(token(one.url))
      const list = await alice.client.get(`/api/v1/files/${file.id}/links`)
      expect(list.status).to.equal(200)
      expect(list.text).to.not.contain(token(one.url))
      expect(list.body.items.map((l: any) => l.id)).to.include.members([one.id, two.id])
    })

    it('an anonymous GET on the url streams the file (ranges too), and reaches nothing else', async () => {
      const l = await link(file.id)
      const res = await open(l.url)
      expect(res.status).to.equal(200)
      expect(res.body.equals(data)).to.equal(true)
      expect(res.headers.etag).to.equal(`"${sha256(data)}"`)
      const part = await open(l.url, { headers: { range: 'bytes=100-199' } })
      expect(part.status).to.equal(206)
      expect(part.body.equals(data.subarray(100, 200))).to.equal(true)
      // The link names one file: not its folder, not its neighbours, not the API.
      const neighbour = await upload(alice.client, f.id, 'buur.txt', 'buur')
      for (const p of [`/api/v1/files/${file.id}`, `/api/v1/files/${file.id}/content`, `/api/v1/folders/${f.id}`, `/api/v1/files/${neighbour.id}/content`, `/api/v1/files/${file.id}/versions`]) {
        expect((await get(p)).status, p).to.equal(404)
      }
      expect((await open(`${l.url}/buur.txt`)).status).to.be.oneOf([404, 405])
      expect((await raw(tk.url, `/s/${token(l.url)}/buur.txt`, { method: 'PUT', body: 'x' })).status).to.equal(403)
      expect((await raw(tk.url, `/s/${Buffer.alloc(16, 7).toString('base64url')}`)).status).to.equal(404)
    })

    it('serves the current version, and stops when the file is in the trash', async () => {
      const doc = await upload(alice.client, f.id, 'actueel.txt', 'oud')
      const l = await link(doc.id)
      await upload(alice.client, f.id, 'actueel.txt', 'nieuw')
      expect((await open(l.url)).body.toString()).to.equal('nieuw')
      await alice.client.delete(`/api/v1/files/${doc.id}`)
      expect((await open(l.url)).status).to.equal(410)
    })

    it('expiresAt in the past is a 400; a link past its expiry answers 410', async () => {
      const body = expectProblem(await alice.client.post(`/api/v1/files/${file.id}/links`, { expiresAt: new Date(Date.now() - 60_000).toISOString() }), 400, 'INVALID_EXPIRY')
      expect(body.errors[0]).to.include({ in: 'body' })
      expect(body.errors[0].location).to.deep.equal({ pointer: '/expiresAt' })
      expectProblem(await alice.client.post(`/api/v1/files/${file.id}/links`, { expiresAt: 'tomorrow' }), 400)
      const l = await link(file.id, { expiresAt: new Date(Date.now() + 3_600_000).toISOString() })
      expect((await open(l.url)).status).to.equal(200)
      // An hour later, as far as the link knows.
      await rows(`UPDATE files_link SET expires_at = now() - interval '1 second' WHERE id = $1`, [l.id])
      const gone = await open(l.url)
      expect(gone.status).to.equal(410)
      expect(gone.json.code).to.equal('LINK_EXPIRED')
    })

    it('a password link answers 401 (Basic) until the password is given; the password is stored hashed', async () => {
      const l = await link(file.id, { password: 'geheim wachtwoord' })
      const locked = await open(l.url)
      expect(locked.status).to.equal(401)
      expect(String(locked.headers['www-authenticate'])).to.match(/^Basic /)
      expect(locked.body.includes(data.subarray(0, 32))).to.equal(false)
      expect((await open(l.url, { basic: ['x', 'verkeerd'] })).status).to.equal(401)
      const ok = await open(l.url, { basic: ['wie-dan-ook', 'geheim wachtwoord'] })
      expect(ok.status).to.equal(200)
      expect(ok.body.equals(data)).to.equal(true)
      const stored = await rows('SELECT password_hash FROM files_link WHERE id = $1', [l.id])
      expect(stored[0].password_hash).to.not.contain('geheim')
      expect((await alice.client.get(`/api/v1/files/${file.id}/links`)).body.items.find((i: any) => i.id === l.id).hasPassword).to.equal(true)
    })

    it('a revoked link answers 410 at once; a download limit answers 410 after the limit', async () => {
      const l = await link(file.id)
      expect((await open(l.url)).status).to.equal(200)
      expect((await alice.client.delete(`/api/v1/files/${file.id}/links/${l.id}`)).status).to.equal(204)
      const revoked = await open(l.url)
      expect(revoked.status).to.equal(410)
      expect(revoked.json.code).to.equal('LINK_REVOKED')
      expectProblem(await alice.client.delete(`/api/v1/files/${file.id}/links/${l.id}`), 404)

      const limited = await link(file.id, { maxDownloads: 2 })
      expect((await open(limited.url)).status).to.equal(200)
      expect((await open(limited.url)).status).to.equal(200)
      const used = await open(limited.url)
      expect(used.status).to.equal(410)
      expect(used.json.code).to.equal('LINK_USED_UP')
      // Parallel downloads cannot beat the limit.
      const race = await link(file.id, { maxDownloads: 3 })
      const answers = await Promise.all(Array.from({ length: 8 }, () => open(race.url)))
      expect(answers.filter(a => a.status === 200)).to.have.length(3)
      expect(answers.filter(a => a.status === 410)).to.have.length(5)
    })

    it('only the owner or a manager makes, lists and revokes links', async () => {
      const shared = await folder(alice.client, { name: 'Meelezen', access: { read: [`user:${bob.user.id}`] } })
      const doc = await upload(alice.client, shared.id, 'stuk.txt', 'stuk')
      expectProblem(await bob.client.post(`/api/v1/files/${doc.id}/links`, {}), 403)
      expectProblem(await bob.client.get(`/api/v1/files/${doc.id}/links`), 403)
      expectProblem(await carol.client.post(`/api/v1/files/${doc.id}/links`, {}), 404)
      expectProblem(await anonymous.post(`/api/v1/files/${doc.id}/links`, {}), 401)
      expectProblem(await alice.client.post(`/api/v1/files/${shared.id}/links`, { mode: 'read' }), 400, 'LINK_MODE')
      expectProblem(await alice.client.post(`/api/v1/files/${doc.id}/links`, { mode: 'upload' }), 400, 'LINK_MODE')
    })

    it('an upload-only link (drop box) takes files into its folder, and can neither read, list nor overwrite', async () => {
      const box = await folder(alice.client, { name: 'Aanleveren' })
      const existing = await upload(alice.client, box.id, 'bestaand.txt', 'van alice')
      const l = await link(box.id)
      expect(l.mode).to.equal('upload')
      const t = token(l.url)
      const page = await raw(tk.url, `/s/${t}`)
      expect(page.status).to.equal(200)
      expect(page.body.toString()).to.not.contain('bestaand.txt')
      const sent = await raw(tk.url, `/s/${t}/offerte.pdf`, { method: 'PUT', body: '%PDF-1.4 offerte', headers: { 'content-type': 'application/pdf' } })
      expect(sent.status, sent.body.toString()).to.equal(201)
      expect(sent.json).to.deep.equal({ status: 'received', name: 'offerte.pdf' })
      const inBox = await allChildren(alice.client, box.id)
      const dropped = inBox.find(i => i.name === 'offerte.pdf')
      expect(dropped).to.include({ mime: 'application/pdf', size: 16 })
      expect(dropped.owner.id).to.equal(alice.user.id)
      expect((await content(dropped.id)).body.toString()).to.equal('%PDF-1.4 offerte')
      // Never overwrites, never reads.
      const clash = await raw(tk.url, `/s/${t}/bestaand.txt`, { method: 'PUT', body: 'overschreven' })
      expect(clash.status).to.equal(409)
      expect(clash.json.code).to.equal('NAME_TAKEN')
      expect((await content(existing.id)).body.toString()).to.equal('van alice')
      for (const p of [`/s/${t}/bestaand.txt`, `/s/${t}/offerte.pdf`]) expect((await raw(tk.url, p)).status, p).to.be.oneOf([404, 405])
      for (const p of [`/api/v1/folders/${box.id}`, `/api/v1/files/${dropped.id}/content`]) expect((await get(p)).status, p).to.equal(404)
      expect((await raw(tk.url, `/s/${t}/..`, { method: 'PUT', body: 'x' })).status).to.be.oneOf([400, 404])
      // Revoked: no more uploads.
      await alice.client.delete(`/api/v1/files/${box.id}/links/${l.id}`)
      expect((await raw(tk.url, `/s/${t}/laat.txt`, { method: 'PUT', body: 'te laat' })).status).to.equal(410)
    })
  })

  describe('who sees what: two users, a group, a link and an anonymous viewer', () => {
    it('each sees exactly what they should, in fetches, lists, activity and search', async () => {
      const group = (await alice.client.post('/api/v1/groups', { name: 'Team Archief', membership: 'open' })).body
      expect((await bob.client.post(`/api/v1/groups/${group.id}/join`)).status).to.equal(200)
      const priv = await folder(alice.client, { name: 'Privé' })
      const fPriv = await upload(alice.client, priv.id, 'kwartelkoning-prive.txt', 'kwartelkoning prive')
      const shared = await folder(alice.client, { name: 'Voor Bob', access: { read: [`user:${bob.user.id}`] } })
      const fShared = await upload(alice.client, shared.id, 'kwartelkoning-bob.txt', 'kwartelkoning bob')
      const groupFolder = await folder(alice.client, { name: 'Groepsmap', containerId: group.id, access: { read: [`group:${group.id}`], write: [`group:${group.id}`] } })
      expect(groupFolder.containerId).to.equal(group.id)
      // Members write in the group's folder; what they add belongs to the group too.
      const fGroup = await upload(bob.client, groupFolder.id, 'kwartelkoning-groep.txt', 'kwartelkoning groep')
      expect(fGroup.containerId).to.equal(group.id)
      expect(fGroup.access.read).to.deep.equal([`group:${group.id}`])
      const l = (await alice.client.post(`/api/v1/files/${fPriv.id}/links`, {})).body

      const all = { priv, fPriv, shared, fShared, groupFolder, fGroup }
      const expected: Record<string, string[]> = {
        alice: ['priv', 'fPriv', 'shared', 'fShared', 'groupFolder', 'fGroup'],
        bob: ['shared', 'fShared', 'groupFolder', 'fGroup'],
        carol: [],
        anonymous: [],
      }
      const clients: Record<string, TestClient> = { alice: alice.client, bob: bob.client, carol: carol.client, anonymous }
      for (const [who, client] of Object.entries(clients)) {
        const visible: string[] = []
        for (const [key, item] of Object.entries(all)) {
          const path = item.type === 'folder' ? `/api/v1/folders/${item.id}` : `/api/v1/files/${item.id}/content`
          const status = (await client.get(path)).status
          expect([200, 404], `${who} ${key}`).to.include(status)
          if (status === 200) visible.push(key)
        }
        expect(visible, who).to.deep.equal(expected[who])
        const ids = new Set(expected[who]!.map(k => (all as any)[k].id))
        const hidden = Object.values(all).filter(i => !ids.has(i.id)).map(i => i.id)
        const activity = await client.get('/api/v1/activity?limit=100')
        expect(activity.status).to.equal(200)
        for (const id of hidden) expect(activity.body.items.map((i: any) => i.id), `${who} activity`).to.not.include(id)
        const search = await client.get('/api/v1/search?q=kwartelkoning')
        expect(search.status, search.text).to.equal(200)
        const found = search.body.items.map((i: any) => i.id).sort()
        expect(found, `${who} search`).to.deep.equal([fPriv, fShared, fGroup].filter(i => ids.has(i.id)).map(i => i.id).sort())
      }
      // Writing: bob in the group folder yes, in alice's shared folder no; carol nowhere.
      expectProblem(await put(bob.client, shared.id, 'x.txt', 'x'), 403)
      expectProblem(await put(carol.client, groupFolder.id, 'x.txt', 'x'), 404)
      expectProblem(await carol.client.post('/api/v1/folders', { name: 'Indringer', containerId: group.id }), 403)
      // The link: anonymous reads exactly the one file it names.
      const viaLink = await raw(tk.url, new URL(l.url).pathname)
      expect(viaLink.status).to.equal(200)
      expect(viaLink.body.toString()).to.equal('kwartelkoning prive')
    })
  })

  describe('sharing a folder', () => {
    it('shares propagate to everything inside (and to what is added later), with read, write and manage levels', async () => {
      const group = (await alice.client.post('/api/v1/groups', { name: 'Team Delen', membership: 'open' })).body
      expect((await bob.client.post(`/api/v1/groups/${group.id}/join`)).status).to.equal(200)
      const top = await folder(alice.client, { name: 'Te delen map' })
      const sub = await folder(alice.client, { name: 'Diep', parentId: top.id })
      const doc = await upload(alice.client, sub.id, 'diep.txt', 'diep verborgen')
      expectProblem(await bob.client.get(`/api/v1/files/${doc.id}`), 404)

      const shared = await alice.client.patch(`/api/v1/folders/${top.id}`, { access: { read: [`group:${group.id}`] } })
      expect(shared.status, shared.text).to.equal(200)
      expect(shared.body.access.read).to.deep.equal([`group:${group.id}`])
      expect((await bob.client.get(`/api/v1/files/${doc.id}/content`)).text).to.equal('diep verborgen')
      expect((await bob.client.get(`/api/v1/folders/${sub.id}`)).status).to.equal(200)
      expectProblem(await carol.client.get(`/api/v1/files/${doc.id}`), 404)
      const later = await upload(alice.client, sub.id, 'later.txt', 'later toegevoegd')
      expect((await bob.client.get(`/api/v1/files/${later.id}`)).status).to.equal(200)
      // Read only: bob cannot change, share further or make links.
      expectProblem(await put(bob.client, sub.id, 'diep.txt', 'overschreven'), 403)
      expectProblem(await bob.client.post(`/api/v1/files/${doc.id}/links`, {}), 403)

      // Write without manage: carol may change files but not who has access.
      await alice.client.patch(`/api/v1/folders/${top.id}`, { access: { read: [`group:${group.id}`], write: [`user:${carol.user.id}`] } })
      const edited = await put(carol.client, sub.id, 'diep.txt', 'door carol bewerkt')
      expect(edited.status, edited.text).to.equal(200)
      expectProblem(await carol.client.patch(`/api/v1/files/${doc.id}`, { access: { read: ['logged_in'] } }), 403, 'NOT_MANAGER')
      expectProblem(await carol.client.post(`/api/v1/files/${doc.id}/links`, {}), 403, 'NOT_MANAGER')

      // Manage: bob (write + manage) shares further and makes links, for everything inside.
      const managed = await alice.client.patch(`/api/v1/folders/${top.id}`, {
        access: { read: [`group:${group.id}`], write: [`user:${bob.user.id}`] },
        manage: [`user:${bob.user.id}`],
      })
      expect(managed.status, managed.text).to.equal(200)
      expect(managed.body.manage).to.deep.equal([`user:${bob.user.id}`])
      const bobLink = await bob.client.post(`/api/v1/files/${doc.id}/links`, {})
      expect(bobLink.status, bobLink.text).to.equal(201)
      const reshared = await bob.client.patch(`/api/v1/folders/${sub.id}`, { access: { read: [`group:${group.id}`, `user:${carol.user.id}`] } })
      expect(reshared.status, reshared.text).to.equal(200)
      expect((await carol.client.get(`/api/v1/files/${later.id}`)).status).to.equal(200)
      // Carol lost her write share above.
      expectProblem(await put(carol.client, sub.id, 'diep.txt', 'nog eens'), 403)

      // Unshare: private again, all the way down.
      expect((await alice.client.patch(`/api/v1/folders/${top.id}`, { access: { read: [], write: [] }, manage: [] })).status).to.equal(200)
      for (const id of [doc.id, later.id]) {
        expectProblem(await bob.client.get(`/api/v1/files/${id}`), 404)
        expectProblem(await carol.client.get(`/api/v1/files/${id}`), 404)
      }
      // A person may only grant groups they belong to.
      const other = (await carol.client.post('/api/v1/groups', { name: 'Carols club', membership: 'closed' })).body
      expectProblem(await alice.client.patch(`/api/v1/folders/${top.id}`, { access: { read: [`group:${other.id}`] } }), 403)
    })

    it('moving a file out of a shared folder takes the share away; moving it in gives it', async () => {
      const shared = await folder(alice.client, { name: 'Gedeelde bak', access: { read: [`user:${bob.user.id}`] } })
      const priv = await folder(alice.client, { name: 'Eigen bak' })
      const doc = await upload(alice.client, shared.id, 'verhuizer.txt', 'verhuist')
      expect((await bob.client.get(`/api/v1/files/${doc.id}`)).status).to.equal(200)
      const out = await alice.client.patch(`/api/v1/files/${doc.id}`, { parentId: priv.id })
      expect(out.status, out.text).to.equal(200)
      expect(out.body.access.read).to.deep.equal([])
      expectProblem(await bob.client.get(`/api/v1/files/${doc.id}`), 404)
      const back = await alice.client.patch(`/api/v1/files/${doc.id}`, { parentId: shared.id })
      expect(back.body.access.read).to.deep.equal([`user:${bob.user.id}`])
      expect((await bob.client.get(`/api/v1/files/${doc.id}`)).status).to.equal(200)
      // A folder moved takes its new parent's sharing for everything in it.
      const box = await folder(alice.client, { name: 'Doos', parentId: priv.id })
      const inBox = await upload(alice.client, box.id, 'in-doos.txt', 'in de doos')
      expect((await alice.client.patch(`/api/v1/folders/${box.id}`, { parentId: shared.id })).status).to.equal(200)
      expect((await bob.client.get(`/api/v1/files/${inBox.id}`)).status).to.equal(200)
    })
  })

  describe('integrity', () => {
    it('a cut-off upload leaves no trace: no row, no blob, no temporary file', async () => {
      const f = await folder(alice.client, { name: 'Afgebroken' })
      const { connect } = await import('node:net')
      const blobs = `${tk.dataDir}/blobs`
      const before = filesUnder(blobs)
      const versionsBefore = (await rows('SELECT count(*)::int AS n FROM files_version'))[0].n
      const socket = connect(tk.port, '127.0.0.1')
      await new Promise<void>(resolve => socket.once('connect', () => resolve()))
      socket.write(
        `PUT /api/v1/folders/${f.id}/files/afgebroken.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${aliceToken}\r\n` +
          `Content-Type: application/octet-stream\r\nContent-Length: ${1024 * 1024}\r\n\r\n`,
      )
      socket.write(random(512 * 1024))
      // The upload is under way: its temporary file exists.
      const tmp = `${blobDir(tk)}/.tmp`
      const until = Date.now() + 10_000
      while (filesUnder(tmp).length === 0 && Date.now() < until) await new Promise(r => setTimeout(r, 20))
      expect(filesUnder(tmp), 'a temporary file while the upload runs').to.have.length.above(0)
      socket.destroy()
      const settleUntil = Date.now() + 10_000
      while (filesUnder(blobs).join() !== before.join() && Date.now() < settleUntil) await new Promise(r => setTimeout(r, 25))
      expect(filesUnder(blobs)).to.deep.equal(before)
      expect(filesUnder(tmp)).to.deep.equal([])
      expect((await rows('SELECT count(*)::int AS n FROM files_version'))[0].n).to.equal(versionsBefore)
      expect(await rows(`SELECT 1 FROM files_node WHERE name = 'afgebroken.bin'`)).to.deep.equal([])
      expect(await rows(`SELECT 1 FROM entity WHERE title = 'afgebroken.bin'`)).to.deep.equal([])
      expect(await rows('SELECT v.entity_id FROM files_version v LEFT JOIN files_node n ON n.entity_id = v.entity_id WHERE n.entity_id IS NULL')).to.deep.equal([])
      expect(await allChildren(alice.client, f.id)).to.deep.equal([])
      // The server is fine afterwards.
      expect((await upload(alice.client, f.id, 'afgebroken.bin', 'heel')).version).to.equal(1)
    })

    it('a changed ciphertext byte makes the download fail loudly: bytes before the damage are right, then the answer is cut off', async () => {
      const f = await folder(alice.client, { name: 'Geknoeid' })
      const size = 5 * SEGMENT + 777
      const data = random(size)
      const file = await upload(alice.client, f.id, 'doelwit.bin', data)
      const blob = await blobPath(tk, file.id)
      const original = readFileSync(blob)
      const tampered = Buffer.from(original)
      // A byte in the middle of segment 2.
      tampered[9 + 2 * (SEGMENT + 16) + 1000]! ^= 0x01
      writeFileSync(blob, tampered)
      const res = await content(file.id).catch(() => ({ status: 0, body: Buffer.alloc(0), complete: false, headers: {} }))
      expect(res.complete, 'the answer must not end normally').to.equal(false)
      expect(res.body.length).to.be.below(size)
      expect(res.body.length, 'at most the two good segments').to.be.at.most(2 * SEGMENT)
      expect(res.body.equals(data.subarray(0, res.body.length)), 'every byte received is a right byte').to.equal(true)
      // Undamaged segments still answer ranges; a range over the damage fails.
      const early = await content(file.id, { headers: { range: `bytes=0-${SEGMENT + 9}` } })
      expect(early.status).to.equal(206)
      expect(early.body.equals(data.subarray(0, SEGMENT + 10))).to.equal(true)
      // (damage in the first segment asked for is found before a byte goes out: a problem answer, see damaged.test.ts)
      const over = await content(file.id, { headers: { range: `bytes=${2 * SEGMENT + 500}-${2 * SEGMENT + 1500}` } })
      expect(over.status).to.equal(500)
      expect(over.json.code).to.equal('FILE_DAMAGED')

      // Damage in the first segment: not one byte goes out.
      const first = Buffer.from(original)
      first[9 + 5]! ^= 0x80
      writeFileSync(blob, first)
      const none = await content(file.id)
      expect(none.status).to.equal(500)
      expect(none.json.code).to.equal('FILE_DAMAGED')
      expect(none.body.includes(data.subarray(0, 16))).to.equal(false)

      // Cut short (the last segment missing), or two segments swapped: detected too.
      writeFileSync(blob, original.subarray(0, original.length - 800))
      const short = await content(file.id).catch(() => ({ status: 0, body: Buffer.alloc(0), complete: false }))
      expect(short.complete).to.equal(false)
      expect(data.subarray(0, short.body.length).equals(short.body)).to.equal(true)
      const swapped = Buffer.from(original)
      const seg = (i: number) => original.subarray(9 + i * (SEGMENT + 16), 9 + (i + 1) * (SEGMENT + 16))
      seg(2).copy(swapped, 9 + 1 * (SEGMENT + 16))
      seg(1).copy(swapped, 9 + 2 * (SEGMENT + 16))
      writeFileSync(blob, swapped)
      const mixed = await content(file.id).catch(() => ({ status: 0, body: Buffer.alloc(0), complete: false }))
      expect(mixed.complete).to.equal(false)
      expect(mixed.body.length).to.be.at.most(SEGMENT)
      expect(data.subarray(0, mixed.body.length).equals(mixed.body)).to.equal(true)
      // A damaged header: refused before any byte.
      const head = Buffer.from(original)
      head[0] = 0x58
      writeFileSync(blob, head)
      const bad = await content(file.id).catch(() => ({ status: 0, body: Buffer.alloc(0), complete: false }))
      expect(bad.status).to.not.equal(200)
      expect(bad.body.includes(data.subarray(0, 16))).to.equal(false)
      // Put right again, the file is whole.
      writeFileSync(blob, original)
      expect((await content(file.id)).body.equals(data)).to.equal(true)
    })

    it('the files.scan hook refuses an upload with 422, and nothing is stored', async () => {
      const f = await folder(alice.client, { name: 'Gescand' })
      const before = filesUnder(blobDir(tk))
      const refused = await put(alice.client, f.id, 'onschuldig.txt', `Hallo ${EICAR} daar`)
      expectProblem(refused, 422, 'FILE_REFUSED')
      expect(refused.body.detail).to.contain('EICAR')
      expect(await allChildren(alice.client, f.id)).to.deep.equal([])
      expect(await rows(`SELECT 1 FROM files_node WHERE name = 'onschuldig.txt'`)).to.deep.equal([])
      expect(filesUnder(blobDir(tk))).to.deep.equal(before)
      // A clean file passes; a refused new version leaves the current one in place.
      const clean = await upload(alice.client, f.id, 'schoon.txt', 'schoon')
      expectProblem(await put(alice.client, f.id, 'schoon.txt', EICAR), 422, 'FILE_REFUSED')
      const now = (await alice.client.get(`/api/v1/files/${clean.id}`)).body
      expect(now).to.include({ version: 1, sha256: sha256('schoon') })
      expect((await alice.client.get(`/api/v1/files/${clean.id}/versions`)).body.items).to.have.length(1)
      expect(filesUnder(blobDir(tk)).length).to.equal(before.length + 1)
    })
  })

  describe('administration', () => {
    it('the audit log records reads, writes, shares and link use, for site administrators only', async () => {
      const f = await folder(alice.client, { name: 'Geaudit' })
      const file = await upload(alice.client, f.id, 'gevolgd.txt', 'een')
      await upload(alice.client, f.id, 'gevolgd.txt', 'twee')
      await content(file.id)
      await alice.client.patch(`/api/v1/files/${file.id}`, { access: { read: [`user:${bob.user.id}`] } })
      const l = (await alice.client.post(`/api/v1/files/${file.id}/links`, {})).body
      await raw(tk.url, new URL(l.url).pathname)
      await alice.client.delete(`/api/v1/files/${file.id}/links/${l.id}`)
      await alice.client.delete(`/api/v1/files/${file.id}`)
      await alice.client.post(`/api/v1/files/${file.id}/restore`)

      expectProblem(await alice.client.get('/api/v1/files-audit'), 403, 'NOT_ADMIN')
      expectProblem(await anonymous.get('/api/v1/files-audit'), 401)
      const res = await admin.client.get(`/api/v1/files-audit?fileId=${file.id}&limit=100`)
      expect(res.status, res.text).to.equal(200)
      const entries = [...res.body.items].reverse()
      expect(entries.map((e: any) => e.action)).to.deep.equal([
        'file.create',
        'file.version',
        'file.read',
        'file.share',
        'link.create',
        'link.download',
        'link.revoke',
        'file.trash',
        'restore',
      ])
      for (const e of entries) {
        expect(e.fileId).to.equal(file.id)
        expect(e.at).to.match(/^\d{4}-\d{2}-\d{2}T/)
        if (e.action === 'link.download') {
          expect(e.accountId).to.equal(null)
          expect(e.linkId).to.equal(l.id)
        } else {
          expect(e.accountId, e.action).to.equal(alice.user.id)
        }
      }
      // Newest first, paged with `before`.
      const page = await admin.client.get('/api/v1/files-audit?limit=2')
      expect(page.body.items).to.have.length(2)
      expect(page.body.items[0].id).to.be.above(page.body.items[1].id)
      const next = await admin.client.get(`/api/v1/files-audit?limit=2&before=${page.body.before}`)
      expect(next.body.items[0].id).to.be.below(page.body.items[1].id)
      // Append-only: nothing in the API changes or removes entries.
      expect((await admin.client.delete('/api/v1/files-audit')).status).to.be.oneOf([404, 405])
    })

    it('rotating the site key re-wraps every file key without touching content; files still download byte-identical', async () => {
      const f = await folder(alice.client, { name: 'Sleutels' })
      const data = random(140_000)
      const file = await upload(alice.client, f.id, 'sleutel.bin', data)
      await upload(alice.client, f.id, 'sleutel.bin', Buffer.from('tweede'))
      const beforeRows = await rows('SELECT entity_id, version, wrapped_key, key_version, blob_key FROM files_version ORDER BY entity_id, version')
      const blobsBefore = await Promise.all(beforeRows.map(async r => sha256(readFileSync(`${blobDir(tk)}/${r.blob_key}`))))
      expectProblem(await alice.client.post('/api/v1/files-keys/rotate'), 403, 'NOT_ADMIN')

      const rotated = await admin.client.post('/api/v1/files-keys/rotate')
      expect(rotated.status, rotated.text).to.equal(200)
      const from = beforeRows[0].key_version as number
      expect(rotated.body).to.deep.equal({ version: from + 1, rewrapped: beforeRows.length })
      const afterRows = await rows('SELECT entity_id, version, wrapped_key, key_version, blob_key FROM files_version ORDER BY entity_id, version')
      expect(afterRows.length).to.equal(beforeRows.length)
      for (let i = 0; i < afterRows.length; i++) {
        expect(afterRows[i].key_version).to.equal(from + 1)
        expect(Buffer.compare(afterRows[i].wrapped_key, beforeRows[i].wrapped_key)).to.not.equal(0)
        expect(afterRows[i].blob_key).to.equal(beforeRows[i].blob_key)
      }
      const blobsAfter = await Promise.all(afterRows.map(async r => sha256(readFileSync(`${blobDir(tk)}/${r.blob_key}`))))
      expect(blobsAfter).to.deep.equal(blobsBefore)
      const v1 = await raw(tk.url, `/api/v1/files/${file.id}/versions/1/content`, { token: aliceToken })
      expect(v1.body.equals(data)).to.equal(true)
      expect((await content(file.id)).body.toString()).to.equal('tweede')
      // New files use the new key version; a second rotation moves everything on again.
      const fresh = await upload(alice.client, f.id, 'na-rotatie.txt', 'na rotatie')
      expect((await rows('SELECT key_version FROM files_version WHERE entity_id = $1', [fresh.id]))[0].key_version).to.equal(from + 1)
      const again = await admin.client.post('/api/v1/files-keys/rotate')
      expect(again.body.version).to.equal(from + 2)
      expect((await content(fresh.id)).body.toString()).to.equal('na rotatie')
      const audit = await admin.client.get('/api/v1/files-audit?limit=5')
      expect(audit.body.items.map((e: any) => e.action)).to.include('key.rotate')
    })

    it('publishes the files endpoints in the OpenAPI document', async () => {
      const doc = (await anonymous.get('/api/v1/openapi.json')).body
      for (const p of ['/folders', '/folders/{id}', '/folders/{id}/files/{name}', '/files/{id}/content', '/files/{id}/versions', '/files/{id}/links']) {
        expect(doc.paths, p).to.have.property(p)
      }
    })
  })

  describe('uploads need not declare a length', () => {
    it('takes a chunked body and stores it whole', async () => {
      const f = await folder(alice.client, { name: 'Chunked' })
      const parts = [random(10_000), random(70_000), random(5)]
      const res = await raw(tk.url, `/api/v1/folders/${f.id}/files/chunked.bin`, { method: 'PUT', token: aliceToken, chunks: parts })
      expect(res.status, res.body.toString()).to.equal(201)
      const whole = Buffer.concat(parts)
      expect(res.json).to.include({ size: whole.length, sha256: sha256(whole) })
      expect((await content(res.json.id)).body.equals(whole)).to.equal(true)
    })
  })

  it('stays consistent: every version row has its blob, and no blob lacks a row', async () => {
    const versions = await rows('SELECT blob_key FROM files_version')
    const onDisk = filesUnder(blobDir(tk)).filter(p => !p.startsWith('.tmp'))
    expect(onDisk.sort()).to.deep.equal(versions.map(v => v.blob_key).sort())
  })
})
