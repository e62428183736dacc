// plein plugins: installed plugin packages (found in node_modules) and which the site enables.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { loadSiteConfig } from '@plein/core'
import type { Io } from '../main.js'

interface Installed {
  id: string
  name: string
  version: string
  kernel?: string
  dir: string
}

/** Every package with `"plein": { "plugin": … }` in the node_modules folders at and above `from`. */
export function installedPlugins(from: string): Installed[] {
  const found = new Map<string, Installed>()
  let dir = from
  for (;;) {
    const modules = path.join(dir, 'node_modules')
    if (existsSync(modules)) {
      for (const entry of readdirSync(modules)) {
        const dirs = entry.startsWith('@') ? readdirSync(path.join(modules, entry)).map(e => path.join(modules, entry, e)) : [path.join(modules, entry)]
        for (const pkgDir of dirs) {
          const file = path.join(pkgDir, 'package.json')
          if (!existsSync(file)) continue
          try {
            const pkg = JSON.parse(readFileSync(file, 'utf8'))
            if (pkg.plein?.plugin && !found.has(pkg.name)) {
              found.set(pkg.name, { id: pkg.plein.plugin, name: pkg.name, version: pkg.version, kernel: pkg.peerDependencies?.['@plein/core'], dir: pkgDir })
            }
          } catch {
            // An unreadable package.json is not a plugin.
          }
        }
      }
    }
    const up = path.dirname(dir)
    if (up === dir) break
    dir = up
  }
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id))
}

export async function pluginsCommand(siteDir: string, io: Io, options: { json: boolean }): Promise<number> {
  const installed = installedPlugins(siteDir)
  const { config } = loadSiteConfig(siteDir)
  const enabled = new Set(Object.entries(config?.plugins ?? {}).filter(([, v]) => v.enabled !== false).map(([k]) => k))
  const rows = installed.map(p => ({ ...p, enabled: enabled.has(p.name) }))
  const local = [...enabled].filter(k => !installed.some(p => p.name === k))
  if (options.json) {
    io.out(JSON.stringify({ installed: rows, enabledOther: local }, null, 2))
    return 0
  }
  io.out(`Installed plugins (${rows.length}):`)
  for (const p of rows) io.out(`  ${p.enabled ? '●' : '○'} ${p.id.padEnd(16)} ${p.version.padEnd(8)} ${p.name}${p.kernel ? `  (kernel ${p.kernel})` : ''}`)
  if (local.length > 0) {
    io.out('Enabled by path or not installed:')
    for (const k of local) io.out(`  ● ${k}`)
  }
  io.out('● enabled on this site  ○ installed, not enabled')
  return 0
}
