// A small in-process cache that every process drops entries of when any of them announces a change through
// the change bus (ctx.changes): for lookups made on every request (sessions, group memberships) whose rows
// change rarely but must stop being used everywhere within a second of a change.
import { isResync, type ChangeBus } from './changes.js'

export interface SharedCacheOptions {
  /** Change-bus topic of this cache; every process that caches the same data uses the same topic. */
  topic: string
  /** The bus (a function: ctx.changes exists from start() on; it is read on first use). */
  changes: () => ChangeBus
  /**
   * Longest time an entry is used without reading it again. Invalidation goes through the bus; this only
   * bounds how long a notice lost without the bus noticing could leave an entry in use. Default 5000 ms.
   */
  ttlMs?: number
  /** Most entries kept (the oldest go first). Default 10,000. */
  max?: number
  /** The clock in ms (tests). */
  now?: () => number
}

/** What a loader answers: the value, and what it depends on. */
export interface SharedCacheEntry<V> {
  value: V
  /** Names an invalidation may use to drop this entry with others (e.g. `account:<id>`). */
  tags?: readonly string[]
  /** A shorter life for this entry than the cache's ttlMs (e.g. until a session expires). */
  ttlMs?: number
}

/** Which entries a change drops: by key, by tag, or all of them. */
export interface SharedCacheChange {
  keys?: readonly string[]
  tags?: readonly string[]
  all?: boolean
}

interface Stored<V> {
  value: V
  tags: readonly string[]
  until: number
}

export class SharedCache<V> {
  private readonly entries = new Map<string, Stored<V>>()
  private readonly ttlMs: number
  private readonly max: number
  private readonly now: () => number
  /** Counts the changes seen: a value read while one happened may be the old one, so it is not kept. */
  private generation = 0
  private bus?: ChangeBus

  constructor(private readonly options: SharedCacheOptions) {
    this.ttlMs = options.ttlMs ?? 5000
    this.max = options.max ?? 10_000
    this.now = options.now ?? Date.now
  }

  /** The bus, subscribed on first use (nothing is cached before, so nothing can be missed). */
  private changes(): ChangeBus {
    if (!this.bus) {
      const bus = this.options.changes()
      bus.subscribe(this.options.topic, message => this.apply(isResync(message) ? { all: true } : (message as SharedCacheChange)))
      this.bus = bus
    }
    return this.bus
  }

  /**
   * The cached value for `key`, else `load`'s (undefined: nothing to cache). Entries are used only while the
   * bus listens: a process cut off from the others' notices reads every time until it is back (and then starts
   * afresh, RESYNC).
   */
  async get(key: string, load: () => Promise<SharedCacheEntry<V> | undefined>): Promise<V | undefined> {
    const hit = this.peek(key)
    if (hit !== undefined) return hit
    const generation = this.generation
    const loaded = await load()
    if (!loaded) return undefined
    this.keep(generation, key, loaded)
    return loaded.value
  }

  /** The cached value for `key`, or undefined (not cached, expired, or the bus does not listen now). */
  peek(key: string): V | undefined {
    if (!this.listening()) return undefined
    const hit = this.entries.get(key)
    if (!hit) return undefined
    if (hit.until > this.now()) return hit.value
    this.entries.delete(key)
    return undefined
  }

  /** Values for many keys not cached (see `peek`) in one load; what it answers is kept as `get` keeps it. */
  async getMany(keys: readonly string[], load: (keys: readonly string[]) => Promise<Array<SharedCacheEntry<V> & { key: string }>>): Promise<Map<string, V>> {
    this.changes()
    const generation = this.generation
    const loaded = await load(keys)
    const out = new Map<string, V>()
    for (const entry of loaded) {
      out.set(entry.key, entry.value)
      this.keep(generation, entry.key, entry)
    }
    return out
  }

  /** Keeps a loaded value unless a change was seen since the load began (it may have read the old row). */
  private keep(generation: number, key: string, loaded: SharedCacheEntry<V>): void {
    if (generation !== this.generation || !this.listening()) return
    const ttl = Math.min(this.ttlMs, loaded.ttlMs ?? Infinity)
    if (!(ttl > 0)) return
    if (this.entries.size >= this.max && !this.entries.has(key)) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(key, { value: loaded.value, tags: loaded.tags ?? [], until: this.now() + ttl })
  }

  private listening(): boolean {
    return this.changes().listening?.() ?? true
  }

  /** Drops entries here at once and in every other process through the bus. Call it after the change is committed. */
  async invalidate(change: SharedCacheChange): Promise<void> {
    await this.changes().publish(this.options.topic, { keys: change.keys, tags: change.tags, all: change.all })
  }

  /** Entries held now (tests, metrics). */
  get size(): number {
    return this.entries.size
  }

  private apply(change: SharedCacheChange | null): void {
    this.generation++
    if (!change || change.all) return this.entries.clear()
    for (const key of change.keys ?? []) this.entries.delete(key)
    const tags = change.tags ?? []
    if (tags.length === 0) return
    for (const [key, entry] of this.entries) {
      if (entry.tags.some(t => tags.includes(t))) this.entries.delete(key)
    }
  }
}
