// definePlugin: the one shape every plugin has, bundled or third-party.
import type { PluginSeeder } from '../data/seed.js'
import type { HookSetDefinition } from '../hooks/define.js'
import type { JsonSchema } from '../validation/ajv.js'
import type { PluginContext } from './context.js'

export type MigrationClass = new () => {
  name?: string
  up(queryRunner: any): Promise<unknown>
  down?(queryRunner: any): Promise<unknown>
}

export interface PluginManifest {
  /** kebab-case; the name used everywhere else (API answers, taps, table prefixes). */
  id: string
  /**
   * Where the plugin's package lives: pass `import.meta.url`. The kernel reads `version` and the
   * `peerDependencies["@plein/core"]` range from the nearest package.json.
   */
  url?: string
  /** Only for plugins without a package.json (fixtures, tests); otherwise read from package.json. */
  version?: string
  /** Only for plugins without a package.json; otherwise the peerDependencies range on @plein/core. */
  kernel?: string
  /** Plugins this one needs, by id, with semver ranges. */
  dependencies?: Record<string, string>
  /** Plugins this one uses when a site has them, by id, with semver ranges. */
  optionalDependencies?: Record<string, string>
  /** JSON Schema (with defaults) of this plugin's per-site settings. */
  settings?: JsonSchema
  /** TypeORM entity classes; tables are named `<id>_<thing>`. */
  entities?: Function[]
  /** Hand-written TypeORM migrations, run in array order, never edited once released. */
  migrations?: MigrationClass[]
  /** Hooks this plugin owns, for other plugins to tap. */
  hooks?: HookSetDefinition<any>
  /** When start() fails: stop the boot (default), or boot without this plugin and its dependants. */
  onBootFailure?: 'abort' | 'disable'
  /** Synchronous wiring: tap hooks, add routes, provide services. No I/O. */
  register?(ctx: PluginContext): void
  /** Async work once the database is migrated (10 s limit). */
  start?(ctx: PluginContext): Promise<void> | void
  /** Async clean-up at shutdown, in reverse order. */
  stop?(ctx: PluginContext): Promise<void> | void
  /** Bulk generator of this plugin's rows for `plein seed` (test and benchmark data at scale). */
  seed?: PluginSeeder
}

export const PLUGIN_BRAND: unique symbol = Symbol.for('plein.plugin')

export type PluginDefinition = Readonly<PluginManifest> & { readonly [PLUGIN_BRAND]: true }

export const pluginIdPattern = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/

/** Declares a plugin. The result is frozen; the kernel validates it at boot. */
export function definePlugin(manifest: PluginManifest): PluginDefinition {
  return Object.freeze({ ...manifest, [PLUGIN_BRAND]: true as const })
}

export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === 'object' && value !== null && (value as any)[PLUGIN_BRAND] === true
}
