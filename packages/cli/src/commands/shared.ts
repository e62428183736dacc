// What the commands share: reading the environment, the logger, and printing boot problems.
import { EnvironmentError, KernelBootError, createLogger, readEnvironment, type Environment, type KernelOptions, type Logger } from '@plein/core'
import type { Io } from '../main.js'

export function environment(siteDir: string, io: Io): Environment | undefined {
  try {
    return readEnvironment(siteDir)
  } catch (error) {
    if (error instanceof EnvironmentError) {
      io.err(`plein: ${error.message}`)
      return undefined
    }
    throw error
  }
}

export function kernelOptions(siteDir: string, env: Environment, log: Logger, io: Io): KernelOptions {
  const progress = process.stderr.isTTY
  return {
    siteDir,
    databaseUrl: env.databaseUrl,
    dataDir: env.dataDir,
    secret: env.secret,
    log,
    shutdownTimeoutMs: env.shutdownTimeoutMs,
    trustProxy: env.trustProxy,
    smtpUrl: env.smtpUrl,
    mailFrom: env.mailFrom,
    storageUrl: env.storageUrl,
    metrics: { allow: env.metricsAllow, token: env.metricsToken },
    poolSize: env.dbPoolSize,
    connectTimeoutMs: env.dbConnectTimeoutMs,
    statementTimeoutMs: env.dbStatementTimeoutMs,
    redisUrl: env.redisUrl,
    onMigration: progress
      ? ({ pluginId, name, index, total }) => io.err(`  migrating [${index}/${total}] ${pluginId}: ${name}`)
      : ({ pluginId, name }) => log.info({ plugin: pluginId, migration: name }, 'migrated'),
  }
}

export function logger(env: Environment): Logger {
  return createLogger({ level: env.logLevel })
}

/** Prints a boot error as a list a person can act on; returns the exit code. */
export function reportBootError(error: unknown, io: Io): number {
  if (error instanceof KernelBootError) {
    io.err(error.message)
    return 1
  }
  throw error
}
