// The kinds of content plugins register: how to load each kind's own fields and where it lives in the web UI.
import type { Viewer } from '../access/viewer.js'
import type { EntityRecord } from '../hooks/kernel-hooks.js'
import type { Site } from '../tenancy/site.js'

export interface KindDefinition {
  /** The `type` in API answers, e.g. 'blog'. */
  kind: string
  /** Where the item is shown, e.g. `/blogs/<id>`. */
  url(entity: EntityRecord): string
  /**
   * The kind's own fields of many items in one go (one query, not one per item): a map from entity id to
   * the fields to merge into each item's JSON.
   */
  load(entities: EntityRecord[], viewer: Viewer, site: Site): Promise<ReadonlyMap<string, object>>
}

export interface RegisteredKind extends KindDefinition {
  pluginId: string
}

export class KindRegistry {
  private readonly kinds = new Map<string, RegisteredKind>()

  add(pluginId: string, definition: KindDefinition): void {
    if (!/^[a-z][a-z0-9-]*$/.test(definition.kind)) throw new TypeError(`Content kind "${definition.kind}" must be kebab-case`)
    const existing = this.kinds.get(definition.kind)
    if (existing) throw new TypeError(`Content kind "${definition.kind}" is registered by "${existing.pluginId}" already`)
    this.kinds.set(definition.kind, { ...definition, pluginId })
  }

  get(kind: string): RegisteredKind | undefined {
    return this.kinds.get(kind)
  }

  /** The kinds whose plugins are enabled on a site. */
  enabledOn(site: Site): string[] {
    return [...this.kinds.values()].filter(k => site.isEnabled(k.pluginId)).map(k => k.kind)
  }
}
