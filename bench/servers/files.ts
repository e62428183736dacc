// The files benchmark's server: the Plein kernel with the files plugin on the embedded database (in memory),
// blobs in a temporary data folder on disk, logging JSON lines to /dev/null. It says it is ready on stdout
// (port and pid) and takes one kind of order over IPC from bench/files.ts: fill a folder with rows by SQL.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createLogger, Kernel } from '@plein/core'
import { filesPlugin } from '@plein/plugin-files'
import { logDestination, onStop, ready } from './common.js'

const dir = mkdtempSync(path.join(process.env.FILES_BENCH_DIR || tmpdir(), 'plein-files-bench-'))
const destination = logDestination()
const kernel = await Kernel.boot({
  siteDir: dir,
  dataDir: dir,
  embeddedDir: 'memory://',
  databaseUrl: process.env.FILES_BENCH_DATABASE_URL || undefined,
  config: {
    name: 'Files benchmark',
    hosts: ['127.0.0.1', 'localhost'],
    admins: [],
    plugins: {},
    settings: { auth: { requireEmailVerification: false } },
  },
  plugins: [{ source: filesPlugin, settings: { quotaPerUserBytes: 0, quotaPerSiteBytes: 0, maxUploadBytes: 64 * 1024 ** 3 } }],
  secret: 'benchmark-secret-that-is-long-enough-0123456789',
  log: createLogger({ level: 'info', destination }),
  passwordHashing: 'fast',
  runJobs: false,
})
const address = await kernel.listen(0, '127.0.0.1')

interface Fill {
  fill: { folderId: string; ownerId: string; count: number }
}

// Rows as the upload path writes them (an entity and its files_node row), in one statement per 10,000.
process.on('message', async (message: Fill) => {
  try {
    const { folderId, ownerId, count } = message.fill
    const site = kernel.rootSite
    const started = performance.now()
    for (let from = 1; from <= count; from += 10_000) {
      const to = Math.min(count, from + 9_999)
      await kernel.db.query(
        `WITH made AS (
           INSERT INTO entity (site_id, kind, owner_id, title, read_access, write_access)
           SELECT $1, 'file', $2, 'bestand-' || lpad(g::text, 7, '0') || '.txt', '{}', ARRAY[$6::text]
             FROM generate_series($4::int, $5::int) g
           RETURNING id, title
         )
         INSERT INTO files_node (entity_id, site_id, parent_id, name, is_folder, size, mime, version, sha256)
         SELECT id, $1, $3, title, false, 1000, 'text/plain', 1, repeat('0', 64) FROM made`,
        [site.id, ownerId, folderId, from, to, `user:${ownerId}`],
      )
    }
    await kernel.db.query('ANALYZE entity')
    await kernel.db.query('ANALYZE files_node')
    process.send!({ filled: count, ms: Math.round(performance.now() - started) })
  } catch (error) {
    process.send!({ error: String((error as Error).stack ?? error) })
  }
})

ready({ port: address.port, pid: process.pid, dataDir: dir, database: kernel.db.kind })
onStop(async () => {
  await kernel.stop()
  rmSync(dir, { recursive: true, force: true })
}, destination)
