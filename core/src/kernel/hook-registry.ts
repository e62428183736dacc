// The kernel's hook registry: one live set per owner, views per plugin, ownership and deprecation checks.
import type { HookSetDefinition } from '../hooks/define.js'
import { KERNEL_ID, LiveHookSet, type HookEnvironment, type HookScope, type HookTapError, type TapRecord } from '../hooks/live.js'
import { coreHookSets } from '../hooks/kernel-hooks.js'
import { identityHooks } from '../identity/hooks.js'

export class HookOwnerError extends Error {
  readonly code = 'HOOK_OWNER_NOT_DEPENDENCY'
  constructor(readonly plugin: string, readonly owner: string) {
    super(
      `Plugin "${plugin}" uses the hooks or services of "${owner}" without depending on it. Add "${owner}" to its dependencies (or optionalDependencies).`,
    )
  }
}

export interface DeprecatedUse {
  plugin: string
  hook: string
  use: string
  since: string
  removeIn: string
}

export class HookRegistry {
  private readonly sets = new Map<string, LiveHookSet>()
  readonly taps: TapRecord[] = []
  readonly deprecatedUses: DeprecatedUse[] = []
  private readonly env: HookEnvironment

  constructor(onEventTapError: (error: HookTapError) => void, defaultScope: () => HookScope) {
    this.env = { onEventTapError, taps: this.taps, defaultScope }
    for (const def of [...coreHookSets, identityHooks]) this.declare(def as HookSetDefinition)
  }

  declare(def: HookSetDefinition): void {
    const existing = this.sets.get(def.owner)
    if (existing && existing.definition !== def) throw new Error(`Two different hook sets are declared for owner "${def.owner}"`)
    if (!existing) this.sets.set(def.owner, new LiveHookSet(def, this.env))
  }

  /** The live hooks of an owner, for the kernel's own calls. */
  live(def: HookSetDefinition): Record<string, any> {
    this.declare(def)
    return this.sets.get(def.owner)!.viewFor(KERNEL_ID, () => undefined)
  }

  /** The hooks of `def` as plugin `plugin` may use them. `allowed` are owners it may tap. */
  viewFor(plugin: string, def: HookSetDefinition, allowed: (owner: string) => boolean): Record<string, unknown> {
    if (!allowed(def.owner)) throw new HookOwnerError(plugin, def.owner)
    // Hooks of an optional dependency that is not installed still get a live (never called) set.
    this.declare(def)
    return this.sets.get(def.owner)!.viewFor(plugin, (p, hook, use) => {
      const [owner, name] = [hook.slice(0, hook.indexOf('.')), hook.slice(hook.indexOf('.') + 1)]
      const d = this.sets.get(owner)!.definition.deprecated[name]!
      if (!this.deprecatedUses.some(u => u.plugin === p && u.hook === hook)) {
        this.deprecatedUses.push({ plugin: p, hook, use, since: d.since, removeIn: d.removeIn })
      }
    })
  }

  /** Every declared hook, for the catalogue. */
  catalogue(): Array<{ name: string; owner: string; kind: string; description?: string; since?: string }> {
    const out = []
    for (const set of this.sets.values()) {
      for (const [key, spec] of Object.entries(set.definition.specs)) {
        out.push({ name: `${set.definition.owner}.${key}`, owner: set.definition.owner, kind: spec.kind, description: spec.description, since: spec.since })
      }
    }
    return out
  }
}
