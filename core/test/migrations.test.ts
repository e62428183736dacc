// Migrations: dependency order, one transaction per plugin, recorded per plugin, never run twice.
import { expect } from 'chai'
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm'
import { Kernel, definePlugin, type MigrationClass, type PluginDefinition } from '@plein/core'
import { createTestKernel, type TestKernel } from '@plein/testing'
import { TEST_SECRET, bootError, problemOf, reopenableDatabase, repoRoot, silentLog, testConfig } from './support/kit.js'

interface Ran {
  plugin: string
  name: string
  tx: string
}

/** A migration that runs `sql` and records itself (with its transaction id) in `log`. */
function migration(log: Ran[], plugin: string, name: string, sql: string[]): MigrationClass {
  return class {
    name = name
    async up(q: { query(sql: string): Promise<any[]> }) {
      const [{ tx }] = await q.query('SELECT txid_current()::text AS tx')
      log.push({ plugin, name, tx })
      for (const statement of sql) await q.query(statement)
    }
  }
}

const bootOn = (db: Awaited<ReturnType<typeof reopenableDatabase>>, plugins: PluginDefinition[]) =>
  Kernel.boot({ siteDir: repoRoot, config: testConfig(), plugins: plugins.map(source => ({ source })), log: silentLog(), secret: TEST_SECRET, ...db.options })

@Entity({ name: 'notes_note' })
class Note {
  @PrimaryGeneratedColumn('uuid')
  id!: string

  @Column({ type: 'text' })
  text!: string
}

describe('migrations', () => {
  describe('on a fresh database', () => {
    let tk: TestKernel
    const ran: Ran[] = []

    before(async () => {
      tk = await createTestKernel({
        plugins: [
          definePlugin({
            id: 'aa-user',
            dependencies: { 'zz-base': '*' },
            migrations: [
              migration(ran, 'aa-user', 'AaUserThing1', [
                'CREATE TABLE aa_user_thing (id int PRIMARY KEY, base_id int NOT NULL REFERENCES zz_base_item (id))',
              ]),
            ],
          }),
          definePlugin({
            id: 'zz-base',
            migrations: [
              migration(ran, 'zz-base', 'ZzBaseItem1', ['CREATE TABLE zz_base_item (id int PRIMARY KEY)']),
              migration(ran, 'zz-base', 'ZzBaseItemLabel2', ['ALTER TABLE zz_base_item ADD COLUMN label text']),
            ],
          }),
          definePlugin({ id: 'mm-solo', migrations: [migration(ran, 'mm-solo', 'MmSolo1', ['CREATE TABLE mm_solo (id int)'])] }),
          definePlugin({
            id: 'notes',
            entities: [Note],
            migrations: [migration(ran, 'notes', 'NotesNote1', ['CREATE TABLE notes_note (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), text text NOT NULL)'])],
            register(ctx) {
              ctx.routes(r => {
                r.post('notes.create', '/api/v1/notes', { body: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } }, async c => {
                  c.status = 201
                  return ctx.db.repository(Note).save({ text: (c.input.body as { text: string }).text })
                })
                r.get('notes.list', '/api/v1/notes', async () => ({ items: await ctx.db.repository(Note).find({ order: { text: 'ASC' } }) }))
              })
            },
          }),
        ],
      })
    })
    after(() => tk?.close())

    it('runs each plugin’s migrations in dependency order, ties by id, each plugin’s in array order', () => {
      expect(ran.map(r => `${r.plugin}:${r.name}`)).to.deep.equal([
        'mm-solo:MmSolo1',
        'notes:NotesNote1',
        'zz-base:ZzBaseItem1',
        'zz-base:ZzBaseItemLabel2',
        'aa-user:AaUserThing1',
      ])
    })

    it('runs one transaction per plugin', () => {
      const txOf = (plugin: string) => new Set(ran.filter(r => r.plugin === plugin).map(r => r.tx))
      expect(txOf('zz-base').size).to.equal(1)
      const all = ['mm-solo', 'notes', 'zz-base', 'aa-user'].map(p => [...txOf(p)][0])
      expect(new Set(all).size).to.equal(4)
    })

    it('records every migration in kernel_migration(plugin_id, name, run_at), the kernel’s own first', async () => {
      const columns = await tk.kernel.db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'kernel_migration' ORDER BY ordinal_position`,
      )
      expect(columns.map(c => c.column_name)).to.deep.equal(['plugin_id', 'name', 'run_at'])
      const rows = await tk.kernel.db.query<{ plugin_id: string; name: string; run_at: Date }>(
        'SELECT plugin_id, name, run_at FROM kernel_migration ORDER BY run_at, plugin_id, name',
      )
      const kernelRows = rows.filter(r => r.plugin_id === 'kernel')
      expect(kernelRows.map(r => r.name)).to.include('KernelCreateSite1764300000000')
      expect(rows.slice(0, kernelRows.length), 'the kernel’s migrations come first').to.deep.equal(kernelRows)
      expect(rows.slice(kernelRows.length).map(r => [r.plugin_id, r.name])).to.deep.equal([
        ['mm-solo', 'MmSolo1'],
        ['notes', 'NotesNote1'],
        ['zz-base', 'ZzBaseItem1'],
        ['zz-base', 'ZzBaseItemLabel2'],
        ['aa-user', 'AaUserThing1'],
      ])
      for (const r of rows) expect(r.run_at).to.be.instanceOf(Date)
    })

    it('finds nothing left to run when asked again', async () => {
      expect(await tk.kernel.migrate()).to.deep.equal({ ran: [] })
      expect(ran).to.have.length(5)
    })

    it('gives plugins their entities through the one DataSource', async () => {
      expect((await tk.http.post('/api/v1/notes', { text: 'b' })).status).to.equal(201)
      await tk.http.post('/api/v1/notes', { text: 'a' })
      const list = await tk.http.get('/api/v1/notes')
      expect(list.body.items.map((n: Note) => n.text)).to.deep.equal(['a', 'b'])
      expect(list.body.items[0].id).to.match(/^[0-9a-f-]{36}$/)
    })
  })

  describe('on a database that outlives the kernel', () => {
    let db: Awaited<ReturnType<typeof reopenableDatabase>>

    beforeEach(async () => {
      db = await reopenableDatabase()
    })
    afterEach(() => db?.drop())

    it('rolls back a failing plugin’s whole batch, keeps the plugins before it, and fails with PLUGIN_MIGRATION_FAILED', async () => {
      const ran: Ran[] = []
      const good = definePlugin({ id: 'good', migrations: [migration(ran, 'good', 'Good1', ['CREATE TABLE good_table (id int)'])] })
      const badMigrations = (fixed: boolean) => [
        migration(ran, 'bad', 'Bad1', ['CREATE TABLE bad_table (id int)', 'INSERT INTO bad_table VALUES (1)']),
        migration(ran, 'bad', 'Bad2', [fixed ? 'ALTER TABLE bad_table ADD COLUMN x int' : 'ALTER TABLE no_such_table ADD COLUMN x int']),
      ]
      const later = (log: Ran[]) => definePlugin({ id: 'later', dependencies: { bad: '*' }, migrations: [migration(log, 'later', 'Later1', ['CREATE TABLE later_table (id int)'])] })

      const error = await bootError(bootOn(db, [later(ran), definePlugin({ id: 'bad', dependencies: { good: '*' }, migrations: badMigrations(false) }), good]))
      expect(error.problems).to.have.length(1)
      const problem = problemOf(error, 'PLUGIN_MIGRATION_FAILED')
      expect(problem.plugin).to.equal('bad')
      expect(problem.message).to.include('Bad2').and.include('"bad"').and.include('rolled back').and.include('no_such_table')
      expect(ran.map(r => r.name)).to.deep.equal(['Good1', 'Bad1', 'Bad2'])

      const tables = await db.query<{ good: string | null; bad: string | null; later: string | null }>(
        `SELECT to_regclass('good_table')::text AS good, to_regclass('bad_table')::text AS bad, to_regclass('later_table')::text AS later`,
      )
      expect(tables[0]).to.deep.equal({ good: 'good_table', bad: null, later: null })
      const recorded = await db.query<{ plugin_id: string; name: string }>(`SELECT plugin_id, name FROM kernel_migration WHERE plugin_id <> 'kernel' ORDER BY name`)
      expect(recorded).to.deep.equal([{ plugin_id: 'good', name: 'Good1' }])

      // Fixed, the next boot runs the whole batch of "bad" (and what comes after it), and nothing of "good" again.
      const rerun: Ran[] = []
      const goodAgain = definePlugin({ id: 'good', migrations: [migration(rerun, 'good', 'Good1', ['CREATE TABLE good_table (id int)'])] })
      const kernel = await bootOn(db, [goodAgain, definePlugin({ id: 'bad', dependencies: { good: '*' }, migrations: badMigrations(true) }), later(rerun)])
      try {
        expect(rerun.map(r => r.name)).to.deep.equal(['Later1'])
        expect(ran.map(r => r.name)).to.deep.equal(['Good1', 'Bad1', 'Bad2', 'Bad1', 'Bad2'])
        expect(await kernel.db.query('SELECT id, x FROM bad_table')).to.deep.equal([{ id: 1, x: null }])
      } finally {
        await kernel.stop()
      }
    })

    it('re-runs nothing on a restart, and only a newly added migration after an upgrade', async () => {
      const ran: Ran[] = []
      const v1 = [
        definePlugin({ id: 'base', migrations: [migration(ran, 'base', 'Base1', ['CREATE TABLE base_item (id int PRIMARY KEY)'])] }),
        definePlugin({ id: 'extra', dependencies: { base: '*' }, migrations: [migration(ran, 'extra', 'Extra1', ['CREATE TABLE extra_item (id int)'])] }),
      ]
      let kernel = await bootOn(db, v1)
      const firstSite = kernel.rootSite.id
      await kernel.stop()
      expect(ran.map(r => r.name)).to.deep.equal(['Base1', 'Extra1'])

      kernel = await bootOn(db, v1)
      try {
        expect(ran.map(r => r.name)).to.deep.equal(['Base1', 'Extra1'])
        expect(kernel.rootSite.id, 'the root site keeps its id').to.equal(firstSite)
      } finally {
        await kernel.stop()
      }

      const v2 = [
        definePlugin({
          id: 'base',
          migrations: [
            migration(ran, 'base', 'Base1', ['CREATE TABLE base_item (id int PRIMARY KEY)']),
            migration(ran, 'base', 'Base2', ['ALTER TABLE base_item ADD COLUMN label text']),
          ],
        }),
        v1[1]!,
      ]
      kernel = await bootOn(db, v2)
      await kernel.stop()
      expect(ran.map(r => r.name)).to.deep.equal(['Base1', 'Extra1', 'Base2'])
      const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kernel_migration WHERE plugin_id IN ('base', 'extra')`)
      expect(rows[0]!.n).to.equal(3)
    })
  })
})
