// Boot problems are collected, never thrown one at a time: a site builder fixes them all in one go.

export type BootProblemCode =
  | 'SITE_CONFIG_INVALID'
  | 'PLUGIN_NOT_FOUND'
  | 'PLUGIN_MANIFEST_INVALID'
  | 'DUPLICATE_PLUGIN'
  | 'KERNEL_VERSION_MISMATCH'
  | 'PLUGIN_DEPENDENCY_MISSING'
  | 'PLUGIN_DEPENDENCY_CYCLE'
  | 'PLUGIN_SETTINGS_INVALID'
  | 'HOOK_OWNER_NOT_DEPENDENCY'
  | 'SERVICE_NOT_AVAILABLE'
  | 'PLUGIN_REGISTER_FAILED'
  | 'PLUGIN_MIGRATION_FAILED'
  | 'PLUGIN_START_FAILED'
  | 'PLUGIN_START_TIMEOUT'
  | 'DATABASE_UNAVAILABLE'

export interface BootProblem {
  code: BootProblemCode
  /** The plugin the problem is about, when there is one. */
  plugin?: string
  /** What is wrong and what to do about it, in one or two sentences. */
  message: string
  /** JSON path of a bad value in the site config or settings. */
  path?: string
}

export class KernelBootError extends Error {
  readonly code = 'KERNEL_BOOT_ERROR'
  constructor(readonly problems: readonly BootProblem[]) {
    super(formatProblems(problems))
    this.name = 'KernelBootError'
  }

  has(code: BootProblemCode): boolean {
    return this.problems.some(p => p.code === code)
  }
}

export function formatProblems(problems: readonly BootProblem[]): string {
  const n = problems.length
  const lines = problems.map(p => `  - ${p.code}${p.plugin ? ` [${p.plugin}]` : ''}: ${p.message}`)
  return `Plein cannot start: ${n} problem${n === 1 ? '' : 's'} found.\n${lines.join('\n')}`
}

/** A problem collector shared by the boot steps. */
export class BootProblems {
  readonly list: BootProblem[] = []
  add(problem: BootProblem): void {
    this.list.push(problem)
  }
  get empty(): boolean {
    return this.list.length === 0
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new KernelBootError(this.list)
  }
}
