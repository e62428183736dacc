// Database.query: TypeORM's answers (rows, [rows, count], QueryFailedError) without its query runner, and
// statements prepared by name that survive a table changed under them.
import { expect } from 'chai'
import { QueryFailedError } from 'typeorm'
import { createTestKernel, type TestKernel } from '@plein/testing'

describe('Database.query', () => {
  let tk: TestKernel
  before(async () => {
    tk = await createTestKernel()
    await tk.kernel.db.query('CREATE TABLE db_query_probe (id int PRIMARY KEY, name text)')
  })
  after(async () => {
    await tk?.kernel.db.query('DROP TABLE IF EXISTS db_query_probe')
    await tk?.close()
  })

  it('answers rows, [rows, count] for UPDATE and DELETE, and QueryFailedError with the driver code', async () => {
    const db = tk.kernel.db
    expect(await db.query('INSERT INTO db_query_probe (id, name) VALUES ($1, $2), ($3, $4) RETURNING id', [1, 'a', 2, 'b'])).to.deep.equal([{ id: 1 }, { id: 2 }])
    expect(await db.query('SELECT name FROM db_query_probe WHERE id = $1', [2])).to.deep.equal([{ name: 'b' }])
    expect(await db.query('UPDATE db_query_probe SET name = $2 WHERE id = $1 RETURNING name', [1, 'c'])).to.deep.equal([[{ name: 'c' }], 1])
    expect(await db.query('DELETE FROM db_query_probe WHERE id = $1', [99])).to.deep.equal([[], 0])
    const failed = await db.query('INSERT INTO db_query_probe (id, name) VALUES ($1, $2)', [2, 'again']).catch(e => e)
    expect(failed).to.be.instanceOf(QueryFailedError)
    expect((failed as QueryFailedError & { code?: string }).code).to.equal('23505')
    // Still usable afterwards (the failed statement did not spoil the connection).
    expect(await db.query('SELECT count(*)::int AS n FROM db_query_probe WHERE id > $1', [0])).to.deep.equal([{ n: 2 }])
    // Several statements without parameters go as one simple query, as before.
    expect(await db.query('SELECT 1; SELECT 2')).to.equal(undefined)
  })

  it('answers a statement prepared before its table changed (another process migrated) with the new columns', async () => {
    const db = tk.kernel.db
    // Every pooled connection prepares it: run it side by side more often than the pool has connections.
    const read = () => Promise.all(Array.from({ length: 12 }, () => db.query('SELECT * FROM db_query_probe WHERE id = $1', [1])))
    for (const rows of await read()) expect(Object.keys(rows[0]!)).to.deep.equal(['id', 'name'])
    await db.query('ALTER TABLE db_query_probe ADD COLUMN added text')
    for (const rows of await read()) expect(Object.keys(rows[0]!)).to.deep.equal(['id', 'name', 'added'])
    for (const rows of await read()) expect(Object.keys(rows[0]!)).to.deep.equal(['id', 'name', 'added'])
  })
})
