// The plugin's one door into the kernel: `ctx` in register/start/stop.
import type { Logger } from 'pino'
import type { EntityManager } from 'typeorm'
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
import type { AuditLog } from '../services/audit.js'
import type { PageOptions, View } from '../views/registry.js'
import type { Locale, Messages } from '../views/i18n.js'
import type { RequestContext } from '../http/context.js'
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

/** An account `users.ensure` found or made. */
export type EnsuredAccount = Account & {
  /** Made by this call (unverified, no password yet). */
  created: boolean
}

export interface PluginUsers {
  /** Accounts by id, in one query (for `owner` fields of a whole page). */
  byIds(ids: readonly string[]): Promise<Map<string, Account>>
  /** `User` as the API shows it to this viewer (e-mail only for themself and administrators). */
  json(account: Pick<Account, 'id' | 'name' | 'email'>, viewer: Viewer): Record<string, string>
  /** The viewer an account would be on a site, tokens included (access checks outside a request). */
  viewerFor(account: Pick<Account, 'id' | 'name' | 'email'>, site: Site): Promise<Viewer>
  /**
   * The account when `token` is a live personal API token of the account with this e-mail address
   * (compared case-insensitively), else undefined: for protocols that sign in with HTTP Basic auth
   * (e-mail + token), such as WebDAV. Marks the token as used, like a bearer token.
   */
  authenticateToken(site: Site, email: string, token: string): Promise<Account | undefined>
  /**
   * Accounts for these e-mail addresses, made where none exists yet: unverified and without a usable password
   * (the person chooses one through password reset); names of existing accounts are left as they are. Any
   * number of people in a fixed number of queries, in one transaction; `within` runs in that transaction once
   * the accounts exist (e.g. to store rows that reference them), so either everything commits or nothing.
   * After the commit, `identity.accountsCreated` announces the new accounts in one event (not `registered` for
   * each: an import of thousands stays fast). The map is keyed by lower-cased e-mail.
   */
  ensure<T = undefined>(
    people: ReadonlyArray<{ email: string; name: string }>,
    site: Site,
    within?: (manager: EntityManager, accounts: ReadonlyMap<string, EnsuredAccount>) => Promise<T>,
  ): Promise<{ accounts: ReadonlyMap<string, EnsuredAccount>; result: T | undefined }>
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
  /** Outgoing mail: `queue` in requests (a durable job per message, retried), `send` only inside a job. */
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
  /** Named, overridable server-rendered views (TSX with preact) and full pages in the site's layout. */
  readonly views: PluginViews
  /** The translation catalogue: add this plugin's messages (nl first, en second); translate for a request. */
  readonly i18n: PluginI18n
  /** Durable background jobs: define (in register), enqueue, recurring schedules. */
  readonly jobs: JobsApi
  /** Change notices to every process sharing the database (for cache invalidation), from start() on. */
  readonly changes: ChangeBus
  /** Sites besides the root: the installed plugins, checking and building a site, registering, removing. */
  readonly sites: SiteDirectory
  /** Content items: register a kind (in register), create/update/delete with hooks, serialize, page. */
  readonly content: PluginContent
  /** The site's audit log: record administrative changes (who, what, on what), read them newest first. */
  readonly audit: AuditLog
}

export interface PluginViews {
  /** A view this plugin owns, named `<plugin>.<view>` (in register). */
  define(name: string, view: View<any>): void
  /** Replace any view, everywhere or only on some sites (by key: 'root' or a subsite's host) (in register). */
  override(name: string, view: View<any>, options?: { sites?: readonly string[] }): void
  /** Answer with a full HTML page: the layout around the named view. */
  page(c: RequestContext, options: PageOptions): Promise<void>
}

export interface PluginI18n {
  add(locale: Locale, messages: Messages): void
  t(c: RequestContext, key: string, vars?: Record<string, string | number>): string
}

export interface PluginContent extends Pick<ContentService, 'create' | 'update' | 'delete' | 'serialize' | 'page' | 'container' | 'enabledKinds' | 'urlOf'> {
  /** Registers a kind of content this plugin owns (in register only). */
  kind(definition: KindDefinition): void
}
