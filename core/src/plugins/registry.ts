// The plugin registry: resolve, validate, check versions and dependencies, order, check settings.
import semver from 'semver'
import type { ValidateFunction } from 'ajv/dist/2020.js'
import { createAjv, describeProblems, escapePointer, fieldProblems, type FieldProblem } from '../validation/ajv.js'
import { deepFreeze } from '../util/freeze.js'
import { isPluginDefinition, pluginIdPattern, type PluginDefinition } from './define.js'
import type { BootProblems } from './errors.js'
import { topologicalOrder } from './order.js'
import { findPackage, resolvePlugin, type PluginSource, type ResolvedPlugin } from './resolve.js'

export interface PluginEntry {
  source: PluginSource
  /** Settings from site.json, before defaults. */
  settings?: unknown
  /** false: installed, but switched off on the root site (subsites may enable it). Default true. */
  rootEnabled?: boolean
}

/** A plugin that passed every check, in boot order. */
export interface LoadedPlugin {
  readonly id: string
  readonly version: string
  /** The kernel range it accepts (its @plein/core peer range), or '*' for a bare definition. */
  readonly kernelRange: string
  readonly definition: PluginDefinition
  readonly source: string
  readonly packageName?: string
  readonly dependencies: Readonly<Record<string, string>>
  readonly optionalDependencies: Readonly<Record<string, string>>
  /** The root site's settings, validated, with defaults, frozen. */
  readonly settings: Readonly<Record<string, unknown>>
  readonly validateSettings: (input: unknown) => SettingsResult
  readonly rootEnabled: boolean
}

export type SettingsResult = { ok: true; value: Readonly<Record<string, unknown>> } | { ok: false; problems: FieldProblem[] }

const settingsAjv = createAjv({ useDefaults: true, coerceTypes: false })

export function settingsValidator(def: PluginDefinition): (input: unknown) => SettingsResult {
  const schema = def.settings ?? { type: 'object', additionalProperties: false }
  let validate: ValidateFunction
  try {
    validate = settingsAjv.compile(schema as object)
  } catch (error) {
    throw new Error(`the settings schema of plugin "${def.id}" is not a valid JSON Schema: ${(error as Error).message}`)
  }
  return input => {
    const value = structuredClone(input ?? {})
    if (validate(value)) return { ok: true, value: deepFreeze(value as Record<string, unknown>) }
    return { ok: false, problems: fieldProblems(validate.errors) }
  }
}

export interface LoadOptions {
  baseDir: string
  kernelVersion: string
  problems: BootProblems
}

export async function loadPlugins(entries: PluginEntry[], options: LoadOptions): Promise<LoadedPlugin[]> {
  const { problems } = options
  const resolved: Array<ResolvedPlugin & { entry: PluginEntry }> = []
  for (const entry of entries) {
    if (typeof entry.source === 'string') {
      const r = await resolvePlugin(entry.source, options.baseDir, problems)
      if (r) resolved.push({ ...r, entry })
    } else if (isPluginDefinition(entry.source)) {
      const pkg = entry.source.url ? findPackage(entry.source.url) : undefined
      resolved.push({ definition: entry.source, source: pkg?.name ?? entry.source.id, pkg, entry })
    } else {
      problems.add({ code: 'PLUGIN_MANIFEST_INVALID', message: 'A plugin was given that is not made with definePlugin({...}).' })
    }
  }

  const candidates: LoadedPlugin[] = []
  const byId = new Map<string, LoadedPlugin>()
  // Plugins the site enables but that failed a check: their own problem is reported; dependants say nothing more.
  const rejected = new Set<string>()
  for (const r of resolved) {
    const plugin = checkManifest(r, options)
    if (!plugin) {
      if (typeof r.definition.id === 'string') rejected.add(r.definition.id)
      continue
    }
    const earlier = byId.get(plugin.id)
    if (earlier) {
      problems.add({
        code: 'DUPLICATE_PLUGIN',
        plugin: plugin.id,
        message: `Plugin id "${plugin.id}" is provided twice, by "${earlier.source}" and by "${plugin.source}". Enable only one of them.`,
      })
      continue
    }
    byId.set(plugin.id, plugin)
    candidates.push(plugin)
  }

  for (const plugin of candidates) {
    for (const [dep, range] of Object.entries(plugin.dependencies)) {
      const found = byId.get(dep)
      if (!found && rejected.has(dep)) continue
      if (!found) {
        problems.add({
          code: 'PLUGIN_DEPENDENCY_MISSING',
          plugin: plugin.id,
          message: `Plugin "${plugin.id}" needs plugin "${dep}" (${range}), which this site does not enable. Add "${dep}" to the site's plugins, or remove "${plugin.id}".`,
        })
      } else if (!semver.satisfies(found.version, range, { includePrerelease: true })) {
        problems.add({
          code: 'PLUGIN_DEPENDENCY_MISSING',
          plugin: plugin.id,
          message: `Plugin "${plugin.id}" needs plugin "${dep}" ${range}, but version ${found.version} is installed. Install a version of "${dep}" in ${range}, or a version of "${plugin.id}" made for ${found.version}.`,
        })
      }
    }
    for (const [dep, range] of Object.entries(plugin.optionalDependencies)) {
      const found = byId.get(dep)
      if (found && !semver.satisfies(found.version, range, { includePrerelease: true })) {
        problems.add({
          code: 'PLUGIN_DEPENDENCY_MISSING',
          plugin: plugin.id,
          message: `Plugin "${plugin.id}" can use plugin "${dep}" ${range}, but version ${found.version} is enabled. Install a version of "${dep}" in ${range}, or disable it.`,
        })
      }
    }
  }

  const ordered = topologicalOrder(
    candidates.map(p => ({ id: p.id, after: [...Object.keys(p.dependencies), ...Object.keys(p.optionalDependencies)] })),
  )
  if (!ordered.ok) {
    for (const cycle of ordered.cycles) {
      problems.add({
        code: 'PLUGIN_DEPENDENCY_CYCLE',
        plugin: cycle[0],
        message: `Plugins depend on each other in a cycle: ${cycle.join(' → ')}. Remove one of these dependencies.`,
      })
    }
    return candidates
  }
  return ordered.order.map(id => byId.get(id)!)
}

function checkManifest(r: ResolvedPlugin & { entry: PluginEntry }, { kernelVersion, problems }: LoadOptions): LoadedPlugin | undefined {
  const def = r.definition
  const where = r.source
  const bad = (message: string) => {
    problems.add({ code: 'PLUGIN_MANIFEST_INVALID', plugin: typeof def.id === 'string' ? def.id : where, message })
    return undefined
  }
  if (typeof def.id !== 'string' || !pluginIdPattern.test(def.id)) {
    return bad(`"${where}" has plugin id ${JSON.stringify(def.id)}; an id is kebab-case, like "blog" or "my-widget".`)
  }
  const declaredId = r.pkg?.plein?.plugin
  if (declaredId !== undefined && declaredId !== def.id) {
    return bad(`"${where}" says "plein.plugin": "${declaredId}" in package.json, but its definePlugin id is "${def.id}". Make them equal.`)
  }
  for (const fn of ['register', 'start', 'stop'] as const) {
    if (def[fn] !== undefined && typeof def[fn] !== 'function') return bad(`Plugin "${def.id}": ${fn} must be a function.`)
  }
  if (def.onBootFailure !== undefined && def.onBootFailure !== 'abort' && def.onBootFailure !== 'disable') {
    return bad(`Plugin "${def.id}": onBootFailure must be "abort" or "disable".`)
  }
  if (def.hooks !== undefined && def.hooks.owner !== def.id) {
    return bad(`Plugin "${def.id}" declares hooks owned by "${def.hooks.owner}"; a plugin owns only hooks named after its id.`)
  }
  for (const field of ['dependencies', 'optionalDependencies'] as const) {
    for (const [dep, range] of Object.entries(def[field] ?? {})) {
      if (!semver.validRange(range)) return bad(`Plugin "${def.id}": ${field}.${dep} has "${range}", which is not a semver range.`)
      if (dep === def.id) return bad(`Plugin "${def.id}" lists itself in ${field}.`)
    }
  }
  const version = r.pkg?.version ?? def.version ?? '0.0.0'
  if (!semver.valid(version)) return bad(`Plugin "${def.id}" has version "${version}", which is not semver.`)
  const kernelRange = r.pkg ? r.pkg.peerDependencies?.['@plein/core'] : (def.kernel ?? '*')
  if (kernelRange === undefined) {
    return bad(`Plugin "${def.id}" does not say which kernel it works with. Add "peerDependencies": { "@plein/core": "^1.0.0" } to its package.json.`)
  }
  if (!semver.validRange(kernelRange)) return bad(`Plugin "${def.id}": its @plein/core range "${kernelRange}" is not a semver range.`)
  if (!semver.satisfies(kernelVersion, kernelRange, { includePrerelease: true })) {
    problems.add({
      code: 'KERNEL_VERSION_MISMATCH',
      plugin: def.id,
      message: `Plugin "${def.id}" ${version} works with @plein/core ${kernelRange}, but this kernel is ${kernelVersion}. Install a version of "${def.id}" made for @plein/core ${semver.major(kernelVersion)}.x, or a kernel in ${kernelRange}.`,
    })
    return undefined
  }
  let validateSettings: (input: unknown) => SettingsResult
  try {
    validateSettings = settingsValidator(def)
  } catch (error) {
    return bad((error as Error).message)
  }
  const checked = validateSettings(r.entry.settings)
  if (!checked.ok) {
    for (const p of checked.problems) {
      problems.add({
        code: 'PLUGIN_SETTINGS_INVALID',
        plugin: def.id,
        // A JSON Pointer into site.json: the plugin key ("./plugins/x", "@scope/name") has its "/" escaped.
        path: `/plugins/${escapePointer(where)}/settings${p.pointer}`,
        message: `Setting ${p.pointer || '(root)'} of plugin "${def.id}" ${p.detail} (at /plugins/${where}/settings${p.pointer} in site.json).`,
      })
    }
    return undefined
  }
  return {
    id: def.id,
    version,
    kernelRange,
    definition: def,
    source: where,
    packageName: r.pkg?.name,
    dependencies: Object.freeze({ ...(def.dependencies ?? {}) }),
    optionalDependencies: Object.freeze({ ...(def.optionalDependencies ?? {}) }),
    settings: checked.value,
    validateSettings,
    rootEnabled: r.entry.rootEnabled !== false,
  }
}

