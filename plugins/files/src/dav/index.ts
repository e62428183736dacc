// Mounts WebDAV at /dav (see handler.ts and tree.ts for the namespace) and the administrators' lock breaking.
import { problems, type PluginContext, type RequestContext } from '@plein/core'
import type { FilesGuard } from '../guard.js'
import type { fileSaver } from '../routes/files.js'
import type { FileStore } from '../service.js'
import { DavHandler } from './handler.js'
import { PREFIX } from './tree.js'

export { DavHandler } from './handler.js'

export function davRoutes(ctx: PluginContext, store: FileStore, guard: FilesGuard, save: ReturnType<typeof fileSaver>): DavHandler {
  const dav = new DavHandler(ctx, store, guard, save)

  ctx.jobs.define('files.davLocks', async job => {
    const purged = await dav.locks.purgeExpired()
    if (purged > 0) job.log.info({ purged }, 'files: expired WebDAV locks removed')
  })
  ctx.jobs.every('files.davLocks', 3600)

  ctx.routes(router => {
    router.mount(PREFIX, async (c: RequestContext) => dav.handle(c))

    router.delete<unknown, unknown, { id: string }>(
      'files.locks.break',
      '/api/v1/files/:id/lock',
      {
        summary: 'Break the WebDAV locks on a file or folder (site administrators): whoever held them loses them at once.',
        auth: true,
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } },
        responses: { 204: { description: 'No lock is left on it.' }, 403: { description: 'Not an administrator.' } },
      },
      async c => {
        if (!c.viewer.isAdmin) throw problems.forbidden('Only site administrators may break locks.', { code: 'NOT_ADMIN' })
        const item = await guard.load(c, c.input.params.id)
        const broken = await dav.locks.breakAll(item.entity.id)
        await store.audit(c.site, 'lock.break', { accountId: c.viewer.user!.id }, item.entity.id, { locks: broken })
        c.status = 204
      },
    )
  })
  return dav
}
