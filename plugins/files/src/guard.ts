// Who may do what with files and folders: the kernel's access model, plus "manage" (share further).
import { problems, type EntityRecord, type PluginContext, type RequestContext } from '@plein/core'
import type { FileStore, NodeRow } from './service.js'

export interface Loaded {
  entity: EntityRecord
  node: NodeRow
}

export class FilesGuard {
  constructor(private readonly ctx: PluginContext, private readonly store: FileStore) {}

  /** A file or folder the viewer may read (404 otherwise, also when it or a folder above it is in the trash, unless `trashed`). */
  async load(c: RequestContext, id: string, kind?: 'file' | 'folder', options: { trashed?: boolean } = {}): Promise<Loaded> {
    const entity = await this.ctx.access.find(c.site, id)
    const node = entity ? await this.store.node(c.site, id) : undefined
    // Trashed: the item itself (deleted_at), or something inside a trashed folder (hidden with it, published_before_trash set).
    const trashed = node !== undefined && (node.deleted_at !== null || node.published_before_trash !== null)
    const fits = entity && node && (kind === undefined || entity.kind === kind) && (options.trashed || !trashed)
    if (!fits || !this.ctx.access.canRead(c.viewer, entity, c.site)) {
      throw problems.notFound(kind === 'folder' ? 'No such folder.' : 'No such file.', { code: kind === 'folder' ? 'FOLDER_NOT_FOUND' : 'FILE_NOT_FOUND' })
    }
    return { entity, node }
  }

  writable(c: RequestContext, item: Loaded): void {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (!this.ctx.access.canWrite(c.viewer, item.entity, c.site)) throw problems.forbidden('You may read this, but not change it.', { code: 'NOT_ALLOWED' })
  }

  /** Changing who has access: the owner, an administrator, or a holder of a manage token. */
  manageable(c: RequestContext, item: Loaded): void {
    this.writable(c, item)
    const manager =
      c.viewer.isAdmin || item.entity.ownerId === c.viewer.user!.id || item.node.manage.some(t => c.viewer.tokens.has(t))
    if (!manager) throw problems.forbidden('Only the owner and people with the manage permission share this further.', { code: 'NOT_MANAGER' })
  }
}
