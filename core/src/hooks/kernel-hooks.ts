// The hooks the kernel owns. Any plugin may tap them without declaring a dependency.
import type { Viewer } from '../access/viewer.js'
import type { RequestContext } from '../http/context.js'
import type { Site } from '../tenancy/site.js'
import type { EntityManager } from 'typeorm'
import { decision, defineHooks, event, filter } from './define.js'

export interface KernelStartedInfo {
  /** The port the HTTP server listens on (0 when not listening, e.g. `plein migrate`). */
  port: number
  plugins: ReadonlyArray<{ id: string; version: string }>
}

export const kernelHooks = defineHooks('kernel', () => ({
  started: event<[KernelStartedInfo]>({ since: '1.0.0', description: 'The kernel booted and listens; every plugin has started.' }),
  stopping: event<[]>({ since: '1.0.0', description: 'Shutdown began: the server no longer accepts connections; plugins stop next.' }),
  resolveSite: decision<[host: string], Site>({
    since: '1.0.0',
    description: 'Answer with the site for a host name the root site does not own (the subsites plugin taps this).',
  }),
  loadSite: decision<[id: string], Site>({
    since: '1.0.0',
    description: 'Answer with the site that has this id, when it is not the root site (the subsites plugin taps this).',
  }),
  beforeSiteDelete: decision<[Site, EntityManager], { reason: string }>({
    since: '1.0.0',
    description: "Inside the transaction that deletes a (sub)site: delete this plugin's rows of that site with the given manager, or veto.",
  }),
  siteResolved: event<[Site, RequestContext]>({ since: '1.0.0', description: 'A request was matched to a site.' }),
  navigation: filter<Array<{ label: string; href: string }>, [Site, Viewer, string]>({
    since: '1.0.0',
    description: "Add items to the site's main menu (label already translated for the locale given as the last argument).",
  }),
  banners: filter<Array<{ kind: 'info' | 'warning' | 'error'; text: string }>, [Site, Viewer, string]>({
    since: '1.0.0',
    description: 'Add notices shown at the top of every page (e.g. an announcement of now); text translated for the locale given as the last argument.',
  }),
  adminNavigation: filter<Array<{ label: string; href: string }>, [Site, Viewer, string]>({
    since: '1.0.0',
    description: "Add items to the admin pages' menu (e.g. the subsites plugin's /admin/subsites); label translated for the locale given last.",
  }),
  request: event<[RequestContext]>({
    since: '1.0.0',
    description: 'A request is about to be routed; site and viewer are known. For instrumentation, not for answering.',
  }),
}))

export interface ViewerTokensContext {
  viewer: Viewer
  site: Site
}

export const accessHooks = defineHooks('access', () => ({
  viewerTokens: filter<string[], [ViewerTokensContext]>({
    since: '1.0.0',
    description: "Add access tokens a viewer holds on a site (the groups plugin adds group:<id> for each membership).",
  }),
}))

/** The shared columns every content item has (ARCHITECTURE §5). */
export interface EntityRecord {
  id: string
  siteId: string
  kind: string
  ownerId: string | null
  containerId: string | null
  title: string
  readAccess: string[]
  writeAccess: string[]
  /** null: a draft; in the future: scheduled. Until then only writers (and admins) see the item. */
  publishedAt: Date | null
  createdAt: Date
  updatedAt: Date
}

/** What a container (e.g. a group) says about content created in it. */
export interface ContainerInfo {
  /** Access of new content when its author gives none, e.g. `{ read: ['group:<id>'], write: [] }`. */
  defaultAccess: { read: string[]; write: string[] }
}

export interface Denial {
  reason: string
  status?: 403 | 409 | 400
}

export const entityHooks = defineHooks('entity', () => ({
  beforeCreate: decision<[EntityRecord, Viewer, Site], Denial>({ since: '1.0.0', description: 'Veto the creation of a content item.' }),
  beforeUpdate: decision<[EntityRecord, Viewer, Site], Denial>({ since: '1.0.0', description: 'Veto a change to a content item.' }),
  beforeDelete: decision<[EntityRecord, Viewer, Site], Denial>({ since: '1.0.0', description: 'Veto the deletion of a content item.' }),
  created: event<[EntityRecord, Site]>({ since: '1.0.0', description: 'A content item was created (after commit).' }),
  updated: event<[EntityRecord, Site]>({ since: '1.0.0', description: 'A content item was changed (after commit).' }),
  deleted: event<[EntityRecord, Site]>({ since: '1.0.0', description: 'A content item was deleted (after commit).' }),
  serialize: filter<Array<Record<string, unknown>>, [EntityRecord[], Viewer, Site]>({
    since: '1.0.0',
    description:
      "Add fields to content items' JSON (e.g. the comment count). Called once per answer with every item of it (same order), so a tap can fetch what it adds in one query.",
  }),
  resolveContainer: decision<[containerId: string, Viewer, Site, kind: string], ContainerInfo>({
    since: '1.0.0',
    description:
      'Answer for a containerId your plugin owns (the groups plugin answers for groups): check the viewer may add content there (throw a 403/404 problem) and give its default access.',
  }),
}))

/** Owners whose hooks every plugin may tap. */
export const coreHookSets = [kernelHooks, accessHooks, entityHooks] as const
