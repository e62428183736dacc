// plein files decrypt / rotate-key: a file uploaded through HTTP to a real `plein start`, the server
// stopped, then recovered offline by the CLI byte for byte (and refused when damaged or keyed wrongly).
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { createTestDatabase, signUp, TestClient, type TestDatabase } from '@plein/testing'
import { fixture, plein, startPlein } from './support/processes.js'

const site = fixture('files')

function blobsUnder(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name)
      if (statSync(p).isDirectory()) {
        if (name !== '.tmp') walk(p)
      } else out.push(p)
    }
  }
  if (existsSync(dir)) walk(dir)
  return out
}

describe('plein files', function () {
  this.timeout(180_000)
  let dataDir: string
  let outDir: string
  let database: TestDatabase
  let env: Record<string, string>
  let fileId: string
  const v1 = randomBytes(150_000)
  const v2 = Buffer.concat([randomBytes(64 * 1024 * 3), Buffer.from('einde')])

  before(async function () {
    this.timeout(180_000)
    dataDir = mkdtempSync(path.join(tmpdir(), 'plein-cli-files-'))
    outDir = mkdtempSync(path.join(tmpdir(), 'plein-cli-files-out-'))
    database = await createTestDatabase()
    env = {
      PLEIN_DATA_DIR: dataDir,
      PLEIN_SECRET: 'cli-files-test-secret-that-is-long-enough-42',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    }
    // A real server: upload through HTTP, then stop it.
    const server = startPlein(['start', site], env)
    const port = await server.port()
    const { client } = await signUp(new TestClient(`http://127.0.0.1:${port}`))
    const folder = await client.post('/api/v1/folders', { name: 'Archief' })
    expect(folder.status, folder.text).to.equal(201)
    const put = (body: Buffer) => client.put(`/api/v1/folders/${folder.body.id}/files/rapport.pdf`, undefined, { raw: body, headers: { 'content-type': 'application/octet-stream' } })
    const first = await put(v1)
    expect(first.status, first.text).to.equal(201)
    fileId = first.body.id
    expect((await put(v2)).status).to.equal(200)
    expect(await server.stop()).to.equal(0)
  })
  after(async () => {
    await database?.drop()
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(outDir, { recursive: true, force: true })
  })

  const out = (name: string) => path.join(outDir, name)

  it('decrypt recovers the current version, and any earlier one, byte for byte, with the server stopped', async () => {
    const run = await plein(['files', 'decrypt', site, fileId, '--out', out('current.pdf')], env).done
    expect(run.code, run.stderr).to.equal(0)
    expect(run.stdout).to.match(/Decrypted "rapport\.pdf" version 2: 196613 bytes, SHA-256 [0-9a-f]{64} \(verified\)/)
    expect(readFileSync(out('current.pdf')).equals(v2)).to.equal(true)
    const old = await plein(['files', 'decrypt', site, fileId, '--version', '1', '--out', out('v1.pdf')], env).done
    expect(old.code, old.stderr).to.equal(0)
    expect(readFileSync(out('v1.pdf')).equals(v1)).to.equal(true)
  })

  it('decrypt refuses a damaged blob, a wrong secret or an unknown file, and writes nothing', async () => {
    const blobs = blobsUnder(path.join(dataDir, 'blobs', 'files'))
    expect(blobs).to.have.length(2)
    const originals = blobs.map(b => readFileSync(b))
    try {
      for (const [i, b] of blobs.entries()) {
        const damaged = Buffer.from(originals[i]!)
        damaged[9 + 64 * 1024 + 16 + 3]! ^= 0x10
        writeFileSync(b, damaged)
      }
      const run = await plein(['files', 'decrypt', site, fileId, '--out', out('damaged.pdf')], env).done
      expect(run.code).to.equal(1)
      expect(run.stderr).to.contain('segment 1 does not authenticate')
      expect(existsSync(out('damaged.pdf'))).to.equal(false)
      expect(readdirSync(outDir).filter(f => f.startsWith('damaged'))).to.deep.equal([])
    } finally {
      for (const [i, b] of blobs.entries()) writeFileSync(b, originals[i]!)
    }
    const wrong = await plein(['files', 'decrypt', site, fileId, '--out', out('wrong.pdf')], { ...env, PLEIN_SECRET: 'another-secret-that-is-long-enough-000000' }).done
    expect(wrong.code).to.equal(1)
    expect(wrong.stderr).to.contain('does not unwrap')
    expect(existsSync(out('wrong.pdf'))).to.equal(false)
    const unknown = await plein(['files', 'decrypt', site, '00000000-0000-4000-8000-000000000000', '--out', out('x')], env).done
    expect(unknown.code).to.equal(1)
    expect(unknown.stderr).to.contain('no file')
    const usage = await plein(['files', 'decrypt', site, fileId], env).done
    expect(usage.code).to.equal(2)
    expect(usage.stderr).to.contain('--out')
  })

  it('rotate-key re-wraps the file keys; the blobs stay as they were and decrypt still recovers the file', async () => {
    const blobs = blobsUnder(path.join(dataDir, 'blobs', 'files')).map(b => readFileSync(b))
    const run = await plein(['files', 'rotate-key', site], env).done
    expect(run.code, run.stderr).to.equal(0)
    expect(run.stdout).to.contain('to version 2: 2 file keys re-wrapped')
    expect(blobsUnder(path.join(dataDir, 'blobs', 'files')).map(b => readFileSync(b))).to.deep.equal(blobs)
    const after = await plein(['files', 'decrypt', site, fileId, '--version', '1', '--out', out('after-rotation.pdf')], env).done
    expect(after.code, after.stderr).to.equal(0)
    expect(readFileSync(out('after-rotation.pdf')).equals(v1)).to.equal(true)
    const unknownSite = await plein(['files', 'rotate-key', site, '--site', 'elders.example'], env).done
    expect(unknownSite.code).to.equal(1)
  })
})
