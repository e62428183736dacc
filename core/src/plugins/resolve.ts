// Finds the plugins a site names (npm package name or path) and reads their package.json.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { BootProblems } from './errors.js'
import { isPluginDefinition, type PluginDefinition } from './define.js'

export interface PackageInfo {
  name?: string
  version?: string
  peerDependencies?: Record<string, string>
  plein?: { plugin?: string }
  dir: string
}

/** A plugin as the site names it: a specifier to import, or a definition handed over directly (tests). */
export type PluginSource = string | PluginDefinition

export interface ResolvedPlugin {
  definition: PluginDefinition
  /** How the site named it (package name, path, or `<id>` for a definition given directly). */
  source: string
  pkg?: PackageInfo
}

export function readPackageJson(dir: string): PackageInfo | undefined {
  const file = path.join(dir, 'package.json')
  if (!existsSync(file)) return undefined
  const json = JSON.parse(readFileSync(file, 'utf8'))
  return { ...json, dir }
}

/** The nearest package.json at or above a file (the plugin's own package). */
export function findPackage(fileOrUrl: string): PackageInfo | undefined {
  let dir = fileOrUrl.startsWith('file:') ? fileURLToPath(fileOrUrl) : fileOrUrl
  if (existsSync(dir) && statSync(dir).isFile()) dir = path.dirname(dir)
  for (;;) {
    const pkg = readPackageJson(dir)
    if (pkg) return pkg
    const up = path.dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

const isPath = (s: string) => s.startsWith('.') || s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s)

/** Resolves and imports one plugin; problems are collected, not thrown. */
export async function resolvePlugin(spec: string, baseDir: string, problems: BootProblems): Promise<ResolvedPlugin | undefined> {
  let file: string
  try {
    const require = createRequire(path.join(baseDir, 'site.json'))
    file = require.resolve(isPath(spec) ? path.resolve(baseDir, spec) : spec)
  } catch {
    problems.add({
      code: 'PLUGIN_NOT_FOUND',
      plugin: spec,
      message: isPath(spec)
        ? `No plugin package at "${path.resolve(baseDir, spec)}". Check the path in site.json (relative to the site's folder).`
        : `The package "${spec}" is not installed. Run \`npm install ${spec}\` or remove it from site.json.`,
    })
    return undefined
  }
  let mod: Record<string, unknown>
  try {
    mod = await import(pathToFileURL(file).href)
  } catch (error) {
    problems.add({
      code: 'PLUGIN_MANIFEST_INVALID',
      plugin: spec,
      message: `Loading "${spec}" failed: ${(error as Error).message}`,
    })
    return undefined
  }
  const found = [mod.default, ...Object.values(mod)].filter(isPluginDefinition)
  const definition = found[0]
  if (!definition) {
    problems.add({
      code: 'PLUGIN_MANIFEST_INVALID',
      plugin: spec,
      message: `"${spec}" exports no plugin. Its main export must be the result of definePlugin({...}).`,
    })
    return undefined
  }
  return { definition, source: spec, pkg: definition.url ? findPackage(definition.url) : findPackage(file) }
}
