// Hook declarations: what a hook is (kind, argument types), separate from any running kernel.
// A declaration is a frozen description; each kernel makes its own live hooks from it, so two
// kernels in one process (tests, workers) never share taps.

export type HookKind = 'event' | 'filter' | 'decision'

export interface HookDoc {
  /** One sentence for the hook catalogue. */
  description?: string
  /** The version of the owner that introduced the hook. */
  since?: string
}

declare const types: unique symbol

export interface EventSpec<A extends unknown[]> extends HookDoc {
  readonly kind: 'event'
  readonly [types]?: { args: A }
}
export interface FilterSpec<V, A extends unknown[]> extends HookDoc {
  readonly kind: 'filter'
  readonly [types]?: { value: V; args: A }
}
export interface DecisionSpec<A extends unknown[], R> extends HookDoc {
  readonly kind: 'decision'
  readonly [types]?: { args: A; result: R }
}
export type AnyHookSpec = EventSpec<any> | FilterSpec<any, any> | DecisionSpec<any, any>

/** Something happened; taps do side effects. A throwing tap is logged and the others still run. */
export function event<A extends unknown[] = []>(doc: HookDoc = {}): EventSpec<A> {
  return Object.freeze({ kind: 'event', ...doc }) as EventSpec<A>
}

/** A value passes through every tap and may be changed. A throwing tap fails the call. */
export function filter<V, A extends unknown[] = []>(doc: HookDoc = {}): FilterSpec<V, A> {
  return Object.freeze({ kind: 'filter', ...doc }) as FilterSpec<V, A>
}

/** The first tap that answers (returns anything but undefined) decides. */
export function decision<A extends unknown[], R>(doc: HookDoc = {}): DecisionSpec<A, R> {
  return Object.freeze({ kind: 'decision', ...doc }) as DecisionSpec<A, R>
}

export interface Deprecation {
  /** The hook to use instead (a name in the same set). */
  use: string
  since: string
  removeIn: string
}

export interface HookSetDefinition<S extends Record<string, AnyHookSpec> = Record<string, AnyHookSpec>> {
  readonly owner: string
  readonly specs: Readonly<S>
  readonly deprecated: Readonly<Record<string, Deprecation>>
}

const ownerPattern = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/
const hookNamePattern = /^[a-z][A-Za-z0-9]*$/

/**
 * Declares the hooks an owner (a plugin id, or a kernel part) offers to others.
 *
 *   export const blogHooks = defineHooks('blog', () => ({
 *     beforePublish: decision<[Post, Viewer], Denial>(),
 *     published: event<[Post]>(),
 *   }))
 */
export function defineHooks<S extends Record<string, AnyHookSpec>>(
  owner: string,
  specs: () => S,
  options: { deprecated?: Record<string, Deprecation> } = {},
): HookSetDefinition<S> {
  if (!ownerPattern.test(owner)) throw new TypeError(`defineHooks: owner "${owner}" must be kebab-case`)
  const made = specs()
  for (const name of Object.keys(made)) {
    if (!hookNamePattern.test(name)) throw new TypeError(`defineHooks(${owner}): hook name "${name}" must be camelCase`)
  }
  const deprecated = options.deprecated ?? {}
  for (const [old, d] of Object.entries(deprecated)) {
    if (!(d.use in made)) throw new TypeError(`defineHooks(${owner}): deprecated "${old}" points at unknown hook "${d.use}"`)
    if (old in made) throw new TypeError(`defineHooks(${owner}): "${old}" is both a hook and a deprecated name`)
  }
  return Object.freeze({ owner, specs: Object.freeze(made), deprecated: Object.freeze({ ...deprecated }) })
}
