// The content service: plugins create, change and delete their items through it, each in one transaction
// with their own table's row, with the entity hooks fired and access checked in one place.
import { randomUUID } from 'node:crypto'
import type { EntityManager } from 'typeorm'
import type { AccessLists, AccessService, EntityRow } from '../access/access.js'
import { ENTITY_COLUMNS, entityFromRow } from '../access/access.js'
import { userToken, type Viewer } from '../access/viewer.js'
import type { Database } from '../data/database.js'
import type { ContainerInfo, Denial, EntityRecord } from '../hooks/kernel-hooks.js'
import type { Page } from '../http/paging.js'
import { HttpProblem, problems } from '../http/problem.js'
import type { PluginUsers } from '../plugins/context.js'
import type { Site } from '../tenancy/site.js'
import type { KindDefinition, KindRegistry } from './kinds.js'

export interface CreateInput {
  site: Site
  viewer: Viewer
  kind: string
  title: string
  containerId?: string | null
  /** What the author asked for; the container's or the site's default applies when absent. */
  access?: Partial<AccessLists>
  /** null: a draft; a future time: scheduled; default: now. */
  publishedAt?: Date | null
  /** A plugin may choose the id (e.g. to name the item in its own access tokens); default: a new UUID. */
  id?: string
  /**
   * Access the plugin sets itself rather than passing on from the user's request (e.g. a hidden group is
   * readable by `group:<its id>`): not checked against the viewer's tokens. The owner is still a writer.
   */
  systemAccess?: AccessLists
}

export interface UpdateInput {
  site: Site
  viewer: Viewer
  entity: EntityRecord
  title?: string
  access?: Partial<AccessLists>
  publishedAt?: Date | null
  /** Access the plugin sets itself (see CreateInput.systemAccess); replaces `access`. */
  systemAccess?: AccessLists
  /** A new owner (e.g. a group's ownership moved); the old owner's write token is replaced by the new one's. */
  ownerId?: string
  /** The plugin has decided the viewer may do this by its own rules (e.g. group roles): skip the writer check. */
  permitted?: true
}

export interface DeleteInput {
  site: Site
  viewer: Viewer
  entity: EntityRecord
  /** See UpdateInput.permitted. */
  permitted?: true
}

/** A content item as the API shows it (API.md "Content items"), plus its kind's own fields. */
export type ItemJson = Record<string, unknown> & {
  id: string
  type: string
  title: string
  owner: Record<string, string> | null
  containerId: string | null
  access: AccessLists
  createdAt: Date
  updatedAt: Date
  url: string
}

export interface EntityHooksLive {
  beforeCreate: { call(scope: Site, e: EntityRecord, v: Viewer, s: Site): Promise<Denial | undefined> }
  beforeUpdate: { call(scope: Site, e: EntityRecord, v: Viewer, s: Site): Promise<Denial | undefined> }
  beforeDelete: { call(scope: Site, e: EntityRecord, v: Viewer, s: Site): Promise<Denial | undefined> }
  created: { call(scope: Site, e: EntityRecord, s: Site): Promise<void> }
  updated: { call(scope: Site, e: EntityRecord, s: Site): Promise<void> }
  deleted: { call(scope: Site, e: EntityRecord, s: Site): Promise<void> }
  serialize: { call(scope: Site, items: Array<Record<string, unknown>>, e: EntityRecord[], v: Viewer, s: Site): Promise<Array<Record<string, unknown>>> }
  resolveContainer: { call(scope: Site, id: string, v: Viewer, s: Site, kind: string): Promise<ContainerInfo | undefined> }
}

export interface ContentDeps {
  db: () => Database
  access: AccessService
  kinds: KindRegistry
  hooks: EntityHooksLive
  users: Pick<PluginUsers, 'byIds' | 'json'>
  /** "Now" for new items: the kernel's clock, the same one visibility is decided by. */
  now?: () => Date
}

const denied = (d: Denial) => new HttpProblem({ status: d.status ?? 403, detail: d.reason, code: 'VETOED' })

export class ContentService {
  constructor(private readonly deps: ContentDeps) {}

  /** Registers a kind of content (in register()). */
  kind(pluginId: string, definition: KindDefinition): void {
    this.deps.kinds.add(pluginId, definition)
  }

  /** What a container says about new content of `kind` in it; 400 when no plugin owns such a container. */
  async container(site: Site, viewer: Viewer, containerId: string, kind: string): Promise<ContainerInfo> {
    const info = await this.deps.hooks.resolveContainer.call(site, containerId, viewer, site, kind)
    if (!info) {
      throw new HttpProblem({
        status: 400,
        detail: 'containerId does not name a container on this site (e.g. a group you belong to).',
        code: 'CONTAINER_UNKNOWN',
        errors: [{ in: 'body', location: { pointer: '/containerId' }, detail: 'is not a container on this site', code: 'container' }],
      })
    }
    return info
  }

  /**
   * Creates an item: the entity row and the plugin's own row (written by `own` with the transaction's
   * manager) commit together or not at all. `entity.beforeCreate` may veto; `entity.created` fires after commit.
   */
  async create<T>(input: CreateInput, own: (m: EntityManager, entity: EntityRecord) => Promise<T>): Promise<{ entity: EntityRecord; own: T }> {
    const { site, viewer } = input
    if (!viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    const container = input.containerId ? await this.container(site, viewer, input.containerId, input.kind) : undefined
    const access = input.systemAccess
      ? { read: [...new Set(input.systemAccess.read)], write: [...new Set([userToken(viewer.user.id), ...input.systemAccess.write])] }
      : this.deps.access.resolve(viewer, site, input.access, container?.defaultAccess)
    const now = this.deps.now?.() ?? new Date()
    const draft: EntityRecord = {
      id: input.id ?? randomUUID(),
      siteId: site.id,
      kind: input.kind,
      ownerId: viewer.user.id,
      containerId: input.containerId ?? null,
      title: input.title,
      readAccess: access.read,
      writeAccess: access.write,
      publishedAt: input.publishedAt === undefined ? now : input.publishedAt,
      createdAt: now,
      updatedAt: now,
    }
    const veto = await this.deps.hooks.beforeCreate.call(site, draft, viewer, site)
    if (veto) throw denied(veto)
    const result = await this.deps.db().transaction(async m => {
      const rows: EntityRow[] = await m.query(
        `INSERT INTO entity AS e (id, site_id, kind, owner_id, container_id, title, read_access, write_access, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${ENTITY_COLUMNS('e')}`,
        [draft.id, site.id, draft.kind, draft.ownerId, draft.containerId, draft.title, draft.readAccess, draft.writeAccess, draft.publishedAt],
      )
      const entity = entityFromRow(rows[0]!)
      return { entity, own: await own(m, entity) }
    })
    await this.deps.hooks.created.call(site, result.entity, site)
    return result
  }

  /** Changes an item (writers only: 404 when not readable, 403 when readable but not writable). */
  async update<T>(input: UpdateInput, own?: (m: EntityManager, entity: EntityRecord) => Promise<T>): Promise<{ entity: EntityRecord; own: T | undefined }> {
    const { site, viewer, entity } = input
    if (!input.permitted) this.deps.access.assertWritable(viewer, entity, site)
    let readAccess = entity.readAccess
    let writeAccess = entity.writeAccess
    const ownerId = input.ownerId ?? entity.ownerId
    const owner = ownerId ? [userToken(ownerId)] : []
    if (input.ownerId && entity.ownerId && input.ownerId !== entity.ownerId) {
      writeAccess = [...new Set([...owner, ...writeAccess.filter(t => t !== userToken(entity.ownerId!))])]
    }
    if (input.systemAccess) {
      readAccess = [...new Set(input.systemAccess.read)]
      writeAccess = [...new Set([...owner, ...input.systemAccess.write])]
    } else if (input.access) {
      this.deps.access.checkGrant(viewer, site, input.access)
      readAccess = input.access.read ? [...new Set(input.access.read)] : readAccess
      // The owner is always a writer.
      writeAccess = input.access.write ? [...new Set([...owner, ...input.access.write])] : writeAccess
    }
    const next: EntityRecord = {
      ...entity,
      ownerId,
      title: input.title ?? entity.title,
      readAccess,
      writeAccess,
      publishedAt: input.publishedAt === undefined ? entity.publishedAt : input.publishedAt,
      updatedAt: new Date(),
    }
    const veto = await this.deps.hooks.beforeUpdate.call(site, next, viewer, site)
    if (veto) throw denied(veto)
    const result = await this.deps.db().transaction(async m => {
      const [rows]: [EntityRow[], number] = await m.query(
        `UPDATE entity AS e SET title = $3, read_access = $4, write_access = $5, published_at = $6, owner_id = $7, updated_at = now()
          WHERE e.id = $1 AND e.site_id = $2 RETURNING ${ENTITY_COLUMNS('e')}`,
        [entity.id, site.id, next.title, next.readAccess, next.writeAccess, next.publishedAt, next.ownerId],
      )
      if (!rows[0]) throw problems.notFound('Not found.', { code: 'NOT_FOUND' })
      const updated = entityFromRow(rows[0])
      return { entity: updated, own: own ? await own(m, updated) : undefined }
    })
    await this.deps.hooks.updated.call(site, result.entity, site)
    return result
  }

  /** Deletes an item and (through ON DELETE CASCADE, or `own`) everything of it. */
  async delete(input: DeleteInput, own?: (m: EntityManager, entity: EntityRecord) => Promise<void>): Promise<void> {
    const { site, viewer, entity } = input
    if (!input.permitted) this.deps.access.assertWritable(viewer, entity, site)
    const veto = await this.deps.hooks.beforeDelete.call(site, entity, viewer, site)
    if (veto) throw denied(veto)
    await this.deps.db().transaction(async m => {
      if (own) await own(m, entity)
      await m.query('DELETE FROM entity WHERE id = $1 AND site_id = $2', [entity.id, site.id])
    })
    await this.deps.hooks.deleted.call(site, entity, site)
  }

  /**
   * The JSON of many items in a bounded number of queries: one for the owners, one per kind for the
   * kinds' own fields, and whatever each `entity.serialize` tap does once for the whole list.
   */
  async serialize(entities: EntityRecord[], viewer: Viewer, site: Site): Promise<ItemJson[]> {
    if (entities.length === 0) return []
    const byKind = new Map<string, EntityRecord[]>()
    for (const e of entities) byKind.set(e.kind, [...(byKind.get(e.kind) ?? []), e])
    // The owners and each kind's own fields are independent: fetched side by side, not one after another.
    const [owners, loaded] = await Promise.all([
      this.deps.users.byIds(entities.map(e => e.ownerId).filter((x): x is string => x !== null)),
      Promise.all(
        [...byKind].map(([kind, list]) => {
          const definition = this.deps.kinds.get(kind)
          return definition && site.isEnabled(definition.pluginId) ? definition.load(list, viewer, site) : Promise.resolve(new Map<string, object>())
        }),
      ),
    ])
    const own = new Map<string, object>()
    for (const fields of loaded) for (const [id, f] of fields) own.set(id, f)
    const items = entities.map(e => {
      const owner = e.ownerId ? owners.get(e.ownerId) : undefined
      const definition = this.deps.kinds.get(e.kind)
      return {
        id: e.id,
        type: e.kind,
        title: e.title,
        owner: owner ? this.deps.users.json(owner, viewer) : null,
        containerId: e.containerId,
        access: { read: e.readAccess, write: e.writeAccess },
        publishedAt: e.publishedAt,
        createdAt: e.createdAt,
        updatedAt: e.updatedAt,
        url: definition ? definition.url(e) : `/entities/${e.id}`,
        ...own.get(e.id),
      } as ItemJson
    })
    return (await this.deps.hooks.serialize.call(site, items, entities, viewer, site)) as ItemJson[]
  }

  /** A newest-first page of items the viewer may read, serialized (the activity stream and kind lists). */
  async page(viewer: Viewer, site: Site, options: { kinds: readonly string[]; containerId?: string | null; ownerId?: string; limit: number; cursor?: string }): Promise<Page<ItemJson>> {
    if (options.kinds.length === 0) return { items: [], nextCursor: null }
    const page = await this.deps.access.list(viewer, site, options)
    return { items: await this.serialize(page.items, viewer, site), nextCursor: page.nextCursor }
  }

  /** Where an item is shown in the web interface (its kind's url), e.g. `/blogs/<id>`. */
  urlOf(entity: EntityRecord): string {
    return this.deps.kinds.get(entity.kind)?.url(entity) ?? `/entities/${entity.id}`
  }

  /** Kinds whose plugins are enabled on the site. */
  enabledKinds(site: Site): string[] {
    return this.deps.kinds.enabledOn(site)
  }
}
