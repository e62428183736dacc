// File contents in search: a background job extracts the text of each new version (read through the
// decrypting read path) into files_text, then has the search plugin index the file again.
import { type PluginContext } from '@plein/core'
import { searchHooks, searchIndexerRef } from '@plein/plugin-search/api'
import { filesHooks } from './api.js'
import { extractText } from './extract.js'
import type { FileStore } from './service.js'

/** Characters of text kept per file (the search plugin indexes the first 200,000 of them). */
export const MAX_TEXT_CHARS = 1_000_000
const TIMEOUT_MS = 60_000

export function fileContents(ctx: PluginContext, store: FileStore): void {
  // Queued for every committed version: uploads (all routes), new versions, restored versions and copies.
  ctx.hooks.of(filesHooks).uploaded.tap(async ({ fileId, version }, site) => {
    await ctx.jobs.enqueue('files.extract', { fileId, version }, { site })
  })

  ctx.jobs.define<{ fileId: string; version: number }>(
    'files.extract',
    async job => {
      const site = job.site!
      const { fileId, version } = job.payload
      const node = await store.node(site, fileId)
      // Gone, or a newer version was stored meanwhile (its own job extracts that one).
      if (!node || node.is_folder || node.version !== version) return
      const settings = store.settings(site)
      // Without search on the site there is nothing to extract for (the backfill below catches up once it is on).
      if (!site.isEnabled('search')) return
      if (settings.indexContents === false) {
        await ctx.db.query('DELETE FROM files_text WHERE entity_id = $1', [fileId])
      } else {
        const v = await store.version(fileId, version)
        if (!v) return
        const result = await extractText(() => store.open(site, v), v.mime, Number(v.size), {
          maxInputBytes: settings.indexMaxInputBytes ?? 20 * 1024 ** 2,
          maxChars: MAX_TEXT_CHARS,
          timeoutMs: TIMEOUT_MS,
        })
        // A damaged or encrypted PDF (or a damaged stored file) is found by its name only; the job still succeeds.
        // An older version's job that ends after a newer one's leaves the newer text in place.
        if (result.status === 'failed') job.log.warn({ file: fileId, version, mime: v.mime, reason: result.reason }, 'files: no text could be extracted; indexed by name only')
        await ctx.db.query(
          `INSERT INTO files_text (entity_id, site_id, version, status, reason, text) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (entity_id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status, reason = EXCLUDED.reason, text = EXCLUDED.text, extracted_at = now()
           WHERE files_text.version <= EXCLUDED.version`,
          [fileId, site.id, version, result.status, result.status === 'done' ? null : result.reason, result.text],
        )
      }
      await ctx.services.find(searchIndexerRef)?.reindex(site, fileId)
    },
    { concurrency: 1, timeoutMs: 2 * 60_000 },
  )

  // A folder moved to or out of the trash (or renamed, shared) takes everything inside along: those items are
  // indexed again in the background, 500 per job, each page queueing the next.
  ctx.hooks.entity.updated.tap(async (entity, site) => {
    if (entity.kind !== 'folder') return
    // No singleton: a job already running when the folder changes again could index part of it in the old state.
    await ctx.jobs.enqueue('files.reindexTree', { folderId: entity.id }, { site })
  })
  ctx.jobs.define<{ folderId: string; after?: string }>('files.reindexTree', async job => {
    const indexer = ctx.services.find(searchIndexerRef)
    if (!indexer || !job.site) return
    const rows: Array<{ entity_id: string }> = await ctx.db.query(
      `WITH RECURSIVE sub AS (
         SELECT entity_id FROM files_node WHERE parent_id = $1 AND site_id = $2
         UNION ALL SELECT n.entity_id FROM files_node n JOIN sub ON n.parent_id = sub.entity_id
       ) SELECT entity_id FROM sub WHERE entity_id > coalesce($3::uuid, '00000000-0000-0000-0000-000000000000') ORDER BY entity_id LIMIT 500`,
      [job.payload.folderId, job.site.id, job.payload.after ?? null],
    )
    for (const row of rows) await indexer.reindex(job.site, row.entity_id)
    const last = rows[rows.length - 1]
    if (rows.length === 500 && last) await ctx.jobs.enqueue('files.reindexTree', { folderId: job.payload.folderId, after: last.entity_id }, { site: job.site })
  })

  // Files stored before search (or this extraction) was on, and files whose job was lost: queued hourly, 500 at a
  // time, oldest sites' files first. Types without text get a 'skipped' row, so each file is looked at once.
  ctx.jobs.define('files.extractBackfill', async job => {
    const skipped: string[] = []
    let queued = 0
    for (let round = 0; round < 5 && queued < 500; round++) {
      const rows: Array<{ entity_id: string; site_id: string; version: number }> = await ctx.db.query(
        `SELECT n.entity_id, n.site_id, n.version FROM files_node n
          WHERE NOT n.is_folder AND n.deleted_at IS NULL AND NOT (n.site_id = ANY($1::uuid[]))
            AND NOT EXISTS (SELECT 1 FROM files_text t WHERE t.entity_id = n.entity_id AND t.version = n.version)
          LIMIT 500`,
        [skipped],
      )
      const before = { queued, skipped: skipped.length }
      for (const row of rows) {
        if (skipped.includes(row.site_id)) continue
        const site = await ctx.siteById(row.site_id)
        if (!site || !site.isEnabled(ctx.id) || !site.isEnabled('search') || store.settings(site).indexContents === false) {
          skipped.push(row.site_id)
          continue
        }
        const id = await ctx.jobs.enqueue('files.extract', { fileId: row.entity_id, version: row.version }, { site, singletonKey: `${row.entity_id}:${row.version}` })
        if (id) queued++
      }
      if (queued === before.queued && skipped.length === before.skipped) break
    }
    if (queued > 0) job.log.info({ queued }, 'files: text extraction queued for files without it')
  })
  ctx.jobs.every('files.extractBackfill', 3600)

  // A site that turned indexContents off loses the text kept so far: from files_text, and from the index as
  // each file is indexed again (500 files per run).
  ctx.jobs.define('files.forgetText', async job => {
    const sites: Array<{ site_id: string }> = await ctx.db.query('SELECT DISTINCT site_id FROM files_text')
    let forgotten = 0
    for (const { site_id } of sites) {
      const site = await ctx.siteById(site_id)
      if (!site || (site.isEnabled(ctx.id) && store.settings(site).indexContents !== false)) continue
      const rows: Array<{ entity_id: string }> = await ctx.db.query(
        'DELETE FROM files_text WHERE entity_id IN (SELECT entity_id FROM files_text WHERE site_id = $1 LIMIT 500) RETURNING entity_id',
        [site_id],
      )
      if (site.isEnabled(ctx.id)) for (const row of rows) await ctx.services.find(searchIndexerRef)?.reindex(site, row.entity_id)
      forgotten += rows.length
    }
    if (forgotten > 0) job.log.info({ forgotten }, 'files: extracted text removed (indexContents is off)')
  })
  ctx.jobs.every('files.forgetText', 3600)

  // Searchable: names always; the extracted text of the current version once the job has run. A file in the
  // trash (or in a folder in the trash) is out of search for everyone until it is restored.
  ctx.hooks.of(searchHooks).document.tap(async (document, entity, site) => {
    if (entity.kind !== 'file' && entity.kind !== 'folder') return document
    const rows: Array<{ deleted_at: Date | null; published_before_trash: Date | null; text: string | null }> = await ctx.db.query(
      `SELECT n.deleted_at, n.published_before_trash, t.text FROM files_node n
         LEFT JOIN files_text t ON t.entity_id = n.entity_id AND t.version = n.version AND t.status = 'done'
        WHERE n.entity_id = $1 AND n.site_id = $2`,
      [entity.id, site.id],
    )
    const row = rows[0]
    if (!row) return document
    if (row.deleted_at || row.published_before_trash) return { ...document, exclude: true }
    if (!row.text || store.settings(site).indexContents === false) return document
    return { ...document, body: `${document.body} ${row.text}`.trim() }
  })
}
