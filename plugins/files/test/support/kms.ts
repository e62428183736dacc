// A small key-management plugin for the tests: random site keys kept in its own key file (nothing derived
// from PLEIN_SECRET), versioned per site, plugged into the files plugin through filesKeyProviderRef.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { definePlugin, type PluginDefinition } from '@plein/core'
import { filesKeyProviderRef, type KeyProvider } from '@plein/plugin-files'

/** The key file: per site, the current version and every key it ever had (hex), by version. */
export interface KeyFile {
  sites: Record<string, { current: number; keys: Record<string, string> }>
}

export function readKeyFile(file: string): KeyFile {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as KeyFile) : { sites: {} }
}

function writeKeyFile(file: string, keys: KeyFile): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(keys, null, 2))
  renameSync(`${file}.tmp`, file)
}

export function fileKms(file: string, id: string, rotates: boolean): KeyProvider {
  const site = (siteId: string) => {
    const keys = readKeyFile(file)
    if (!keys.sites[siteId]) {
      keys.sites[siteId] = { current: 1, keys: { 1: randomBytes(32).toString('hex') } }
      writeKeyFile(file, keys)
    }
    return keys.sites[siteId]!
  }
  const provider: KeyProvider = {
    id,
    async currentVersion(siteId) {
      return site(siteId).current
    },
    async siteKey(siteId, version) {
      const hex = site(siteId).keys[version]
      if (!hex) throw new Error(`test-kms: site ${siteId} has no key version ${version}`)
      return Buffer.from(hex, 'hex')
    },
  }
  if (!rotates) return provider
  return {
    ...provider,
    async rotate(siteId) {
      site(siteId)
      const keys = readKeyFile(file)
      const entry = keys.sites[siteId]!
      entry.current += 1
      entry.keys[entry.current] = randomBytes(32).toString('hex')
      writeKeyFile(file, keys)
      return entry.current
    },
  }
}

/** The plugin: `id` is the provider's id stored with each key (a second KMS is simulated by another id). */
export function kmsPlugin(options: { file: string; id?: string; rotates?: boolean }): PluginDefinition {
  return definePlugin({
    id: 'test-kms',
    version: '1.0.0',
    kernel: '*',
    dependencies: { files: '^1.0.0' },
    register(ctx) {
      ctx.provide(filesKeyProviderRef, () => fileKms(options.file, options.id ?? 'test-kms', options.rotates ?? true))
    },
  })
}
