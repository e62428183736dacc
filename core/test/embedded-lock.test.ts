// One process at a time on an embedded database folder: a second opener is refused with the owner's pid,
// a lock left by a dead process is taken over, and closing the database frees the folder.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'chai'
import { Database, EmbeddedDatabaseBusyError, lockEmbedded } from '@plein/core'

describe('embedded database lock', function () {
  this.timeout(60_000)
  let dir: string
  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'plein-lock-')), 'pgdata')
  })
  afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }))

  it('refuses a second opener while the first holds the folder, and frees it on close', async () => {
    const first = await Database.open({ embeddedDir: dir, entities: [] })
    try {
      expect(readFileSync(`${dir}.lock`, 'utf8').trim()).to.equal(String(process.pid))
      let error: unknown
      try {
        await Database.open({ embeddedDir: dir, entities: [] })
      } catch (e) {
        error = e
      }
      expect(error).to.be.instanceOf(EmbeddedDatabaseBusyError)
      expect((error as Error).message).to.contain(`in use by process ${process.pid}`)
    } finally {
      await first.close()
    }
    expect(existsSync(`${dir}.lock`)).to.equal(false)
    const again = await Database.open({ embeddedDir: dir, entities: [] })
    expect(await again.query('SELECT 1 AS one')).to.deep.equal([{ one: 1 }])
    await again.close()
  })

  it('refuses while another live process holds it, and takes over a lock whose process is gone', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
    try {
      writeFileSync(`${dir}.lock`, `${child.pid}\n`)
      expect(() => lockEmbedded(dir)).to.throw(EmbeddedDatabaseBusyError, `in use by process ${child.pid}`)
    } finally {
      child.kill('SIGKILL')
      await new Promise(resolve => child.once('exit', resolve))
    }
    const release = lockEmbedded(dir) // the owner is dead: a stale lock
    expect(readFileSync(`${dir}.lock`, 'utf8').trim()).to.equal(String(process.pid))
    release()
    expect(existsSync(`${dir}.lock`)).to.equal(false)
  })
})
