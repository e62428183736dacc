// Limits through HTTP: the largest upload (413), quotas per person and group on the real stored bytes
// (507), the trash counting until its retention is over, and concurrent uploads of one name.
import { expect } from 'chai'
import { createTestKernel, type SignedUp, type TestKernel } from '@plein/testing'
import { filesPlugin } from '@plein/plugin-files'
import { groupsPlugin } from '@plein/plugin-groups'
import { allChildren, blobDir, expectProblem, filesUnder, folder, put, random, raw, tokenOf, upload } from './helpers.js'

/** The stored size of a plaintext of n bytes (under 64 KiB): header, ciphertext, one tag. */
const stored = (n: number) => 9 + n + 16

describe('files limits', function () {
  this.timeout(60_000)
  let tk: TestKernel
  let alice: SignedUp
  let bob: SignedUp
  let aliceToken: string

  before(async function () {
    this.timeout(180_000)
    tk = await createTestKernel({
      plugins: [filesPlugin, groupsPlugin],
      settings: { files: { quotaPerUserBytes: 1000, quotaPerGroupBytes: 1500, maxUploadBytes: 800, trashDays: 7 } },
    })
    await tk.signUp({ name: 'Admin' })
    alice = await tk.signUp({ name: 'Alice' })
    bob = await tk.signUp({ name: 'Bob' })
    aliceToken = await tokenOf(alice)
  })
  after(() => tk?.close())

  const rows = (sql: string, params: unknown[] = []) => tk.kernel.db.query(sql, params)
  const snapshot = async () => ({ blobs: filesUnder(blobDir(tk)), versions: (await rows('SELECT count(*)::int AS n FROM files_version'))[0].n })

  it('concurrent uploads of one new name: one file, the rest are new versions or 409s, never a 5xx, no orphan blob', async () => {
    const carol = await tk.signUp({ name: 'Carol' })
    const f = await folder(carol.client, { name: 'Tegelijk' })
    const carolToken = await tokenOf(carol)
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => raw(tk.url, `/api/v1/folders/${f.id}/files/zelfde.txt`, { method: 'PUT', token: carolToken, body: `poging ${i}` })),
    )
    const statuses = answers.map(a => a.status)
    expect(statuses.filter(s => s >= 500), JSON.stringify(answers.map(a => a.json))).to.deep.equal([])
    expect(statuses.filter(s => s === 201)).to.have.length(1)
    for (const s of statuses) expect([200, 201, 409]).to.include(s)
    const children = await allChildren(carol.client, f.id)
    expect(children).to.have.length(1)
    const versions = await rows('SELECT version FROM files_version WHERE entity_id = $1 ORDER BY version', [children[0].id])
    expect(versions.map(v => v.version)).to.deep.equal(Array.from({ length: statuses.filter(s => s !== 409).length }, (_, i) => i + 1))
    // Folders too: one is made, the others hear 409.
    const made = await Promise.all(Array.from({ length: 6 }, () => carol.client.post('/api/v1/folders', { name: 'Zelfde map', parentId: f.id })))
    expect(made.map(m => m.status).sort()).to.deep.equal([201, 409, 409, 409, 409, 409])
  })

  it('answers 413 for an upload larger than maxUploadBytes, declared or not, and stores nothing', async () => {
    const f = await folder(alice.client, { name: 'Groot' })
    const before = await snapshot()
    expectProblem(await put(alice.client, f.id, 'te-groot.bin', random(801)), 413, 'FILE_TOO_LARGE')
    const chunked = await raw(tk.url, `/api/v1/folders/${f.id}/files/te-groot.bin`, { method: 'PUT', token: aliceToken, chunks: [random(500), random(301)] })
    expect(chunked.status).to.equal(413)
    expect(chunked.json.code).to.equal('FILE_TOO_LARGE')
    expect(await snapshot()).to.deep.equal(before)
    expect(await allChildren(alice.client, f.id)).to.deep.equal([])
    expect((await upload(alice.client, f.id, 'precies.bin', random(800))).size).to.equal(800)
    await alice.client.delete(`/api/v1/folders/${f.id}`)
  })

  it('answers 507 once a person’s own folders hold their quota, counting every version and the trash, until the trash is emptied', async () => {
    // What the previous test stored still counts (it is in the trash): empty it first, as the retention job would.
    await rows(`UPDATE files_node SET deleted_at = now() - interval '8 days' WHERE deleted_at IS NOT NULL`)
    await tk.kernel.jobs.enqueue('files.purgeTrash')
    await tk.kernel.jobs.drain()
    expect(await rows('SELECT 1 FROM files_node WHERE deleted_at IS NOT NULL')).to.deep.equal([])

    const f = await folder(alice.client, { name: 'Quotum' })
    const first = await upload(alice.client, f.id, 'een.bin', random(500))
    const before = await snapshot()
    // 525 of 1000 bytes used: another 500 does not fit (declared, or found out while streaming).
    expectProblem(await put(alice.client, f.id, 'twee.bin', random(500)), 507, 'QUOTA_EXCEEDED')
    const chunked = await raw(tk.url, `/api/v1/folders/${f.id}/files/twee.bin`, { method: 'PUT', token: aliceToken, chunks: [random(300), random(200)] })
    expect(chunked.status).to.equal(507)
    expect(chunked.json.code).to.equal('QUOTA_EXCEEDED')
    // A new version keeps the old one: it needs room too.
    expectProblem(await put(alice.client, f.id, 'een.bin', random(500)), 507)
    expect(await snapshot()).to.deep.equal(before)
    // What fits, fits: 525 + 425 = 950.
    await upload(alice.client, f.id, 'drie.bin', random(400))
    expectProblem(await put(alice.client, f.id, 'vier.bin', random(100)), 507)
    // Bob has his own quota.
    const bf = await folder(bob.client, { name: 'Bob' })
    await upload(bob.client, bf.id, 'bob.bin', random(700))

    // The trash still counts; once the retention is over, the trash is emptied and the space is free again.
    expect((await alice.client.delete(`/api/v1/files/${first.id}`)).status).to.equal(204)
    expectProblem(await put(alice.client, f.id, 'vijf.bin', random(400)), 507)
    const blob = (await rows('SELECT blob_key FROM files_version WHERE entity_id = $1', [first.id]))[0].blob_key
    await tk.kernel.jobs.enqueue('files.purgeTrash')
    await tk.kernel.jobs.drain()
    expect(await rows('SELECT 1 FROM files_node WHERE entity_id = $1', [first.id]), 'not yet: within trashDays').to.have.length(1)
    await rows(`UPDATE files_node SET deleted_at = now() - interval '8 days' WHERE entity_id = $1`, [first.id])
    await tk.kernel.jobs.enqueue('files.purgeTrash')
    await tk.kernel.jobs.drain()
    expect(await rows('SELECT 1 FROM files_node WHERE entity_id = $1', [first.id])).to.deep.equal([])
    expect(await rows('SELECT 1 FROM files_version WHERE entity_id = $1', [first.id])).to.deep.equal([])
    expect(await rows('SELECT 1 FROM entity WHERE id = $1', [first.id])).to.deep.equal([])
    expect(filesUnder(blobDir(tk))).to.not.include(blob)
    expectProblem(await alice.client.post(`/api/v1/files/${first.id}/restore`), 404)
    await upload(alice.client, f.id, 'vijf.bin', random(400))
  })

  it('a group’s folders have the group’s quota, apart from its members’ own', async () => {
    const group = (await alice.client.post('/api/v1/groups', { name: 'Quotumgroep', membership: 'open' })).body
    await bob.client.post(`/api/v1/groups/${group.id}/join`)
    const gf = await folder(alice.client, { name: 'Groepsmap', containerId: group.id, access: { read: [`group:${group.id}`], write: [`group:${group.id}`] } })
    // Alice's own quota is nearly used up; the group's is not.
    await upload(alice.client, gf.id, 'a.bin', random(700))
    await upload(bob.client, gf.id, 'b.bin', random(700))
    // 2 × 725 = 1450 of 1500.
    expectProblem(await put(bob.client, gf.id, 'c.bin', random(100)), 507, 'QUOTA_EXCEEDED')
    await upload(bob.client, gf.id, 'c.bin', random(20))
  })

  it('a drop box cannot fill a quota past its end either', async () => {
    const box = await folder(bob.client, { name: 'Bus' })
    const link = (await bob.client.post(`/api/v1/files/${box.id}/links`, {})).body
    const token = new URL(link.url).pathname.split('/')[2]
    // Bob holds 725 bytes: 250 more fit, 300 do not.
    const refused = await raw(tk.url, `/s/${token}/groot.bin`, { method: 'PUT', body: random(300) })
    expect(refused.status).to.equal(507)
    const ok = await raw(tk.url, `/s/${token}/klein.bin`, { method: 'PUT', body: random(240) })
    expect(ok.status).to.equal(201)
  })

  it('leaves every version row with its blob and no blob without a row', async () => {
    const versions = await rows('SELECT blob_key FROM files_version')
    const onDisk = filesUnder(blobDir(tk)).filter(p => !p.startsWith('.tmp'))
    expect(onDisk.sort()).to.deep.equal(versions.map(v => v.blob_key).sort())
  })
})
