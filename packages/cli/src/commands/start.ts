// plein start: boot, listen, and stop gracefully on SIGTERM/SIGINT.
import { Kernel } from '@plein/core'
import type { Io } from '../main.js'
import { environment, kernelOptions, logger, reportBootError } from './shared.js'

export async function startCommand(siteDir: string, io: Io): Promise<number> {
  const env = environment(siteDir, io)
  if (!env) return 1
  const log = logger(env)
  let kernel: Kernel
  try {
    kernel = await Kernel.boot(kernelOptions(siteDir, env, log, io))
  } catch (error) {
    return reportBootError(error, io)
  }
  let address
  try {
    address = await kernel.listen(env.port, env.host)
  } catch (error) {
    io.err(`plein: cannot listen on ${env.host}:${env.port}: ${(error as Error).message}`)
    await kernel.stop()
    return 1
  }
  const shown = env.host === '0.0.0.0' || env.host === '::' ? 'localhost' : env.host
  log.info({ port: address.port, host: env.host }, `listening on http://${shown}:${address.port}`)

  return new Promise<number>(resolve => {
    let stopping = false
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn(`${signal} again: exiting at once`)
        process.exit(1)
      }
      stopping = true
      log.info({ signal }, 'stopping: finishing requests in flight')
      kernel.stop().then(
        () => resolve(0),
        error => {
          log.error({ err: error }, 'shutdown failed')
          resolve(1)
        },
      )
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
}
