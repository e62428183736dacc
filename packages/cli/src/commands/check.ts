// plein check: validate the config and plugins without a database; print the boot plan or every problem.
import { Kernel, KERNEL_VERSION, type BootPlan } from '@plein/core'
import type { Io } from '../main.js'
import { environment, logger, reportBootError } from './shared.js'

export async function checkCommand(siteDir: string, io: Io, options: { json: boolean }): Promise<number> {
  const env = environment(siteDir, io)
  if (!env) return 1
  let plan: BootPlan
  try {
    const kernel = await Kernel.prepare({ siteDir, dataDir: env.dataDir, log: logger({ ...env, logLevel: 'warn' }) })
    plan = kernel.plan
  } catch (error) {
    return reportBootError(error, io)
  }
  if (options.json) {
    io.out(JSON.stringify(plan, null, 2))
    return 0
  }
  io.out(`Site ${siteDir} is valid. Kernel @plein/core ${KERNEL_VERSION}.`)
  io.out(`Boot plan (${plan.plugins.length} plugins, in order; register took ${Math.round(plan.registerMs)} ms):`)
  plan.plugins.forEach((p, i) => {
    const deps = Object.entries(p.dependencies).map(([d, r]) => `${d} ${r}`)
    const optional = Object.entries(p.optionalDependencies).map(([d, r]) => `${d} ${r} (optional)`)
    const needs = [...deps, ...optional]
    io.out(`  ${i + 1}. ${p.id}@${p.version}  kernel ${p.kernelRange} ✓${needs.length ? `  needs ${needs.join(', ')}` : ''}  [${p.source}]`)
  })
  io.out(`${plan.routes} routes.`)
  if (plan.deprecated.length > 0) {
    io.out('Deprecated hooks still in use:')
    for (const d of plan.deprecated) io.out(`  - ${d.plugin} taps ${d.hook}: use ${d.use} (deprecated since ${d.since}, removed in ${d.removeIn})`)
  }
  return 0
}
