// plein seed: its flags, and a tiny run of the real command twice (the second adds nothing).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { createTestDatabase, type TestDatabase } from '@plein/testing'
import { seedOptions } from '../src/commands/seed.js'
import { plein } from './support/processes.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const site = path.resolve(here, '../../../bench/site')

const run = (args: string[], env: Record<string, string>) => plein(args, { LOG_LEVEL: 'warn', ...env }).done

describe('plein seed', function () {
  this.timeout(240_000)

  it('reads the scale from a factor and from explicit counts, and refuses nonsense', () => {
    const tenth = seedOptions(new Map([['scale', '0.1']]))
    expect(tenth).to.deep.include({ seed: 1 })
    expect(typeof tenth !== 'string' && tenth.scale).to.deep.equal({ users: 10_000, groups: 500, subsites: 30, items: 100_000, commentsPerItem: 1 })
    const mixed = seedOptions(new Map([['scale', '0.01'], ['items', '500'], ['seed', '9'], ['comments', '0.5']]))
    expect(typeof mixed !== 'string' && mixed).to.deep.equal({ seed: 9, scale: { users: 1000, groups: 50, subsites: 3, items: 500, commentsPerItem: 0.5 } })
    expect(seedOptions(new Map([['users', '-1']]))).to.match(/--users must be a whole number/)
    expect(seedOptions(new Map([['scale', 'big']]))).to.match(/--scale must be a number/)
    expect(seedOptions(new Map([['seed', '1.5']]))).to.match(/--seed must be a whole number/)
  })

  describe('run twice with the same seed', () => {
    let database: TestDatabase
    let dataDir: string
    let env: Record<string, string>
    before(async () => {
      database = await createTestDatabase()
      dataDir = mkdtempSync(path.join(tmpdir(), 'plein-seed-cli-'))
      env = { PLEIN_DATA_DIR: dataDir, PLEIN_SECRET: 'seed-test-secret-that-is-long-enough-0123456789', ...(database.url ? { DATABASE_URL: database.url } : {}) }
    })
    after(async () => {
      await database?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    })

    it('writes the rows with progress on stderr, then nothing new', async () => {
      const args = ['seed', site, '--users', '30', '--groups', '4', '--subsites', '1', '--items', '120', '--seed', '3']
      const first = await run(args, env)
      expect(first.code, first.stderr).to.equal(0)
      expect(first.stdout).to.match(/Seeded in [\d.]+ s: kernel_account 30, .*entity 124,/)
      // Not a terminal: plain progress lines, no bar redrawn with carriage returns.
      expect(first.stderr).to.match(/blog\s+\d+\/60\s+100%/)
      expect(first.stderr).to.not.include('\r')
      const second = await run(args, env)
      expect(second.code, second.stderr).to.equal(0)
      expect(second.stdout).to.include('nothing new (this seed was there already)')
    })
  })
})
