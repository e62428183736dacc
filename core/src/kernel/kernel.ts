// The kernel: boots plugins (register → migrate → start), serves HTTP, and stops them in reverse order.
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import path from 'node:path'
import type { Logger } from 'pino'
import { ANONYMOUS, type Viewer } from '../access/viewer.js'
import { loadSiteConfig, validateSiteConfig, type SiteConfig } from '../config/site-config.js'
import { Database } from '../data/database.js'
import { kernelMigrations } from '../data/kernel-migrations.js'
import { MigrationError, runMigrations, type MigrationProgress } from '../data/migrate.js'
import { runSeed, type SeedOptions, type SeedReport } from '../data/seed.js'
import type { HookSetDefinition } from '../hooks/define.js'
import { accessHooks, entityHooks, kernelHooks } from '../hooks/kernel-hooks.js'
import { KERNEL_ID, type HookScope } from '../hooks/live.js'
import { createApp } from '../http/app.js'
import { rawProblemAnswer } from '../http/problem.js'
import type { RequestContext } from '../http/context.js'
import { buildOpenApi } from '../http/openapi.js'
import { RouteTable } from '../http/router.js'
import { createLogger } from '../log/logger.js'
import type { PluginContent, PluginContext, PluginHooks, PluginUsers } from '../plugins/context.js'
import { BootProblems, KernelBootError, type BootProblem } from '../plugins/errors.js'
import { loadPlugins, type LoadedPlugin, type PluginEntry } from '../plugins/registry.js'
import { serviceOwner, type ServiceRef } from '../services/refs.js'
import type { Site } from '../tenancy/site.js'
import { HookOwnerError, HookRegistry, type DeprecatedUse } from './hook-registry.js'
import { AccessService } from '../access/access.js'
import { authenticate, baseViewer, type AuthInfo } from '../identity/authenticate.js'
import { identityHooks } from '../identity/hooks.js'
import { AccountLifecycle } from '../identity/lifecycle.js'
import type { HashingProfile } from '../identity/passwords.js'
import { identityRoutes, userJson } from '../identity/routes.js'
import { IdentityService, type AccountMailJob } from '../identity/service.js'
import { randomSecret } from '../identity/secrets.js'
import { createKeyDerivation, createSigning, type KeyDerivation } from '../identity/signing.js'
import { createMailTransport, redactAddress, type MailMessage, type MailQueueOptions, type MailService } from '../services/mail.js'
import { bounceRoutes, MailBounces } from '../services/mail-bounces.js'
import { RateLimiter } from '../services/rate-limit.js'
import { KindRegistry } from '../content/kinds.js'
import { contentRoutes } from '../content/routes.js'
import { ContentService } from '../content/service.js'
import { SiteDirectory } from '../tenancy/sites.js'
import { RootSiteSettings } from '../tenancy/root-settings.js'
import { createLocalChangeBus, createPostgresChangeBus, type ChangeBus } from '../services/changes.js'
import { createRedisChangeBus } from '../services/changes-redis.js'
import { JobRunner } from '../services/jobs.js'
import { LocalBlobStore } from '../services/storage.js'
import { parseS3Url, S3BlobStore } from '../services/storage-s3.js'
import { systemClock, type Clock } from '../services/clock.js'
import { buildStylesheet, type Stylesheet } from '../views/assets.js'
import { buildThemeStylesheet } from '../views/themes.js'
import { kernelSettings } from '../config/kernel-settings.js'
import { Catalogue, kernelMessages, negotiate, type Locale, type Messages } from '../views/i18n.js'
import { registerKernelViews } from '../views/layout.js'
import { registerKernelPages, type PageRenderer } from '../views/pages.js'
import { registerAccountPages } from '../views/account.js'
import { langCookie, registerLanguageSwitch } from '../views/language.js'
import { makeUI, renderPage, ViewRegistry, type View } from '../views/registry.js'
import { jobRoutes } from './job-routes.js'
import { auditRoutes } from './audit-routes.js'
import { siteSettingsRoutes } from './site-settings-routes.js'
import { KernelAuditLog, type AuditLog } from '../services/audit.js'
import { registerAdminPages } from '../views/admin.js'
import { Metrics, type GaugeFamily, type MetricsOptions } from '../http/metrics.js'

export const KERNEL_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version

export interface KernelOptions {
  /** The site's folder: site.json is read from it and plugin paths resolve against it. */
  siteDir: string
  /** The site config; read from `<siteDir>/site.json` when not given. */
  config?: SiteConfig
  /** Plugins to load instead of the config's (the test kit hands definitions over directly). */
  plugins?: PluginEntry[]
  /** postgres://…; without it, the embedded database. */
  databaseUrl?: string
  /** Default `<siteDir>/data`. */
  dataDir?: string
  /** Folder (or `memory://`) of the embedded database; default `<dataDir>/pgdata`. */
  embeddedDir?: string
  /** Start a new embedded database from this snapshot (the test kit's template). */
  embeddedSnapshot?: Blob
  secret?: string
  log?: Logger
  shutdownTimeoutMs?: number
  /** Limit for each plugin's start() (default 10 s). */
  startTimeoutMs?: number
  trustProxy?: boolean
  onMigration?: MigrationProgress
  /** smtp://user:pass@host:port (PLEIN_SMTP_URL); unset writes mail as .eml files into `<dataDir>/mail/`. */
  smtpUrl?: string
  /** Sender of the site's mail (PLEIN_MAIL_FROM). */
  mailFrom?: string
  /** s3://bucket/prefix?endpoint=… (PLEIN_STORAGE_URL): blobs in an S3-compatible store; unset: `<dataDir>/blobs/<plugin>`. */
  storageUrl?: string
  /** Password hashing cost: 'standard' (default); 'fast' only for test kernels. */
  passwordHashing?: HashingProfile
  /** How often this process looks for due jobs (default 500 ms). */
  jobPollMs?: number
  /** false: this process queues jobs but runs none (e.g. `plein migrate`, or web-only processes). */
  runJobs?: boolean
  /** The clock scheduled publishing and expiry read (tests pass a ManualClock). */
  clock?: Clock
  /** GET /metrics: who may read it (default: loopback only), or off. */
  metrics?: MetricsOptions
  /** Server connections (PLEIN_DB_POOL_SIZE, default 10) and how long to wait for one (PLEIN_DB_CONNECT_TIMEOUT_MS, 3000). */
  poolSize?: number
  connectTimeoutMs?: number
  /** statement_timeout of server connections (PLEIN_DB_STATEMENT_TIMEOUT_MS, default 30000; 0 for none). */
  statementTimeoutMs?: number
  /** redis://… (REDIS_URL): change notices through Redis pub/sub instead of PostgreSQL LISTEN/NOTIFY. */
  redisUrl?: string
  /**
   * How long a session read from the database answers this process's requests (default 1000 ms; 0: read every
   * time). The kernel's own changes (sign-out, password, roles, …) end cached sessions in every process at once.
   */
  sessionCacheMs?: number
}

export interface PluginPlanEntry {
  id: string
  version: string
  source: string
  kernelRange: string
  dependencies: Record<string, string>
  optionalDependencies: Record<string, string>
  registerMs: number
  startMs?: number
}

export interface BootPlan {
  kernelVersion: string
  plugins: PluginPlanEntry[]
  disabled: Array<{ id: string; reason: string }>
  deprecated: DeprecatedUse[]
  routes: number
  registerMs: number
}

type Phase = 'registering' | 'registered' | 'booting' | 'running' | 'stopping' | 'stopped'

interface PluginState {
  loaded: LoadedPlugin
  ctx: PluginContext
  registerMs: number
  startMs?: number
  started: boolean
}

export class Kernel {
  readonly hooks: HookRegistry
  readonly routes = new RouteTable()
  readonly log: Logger
  readonly dataDir: string
  readonly secret: string
  private readonly plugins: PluginState[] = []
  private readonly services = new Map<string, { owner: string; factory: () => unknown; value?: unknown; made: boolean }>()
  private readonly disabled = new Map<string, string>()
  private phase: Phase = 'registering'
  private database?: Database
  private root?: Site
  private server?: Server
  private readonly sockets = new Set<Socket>()
  private isDraining = false
  private openApiCache = new Map<string, Record<string, unknown>>()
  readonly plan: BootPlan
  private readonly installationScope: HookScope
  readonly limiter: RateLimiter
  readonly identity: IdentityService
  readonly access: AccessService
  readonly lifecycle: AccountLifecycle
  readonly content: ContentService
  readonly sites: SiteDirectory
  /** The root site's run-time overrides of site.json (admin pages, PATCH /api/v1/site/settings). */
  readonly rootSettings: RootSiteSettings
  readonly audit: AuditLog
  readonly jobs: JobRunner
  readonly clock: Clock
  readonly views = new ViewRegistry()
  readonly catalogue = new Catalogue()
  private stylesheetCache?: Stylesheet
  private readonly themeCache = new Map<string, Stylesheet>()
  private mailService?: MailService
  /** Permanent SMTP rejections (kernel_mail_bounce) and the accounts they mark. */
  private readonly bounces: MailBounces
  private changeBus?: ChangeBus
  private sweeper?: NodeJS.Timeout
  private metricsRegistry?: Metrics

  private constructor(readonly options: KernelOptions, readonly config: SiteConfig) {
    this.log = options.log ?? createLogger()
    this.dataDir = path.resolve(options.dataDir ?? path.join(options.siteDir, 'data'))
    this.secret = options.secret ?? randomSecret()
    if (!options.secret) this.log.warn('no secret given: using a random one, so signed links and tokens end with this process')
    this.installationScope = { isEnabled: id => !this.disabled.has(id) && this.plugins.some(p => p.loaded.id === id) }
    this.hooks = new HookRegistry(
      error => this.log.error({ err: error.cause, plugin: error.plugin, hook: error.hook }, error.message),
      () => this.installationScope,
    )
    this.plan = { kernelVersion: KERNEL_VERSION, plugins: [], disabled: [], deprecated: this.hooks.deprecatedUses, routes: 0, registerMs: 0 }
    const db = () => this.db
    this.limiter = new RateLimiter(db)
    this.audit = new KernelAuditLog(db)
    this.bounces = new MailBounces(db, ids => this.identity.accountsChanged(ids))
    this.clock = options.clock ?? systemClock
    this.access = new AccessService(db, this.clock)
    this.identity = new IdentityService({
      db,
      secret: this.secret,
      hashing: options.passwordHashing ?? 'standard',
      limiter: this.limiter,
      mail: () => this.mail,
      enqueue: (name, payload, options) => this.jobs.enqueue(name, payload, options),
      log: this.log.child({ part: 'identity' }),
      changes: () => this.changes,
      sessionCacheMs: options.sessionCacheMs,
    })
    this.lifecycle = new AccountLifecycle({
      db,
      hooks: this.hooksOf(identityHooks),
      siteById: id => this.siteById(id),
      deleted: id => this.identity.accountsChanged([id]),
    })
    this.jobs = new JobRunner(
      db,
      this.log.child({ part: 'jobs' }),
      id => this.siteById(id),
      // The kernel's own jobs (mail) run for every site, whatever plugins it enables.
      (owner, site) => owner === KERNEL_ID || (site ? site.isEnabled(owner) : this.installationScope.isEnabled(owner)),
      options.jobPollMs,
    )
    const kernelJobs = this.jobs.apiFor(KERNEL_ID, () => true)
    kernelJobs.define<MailMessage>(MAIL_JOB, job => this.mail.send({ ...job.payload, siteId: job.payload.siteId ?? job.site?.id }), {
      concurrency: 4,
      timeoutMs: 2 * 60_000,
      // The body may hold a one-time link: once sent, only whom and what about stays (redacted).
      scrub: message => ({ to: redactAddress(message.to), subject: message.subject }),
    })
    kernelJobs.define<AccountMailJob>(ACCOUNT_MAIL_JOB, job => this.identity.accountMail(job.site ?? this.rootSite, job.payload), { scrub: () => ({}) })
    this.sites = new SiteDirectory(
      () => this.plugins.filter(p => !this.disabled.has(p.loaded.id)).map(p => p.loaded),
      db,
      (site, m) => this.hooksOf(kernelHooks).beforeSiteDelete.call(null, site, m),
      site => this.identity.siteSessionsChanged(site.id),
    )
    this.rootSettings = new RootSiteSettings({
      config,
      plugins: () => this.plugins.filter(p => !this.disabled.has(p.loaded.id)).map(p => p.loaded),
      db,
      audit: this.audit,
      changes: () => this.changes,
      log: this.log.child({ part: 'site' }),
      apply: site => {
        this.root = site
      },
    })
    this.content = new ContentService({
      db,
      access: this.access,
      kinds: new KindRegistry(),
      hooks: this.hooksOf(entityHooks),
      users: { byIds: ids => this.identity.accountsByIds(ids), json: userJson },
      now: () => this.clock.now(),
    })
  }

  /** Outgoing mail: SMTP when configured, else .eml files in the data folder; `queue` sends through the kernel.mail job. */
  get mail(): MailService {
    if (!this.mailService) {
      const transport = createMailTransport({
        smtpUrl: this.options.smtpUrl,
        from: this.options.mailFrom ?? `${this.config.name} <noreply@${this.config.hosts.find(h => h.includes('.')) ?? 'localhost'}>`,
        dataDir: this.dataDir,
        log: this.log.child({ part: 'mail' }),
        onBounce: bounce => this.bounces.record(bounce),
      })
      this.mailService = Object.freeze({
        destination: transport.destination,
        send: (message: MailMessage) => transport.send(message),
        queue: async (message: MailMessage, options: MailQueueOptions = {}) => {
          const siteId = message.siteId ?? options.site?.id
          await this.jobs.enqueue(MAIL_JOB, siteId ? { ...message, siteId } : message, { site: options.site, manager: options.manager, maxAttempts: MAIL_ATTEMPTS })
        },
        close: () => transport.close?.(),
      })
    }
    return this.mailService
  }

  /** Change notices shared by every process on this database (cache invalidation). From start() on. */
  get changes(): ChangeBus {
    if (!this.changeBus) {
      const log = this.log.child({ part: 'changes' })
      this.changeBus = this.options.redisUrl
        ? createRedisChangeBus(this.options.redisUrl, redisChannel(this.options.databaseUrl, this.dataDir), log)
        : this.options.databaseUrl
          ? createPostgresChangeBus(this.options.databaseUrl, log, (sql, params) => this.db.query(sql, params))
          : createLocalChangeBus(log)
    }
    return this.changeBus
  }

  /** The site's CSS bundle (NL Design System components + token theme + Plein's layout), built once. */
  get stylesheet(): Stylesheet {
    this.stylesheetCache ??= buildStylesheet()
    return this.stylesheetCache
  }

  /** A site's theme stylesheet (its token set, colour and logo), built once per distinct theme setting. */
  themeStylesheet(site: Site): Stylesheet {
    const setting = kernelSettings(site).theme
    const key = JSON.stringify(setting ?? {})
    let css = this.themeCache.get(key)
    if (!css) {
      css = buildThemeStylesheet(setting)
      if (this.themeCache.size > 1000) this.themeCache.clear()
      this.themeCache.set(key, css)
    }
    return css
  }

  /** Renders pages through the views registry in the viewer's language. */
  readonly pages: PageRenderer = {
    page: async (c, options) => {
      const locale = this.locale(c)
      const nav = this.hooksOf(kernelHooks).navigation
      const items = nav.isUsed ? await nav.call(c.site, [], c.site, c.viewer, locale) : []
      const notices = this.hooksOf(kernelHooks).banners
      const banners = notices.isUsed ? await notices.call(c.site, [], c.site, c.viewer, locale) : []
      c.type = 'text/html; charset=utf-8'
      c.status = options.status ?? 200
      c.set('Cache-Control', 'private, no-cache')
      c.body = renderPage(makeUI(this.views, this.catalogue, c, locale, items, banners), options, this.stylesheet.path, this.themeStylesheet(c.site).path)
    },
    t: (c, key, vars) => this.catalogue.t(this.locale(c), key, vars),
  }

  private locale(c: RequestContext): Locale {
    // The account's own language, then the visitor's choice in the footer (cookie), then the browser's.
    return negotiate((c.viewer.user as { locale?: string | null } | null)?.locale ?? langCookie(c), c.get('accept-language'), kernelSettings(c.site).language)
  }

  /** A site by id: the root, or one a plugin knows (subsites). */
  async siteById(id: string): Promise<Site | undefined> {
    if (this.root?.id === id) return this.root
    const load = this.hooksOf(kernelHooks).loadSite
    return load.isUsed ? load.call(null, id) : undefined
  }

  /**
   * Reads the config, finds and checks every plugin and runs their register(). Throws one KernelBootError
   * listing every problem. No database, no port: `plein check` stops here.
   */
  static async prepare(options: KernelOptions): Promise<Kernel> {
    const problems = new BootProblems()
    let config = options.config
    if (config) {
      const checked = validateSiteConfig(config)
      checked.problems.forEach(p => problems.add(p))
      config = checked.config
    } else {
      const loaded = loadSiteConfig(options.siteDir)
      loaded.problems.forEach(p => problems.add(p))
      config = loaded.config
    }
    if (!config) return problems.throwIfAny() as never
    // Every listed plugin is installed (loaded, migrated, available to subsites); `enabled: false` keeps it off the root site.
    const entries: PluginEntry[] =
      options.plugins ?? Object.entries(config.plugins).map(([source, v]) => ({ source, settings: v.settings, rootEnabled: v.enabled !== false }))
    const started = performance.now()
    const loaded = await loadPlugins(entries, { baseDir: options.siteDir, kernelVersion: KERNEL_VERSION, problems })
    const kernel = new Kernel(options, config)
    if (problems.empty) kernel.register(loaded, problems)
    kernel.plan.registerMs = performance.now() - started
    problems.throwIfAny()
    return kernel
  }

  /** prepare + boot: the usual way to get a running kernel (not yet listening). */
  static async boot(options: KernelOptions): Promise<Kernel> {
    const kernel = await Kernel.prepare(options)
    await kernel.boot()
    return kernel
  }

  get db(): Database {
    if (!this.database) throw new Error('The database is available from start() on, not during register().')
    return this.database
  }

  get rootSite(): Site {
    if (!this.root) throw new Error('The root site is known from start() on.')
    return this.root
  }

  /** Writes seed data (`plein seed`): accounts, then each running plugin's seeder in boot order. */
  async seed(options: SeedOptions = {}): Promise<SeedReport> {
    const running = this.plugins.filter(p => !this.disabled.has(p.loaded.id))
    return runSeed(this.db, this.rootSite, running.map(p => ({ id: p.loaded.id, seeder: p.loaded.definition.seed })), options)
  }

  /** Ids of the plugins that run, in boot order. */
  get pluginIds(): string[] {
    return this.plugins.filter(p => !this.disabled.has(p.loaded.id)).map(p => p.loaded.id)
  }

  get disabledPlugins(): ReadonlyMap<string, string> {
    return this.disabled
  }

  pluginVersion(id: string): string | undefined {
    return this.plugins.find(p => p.loaded.id === id)?.loaded.version
  }

  /**
   * The keys a plugin derives from PLEIN_SECRET (the same as its `ctx.keys`), for tools outside plugins: e.g.
   * `plein files decrypt` recovers a file offline with the files plugin's site key.
   */
  keysFor(pluginId: string): KeyDerivation {
    return createKeyDerivation(this.secret, pluginId)
  }

  /** A service any plugin provides, for tools outside plugins (the CLI, tests); undefined when none does. */
  service<T>(ref: ServiceRef<T>): T | undefined {
    const entry = this.services.get(ref.id)
    if (!entry) return undefined
    if (!entry.made) {
      entry.value = entry.factory()
      entry.made = true
    }
    return entry.value as T
  }

  /** The live hooks of any owner, for the kernel and the test kit. */
  hooksOf<S extends Record<string, any>>(def: HookSetDefinition<S>): any {
    return this.hooks.live(def)
  }

  private register(loaded: LoadedPlugin[], problems: BootProblems): void {
    this.registerKernelRoutes()
    for (const plugin of loaded) {
      if (plugin.definition.hooks) this.hooks.declare(plugin.definition.hooks)
    }
    for (const plugin of loaded) {
      const state: PluginState = { loaded: plugin, ctx: this.makeContext(plugin), registerMs: 0, started: false }
      this.plugins.push(state)
      const t0 = performance.now()
      try {
        plugin.definition.register?.(state.ctx)
      } catch (error) {
        problems.add(
          error instanceof HookOwnerError
            ? { code: 'HOOK_OWNER_NOT_DEPENDENCY', plugin: plugin.id, message: error.message }
            : { code: 'PLUGIN_REGISTER_FAILED', plugin: plugin.id, message: `register() of plugin "${plugin.id}" threw: ${(error as Error).message}` },
        )
      }
      state.registerMs = performance.now() - t0
    }
    this.phase = 'registered'
    this.plan.routes = this.routes.routes.length
    this.plan.plugins = this.plugins.map(p => ({
      id: p.loaded.id,
      version: p.loaded.version,
      source: p.loaded.source,
      kernelRange: p.loaded.kernelRange,
      dependencies: { ...p.loaded.dependencies },
      optionalDependencies: { ...p.loaded.optionalDependencies },
      registerMs: round(p.registerMs),
    }))
  }

  /** Opens the database, runs migrations, starts every plugin. */
  async boot(): Promise<void> {
    if (this.phase !== 'registered') throw new Error(`boot() called in phase ${this.phase}`)
    this.phase = 'booting'
    const problems = new BootProblems()
    await this.openDatabase(problems)
    try {
      await this.migrate()
      this.root = await this.loadRootSite()
      await this.startPlugins(problems)
    } catch (error) {
      if (error instanceof MigrationError) problems.add({ code: 'PLUGIN_MIGRATION_FAILED', plugin: error.pluginId, message: error.message })
      else {
        await this.abortBoot()
        throw error
      }
    }
    if (!problems.empty) {
      await this.abortBoot()
      problems.throwIfAny()
    }
    this.phase = 'running'
    // Root settings changed in another process: read them again.
    this.rootSettings.listen()
    if (this.options.runJobs !== false) await this.jobs.start()
    // Expired sessions, one-time tokens and rate-limit windows are swept every 10 minutes.
    this.sweeper = setInterval(() => void this.sweep(), 10 * 60_000)
    this.sweeper.unref()
    this.log.info(
      {
        kernel: KERNEL_VERSION,
        plugins: this.plan.plugins.map(p => `${p.id}@${p.version}${p.startMs !== undefined ? ` (${p.startMs} ms)` : ''}`),
        disabled: this.plan.disabled,
        database: this.database!.kind,
      },
      `booted ${this.pluginIds.length} plugins`,
    )
    for (const d of this.hooks.deprecatedUses) {
      this.log.warn(d, `plugin "${d.plugin}" uses deprecated hook ${d.hook}; use ${d.use} (deprecated since ${d.since}, removed in ${d.removeIn})`)
    }
  }

  private async sweep(): Promise<void> {
    try {
      await this.limiter.sweep()
      await this.jobs.sweep()
      await this.db.query('DELETE FROM kernel_session WHERE expires_at < now()')
      await this.db.query(`DELETE FROM kernel_one_time_token WHERE expires_at < now() - interval '1 day'`)
    } catch (error) {
      this.log.warn({ err: error }, 'sweeping expired sessions failed')
    }
  }

  /** `plein migrate`: open the database, run pending migrations, close. Starts no plugin. */
  async migrateOnly(): Promise<{ ran: Array<{ pluginId: string; name: string }> }> {
    if (this.phase !== 'registered') throw new Error(`migrateOnly() called in phase ${this.phase}`)
    this.phase = 'booting'
    const problems = new BootProblems()
    await this.openDatabase(problems)
    try {
      return await this.migrate()
    } catch (error) {
      if (error instanceof MigrationError) problems.add({ code: 'PLUGIN_MIGRATION_FAILED', plugin: error.pluginId, message: error.message })
      else throw error
      return problems.throwIfAny() as never
    } finally {
      await this.database?.close()
      this.phase = 'stopped'
    }
  }

  private async openDatabase(problems: BootProblems): Promise<void> {
    try {
      this.database = await Database.open({
        url: this.options.databaseUrl,
        embeddedDir: this.options.embeddedDir ?? path.join(this.dataDir, 'pgdata'),
        embeddedSnapshot: this.options.embeddedSnapshot,
        entities: this.plugins.flatMap(p => p.loaded.definition.entities ?? []),
        poolSize: this.options.poolSize,
        connectTimeoutMs: this.options.connectTimeoutMs,
        statementTimeoutMs: this.options.statementTimeoutMs,
        onPoolError: error => this.log.warn({ err: error }, 'database connection lost (the pool opens a new one when needed)'),
      })
    } catch (error) {
      this.phase = 'stopped'
      problems.add({
        code: 'DATABASE_UNAVAILABLE',
        message: `The database could not be opened: ${(error as Error).message}. Check DATABASE_URL, or unset it to use the embedded database.`,
      })
      problems.throwIfAny()
    }
  }

  private async abortBoot(): Promise<void> {
    await this.shutdownPlugins()
    await this.changeBus?.close()
    await this.database?.close()
    this.phase = 'stopped'
  }

  /** Runs pending migrations: the kernel's first, then each plugin's in dependency order. */
  async migrate(): Promise<{ ran: Array<{ pluginId: string; name: string }> }> {
    return runMigrations(
      this.db,
      [
        { pluginId: KERNEL_ID, migrations: kernelMigrations },
        ...this.plugins.map(p => ({ pluginId: p.loaded.id, migrations: p.loaded.definition.migrations ?? [] })),
      ],
      this.options.onMigration,
    )
  }

  /** The root site: site.json, with what its administrators changed at run time (kernel_site.overrides) over it. */
  private async loadRootSite(): Promise<Site> {
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO kernel_site (key, name) VALUES ('root', $1)
       ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [this.config.name],
    )
    return this.rootSettings.load(rows[0]!.id)
  }

  private makeRootSite(id: string): Site {
    return this.rootSettings.current(id)
  }

  private async startPlugins(problems: BootProblems): Promise<void> {
    const limit = this.options.startTimeoutMs ?? 10_000
    for (const state of this.plugins) {
      const id = state.loaded.id
      if (this.disabled.has(id)) continue
      const t0 = performance.now()
      try {
        if (state.loaded.definition.start) await withTimeout(Promise.resolve(state.loaded.definition.start(state.ctx)), limit, id)
        state.started = true
        state.startMs = performance.now() - t0
        const entry = this.plan.plugins.find(p => p.id === id)
        if (entry) entry.startMs = round(state.startMs)
      } catch (error) {
        const timedOut = error instanceof StartTimeout
        const problem: BootProblem = timedOut
          ? { code: 'PLUGIN_START_TIMEOUT', plugin: id, message: `Plugin "${id}" did not finish start() within ${limit} ms.` }
          : { code: 'PLUGIN_START_FAILED', plugin: id, message: `start() of plugin "${id}" failed: ${(error as Error).message}` }
        if (state.loaded.definition.onBootFailure === 'disable') {
          this.disableWithDependants(id, problem.message)
          this.log.error({ plugin: id, err: error }, `${problem.message} It is disabled, with every plugin that needs it.`)
        } else {
          problems.add(problem)
          return
        }
      }
    }
    // The root site's plugin list leaves out what was disabled.
    if (this.disabled.size > 0) this.root = this.makeRootSite(this.root!.id)
  }

  private disableWithDependants(id: string, reason: string): void {
    this.disabled.set(id, reason)
    this.plan.disabled.push({ id, reason })
    for (const p of this.plugins) {
      if (!this.disabled.has(p.loaded.id) && id in p.loaded.dependencies) {
        this.disableWithDependants(p.loaded.id, `it needs plugin "${id}", which is disabled`)
      }
    }
  }

  /** Starts the HTTP server. Resolves once it listens. */
  async listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    if (this.phase !== 'running') throw new Error('listen() needs a booted kernel')
    const app = createApp({
      log: this.log,
      apiVersion: KERNEL_VERSION,
      routes: this.routes,
      resolveSite: host => this.resolveSite(host),
      resolveViewer: ctx => this.resolveViewer(ctx),
      onRequest: this.requestHook(),
      ready: () => this.db.ping(),
      draining: () => this.isDraining,
      trustProxy: this.options.trustProxy,
      metrics: { metrics: this.metrics, gauges: () => this.gauges() },
    })
    const server = createServer(app.callback())
    this.server = server
    server.keepAliveTimeout = 5000
    // Requests Node's parser refuses (a URL or headers past its limit, malformed HTTP) get a problem+json answer too.
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
      if (!socket.writable || answering || error.code === 'ECONNRESET') return void socket.destroy()
      const [status, detail, code] =
        error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'The request line or its headers are too long.', 'REQUEST_HEADERS_TOO_LARGE']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'The request did not arrive in time.', 'REQUEST_TIMEOUT']
        : [400, 'The request is not valid HTTP.', 'MALFORMED_REQUEST']
      socket.end(rawProblemAnswer(status, detail, code))
    })
    server.on('connection', socket => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address() as AddressInfo
    await this.hooksOf(kernelHooks).started.call(null, {
      port: address.port,
      plugins: this.pluginIds.map(id => ({ id, version: this.pluginVersion(id)! })),
    })
    return address
  }

  /** Request counts and latencies of this process (GET /metrics). */
  get metrics(): Metrics {
    this.metricsRegistry ??= new Metrics(this.options.metrics)
    return this.metricsRegistry
  }

  /** This process's own exposition (what another worker gathers for a scrape of the shared port). */
  async metricsText(): Promise<string> {
    return this.metrics.render(await this.gauges())
  }

  /** The gauges read at each scrape: database pool, job queue, database reachability. */
  private async gauges(): Promise<GaugeFamily[]> {
    const families: GaugeFamily[] = []
    const pool = this.database?.poolStats()
    if (pool) {
      families.push(
        { name: 'plein_db_pool_connections', help: 'Database connections of this process by state.', samples: [
          { labels: { state: 'total' }, value: pool.total },
          { labels: { state: 'idle' }, value: pool.idle },
          { labels: { state: 'max' }, value: pool.max },
        ] },
        { name: 'plein_db_pool_waiting', help: 'Requests waiting for a database connection.', samples: [{ value: pool.waiting }] },
      )
    }
    const up = (await this.database?.ping()) ?? false
    families.push({ name: 'plein_db_up', help: '1 when the database answers within a second.', samples: [{ value: up ? 1 : 0 }] })
    if (up) {
      try {
        const [row] = await this.db.query<{ queued: string; due: string }>(
          `SELECT count(*) AS queued, count(*) FILTER (WHERE run_at <= now()) AS due FROM kernel_job WHERE status = 'queued'`,
        )
        families.push({ name: 'plein_jobs_queued', help: 'Jobs waiting in the queue (all processes), and those already due.', samples: [
          { labels: { state: 'queued' }, value: Number(row?.queued ?? 0) },
          { labels: { state: 'due' }, value: Number(row?.due ?? 0) },
        ] })
      } catch (error) {
        this.log.warn({ err: error }, 'metrics: counting queued jobs failed')
      }
    }
    return families
  }

  get address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined
  }

  private requestHook(): ((ctx: RequestContext) => Promise<void>) | undefined {
    const kernel = this.hooksOf(kernelHooks)
    return async ctx => {
      if (kernel.siteResolved.isUsed) await kernel.siteResolved.call(ctx.site, ctx.site, ctx)
      if (kernel.request.isUsed) await kernel.request.call(ctx.site, ctx)
    }
  }

  /** The site a host name belongs to: the root's hosts, else whatever a plugin answers (subsites). */
  async resolveSite(host: string): Promise<Site | undefined> {
    const root = this.rootSite
    if (root.hosts.includes(host)) return root
    const resolve = this.hooksOf(kernelHooks).resolveSite
    return resolve.isUsed ? resolve.call(null, host) : undefined
  }

  /** The viewer of a request (bearer token, session cookie or anonymous), with the tokens plugins add. */
  async resolveViewer(ctx: RequestContext): Promise<{ viewer: Viewer; auth: AuthInfo }> {
    const { viewer, auth } = await authenticate(ctx, this.identity)
    return { viewer: await this.viewerTokens(viewer, ctx.site), auth }
  }

  /** Runs the access.viewerTokens filter for a viewer on a site and freezes the result. */
  async viewerTokens(viewer: Viewer, site: Site): Promise<Viewer> {
    const viewerTokens = this.hooksOf(accessHooks).viewerTokens
    if (!viewerTokens.isUsed) return viewer === ANONYMOUS ? ANONYMOUS : Object.freeze(viewer)
    const tokens: string[] = await viewerTokens.call(site, [...viewer.tokens], { viewer, site })
    return Object.freeze({ ...viewer, tokens: new Set(tokens) })
  }

  /** The viewer an account would be on a site (for access checks outside a request, e.g. notifications). */
  async viewerFor(account: { id: string; name: string; email: string }, site: Site): Promise<Viewer> {
    const rows = await this.db.query<{ role: 'admin' | 'member' }>('SELECT role FROM kernel_site_member WHERE site_id = $1 AND account_id = $2', [site.id, account.id])
    const base = baseViewer(site, { ...account, emailVerified: true, createdAt: new Date(0) }, rows[0]?.role ?? null)
    return this.viewerTokens(base, site)
  }

  openApiFor(site: Site, origin: string): Record<string, unknown> {
    // The plugin list is in the key: it changes at run time (subsites, the root's admin pages).
    const key = `${site.id}\u0000${site.plugins.join(',')}\u0000${origin}`
    let doc = this.openApiCache.get(key)
    if (!doc) {
      const host = new URL(origin).hostname
      doc = buildOpenApi(
        this.routes.routes.filter(r => r.pluginId === KERNEL_ID || site.isEnabled(r.pluginId)),
        {
          title: `${site.name} API`,
          version: KERNEL_VERSION,
          contact: {
            name: site.contact.name ?? site.name,
            url: site.contact.url ?? site.publicUrl ?? origin,
            email: site.contact.email ?? site.admins[0] ?? `beheer@${host.includes('.') ? host : 'example.org'}`,
          },
          serverUrl: `${origin}/api/v1`,
        },
      )
      if (this.openApiCache.size > 1000) this.openApiCache.clear()
      this.openApiCache.set(key, doc)
    }
    return doc
  }

  private registerKernelRoutes(): void {
    const router = this.routes.forPlugin(KERNEL_ID)
    const siteSchema = {
      type: 'object',
      required: ['id', 'name', 'host', 'plugins'],
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        host: { type: 'string' },
        plugins: {
          type: 'array',
          items: { type: 'object', required: ['name', 'version'], properties: { name: { type: 'string' }, version: { type: 'string' } } },
        },
        disabledPlugins: {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string' }, reason: { type: 'string' } } },
        },
      },
    }
    router.get('kernel.site', '/api/v1/site', { summary: 'This site: its name and enabled plugins.', responses: { 200: { description: 'The site.', schema: siteSchema } } }, ctx => ({
      id: ctx.site.id,
      name: ctx.site.name,
      host: ctx.hostname,
      plugins: ctx.site.plugins.map(id => ({ name: id, version: this.pluginVersion(id) })),
      disabledPlugins: [...this.disabled].map(([name, reason]) => ({ name, reason })),
    }))
    const openapi = (ctx: RequestContext) => {
      ctx.set('Access-Control-Allow-Origin', '*')
      ctx.set('Cache-Control', 'public, max-age=60')
      return this.openApiFor(ctx.site, `${ctx.protocol}://${ctx.host}`)
    }
    router.get('kernel.openapi.v1', '/api/v1/openapi.json', { hidden: true }, openapi)
    router.get('kernel.openapi', '/api/openapi.json', { hidden: true }, openapi)
    identityRoutes(router, this.identity, this.lifecycle, this.audit)
    contentRoutes(router, this.content)
    this.catalogue.add('nl', kernelMessages.nl)
    this.catalogue.add('en', kernelMessages.en)
    registerKernelViews(this.views)
    registerKernelPages(this.views, router, this.pages, this.content, this.identity)
    registerAccountPages(this.views, this.catalogue, router, this.pages, this.identity, this.lifecycle)
    registerLanguageSwitch(this.views, this.catalogue, router)
    router.get('assets.css', '/assets/:file', { hidden: true, params: { type: 'object', properties: { file: { type: 'string', pattern: '^(plein|theme)-[0-9a-f]{16}\\.css$' } } } }, c => {
      // The shared bundle, or this site's theme (each site asks on its own host, so the theme is the one it uses).
      const css = c.input.params.file.startsWith('theme-') ? this.themeStylesheet(c.site) : this.stylesheet
      if (c.path !== css.path) {
        // An old hash after an upgrade: send the current file rather than a broken page.
        c.redirect(css.path)
        return
      }
      c.set('Cache-Control', 'public, max-age=31536000, immutable')
      c.set('ETag', css.etag)
      c.type = 'text/css; charset=utf-8'
      if (/\bgzip\b/.test(c.get('accept-encoding'))) {
        c.set('Content-Encoding', 'gzip')
        c.set('Vary', 'Accept-Encoding')
        c.body = css.gzip
      } else {
        c.body = css.body
      }
    })
    jobRoutes(router, this.jobs, this.audit)
    bounceRoutes(router, this.bounces)
    auditRoutes(router, this.audit)
    siteSettingsRoutes(router, this.rootSettings)
    registerAdminPages({ views: this.views, router, pages: this.pages, identity: this.identity, audit: this.audit, jobs: this.jobs, sites: this.sites, rootSettings: this.rootSettings, catalogue: this.catalogue, hooks: this.hooksOf(kernelHooks) })
  }

  private makeContext(plugin: LoadedPlugin): PluginContext {
    const kernel = this
    const id = plugin.id
    const allowed = (owner: string) =>
      owner === id || CORE_OWNERS.has(owner) || owner in plugin.dependencies || owner in plugin.optionalDependencies
    const hooks: PluginHooks = {
      of: (def => kernel.hooks.viewFor(id, def, allowed)) as PluginHooks['of'],
      get kernel() {
        return kernel.hooks.viewFor(id, kernelHooks, allowed) as any
      },
      get access() {
        return kernel.hooks.viewFor(id, accessHooks, allowed) as any
      },
      get entity() {
        return kernel.hooks.viewFor(id, entityHooks, allowed) as any
      },
      get identity() {
        return kernel.hooks.viewFor(id, identityHooks, allowed) as any
      },
    }
    const registering = (what: string) => {
      if (kernel.phase !== 'registering') throw new Error(`Plugin "${id}": ${what} is only possible in register().`)
    }
    const getService = <T>(ref: ServiceRef<T>, optional: boolean): T | undefined => {
      const owner = serviceOwner(ref)
      if (!allowed(owner)) throw new HookOwnerError(id, owner)
      const entry = kernel.services.get(ref.id)
      if (!entry) {
        if (optional) return undefined
        throw new Error(`Plugin "${id}" asked for service "${ref.id}", which no enabled plugin provides.`)
      }
      if (!entry.made) {
        entry.value = entry.factory()
        entry.made = true
      }
      return entry.value as T
    }
    const log = this.log.child({ plugin: id })
    return Object.freeze({
      id,
      version: plugin.version,
      log,
      hooks: Object.freeze(hooks),
      routes(define) {
        registering('adding routes')
        define(kernel.routes.forPlugin(id))
      },
      get db() {
        return kernel.db
      },
      settings<T>(site: Site) {
        return site.settingsOf(id) as Readonly<T>
      },
      provide(ref, factory) {
        registering('providing a service')
        const owner = serviceOwner(ref)
        if (ref.pluggable ? owner === id || !allowed(owner) : owner !== id) {
          throw new Error(
            ref.pluggable
              ? `Plugin "${id}" may provide "${ref.id}" (a plug point of "${owner}") only when it lists "${owner}" in its dependencies or optionalDependencies; "${owner}" itself does not provide it.`
              : `Plugin "${id}" may only provide services named "${id}.…", not "${ref.id}".`,
          )
        }
        const earlier = kernel.services.get(ref.id)
        if (earlier) throw new Error(`Service "${ref.id}" is provided twice${earlier.owner === id ? '' : ` (by "${earlier.owner}" and "${id}"): enable only one of them`}.`)
        kernel.services.set(ref.id, { owner: id, factory, made: false })
      },
      services: Object.freeze({
        get: <T>(ref: ServiceRef<T>) => getService(ref, false) as T,
        find: <T>(ref: ServiceRef<T>) => getService(ref, true),
      }),
      get rootSite() {
        return kernel.rootSite
      },
      kernel: Object.freeze({ version: KERNEL_VERSION, dataDir: this.dataDir }),
      access: this.access,
      users: Object.freeze({
        byIds: (ids: readonly string[]) => kernel.identity.accountsByIds(ids),
        json: userJson,
        viewerFor: (account: { id: string; name: string; email: string }, site: Site) => kernel.viewerFor(account, site),
        authenticateToken: async (site: Site, email: string, token: string) => {
          const found = await kernel.identity.token(site, token)
          return found && found.account.email.toLowerCase() === email.trim().toLowerCase() ? found.account : undefined
        },
        ensure: async (people, site, within) => {
          const done = await kernel.db.transaction(async m => {
            const accounts = await kernel.identity.ensureAccounts(m, people)
            return { accounts, result: within ? await within(m, accounts) : undefined }
          })
          const created = [...done.accounts.values()].filter(a => a.created)
          if (created.length > 0) await kernel.lifecycle.accountsCreated(created, site)
          return done
        },
      } satisfies PluginUsers),
      get mail() {
        return kernel.mail
      },
      siteById: (siteId: string) => kernel.siteById(siteId),
      sites: this.sites,
      jobs: this.jobs.apiFor(id, () => kernel.phase === 'registering'),
      signing: createSigning(this.secret, id),
      keys: createKeyDerivation(this.secret, id),
      storage: this.options.storageUrl ? new S3BlobStore(parseS3Url(this.options.storageUrl), id) : new LocalBlobStore(path.join(this.dataDir, 'blobs', id)),
      clock: this.clock,
      views: Object.freeze({
        define: (name: string, view: View<any>) => {
          registering('defining a view')
          kernel.views.define(id, name, view)
        },
        override: (name: string, view: View<any>, options?: { sites?: readonly string[] }) => {
          registering('overriding a view')
          kernel.views.override(id, name, view, options)
        },
        page: kernel.pages.page,
      }),
      i18n: Object.freeze({
        add: (locale: Locale, messages: Messages) => kernel.catalogue.add(locale, messages),
        t: kernel.pages.t,
      }),
      get changes() {
        return kernel.changes
      },
      audit: this.audit,
      content: Object.freeze<PluginContent>({
        kind(definition) {
          registering('registering a content kind')
          kernel.content.kind(id, definition)
        },
        create: kernel.content.create.bind(kernel.content),
        update: kernel.content.update.bind(kernel.content),
        delete: kernel.content.delete.bind(kernel.content),
        serialize: kernel.content.serialize.bind(kernel.content),
        page: kernel.content.page.bind(kernel.content),
        container: kernel.content.container.bind(kernel.content),
        enabledKinds: kernel.content.enabledKinds.bind(kernel.content),
        urlOf: kernel.content.urlOf.bind(kernel.content),
      }),
    } satisfies PluginContext)
  }

  /**
   * Graceful stop: no new connections, in-flight requests finish (bounded), the stopping hook runs,
   * plugins stop in reverse order (all awaited, even if one fails), the database closes.
   */
  async stop(): Promise<void> {
    if (this.phase === 'stopping' || this.phase === 'stopped') return
    this.phase = 'stopping'
    this.isDraining = true
    if (this.server) {
      const server = this.server
      const closed = new Promise<void>(resolve => server.close(() => resolve()))
      server.closeIdleConnections()
      const limit = this.options.shutdownTimeoutMs ?? 10_000
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<'timeout'>(resolve => {
        timer = setTimeout(() => resolve('timeout'), limit)
      })
      // Keep-alive connections that go idle after their last answer are closed as they do.
      const idle = setInterval(() => server.closeIdleConnections(), 50)
      const outcome = await Promise.race([closed, timeout])
      clearInterval(idle)
      clearTimeout(timer)
      if (outcome === 'timeout') {
        this.log.warn({ open: this.sockets.size }, `requests still running after ${limit} ms; closing their connections`)
        server.closeAllConnections()
        await closed
      }
    }
    clearInterval(this.sweeper)
    await this.jobs.stop()
    await this.hooksOf(kernelHooks).stopping.call(null)
    await this.shutdownPlugins()
    this.rootSettings.stop()
    await this.changeBus?.close()
    this.mailService?.close?.()
    await this.database?.close()
    this.metricsRegistry?.close()
    this.phase = 'stopped'
    this.log.info('stopped')
  }

  private async shutdownPlugins(): Promise<void> {
    for (const state of [...this.plugins].reverse()) {
      if (!state.started || !state.loaded.definition.stop) continue
      try {
        await state.loaded.definition.stop(state.ctx)
      } catch (error) {
        this.log.error({ plugin: state.loaded.id, err: error }, `stop() of plugin "${state.loaded.id}" failed`)
      }
      state.started = false
    }
  }
}

/** The Redis channel of this installation: installations sharing one Redis differ by database (never its password). */
function redisChannel(databaseUrl: string | undefined, dataDir: string): string {
  if (!databaseUrl) return `plein:changes:${dataDir}`
  const u = new URL(databaseUrl)
  return `plein:changes:${u.hostname}:${u.port || '5432'}${u.pathname}`
}

/** One job per outgoing message (MailService.queue). */
const MAIL_JOB = 'kernel.mail'
/** Tries over about 17 minutes of backoff (2 s … 512 s): a mail server restart or a short outage passes. */
const MAIL_ATTEMPTS = 10
/** Password-reset and verification requests: the lookup of the address happens here, never in the request. */
const ACCOUNT_MAIL_JOB = 'kernel.accountMail'

const CORE_OWNERS = new Set(['kernel', 'access', 'entity', 'identity'])

class StartTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, id: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartTimeout(id)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const round = (ms: number) => Math.round(ms * 10) / 10
