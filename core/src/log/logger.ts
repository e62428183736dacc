// pino, configured once: JSON lines, readable when a person watches the terminal, secrets redacted.
import { pino, type Logger, type DestinationStream } from 'pino'

export type { Logger }

export interface LoggerOptions {
  level?: string
  /** Pretty, human-readable lines (default: when stdout is a terminal). */
  pretty?: boolean
  destination?: DestinationStream
}

/** Paths that never reach a log line, whatever a plugin passes in. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
]

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info'
  const base = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { pid: process.pid } }
  if (options.destination) return pino(base, options.destination)
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY)
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } })
  }
  return pino(base)
}
