// Live hooks of one kernel: tapable underneath, with per-site gating and per-kind error policy.
import * as tapable from 'tapable'
import type { AnyHookSpec, DecisionSpec, EventSpec, FilterSpec, HookKind, HookSetDefinition } from './define.js'

const { AsyncSeriesHook, AsyncSeriesWaterfallHook, AsyncSeriesBailHook } = tapable as any

/** Named stages order taps across plugins: every EARLY tap, then normal ones, then LATE ones; within a stage, plugin dependency order. */
export const Stage = Object.freeze({ EARLY: -100, NORMAL: 0, LATE: 100 } as const)
export type StageValue = (typeof Stage)[keyof typeof Stage]

export interface TapOptions {
  stage?: StageValue
}

/** What a hook call is for: taps of plugins not enabled in this scope (a site) are skipped. */
export interface HookScope {
  isEnabled(pluginId: string): boolean
}

/** The plugin id of the kernel's own taps; they run for every site. */
export const KERNEL_ID = 'kernel'

export class HookTapError extends Error {
  readonly code = 'HOOK_TAP_FAILED'
  constructor(readonly hook: string, readonly plugin: string, override readonly cause: unknown) {
    super(`Hook ${hook}: the tap of plugin "${plugin}" failed: ${cause instanceof Error ? cause.message : String(cause)}`)
    this.name = 'HookTapError'
  }
}

export type EventTap<A extends unknown[]> = (...args: A) => void | Promise<void>
export type FilterTap<V, A extends unknown[]> = (value: V, ...args: A) => V | Promise<V>
export type DecisionTap<A extends unknown[], R> = (...args: A) => R | undefined | void | Promise<R | undefined | void>

interface TapView<F> {
  /** Tap this hook; the tap's name is always the plugin's id. */
  tap(fn: F, options?: TapOptions): void
  tap(pluginId: string, fn: F, options?: TapOptions): void
}

export interface EventHook<A extends unknown[]> extends TapView<EventTap<A>> {
  readonly name: string
  readonly kind: 'event'
  /** Runs every enabled tap in order; a throwing tap is logged and the rest still run. */
  call(scope: HookScope | null, ...args: A): Promise<void>
  readonly isUsed: boolean
}
export interface FilterHook<V, A extends unknown[]> extends TapView<FilterTap<V, A>> {
  readonly name: string
  readonly kind: 'filter'
  /** Passes `value` through every enabled tap; a throwing tap fails the call (HookTapError). */
  call(scope: HookScope | null, value: V, ...args: A): Promise<V>
  readonly isUsed: boolean
}
export interface DecisionHook<A extends unknown[], R> extends TapView<DecisionTap<A, R>> {
  readonly name: string
  readonly kind: 'decision'
  /** The first enabled tap that returns something other than undefined decides. */
  call(scope: HookScope | null, ...args: A): Promise<R | undefined>
  readonly isUsed: boolean
}

export type LiveHook<S> = S extends EventSpec<infer A>
  ? EventHook<A>
  : S extends FilterSpec<infer V, infer A>
    ? FilterHook<V, A>
    : S extends DecisionSpec<infer A, infer R>
      ? DecisionHook<A, R>
      : never

export type LiveHooks<S extends Record<string, AnyHookSpec>> = { readonly [K in keyof S]: LiveHook<S[K]> }

export interface TapRecord {
  hook: string
  kind: HookKind
  plugin: string
  stage: number
}

export interface HookEnvironment {
  /** Where a failing event tap is reported. */
  onEventTapError(error: HookTapError): void
  /** Every tap made, for the boot plan and the catalogue. */
  taps: TapRecord[]
  /** The scope of calls made without a site (installation-wide): plugins disabled at boot stay silent. */
  defaultScope(): HookScope
}

type Gated = (scope: HookScope, args: unknown[]) => unknown
type GatedWaterfall = (value: unknown, scope: HookScope, args: unknown[]) => unknown

/** An answer meant for the client (an HttpProblem or any error with a 4xx status) passes through as it is. */
const isClientAnswer = (error: unknown) => {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 400 && status < 500
}

const skip = (plugin: string, scope: HookScope) => plugin !== KERNEL_ID && !scope.isEnabled(plugin)

/** One live hook. The kernel keeps one per declared hook; plugins get views bound to their id. */
export class Hook {
  private readonly inner: any
  private count = 0
  /** Views hold no state of their own, so one per plugin is kept: the kernel asks for its views on every request. */
  private readonly views = new Map<string, unknown>()

  constructor(readonly name: string, readonly kind: HookKind, private readonly env: HookEnvironment) {
    if (kind === 'event') this.inner = new AsyncSeriesHook(['scope', 'args'], name)
    else if (kind === 'filter') this.inner = new AsyncSeriesWaterfallHook(['value', 'scope', 'args'], name)
    else this.inner = new AsyncSeriesBailHook(['scope', 'args'], name)
  }

  get isUsed(): boolean {
    return this.count > 0
  }

  tap(plugin: string, fn: (...a: any[]) => any, options: TapOptions = {}): void {
    if (typeof fn !== 'function') throw new TypeError(`${this.name}.tap: plugin "${plugin}" passed no function`)
    const stage = options.stage ?? Stage.NORMAL
    if (!Object.values(Stage).includes(stage as StageValue)) {
      throw new TypeError(`${this.name}.tap: plugin "${plugin}" used stage ${stage}; use Stage.EARLY, Stage.NORMAL or Stage.LATE`)
    }
    const name = this.name
    const env = this.env
    const tapOptions = { name: plugin, stage }
    if (this.kind === 'event') {
      const gated: Gated = async (scope, args) => {
        if (skip(plugin, scope)) return
        try {
          await fn(...args)
        } catch (error) {
          env.onEventTapError(new HookTapError(name, plugin, error))
        }
      }
      this.inner.tapPromise(tapOptions, gated)
    } else if (this.kind === 'filter') {
      const gated: GatedWaterfall = async (value, scope, args) => {
        if (skip(plugin, scope)) return value
        try {
          return await fn(value, ...args)
        } catch (error) {
          if (isClientAnswer(error)) throw error
          throw new HookTapError(name, plugin, error)
        }
      }
      this.inner.tapPromise(tapOptions, gated)
    } else {
      const gated: Gated = async (scope, args) => {
        if (skip(plugin, scope)) return undefined
        try {
          return await fn(...args)
        } catch (error) {
          if (isClientAnswer(error)) throw error
          throw new HookTapError(name, plugin, error)
        }
      }
      this.inner.tapPromise(tapOptions, gated)
    }
    this.count++
    env.taps.push({ hook: name, kind: this.kind, plugin, stage })
  }

  call(given: HookScope | null, ...rest: unknown[]): Promise<unknown> {
    const scope = given ?? this.env.defaultScope()
    if (this.kind === 'filter') {
      const [value, ...args] = rest
      if (this.count === 0) return Promise.resolve(value)
      return this.inner.promise(value, scope, args)
    }
    if (this.count === 0) return Promise.resolve(undefined)
    return this.inner.promise(scope, rest)
  }

  /** A view whose taps are named after `plugin`. */
  viewFor(plugin: string): unknown {
    let view = this.views.get(plugin)
    if (view === undefined) this.views.set(plugin, (view = this.makeView(plugin)))
    return view
  }

  private makeView(plugin: string): unknown {
    const hook = this
    return Object.freeze({
      name: hook.name,
      kind: hook.kind,
      get isUsed() {
        return hook.isUsed
      },
      tap(a: string | ((...x: any[]) => any), b?: any, c?: TapOptions) {
        if (typeof a === 'string') {
          if (a !== plugin) throw new TypeError(`${hook.name}.tap: the tap name must be the plugin id "${plugin}", not "${a}"`)
          hook.tap(plugin, b, c)
        } else {
          hook.tap(plugin, a, b)
        }
      },
      call: (scope: HookScope | null, ...args: unknown[]) => hook.call(scope, ...args),
    })
  }
}

/** The live hooks of one owner's set. */
export class LiveHookSet {
  readonly hooks = new Map<string, Hook>()
  /** Views of sets without deprecated names, per plugin (such a view never calls onDeprecated). */
  private readonly views = new Map<string, Record<string, unknown>>()
  constructor(readonly definition: HookSetDefinition, env: HookEnvironment) {
    for (const [key, spec] of Object.entries(definition.specs)) {
      const name = `${definition.owner}.${key}`
      this.hooks.set(key, new Hook(name, spec.kind, env))
    }
  }

  /** The set as seen by one plugin; deprecated names resolve to their replacement and are reported. */
  viewFor(plugin: string, onDeprecated: (plugin: string, hook: string, use: string) => void): Record<string, unknown> {
    const reusable = Object.keys(this.definition.deprecated).length === 0
    const made = reusable ? this.views.get(plugin) : undefined
    if (made) return made
    const view: Record<string, unknown> = {}
    for (const [key, hook] of this.hooks) view[key] = hook.viewFor(plugin)
    for (const [old, d] of Object.entries(this.definition.deprecated)) {
      const target = view[d.use]
      Object.defineProperty(view, old, {
        enumerable: false,
        get: () => {
          onDeprecated(plugin, `${this.definition.owner}.${old}`, `${this.definition.owner}.${d.use}`)
          return target
        },
      })
    }
    Object.freeze(view)
    if (reusable) this.views.set(plugin, view)
    return view
  }
}
