// What both benchmark servers share: where their log lines go, how they say they are ready, how they stop.
import { pino, type DestinationStream } from 'pino'

/** Log lines go to BENCH_LOG_FILE (default /dev/null): JSON lines, asynchronous writes, as pino does for stdout. */
export function logDestination(): DestinationStream & { flushSync?: () => void } {
  return pino.destination({ dest: process.env.BENCH_LOG_FILE || '/dev/null', sync: false })
}

/** The parent reads one JSON line from stdout: the port, plus whatever timings the server measured. */
export function ready(info: { port: number } & Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ready: true, ...info }) + '\n')
}

/** Stop on SIGTERM/SIGINT; a normal exit also lets --cpu-prof write its profile. */
export function onStop(stop: () => Promise<void> | void, destination?: { flushSync?: () => void }): void {
  let stopping = false
  const handler = () => {
    if (stopping) return
    stopping = true
    Promise.resolve()
      .then(stop)
      .catch(error => console.error(error))
      .finally(() => {
        try {
          destination?.flushSync?.()
        } catch {
          // nothing buffered or already closed
        }
        process.exit(0)
      })
  }
  process.on('SIGTERM', handler)
  process.on('SIGINT', handler)
}
