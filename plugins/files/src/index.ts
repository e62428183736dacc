// @plein/plugin-files: secure file sharing — folders, streaming up/download, versions, trash, links,
// quotas and encryption at rest (a LocalBox successor).
import { definePlugin, type EntityRecord, type PluginContext } from '@plein/core'
import { filesHooks, filesKeysServiceRef } from './api.js'
import { fileContents } from './contents.js'
import { FilesGuard } from './guard.js'
import { FilesCreate1765100000000 } from './migrations/FilesCreate1765100000000.js'
import { FilesDav1765200000000 } from './migrations/FilesDav1765200000000.js'
import { FilesKeyProvider1765700000000 } from './migrations/FilesKeyProvider1765700000000.js'
import { FilesRoots1765450000000 } from './migrations/FilesRoots1765450000000.js'
import { FilesText1765600000000 } from './migrations/FilesText1765600000000.js'
import { FilesUploads1765400000000 } from './migrations/FilesUploads1765400000000.js'
import { adminRoutes } from './routes/admin.js'
import { davRoutes } from './dav/index.js'
import { fileRoutes, fileSaver } from './routes/files.js'
import { folderRoutes } from './routes/folders.js'
import { linkRoutes } from './routes/links.js'
import { uploadRoutes } from './routes/upload.js'
import { filesPages } from './pages.js'
import { FileStore } from './service.js'
import { filesSettings } from './settings.js'
import { tusRoutes } from './tus.js'

export { filesHooks, filesKeyProviderRef, filesKeysServiceRef, type FilesKeysService, type KeyProvider, type UploadCandidate, type FileSettings } from './api.js'
export { DERIVED_KEY_PROVIDER } from './crypto/keys.js'
export { FileStore } from './service.js'

export const filesPlugin = definePlugin({
  id: 'files',
  url: import.meta.url,
  optionalDependencies: { search: '^1.0.0' },
  settings: filesSettings,
  migrations: [FilesCreate1765100000000, FilesDav1765200000000, FilesUploads1765400000000, FilesRoots1765450000000, FilesText1765600000000, FilesKeyProvider1765700000000],
  hooks: filesHooks,
  register(ctx) {
    const store = new FileStore(ctx)
    storeOf.set(ctx, store)
    const guard = new FilesGuard(ctx, store)
    const fields = async (entities: EntityRecord[]) => {
      const nodes = await store.nodes(entities.map(e => e.id))
      return new Map(
        [...nodes.values()].map(n => [
          n.entity_id,
          {
            name: n.name,
            parentId: n.parent_id,
            size: Number(n.size),
            mime: n.mime,
            version: n.version,
            sha256: n.sha256,
            deleted: n.deleted_at !== null,
            manage: n.manage,
          },
        ]),
      )
    }
    ctx.content.kind({ kind: 'folder', url: e => `/files/folders/${e.id}`, load: fields })
    ctx.content.kind({ kind: 'file', url: e => `/files/${e.id}`, load: fields })

    fileContents(ctx, store)

    ctx.provide(filesKeysServiceRef, () => ({
      async rotate(site) {
        const result = await store.rotate(site)
        await store.audit(site, 'key.rotate', {}, null, { ...result, via: 'service' })
        return result
      },
    }))

    // A deleted (sub)site takes its rows along, in the deleting transaction (nodes, versions and links go with
    // its entities). Its blobs stay on disk, unreadable: their wrapped keys are gone with the versions.
    ctx.hooks.kernel.beforeSiteDelete.tap(async (site, m) => {
      for (const table of ['files_dav_lock', 'files_audit', 'files_site_key', 'files_upload']) await m.query(`DELETE FROM ${table} WHERE site_id = $1`, [site.id])
      return undefined
    })

    ctx.jobs.define('files.purgeTrash', async job => purgeTrash(ctx, store, job.log))
    ctx.jobs.every('files.purgeTrash', 3600)

    folderRoutes(ctx, store, guard)
    fileRoutes(ctx, store, guard)
    uploadRoutes(ctx, guard, fileSaver(ctx, store, guard))
    filesPages(ctx, store, guard, fileSaver(ctx, store, guard))
    linkRoutes(ctx, store, guard)
    adminRoutes(ctx, store)
    davRoutes(ctx, store, guard, fileSaver(ctx, store, guard))
    tusRoutes(ctx, store, guard, fileSaver(ctx, store, guard))
  },
  async start(ctx) {
    // Every plugin has registered: a key provider plugged in (filesKeyProviderRef) is known now.
    await storeOf.get(ctx)!.checkKeyProvider()
  },
})

const storeOf = new WeakMap<PluginContext, FileStore>()

/** Deletes what has been in the trash longer than the site's retention, blobs included. */
async function purgeTrash(ctx: PluginContext, store: FileStore, log: { info(o: object, m: string): void }): Promise<void> {
  const rows: Array<{ entity_id: string; site_id: string; deleted_at: Date }> = await ctx.db.query(
    `SELECT entity_id, site_id, deleted_at FROM files_node WHERE deleted_at IS NOT NULL AND deleted_at < now() - interval '1 day' ORDER BY deleted_at LIMIT 500`,
  )
  let purged = 0
  for (const row of rows) {
    const site = await ctx.siteById(row.site_id)
    if (!site) continue
    const days = store.settings(site).trashDays
    if (row.deleted_at.getTime() > Date.now() - days * 86_400_000) continue
    const blobs: Array<{ blob_key: string }> = await ctx.db.query(
      `WITH RECURSIVE sub AS (SELECT entity_id FROM files_node WHERE entity_id = $1
         UNION ALL SELECT n.entity_id FROM files_node n JOIN sub ON n.parent_id = sub.entity_id)
       SELECT v.blob_key FROM files_version v WHERE v.entity_id IN (SELECT entity_id FROM sub)`,
      [row.entity_id],
    )
    await ctx.db.transaction(async m => {
      await m.query(
        `WITH RECURSIVE sub AS (SELECT entity_id FROM files_node WHERE entity_id = $1
           UNION ALL SELECT n.entity_id FROM files_node n JOIN sub ON n.parent_id = sub.entity_id)
         DELETE FROM entity WHERE id IN (SELECT entity_id FROM sub)`,
        [row.entity_id],
      )
    })
    await store.dropBlobs(blobs.map(b => b.blob_key))
    await store.audit(site, 'trash.purge', {}, row.entity_id, { blobs: blobs.length })
    purged++
  }
  if (purged > 0) log.info({ purged }, 'files: trash emptied past retention')
}

export default filesPlugin
