// multipart/form-data uploads through HTTP: streamed into the same save path as PUT (memory flat for a large
// file, hash and sniffed type right), nothing left by a cut-off body, CSRF for cookie sessions, limits and quotas.
import { createHash, randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { filesPlugin } from '@plein/plugin-files'
import { groupsPlugin } from '@plein/plugin-groups'
import { allChildren, blobDir, expectProblem, filesUnder, folder, raw, tokenOf } from './helpers.js'

const BOUNDARY = '----plein-test-7MA4YWxkTrZu0gW'
const MiB = 1024 * 1024

type Part = { name: string; value: string } | { name: string; filename: string; content: Buffer | string; type?: string }

/** A whole multipart body, parts in the order given. */
function multipart(parts: Part[]): Buffer {
  const chunks: Buffer[] = []
  for (const p of parts) {
    const head =
      'filename' in p
        ? `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}\r\n\r\n`
        : `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n`
    chunks.push(Buffer.from(head), Buffer.from('filename' in p ? p.content : p.value), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`))
  return Buffer.concat(chunks)
}
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

/** Deterministic pseudo-random bytes, made on the fly (the test never holds the whole file either). */
function* generated(total: number, chunk = 256 * 1024): Generator<Buffer> {
  const block = randomBytes(chunk)
  for (let sent = 0, i = 0; sent < total; i++) {
    const n = Math.min(chunk, total - sent)
    const b = Buffer.from(block.subarray(0, n))
    b.writeUInt32BE(i, 0)
    sent += n
    yield b
  }
}

describe('files: multipart/form-data uploads', function () {
  this.timeout(120_000)
  let tk: TestKernel
  let alice: SignedUp
  let bob: SignedUp
  let aliceToken: string

  before(async function () {
    this.timeout(180_000)
    tk = await createTestKernel({
      plugins: [filesPlugin, groupsPlugin],
      settings: { files: { quotaPerGroupBytes: 4000, maxUploadBytes: 64 * MiB } },
    })
    await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    aliceToken = await tokenOf(alice)
  })
  after(() => tk?.close())

  const rows = (sql: string, params: unknown[] = []) => tk.kernel.db.query(sql, params)
  // Stored blobs, not the temporary files of uploads in flight (.tmp/): a test that cares about those looks
  // at them itself. (A temporary file of another upload, removed a moment later, once made a snapshot differ.)
  const snapshot = async () => ({
    blobs: filesUnder(blobDir(tk)).filter(b => !b.startsWith('.tmp/')),
    versions: (await rows('SELECT count(*)::int AS n FROM files_version'))[0].n,
    nodes: (await rows('SELECT count(*)::int AS n FROM files_node'))[0].n,
  })
  const post = (folderId: string, body: Buffer, options: { token?: string; headers?: Record<string, string> } = {}) =>
    raw(tk.url, `/api/v1/folders/${folderId}/files`, { method: 'POST', body, token: options.token ?? aliceToken, headers: { 'content-type': TYPE, ...options.headers } })

  it('stores each file part like a PUT: names from the parts (or a name field), types sniffed, new versions for existing names', async () => {
    const f = await folder(alice.client, { name: 'Formulier' })
    const res = await post(
      f.id,
      multipart([
        { name: 'file', filename: 'notulen.txt', content: 'Notulen van dinsdag', type: 'image/png' },
        { name: 'file', filename: 'plaatje.png', content: '<html><script>alert(1)</script></html>', type: 'image/png' },
      ]),
    )
    expect(res.status, res.body.toString()).to.equal(201)
    expect(res.json.items.map((i: any) => [i.name, i.mime, i.size, i.version])).to.deep.equal([
      ['notulen.txt', 'text/plain', 19, 1],
      // What the bytes are, never what the client says.
      ['plaatje.png', 'text/html', 38, 1],
    ])
    expect(res.json.items[0].sha256).to.equal(sha256('Notulen van dinsdag'))
    const back = await raw(tk.url, `/api/v1/files/${res.json.items[0].id}/content`, { token: aliceToken })
    expect(back.body.toString()).to.equal('Notulen van dinsdag')

    // The same name again: a new version (200); a `name` field before the part renames it.
    const again = await post(f.id, multipart([{ name: 'file', filename: 'notulen.txt', content: 'Notulen, verbeterd' }]))
    expect(again.status).to.equal(200)
    expect(again.json.items[0]).to.include({ id: res.json.items[0].id, version: 2 })
    const named = await post(f.id, multipart([{ name: 'name', value: 'Anders genoemd.txt' }, { name: 'file', filename: 'C:\\fakepath\\x.txt', content: 'x' }]))
    expect(named.status).to.equal(201)
    expect(named.json.items[0].name).to.equal('Anders genoemd.txt')
    // UTF-8 file names as browsers send them, normalised (NFC) like every name.
    const dutch = await post(f.id, multipart([{ name: 'file', filename: 'verslag-e\u0301e\u0301n.txt', content: 'één' }]))
    expect(dutch.json.items[0].name).to.equal('verslag-één.txt'.normalize('NFC'))
    // An empty file input (nothing chosen) is no file.
    expectProblem(await raw(tk.url, `/api/v1/folders/${f.id}/files`, { method: 'POST', token: aliceToken, headers: { 'content-type': TYPE }, body: multipart([{ name: 'file', filename: '', content: '' }]) }).then(toResponse), 400, 'NO_FILE')
    // Names go through the same checks as everywhere.
    expectProblem(toResponse(await post(f.id, multipart([{ name: 'name', value: '..' }, { name: 'file', filename: 'x.txt', content: 'x' }]))), 400, 'INVALID_NAME')
    expectProblem(toResponse(await post(f.id, Buffer.from('{}'), { headers: { 'content-type': 'application/json' } })), 415)
    expect((await allChildren(alice.client, f.id)).map(i => i.name)).to.deep.equal(['Anders genoemd.txt', 'notulen.txt', 'plaatje.png', 'verslag-één.txt'.normalize('NFC')])
  })

  it('streams a 48 MiB file with the memory of the server staying flat, and the bytes arrive intact', async () => {
    const f = await folder(alice.client, { name: 'Groot' })
    const size = 48 * MiB
    const hash = createHash('sha256')
    // Live memory, not garbage: a full collection before each sample (server and client share this process).
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    // Warm up first (code paths, statement caches, pools), so what is measured is what the size costs.
    expect((await post(f.id, multipart([{ name: 'file', filename: 'warm.bin', content: randomBytes(MiB) }]))).status).to.equal(201)
    gc()
    const base = process.memoryUsage()
    let peak = -Infinity
    let samples = 0
    // A full collection costs more the larger the heap (in a whole-suite run it holds every earlier test's
    // leftovers): the next sample waits ten times as long as the last collection took, so collections never
    // take more than a tenth of the time and the upload itself is not starved.
    let sampling: NodeJS.Timeout | undefined
    const sample = () => {
      const started = performance.now()
      gc()
      const m = process.memoryUsage()
      samples++
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - (base.heapUsed + base.arrayBuffers))
      sampling = setTimeout(sample, Math.max(250, 10 * (performance.now() - started)))
    }
    sampling = setTimeout(sample, 250)
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { hostname: '127.0.0.1', port: tk.port, path: `/api/v1/folders/${f.id}/files`, method: 'POST', headers: { authorization: `Bearer ${aliceToken}`, 'content-type': TYPE, 'transfer-encoding': 'chunked' } },
        res => {
          const chunks: Buffer[] = []
          res.on('data', c => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
        },
      )
      req.on('error', reject)
      void (async () => {
        req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="groot.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`)
        for (const chunk of generated(size)) {
          hash.update(chunk)
          // Backpressure on the client too: never more than a socket buffer in flight.
          if (!req.write(chunk)) await new Promise(r => req.once('drain', r))
        }
        req.end(`\r\n--${BOUNDARY}--\r\n`)
      })()
    })
    clearTimeout(sampling)
    expect(answer.status, answer.body).to.equal(201)
    const file = JSON.parse(answer.body).items[0]
    expect(file.size).to.equal(size)
    expect(file.sha256).to.equal(hash.digest('hex'))
    // Buffering the file would take 48 MiB at least; streaming takes a few segments and socket buffers. Measured here
    // after full collections: 0–18 MiB, as much for 8 MiB files as for 32 MiB ones (what is in flight at that moment).
    console.log(`      live memory growth during the upload: ${(peak / MiB).toFixed(1)} MiB (${samples} samples)`)
    expect(samples, "memory samples taken while the upload ran").to.be.above(0)
    expect(peak / MiB, `peak growth of live heap + buffers: ${(peak / MiB).toFixed(1)} MiB`).to.be.below(28)
    // Read back whole: the stored bytes decrypt to the same hash.
    const down = createHash('sha256')
    await new Promise<void>((resolve, reject) => {
      httpRequest({ hostname: '127.0.0.1', port: tk.port, path: `/api/v1/files/${file.id}/content`, headers: { authorization: `Bearer ${aliceToken}` } }, res => {
        res.on('data', c => down.update(c))
        res.on('end', () => resolve())
        res.on('error', reject)
      }).end()
    })
    expect(down.digest('hex')).to.equal(file.sha256)
  })

  it('a cut-off multipart upload leaves no row, no blob and no temporary file; parts saved before it stay', async () => {
    const f = await folder(alice.client, { name: 'Afgebroken' })
    const before = await snapshot()
    const socket = connect(tk.port, '127.0.0.1')
    await new Promise<void>(resolve => socket.once('connect', () => resolve()))
    socket.write(
      `POST /api/v1/folders/${f.id}/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${aliceToken}\r\nContent-Type: ${TYPE}\r\nContent-Length: ${4 * MiB}\r\n\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="heel.txt"\r\n\r\nhelemaal hier\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="afgebroken.bin"\r\n\r\n`,
    )
    socket.write(randomBytes(MiB))
    const tmp = `${blobDir(tk)}/.tmp`
    const until = Date.now() + 10_000
    while (filesUnder(tmp).length === 0 && Date.now() < until) await new Promise(r => setTimeout(r, 20))
    expect(filesUnder(tmp), 'a temporary file while the upload runs').to.have.length.above(0)
    socket.destroy()
    const settle = Date.now() + 10_000
    let now = await snapshot()
    while ((now.versions !== before.versions + 1 || filesUnder(tmp).length > 0 || now.blobs.length !== before.blobs.length + 1) && Date.now() < settle) {
      await new Promise(r => setTimeout(r, 25))
      now = await snapshot()
    }
    expect(filesUnder(tmp)).to.deep.equal([])
    expect(now.versions).to.equal(before.versions + 1)
    expect(now.blobs).to.have.length(before.blobs.length + 1)
    expect(await rows(`SELECT 1 FROM files_node WHERE name = 'afgebroken.bin'`)).to.deep.equal([])
    expect(await rows(`SELECT 1 FROM entity WHERE title = 'afgebroken.bin'`)).to.deep.equal([])
    expect((await allChildren(alice.client, f.id)).map(i => i.name)).to.deep.equal(['heel.txt'])
  })

  it('a cookie session needs its CSRF token (header, or a _csrf field before the file); API tokens do not', async () => {
    const f = await folder(alice.client, { name: 'Sessie' })
    const before = await snapshot()
    const form = (parts: Part[], headers: Record<string, string> = {}) =>
      alice.client.post(`/api/v1/folders/${f.id}/files`, undefined, { raw: multipart(parts), headers: { 'content-type': TYPE, 'x-csrf-token': '', ...headers } })
    expectProblem(await form([{ name: 'file', filename: 'zonder.txt', content: 'geen token' }]), 403, 'CSRF_TOKEN_INVALID')
    expectProblem(await form([{ name: '_csrf', value: 'verkeerd' }, { name: 'file', filename: 'fout.txt', content: 'fout token' }]), 403, 'CSRF_TOKEN_INVALID')
    // The token after the file is too late: the file would have been stored before it was seen.
    expectProblem(await form([{ name: 'file', filename: 'laat.txt', content: 'te laat' }, { name: '_csrf', value: alice.client.csrfToken! }]), 403, 'CSRF_TOKEN_INVALID')
    expect(await snapshot()).to.deep.equal(before)
    const field = await form([{ name: '_csrf', value: alice.client.csrfToken! }, { name: 'file', filename: 'veld.txt', content: 'met token' }])
    expect(field.status, field.text).to.equal(201)
    const header = await form([{ name: 'file', filename: 'kop.txt', content: 'met kop' }], { 'x-csrf-token': alice.client.csrfToken! })
    expect(header.status, header.text).to.equal(201)
    // Others cannot write here, token or not.
    expectProblem(toResponse(await post(f.id, multipart([{ name: 'file', filename: 'bob.txt', content: 'bob' }]), { token: await tokenOf(bob) })), 404, 'FOLDER_NOT_FOUND')
    expectProblem(toResponse(await raw(tk.url, `/api/v1/folders/${f.id}/files`, { method: 'POST', headers: { 'content-type': TYPE }, body: multipart([{ name: 'file', filename: 'anoniem.txt', content: 'x' }]) })), 401)
  })

  it('answers 507 over the quota and 413 over the size limit while streaming, and stores nothing', async () => {
    const group = (await alice.client.post('/api/v1/groups', { name: 'Krappe groep', membership: 'open' })).body
    const gf = await folder(alice.client, { name: 'Groepsmap', containerId: group.id })
    const before = await snapshot()
    // 4000 bytes of quota: 5000 do not fit (the request's Content-Length counts parts, so it is found out while streaming).
    expectProblem(toResponse(await post(gf.id, multipart([{ name: 'file', filename: 'te-veel.bin', content: randomBytes(5000) }]))), 507, 'QUOTA_EXCEEDED')
    expect(await snapshot()).to.deep.equal(before)
    const fits = await post(gf.id, multipart([{ name: 'file', filename: 'past.bin', content: randomBytes(3000) }]))
    expect(fits.status).to.equal(201)

    const f = await folder(alice.client, { name: 'Limiet' })
    const middle = await snapshot()
    const big = await new Promise<{ status: number; json: any }>((resolve, reject) => {
      const req = httpRequest(
        { hostname: '127.0.0.1', port: tk.port, path: `/api/v1/folders/${f.id}/files`, method: 'POST', headers: { authorization: `Bearer ${aliceToken}`, 'content-type': TYPE, 'transfer-encoding': 'chunked' } },
        res => {
          const chunks: Buffer[] = []
          res.on('data', c => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }))
        },
      )
      req.on('error', () => undefined)
      void (async () => {
        req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="te-groot.bin"\r\n\r\n`)
        for (const chunk of generated(65 * MiB)) {
          if (req.destroyed) return
          if (!req.write(chunk)) {
            await new Promise<void>(resolve => {
              const done = () => {
                req.off('drain', done)
                req.off('close', done)
                resolve()
              }
              req.on('drain', done)
              req.on('close', done)
            })
          }
        }
        req.end(`\r\n--${BOUNDARY}--\r\n`)
      })()
      req.on('error', reject)
    })
    expect(big.status).to.equal(413)
    expect(big.json.code).to.equal('FILE_TOO_LARGE')
    const settle = Date.now() + 5000
    while (filesUnder(`${blobDir(tk)}/.tmp`).length > 0 && Date.now() < settle) await new Promise(r => setTimeout(r, 25))
    expect(await snapshot()).to.deep.equal(middle)
  })
})

/** raw()'s answer in the shape expectProblem reads. */
function toResponse(b: { status: number; headers: Record<string, unknown>; body: Buffer; json?: any }) {
  return { status: b.status, headers: b.headers as Record<string, string>, body: b.json, text: b.body.toString('utf8') }
}
