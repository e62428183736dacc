// plein start: boot, listen, and stop gracefully on SIGTERM/SIGINT.
import cluster from 'node:cluster'
import { Kernel } from '@plein/core'
import type { Io } from '../main.js'
import { environment, kernelOptions, logger, reportBootError } from './shared.js'
import { runPrimary, workerMetrics } from './workers.js'

/** `workers`: with more than one (--workers N or PLEIN_WORKERS), this process becomes their primary. */
export async function startCommand(siteDir: string, io: Io, options: { workers?: string } = {}): Promise<number> {
  const env = environment(siteDir, io)
  if (!env) return 1
  const workersRaw = options.workers ?? process.env.PLEIN_WORKERS ?? '1'
  const workers = Number(workersRaw)
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    io.err(`plein: --workers must be a whole number from 1 to 256, not "${workersRaw}".`)
    return 2
  }
  const log = cluster.isWorker ? logger(env).child({ worker: Number(process.env.PLEIN_WORKER) || cluster.worker?.id }) : logger(env)
  if (workers > 1 && cluster.isPrimary) return runPrimary(siteDir, workers, env, log, io)
  let kernel: Kernel
  const boot = kernelOptions(siteDir, env, log, io)
  const slot = Number(process.env.PLEIN_WORKER) || cluster.worker?.id || 0
  const shared = cluster.isWorker ? workerMetrics(slot) : undefined
  if (shared) boot.metrics = { ...boot.metrics, labels: shared.labels, gather: shared.gather }
  try {
    kernel = await Kernel.boot(boot)
  } catch (error) {
    return reportBootError(error, io)
  }
  shared?.serve(() => kernel.metricsText())
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
      // A worker may get the terminal's SIGINT and its primary's SIGTERM: that is one request to stop.
      if (stopping && cluster.isWorker) return
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
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
}
