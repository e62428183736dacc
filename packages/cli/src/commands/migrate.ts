// plein migrate: run pending migrations and exit, e.g. before rolling out new processes.
import { Kernel } from '@plein/core'
import type { Io } from '../main.js'
import { environment, kernelOptions, logger, reportBootError } from './shared.js'

export async function migrateCommand(siteDir: string, io: Io): Promise<number> {
  const env = environment(siteDir, io)
  if (!env) return 1
  const log = logger(env)
  try {
    const kernel = await Kernel.prepare(kernelOptions(siteDir, env, log, io))
    const { ran } = await kernel.migrateOnly()
    io.out(ran.length === 0 ? 'Nothing to migrate: the database is up to date.' : `Ran ${ran.length} migration${ran.length === 1 ? '' : 's'}.`)
    return 0
  } catch (error) {
    return reportBootError(error, io)
  }
}
