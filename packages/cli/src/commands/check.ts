// plein check: validate the config and plugins without a database; print the boot plan or every problem,
// and for every plugin (named by the site or installed) whether it accepts this kernel and which deprecated
// hooks it still uses — what to look at before and after upgrading @plein/core.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import semver from 'semver'
import { createLogger, KernelBootError, Kernel, KERNEL_VERSION, loadSiteConfig, type BootPlan, type BootProblem } from '@plein/core'
import type { Io } from '../main.js'
import { installedPlugins } from './plugins.js'
import { environment } from './shared.js'

export interface DeprecatedHookUse {
  hook: string
  use: string
  since: string
  removeIn: string
}

/** One plugin, as far as upgrade safety goes. */
export interface PluginCompatibility {
  /** The plugin id (from the boot plan, else from package.json `plein.plugin`); null when unknown. */
  id: string | null
  /** How site.json names it, or the package name of an installed plugin the site does not name. */
  source: string
  packageName: string | null
  version: string | null
  /** Its `peerDependencies["@plein/core"]` range; null when it has none (or cannot be read). */
  kernelRange: string | null
  /** Whether that range accepts this kernel; null when there is no range to judge. */
  acceptsKernel: boolean | null
  /** Named in this site's config. */
  onSite: boolean
  /**
   * Deprecated hooks it taps, known for plugins that registered (the site's, on a site that checks out);
   * null when it was not registered.
   */
  deprecatedHooks: DeprecatedHookUse[] | null
}

const accepts = (range: string | null) =>
  range === null || !semver.validRange(range) ? null : semver.satisfies(KERNEL_VERSION, range, { includePrerelease: true })

const isPath = (s: string) => s.startsWith('.') || s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s)

function readPackage(dir: string): Record<string, any> | undefined {
  const file = path.join(dir, 'package.json')
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/** Every plugin the site names, then every installed plugin package it does not name. */
export function compatibility(siteDir: string, plan?: BootPlan): PluginCompatibility[] {
  const { config } = loadSiteConfig(siteDir)
  const installed = installedPlugins(siteDir)
  const rows: PluginCompatibility[] = []
  for (const source of Object.keys(config?.plugins ?? {})) {
    const planned = plan?.plugins.find(p => p.source === source)
    const fromInstalled = installed.find(p => p.name === source)
    const pkg = isPath(source) ? readPackage(path.resolve(siteDir, source)) : fromInstalled ? readPackage(fromInstalled.dir) : undefined
    const kernelRange = planned?.kernelRange ?? pkg?.peerDependencies?.['@plein/core'] ?? null
    const id = planned?.id ?? pkg?.plein?.plugin ?? null
    rows.push({
      id,
      source,
      packageName: pkg?.name ?? (isPath(source) ? null : source),
      version: planned?.version ?? pkg?.version ?? null,
      kernelRange,
      acceptsKernel: accepts(kernelRange),
      onSite: true,
      deprecatedHooks: plan && planned ? plan.deprecated.filter(d => d.plugin === planned.id).map(({ plugin: _, ...d }) => d) : null,
    })
  }
  for (const p of installed) {
    if (rows.some(r => r.packageName === p.name)) continue
    const kernelRange = p.kernel ?? null
    rows.push({ id: p.id, source: p.name, packageName: p.name, version: p.version, kernelRange, acceptsKernel: accepts(kernelRange), onSite: false, deprecatedHooks: null })
  }
  return rows
}

const mark = (row: PluginCompatibility) =>
  row.acceptsKernel === true ? '✓' : row.acceptsKernel === false ? `✗ does not accept ${KERNEL_VERSION}` : '? no @plein/core peer range'

export async function checkCommand(siteDir: string, io: Io, options: { json: boolean }): Promise<number> {
  const env = environment(siteDir, io)
  if (!env) return 1
  let plan: BootPlan
  try {
    // Warnings go to stderr: stdout is the report (JSON with --json).
    const log = createLogger({ level: 'warn', destination: process.stderr })
    const kernel = await Kernel.prepare({ siteDir, dataDir: env.dataDir, secret: env.secret, log })
    plan = kernel.plan
  } catch (error) {
    if (!(error instanceof KernelBootError)) throw error
    return reportProblems(siteDir, error.problems, error.message, io, options)
  }
  const rows = compatibility(siteDir, plan)
  if (options.json) {
    io.out(
      JSON.stringify(
        {
          ok: true,
          ...plan,
          plugins: plan.plugins.map(p => {
            const row = rows.find(r => r.onSite && r.source === p.source)
            return { ...p, acceptsKernel: row?.acceptsKernel ?? true, deprecatedHooks: row?.deprecatedHooks ?? [] }
          }),
          installed: rows.filter(r => !r.onSite),
        },
        null,
        2,
      ),
    )
    return 0
  }
  io.out(`Site ${siteDir} is valid. Kernel @plein/core ${KERNEL_VERSION}.`)
  io.out(`Boot plan (${plan.plugins.length} plugins, in order; register took ${Math.round(plan.registerMs)} ms):`)
  plan.plugins.forEach((p, i) => {
    const deps = Object.entries(p.dependencies).map(([d, r]) => `${d} ${r}`)
    const optional = Object.entries(p.optionalDependencies).map(([d, r]) => `${d} ${r} (optional)`)
    const needs = [...deps, ...optional]
    io.out(`  ${i + 1}. ${p.id}@${p.version}  kernel ${p.kernelRange} ✓${needs.length ? `  needs ${needs.join(', ')}` : ''}  [${p.source}]`)
    for (const d of plan.deprecated.filter(x => x.plugin === p.id)) {
      io.out(`       ⚠ taps deprecated ${d.hook}: use ${d.use} (deprecated since ${d.since}, removed in ${d.removeIn})`)
    }
  })
  io.out(`${plan.routes} routes.`)
  // Nothing here reads the database: say where run-time changes of the root site's settings come from.
  io.out("Settings: site.json gives the root site's defaults; what its administrators change at run time (Beheer, PATCH /api/v1/site/settings) is stored in the database and goes over them (docs/site-builders.md).")
  if (plan.deprecated.length > 0) {
    io.out('Deprecated hooks still in use (they stop working when their owner removes them):')
    for (const d of plan.deprecated) io.out(`  - ${d.plugin} taps ${d.hook}: use ${d.use} (deprecated since ${d.since}, removed in ${d.removeIn})`)
  } else {
    io.out('No plugin uses a deprecated hook.')
  }
  const others = rows.filter(r => !r.onSite)
  if (others.length > 0) {
    io.out(`Installed plugin packages this site does not enable (${others.length}):`)
    for (const r of others) io.out(`  ○ ${r.id ?? '?'}@${r.version ?? '?'}  kernel ${r.kernelRange ?? '—'} ${mark(r)}  [${r.source}]`)
  }
  return 0
}

/** A site that does not check out: every problem, and what each plugin says about the kernel it accepts. */
function reportProblems(siteDir: string, problems: readonly BootProblem[], message: string, io: Io, options: { json: boolean }): number {
  const rows = compatibility(siteDir)
  if (options.json) {
    io.out(JSON.stringify({ ok: false, kernelVersion: KERNEL_VERSION, problems, plugins: rows.filter(r => r.onSite), installed: rows.filter(r => !r.onSite) }, null, 2))
  }
  io.err(message)
  if (!options.json && rows.length > 0) {
    io.err(`Kernel @plein/core ${KERNEL_VERSION}; the kernel range of each plugin:`)
    for (const r of rows) io.err(`  ${r.onSite ? '●' : '○'} ${r.id ?? r.source}@${r.version ?? '?'}  kernel ${r.kernelRange ?? '—'} ${mark(r)}  [${r.source}]`)
    io.err('● named in site.json  ○ installed, not named')
  }
  return 1
}
