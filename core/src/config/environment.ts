// Deployment settings and secrets come from environment variables; this is the one place that reads them.
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import path from 'node:path'

export interface Environment {
  port: number
  host: string
  /** postgres://… ; unset means the embedded database in the data folder. */
  databaseUrl?: string
  dataDir: string
  secret: string
  logLevel: string
  /** How long in-flight requests may take to finish at shutdown. */
  shutdownTimeoutMs: number
  trustProxy: boolean
  /** PLEIN_SMTP_URL: smtp://user:pass@host:port or smtps://…; unset writes mail as .eml files in the data folder. */
  smtpUrl?: string
  /** PLEIN_MAIL_FROM: the sender of the site's mail. */
  mailFrom?: string
  /** PLEIN_STORAGE_URL: s3://bucket/prefix?endpoint=… for blobs in an S3-compatible store; unset: `<dataDir>/blobs/`. */
  storageUrl?: string
  /** PLEIN_METRICS_ALLOW: networks that may read /metrics (comma-separated CIDRs; default loopback); "none" for none. */
  metricsAllow: string[]
  /** PLEIN_METRICS_TOKEN: a bearer token that may read /metrics from anywhere. */
  metricsToken?: string
  /** PLEIN_DB_POOL_SIZE: connections per process to a PostgreSQL server (default 10). */
  dbPoolSize?: number
  /** PLEIN_DB_CONNECT_TIMEOUT_MS: how long a request waits for a database connection (default 3000). */
  dbConnectTimeoutMs?: number
  /** PLEIN_DB_STATEMENT_TIMEOUT_MS: statement_timeout of every connection (default 30000; 0 for none). */
  dbStatementTimeoutMs?: number
  /** REDIS_URL: redis://… or rediss://…; change notices between processes go through Redis pub/sub. */
  redisUrl?: string
}

export class EnvironmentError extends Error {
  readonly code = 'ENVIRONMENT_INVALID'
}

/** Reads the environment for a site folder; PLEIN_SECRET is generated once and kept in the data folder when unset. */
export function readEnvironment(siteDir: string, env: NodeJS.ProcessEnv = process.env): Environment {
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EnvironmentError(`PORT must be a port number (0-65535), not "${env.PORT}".`)
  const shutdown = env.PLEIN_SHUTDOWN_TIMEOUT_MS ? Number(env.PLEIN_SHUTDOWN_TIMEOUT_MS) : 10_000
  if (!Number.isFinite(shutdown) || shutdown < 0) throw new EnvironmentError('PLEIN_SHUTDOWN_TIMEOUT_MS must be a number of milliseconds.')
  const databaseUrl = env.DATABASE_URL || undefined
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new EnvironmentError('DATABASE_URL must be a postgres:// URL (leave it unset for the embedded database).')
  }
  const smtpUrl = env.PLEIN_SMTP_URL || undefined
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) throw new EnvironmentError('PLEIN_SMTP_URL must be an smtp:// or smtps:// URL (leave it unset to write mail as files).')
  const storageUrl = env.PLEIN_STORAGE_URL || undefined
  if (storageUrl && !/^s3:\/\/[^/?]+/.test(storageUrl)) throw new EnvironmentError('PLEIN_STORAGE_URL must be an s3://bucket/prefix?endpoint=… URL (leave it unset for files in the data folder).')
  const dataDir = path.resolve(env.PLEIN_DATA_DIR || path.join(siteDir, 'data'))
  const redisUrl = env.REDIS_URL || undefined
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new EnvironmentError('REDIS_URL must be a redis:// or rediss:// URL (leave it unset for change notices through PostgreSQL).')
  const metricsAllow = (env.PLEIN_METRICS_ALLOW ?? '127.0.0.0/8,::1/128').split(',').map(s => s.trim()).filter(s => s && s !== 'none')
  for (const network of metricsAllow) {
    const [address, bits] = network.split('/')
    const max = isIP(address ?? '') === 4 ? 32 : isIP(address ?? '') === 6 ? 128 : 0
    if (max === 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      throw new EnvironmentError(`PLEIN_METRICS_ALLOW: "${network}" is not an IP address or network such as 10.0.0.0/8.`)
    }
  }
  return {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir,
    secret: env.PLEIN_SECRET || keptSecret(dataDir),
    logLevel: env.LOG_LEVEL || 'info',
    shutdownTimeoutMs: shutdown,
    trustProxy: env.PLEIN_TRUST_PROXY === '1' || env.PLEIN_TRUST_PROXY === 'true',
    smtpUrl,
    mailFrom: env.PLEIN_MAIL_FROM || undefined,
    storageUrl,
    metricsAllow,
    metricsToken: env.PLEIN_METRICS_TOKEN || undefined,
    dbPoolSize: count(env, 'PLEIN_DB_POOL_SIZE', 1),
    dbConnectTimeoutMs: count(env, 'PLEIN_DB_CONNECT_TIMEOUT_MS', 1),
    dbStatementTimeoutMs: count(env, 'PLEIN_DB_STATEMENT_TIMEOUT_MS', 0),
    redisUrl,
  }
}

/** An optional whole number of at least `min` from the environment. */
function count(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min) throw new EnvironmentError(`${name} must be a whole number of at least ${min}, not "${raw}".`)
  return n
}

function keptSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' })
  return secret
}
