// plein start --workers N: a primary process that migrates once, then forks N workers sharing the port
// (node:cluster), restarts a worker that dies (with backoff), and passes SIGTERM/SIGINT on for a graceful stop.
import cluster, { type Worker } from 'node:cluster'
import { Kernel, type Environment, type Logger } from '@plein/core'
import type { Io } from '../main.js'
import { kernelOptions, reportBootError } from './shared.js'

/** A worker that dies within this long after its start counts as a failed start: the next waits longer. */
const STABLE_MS = 10_000
const FIRST_DELAY_MS = 500
const MAX_DELAY_MS = 30_000

export async function runPrimary(siteDir: string, workers: number, env: Environment, log: Logger, io: Io): Promise<number> {
  if (!env.databaseUrl) {
    io.err('plein: --workers needs DATABASE_URL: processes cannot share the embedded database. Set DATABASE_URL to a PostgreSQL server, or start one process.')
    return 1
  }
  // Migrations run here, once, before any worker starts (the workers then find nothing to do); a site that
  // cannot boot is reported once instead of by every worker in a restart loop.
  try {
    const kernel = await Kernel.prepare(kernelOptions(siteDir, env, log, io))
    const { ran } = await kernel.migrateOnly()
    if (ran.length > 0) log.info({ migrations: ran.length }, `ran ${ran.length} migrations before starting the workers`)
  } catch (error) {
    return reportBootError(error, io)
  }

  let stopping = false
  const slots = new Map<number, { worker?: Worker; startedAt: number; delay: number; timer?: NodeJS.Timeout }>()
  const fork = (slot: number) => {
    const state = slots.get(slot)!
    state.timer = undefined
    state.startedAt = Date.now()
    state.worker = cluster.fork({ PLEIN_WORKER: String(slot) })
    const pid = state.worker.process.pid
    state.worker.on('exit', (code, signal) => {
      state.worker = undefined
      if (stopping) return
      const lived = Date.now() - state.startedAt
      state.delay = lived >= STABLE_MS ? FIRST_DELAY_MS : Math.min(state.delay * 2, MAX_DELAY_MS)
      log.error({ worker: slot, pid, code, signal, restartInMs: state.delay }, `worker ${slot} stopped unexpectedly; starting a new one`)
      state.timer = setTimeout(() => fork(slot), state.delay)
    })
  }
  cluster.on('message', (from, message) => gatherFor(from, message, slots))
  for (let slot = 1; slot <= workers; slot++) {
    slots.set(slot, { startedAt: 0, delay: FIRST_DELAY_MS / 2 })
    fork(slot)
  }
  log.info({ workers }, `started ${workers} workers`)

  return new Promise<number>(resolve => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn(`${signal} again: stopping the workers at once`)
        for (const s of slots.values()) s.worker?.process.kill('SIGKILL')
        return
      }
      stopping = true
      log.info({ signal }, 'stopping: the workers finish their requests in flight')
      let failed = false
      const running = [...slots.values()].filter(s => {
        clearTimeout(s.timer)
        return s.worker
      })
      if (running.length === 0) return resolve(0)
      let left = running.length
      for (const s of running) {
        const worker = s.worker!
        worker.once('exit', code => {
          if (code !== 0) failed = true
          if (--left === 0) {
            log.info('all workers stopped')
            resolve(failed ? 1 : 0)
          }
        })
        worker.process.kill('SIGTERM')
      }
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
}

// One scrape of /metrics reaches one worker; it gathers the others' expositions through the primary, so the
// answer covers every worker of the port (each sample labelled with its worker).

interface GatherRequest {
  plein: 'metrics-gather'
  id: number
}
interface CollectRequest {
  plein: 'metrics-collect'
  id: string
}
interface CollectAnswer {
  plein: 'metrics-text'
  id: string
  text: string
}

const GATHER_TIMEOUT_MS = 1000
let collections = 0

function gatherFor(from: Worker, message: unknown, slots: Map<number, { worker?: Worker }>): void {
  if ((message as GatherRequest)?.plein !== 'metrics-gather') return
  const request = message as GatherRequest
  const others = [...slots.values()].map(s => s.worker).filter((w): w is Worker => !!w && w !== from && w.isConnected())
  const id = `${process.pid}-${++collections}`
  const texts: string[] = []
  let done = false
  const finish = () => {
    if (done) return
    done = true
    clearTimeout(timer)
    for (const w of others) w.off('message', onAnswer)
    if (from.isConnected()) from.send({ plein: 'metrics-gathered', id: request.id, texts })
  }
  const onAnswer = (answer: CollectAnswer) => {
    if (answer?.plein !== 'metrics-text' || answer.id !== id) return
    texts.push(answer.text)
    if (texts.length === others.length) finish()
  }
  // A worker that does not answer in time (busy, starting) is left out of this scrape.
  const timer = setTimeout(finish, GATHER_TIMEOUT_MS)
  for (const w of others) {
    w.on('message', onAnswer)
    w.send({ plein: 'metrics-collect', id } satisfies CollectRequest)
  }
  if (others.length === 0) finish()
}

/** In a worker: the metrics options that label its samples and gather the other workers' for each scrape. */
export function workerMetrics(slot: number): { labels: Record<string, string>; gather(): Promise<string[]>; serve(text: () => Promise<string>): void } {
  const waiting = new Map<number, (texts: string[]) => void>()
  let next = 0
  process.on('message', (message: { plein?: string; id?: number; texts?: string[] }) => {
    if (message?.plein !== 'metrics-gathered' || typeof message.id !== 'number') return
    waiting.get(message.id)?.(message.texts ?? [])
    waiting.delete(message.id)
  })
  return {
    labels: { worker: String(slot) },
    gather: () =>
      new Promise(resolve => {
        const id = ++next
        const timer = setTimeout(() => {
          waiting.delete(id)
          resolve([])
        }, GATHER_TIMEOUT_MS * 2)
        waiting.set(id, texts => {
          clearTimeout(timer)
          resolve(texts)
        })
        process.send!({ plein: 'metrics-gather', id } satisfies GatherRequest)
      }),
    serve(text) {
      process.on('message', (message: CollectRequest) => {
        if (message?.plein !== 'metrics-collect') return
        text().then(
          t => process.connected && process.send!({ plein: 'metrics-text', id: message.id, text: t } satisfies CollectAnswer),
          () => undefined,
        )
      })
    },
  }
}
