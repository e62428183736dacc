// A site: one tenant of the installation (the root site, or a subsite), with its enabled plugins.
import type { HookScope } from '../hooks/live.js'

export interface SiteContact {
  name?: string
  url?: string
  email?: string
}

export interface Site extends HookScope {
  /** Opaque id (UUID), stable across restarts. */
  readonly id: string
  /** 'root' for the root site; a subsite's key otherwise. */
  readonly key: string
  readonly name: string
  /** Lower-case host names without port. */
  readonly hosts: readonly string[]
  readonly isRoot: boolean
  /** Enabled plugin ids, in boot order. */
  readonly plugins: readonly string[]
  readonly publicUrl?: string
  readonly contact: SiteContact
  /** Administrators named by e-mail in the site's config. */
  readonly admins: readonly string[]
  /** Kernel-owned site-wide settings (frozen). */
  readonly settings: Readonly<Record<string, unknown>>
  isEnabled(pluginId: string): boolean
  /** A plugin's validated, frozen settings on this site. */
  settingsOf(pluginId: string): Readonly<Record<string, unknown>>
}

export interface SiteInit {
  id: string
  key: string
  name: string
  hosts: readonly string[]
  isRoot: boolean
  plugins: readonly string[]
  pluginSettings: ReadonlyMap<string, Readonly<Record<string, unknown>>>
  publicUrl?: string
  contact?: SiteContact
  admins?: readonly string[]
  settings?: Readonly<Record<string, unknown>>
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({})

export class SiteRecord implements Site {
  readonly id: string
  readonly key: string
  readonly name: string
  readonly hosts: readonly string[]
  readonly isRoot: boolean
  readonly plugins: readonly string[]
  readonly publicUrl?: string
  readonly contact: SiteContact
  readonly admins: readonly string[]
  readonly settings: Readonly<Record<string, unknown>>
  private readonly enabled: ReadonlySet<string>
  private readonly pluginSettings: ReadonlyMap<string, Readonly<Record<string, unknown>>>

  constructor(init: SiteInit) {
    this.id = init.id
    this.key = init.key
    this.name = init.name
    this.hosts = Object.freeze(init.hosts.map(normalizeHost))
    this.isRoot = init.isRoot
    this.plugins = Object.freeze([...init.plugins])
    this.enabled = new Set(init.plugins)
    this.pluginSettings = init.pluginSettings
    this.publicUrl = init.publicUrl
    this.contact = Object.freeze({ ...(init.contact ?? {}) })
    this.admins = Object.freeze((init.admins ?? []).map(a => a.toLowerCase()))
    this.settings = init.settings ?? EMPTY
    Object.freeze(this)
  }

  isEnabled(pluginId: string): boolean {
    return this.enabled.has(pluginId)
  }

  settingsOf(pluginId: string): Readonly<Record<string, unknown>> {
    return this.pluginSettings.get(pluginId) ?? EMPTY
  }
}

/** `Intranet.Example.nl:8080` → `intranet.example.nl`; `[::1]:80` → `[::1]`. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase()
  if (h.startsWith('[')) {
    const end = h.indexOf(']')
    return end > 0 ? h.slice(0, end + 1) : h
  }
  const colon = h.indexOf(':')
  if (colon >= 0) h = h.slice(0, colon)
  return h.endsWith('.') ? h.slice(0, -1) : h
}
