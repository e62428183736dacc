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
        if (result.status === 'failed') job.log.warn({ file: fileId, version, mime: v.mime, reason: result.reason }, 'files: no text could be extracted; indexed by name only')
        await ctx.db.query(
          `INSERT INTO files_text (entity_id, site_id, version, status, reason, text) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (entity_id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status, reason = EXCLUDED.reason, text = EXCLUDED.text, extracted_at = now()`,
          [fileId, site.id, version, result.status, result.status === 'done' ? null : result.reason, result.text],
        )
      }
      await ctx.services.find(searchIndexerRef)?.reindex(site, fileId)
    },
    { concurrency: 1, timeoutMs: 2 * 60_000 },
  )

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
