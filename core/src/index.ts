// @plein/core — the public API. Plugins import from here and nowhere else in the kernel.

// Plugins
export { definePlugin, isPluginDefinition, type PluginDefinition, type PluginManifest, type MigrationClass } from './plugins/define.js'
export type { PluginContext, PluginHooks, PluginServices, KernelInfo } from './plugins/context.js'
export { KernelBootError, formatProblems, type BootProblem, type BootProblemCode } from './plugins/errors.js'
export type { PluginEntry, LoadedPlugin } from './plugins/registry.js'
export type { PluginSource } from './plugins/resolve.js'

// Hooks
export { defineHooks, event, filter, decision, type HookSetDefinition, type Deprecation, type HookDoc, type EventSpec, type FilterSpec, type DecisionSpec, type AnyHookSpec } from './hooks/define.js'
export {
  Stage,
  HookTapError,
  type StageValue,
  type TapOptions,
  type HookScope,
  type EventHook,
  type FilterHook,
  type DecisionHook,
  type LiveHooks,
} from './hooks/live.js'
export {
  kernelHooks,
  accessHooks,
  entityHooks,
  type KernelStartedInfo,
  type ViewerTokensContext,
  type EntityRecord,
  type Denial,
} from './hooks/kernel-hooks.js'

// Services
export { createServiceRef, type ServiceRef, type ServiceRefOptions } from './services/refs.js'

// HTTP
export type { RequestContext, RouteContext, RouteInput } from './http/context.js'
export type { PluginRouter, RouteSpec, ResponseSpec, RouteHandler, HttpMethod } from './http/router.js'
export { HttpProblem, problems, type ProblemInit, type ProblemFieldError } from './http/problem.js'
export { API_PREFIX } from './http/openapi.js'

// Data
export { Database, type PoolStats } from './data/database.js'
export { dumpDatabase, restoreDatabase, otherConnections, BackupToolError, type DatabaseKind, type DatabaseLocation } from './data/backup.js'
export { lockEmbedded, EmbeddedDatabaseBusyError } from './data/embedded-lock.js'
export { isDatabaseUnavailable, DATABASE_RETRY_AFTER_S } from './data/faults.js'
export { Metrics, mergeExpositions, type MetricsOptions, type GaugeFamily } from './http/metrics.js'
export {
  PLEIO_SCALE,
  SEED_PASSWORD,
  SEED_PASSWORD_HASH,
  SEED_VOCABULARY,
  SEED_BATCH_SIZE,
  SeedRandom,
  scaleBy,
  seedUuid,
  type SeedScale,
  type SeedSite,
  type SeedEntity,
  type SeedAccess,
  type SeedContainer,
  type SeedPlacement,
  type SeedItem,
  type SeedStage,
  SEED_ACCESS_MIX,
  type SeedContext,
  type PluginSeeder,
  type SeedOptions,
  type SeedReport,
} from './data/seed.js'
// TypeORM as the kernel runs it: decorators for plugin entities, and the types of migrations and transactions.
// Plugins import them from here so that they share the kernel's one copy of TypeORM (and need no dependency of their own).
export { Entity, Column, PrimaryColumn, PrimaryGeneratedColumn, CreateDateColumn, UpdateDateColumn, Index } from 'typeorm'
export type { MigrationInterface, QueryRunner, EntityManager, Repository } from 'typeorm'

// Tenancy and access
export type { Site, SiteContact } from './tenancy/site.js'
export { normalizeHost, SiteRecord, type SiteInit } from './tenancy/site.js'
export type { SiteDirectory, SiteSpec, InstalledPlugin } from './tenancy/sites.js'
export { ANONYMOUS, PUBLIC_TOKEN, LOGGED_IN_TOKEN, userToken, groupToken, siteToken, type Viewer, type ViewerUser } from './access/viewer.js'

// Identity and access
export { AccessService, accessSchema, ENTITY_SQL, type AccessLists, type ListOptions, type EntityRow } from './access/access.js'
export { identityHooks, type Account } from './identity/hooks.js'
export { userSchema } from './identity/routes.js'
export type { PluginUsers, EnsuredAccount } from './plugins/context.js'
export type { KernelSettings } from './config/kernel-settings.js'
export { kernelSettings } from './config/kernel-settings.js'

// Content
export { sanitizeHtml, htmlToText, excerpt } from './content/sanitize.js'
export type { ContentService, CreateInput, UpdateInput, DeleteInput, ItemJson } from './content/service.js'
export type { KindDefinition } from './content/kinds.js'
export { itemSchema, pageOf } from './content/routes.js'
export type { ContainerInfo } from './hooks/kernel-hooks.js'
export type { PluginContent } from './plugins/context.js'

// Paging, forms, mail
export { encodeCursor, decodeCursor, encodeKey, decodeKey, toPage, cursorColumn, cursorTime, pageQueryProperties, pageQuerySchema, type Cursor, type Page } from './http/paging.js'
export { zonedTime, localInput } from './util/zoned-time.js'
export { readFormBody, escapeHtml } from './http/form.js'
/** For routes that stream their own body (`csrf: false`, e.g. multipart uploads) and take the token from a form field in it. */
export { checkCsrf } from './identity/authenticate.js'
export type { MailService, MailTransport, MailQueueOptions, MailMessage, MailBounce } from './services/mail.js'
export { MailRejectedError } from './services/mail.js'
export type { ChangeBus, ChangeListener } from './services/changes.js'
export { RESYNC, isResync } from './services/changes.js'
export { SharedCache, type SharedCacheOptions, type SharedCacheEntry, type SharedCacheChange } from './services/shared-cache.js'
export type { Signing, KeyDerivation } from './identity/signing.js'
export { LocalBlobStore, StorageFullError, type BlobStore } from './services/storage.js'
export { parseS3Url, S3BlobStore, S3Error, S3_PART_SIZE, type S3Location } from './services/storage-s3.js'
export { ManualClock, systemClock, type Clock } from './services/clock.js'
export type { JobsApi, JobHandler, JobContext, JobOptions, JobRecord, JobSummary, JobDefinitionOptions } from './services/jobs.js'

// Config, logging, kernel
export { loadSiteConfig, validateSiteConfig, siteSchemaPath, type SiteConfig } from './config/site-config.js'
export { readEnvironment, EnvironmentError, type Environment } from './config/environment.js'
export { createLogger, type Logger, type LoggerOptions } from './log/logger.js'
export { createAjv, type JsonSchema } from './validation/ajv.js'
export { Kernel, KERNEL_VERSION, type KernelOptions, type BootPlan, type PluginPlanEntry } from './kernel/kernel.js'

// Views (server-rendered pages)
export type { View, UI, PageOptions } from './views/registry.js'
export type { Locale, Messages } from './views/i18n.js'
export { intlLocale } from './views/i18n.js'
export type { PluginViews, PluginI18n } from './plugins/context.js'
export type { FieldProps, NavItem } from './views/layout.js'
export { readSchemaForm, placeErrors, type SchemaFormProps, type PluginChoice, type PluginSettingsProps } from './views/schema-form.js'
export { THEMES, DEFAULT_THEME, themeName, type ThemeSetting, type ThemeDefinition } from './views/themes.js'
export { kernelAdminMenu, type AdminNavItem } from './views/admin.js'
export type { AuditLog, AuditEntry, AuditInput } from './services/audit.js'
