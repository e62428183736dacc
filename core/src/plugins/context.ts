// The plugin's one door into the kernel: `ctx` in register/start/stop.
import type { Logger } from 'pino'
import type { Database } from '../data/database.js'
import type { AnyHookSpec, HookSetDefinition } from '../hooks/define.js'
import type { LiveHooks } from '../hooks/live.js'
import type { accessHooks, entityHooks, kernelHooks } from '../hooks/kernel-hooks.js'
import type { identityHooks, Account } from '../identity/hooks.js'
import type { AccessService } from '../access/access.js'
import type { Viewer } from '../access/viewer.js'
import type { MailService } from '../services/mail.js'
import type { ContentService } from '../content/service.js'
import type { KindDefinition } from '../content/kinds.js'
import type { SiteDirectory } from '../tenancy/sites.js'
import type { ChangeBus } from '../services/changes.js'
import type { JobsApi } from '../services/jobs.js'
import type { KeyDerivation, Signing } from '../identity/signing.js'
import type { BlobStore } from '../services/storage.js'
import type { Clock } from '../services/clock.js'
import type { PluginRouter } from '../http/router.js'
import type { ServiceRef } from '../services/refs.js'
import type { Site } from '../tenancy/site.js'

type SpecsOf<D> = D extends HookSetDefinition<infer S> ? S : never

export interface PluginHooks {
  /**
   * The hooks of another owner. Allowed for the kernel's hooks, the plugin's own, and those of
   * plugins it declares in `dependencies` or `optionalDependencies` (else HOOK_OWNER_NOT_DEPENDENCY at boot).
   */
  of<S extends Record<string, AnyHookSpec>>(definition: HookSetDefinition<S>): LiveHooks<S>
  readonly kernel: LiveHooks<SpecsOf<typeof kernelHooks>>
  readonly access: LiveHooks<SpecsOf<typeof accessHooks>>
  readonly entity: LiveHooks<SpecsOf<typeof entityHooks>>
  readonly identity: LiveHooks<SpecsOf<typeof identityHooks>>
}

export interface PluginUsers {
  /** Accounts by id, in one query (for `owner` fields of a whole page). */
  byIds(ids: readonly string[]): Promise<Map<string, Account>>
  /** `User` as the API shows it to this viewer (e-mail only for themself and administrators). */
  json(account: Pick<Account, 'id' | 'name' | 'email'>, viewer: Viewer): Record<string, string>
  /** The viewer an account would be on a site, tokens included (access checks outside a request). */
  viewerFor(account: Pick<Account, 'id' | 'name' | 'email'>, site: Site): Promise<Viewer>
}

export interface PluginServices {
  /** A service provided by this plugin, a plugin it depends on, or the kernel. */
  get<T>(ref: ServiceRef<T>): T
  /** Like get, but undefined when the providing plugin is not installed (optional dependencies). */
  find<T>(ref: ServiceRef<T>): T | undefined
}

export interface KernelInfo {
  readonly version: string
  /** The data folder of this installation (files, embedded database). */
  readonly dataDir: string
}

export interface PluginContext {
  /** This plugin's id; also the name of each of its taps. */
  readonly id: string
  readonly version: string
  /** A child logger that names the plugin. */
  readonly log: Logger
  readonly hooks: PluginHooks
  /** Add routes (in register only). */
  routes(define: (router: PluginRouter) => void): void
  /** The database, from start() on. */
  readonly db: Database
  /** This plugin's validated, frozen settings on a site. */
  settings<T = Record<string, unknown>>(site: Site): Readonly<T>
  /** Offer a service under a typed ref (in register only); the factory runs on first use. */
  provide<T>(ref: ServiceRef<T>, factory: () => T): void
  readonly services: PluginServices
  /** The root site (from start() on). */
  readonly rootSite: Site
  readonly kernel: KernelInfo
  /** The access model: readable predicate, scoped lists and fetches, grant checks. */
  readonly access: AccessService
  readonly users: PluginUsers
  /** Outgoing mail. */
  readonly mail: MailService
  /** A site by id (root or subsite). */
  siteById(id: string): Promise<Site | undefined>
  /** Signed, expiring tokens for links (purpose-bound, derived from PLEIN_SECRET, separate per plugin). */
  readonly signing: Signing
  /** Keys derived from PLEIN_SECRET for this plugin alone (e.g. to wrap file keys). */
  readonly keys: KeyDerivation
  /** This plugin's blob storage (local files in the data folder by default). */
  readonly storage: BlobStore
  /** The kernel's clock: use it (not Date.now) for anything scheduled, so tests can move time. */
  readonly clock: Clock
  /** Durable background jobs: define (in register), enqueue, recurring schedules. */
  readonly jobs: JobsApi
  /** Change notices to every process sharing the database (for cache invalidation), from start() on. */
  readonly changes: ChangeBus
  /** Sites besides the root: the installed plugins, checking and building a site, registering, removing. */
  readonly sites: SiteDirectory
  /** Content items: register a kind (in register), create/update/delete with hooks, serialize, page. */
  readonly content: PluginContent
}

export interface PluginContent extends Pick<ContentService, 'create' | 'update' | 'delete' | 'serialize' | 'page' | 'container' | 'enabledKinds' | 'urlOf'> {
  /** Registers a kind of content this plugin owns (in register only). */
  kind(definition: KindDefinition): void
}
