// Parses the command line and runs one command. Each command returns its exit code.
import path from 'node:path'
import { backupCommand, restoreCommand } from './commands/backup.js'
import { checkCommand } from './commands/check.js'
import { createPluginCommand } from './commands/create-plugin.js'
import { filesCommand } from './commands/files.js'
import { migrateCommand } from './commands/migrate.js'
import { pluginsCommand } from './commands/plugins.js'
import { seedCommand } from './commands/seed.js'
import { sitesCommand } from './commands/sites.js'
import { startCommand } from './commands/start.js'

export const USAGE = `Usage: plein <command> [siteDir]

Commands:
  start [siteDir] [--workers N]
                      boot the site and serve it (default siteDir: sites/demo if it exists, else .);
                      --workers N: N processes share the port (needs DATABASE_URL; see docs/operations.md)
  migrate [siteDir]   run pending database migrations, then exit
  check [siteDir]     validate site.json and its plugins; print the boot plan or every problem
  plugins [siteDir]   list installed plugins and which of them the site enables
  seed [siteDir] [--seed N] [--scale F] [--users N] [--groups N] [--subsites N] [--items N] [--comments N]
                      fill the database with realistic test data in bulk (default: the Pleio scale; never production)
  sites list|create|disable|enable [siteDir] …   manage subsites (see plein sites)
  files decrypt [siteDir] <fileId> [--version N] --out <file>
                      recover a stored file offline: decrypt it with the site key and check its SHA-256
  files rotate-key [siteDir] [--site <host>]
                      re-wrap every file key of a site with a new site-key version (see plein files)
  backup [siteDir] [--out <file.tar>]
                      the database and the stored files (still encrypted) in one archive
  restore [siteDir] <file.tar> --yes
                      replace the site's database and files with an archive's (safety backup first)
  create-plugin <name> [--dir <folder>] [--no-install]
                      scaffold a plugin package (default folder plugins/<name>) whose tests pass at once;
                      outside the workspace it gets its own dev dependencies (npm install unless --no-install)

Environment:
  PORT (8080), HOST (0.0.0.0), DATABASE_URL (unset: embedded database in the data folder),
  PLEIN_DATA_DIR (<siteDir>/data), PLEIN_SECRET (generated once into the data folder),
  LOG_LEVEL (info), PLEIN_SHUTDOWN_TIMEOUT_MS (10000), PLEIN_TRUST_PROXY (false), PLEIN_WORKERS (1),
  PLEIN_METRICS_ALLOW (127.0.0.0/8,::1/128), PLEIN_METRICS_TOKEN, PLEIN_DB_POOL_SIZE (10),
  PLEIN_DB_CONNECT_TIMEOUT_MS (3000), PLEIN_DB_STATEMENT_TIMEOUT_MS (30000), REDIS_URL — all in docs/operations.md
`

export interface Io {
  out(line: string): void
  err(line: string): void
}

export const stdio: Io = {
  out: line => process.stdout.write(line + '\n'),
  err: line => process.stderr.write(line + '\n'),
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv
  const flags: string[] = []
  const values = new Map<string, string>()
  const args: string[] = []
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!
    if (!a.startsWith('--')) args.push(a)
    else if (a.includes('=')) values.set(a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1))
    else if (['--name', '--host', '--plugins', '--dir', '--out', '--version', '--site', '--site-key', '--workers', '--seed', '--scale', '--users', '--groups', '--subsites', '--items', '--comments'].includes(a) && i + 1 < rest.length) values.set(a.slice(2), rest[++i]!)
    else flags.push(a)
  }
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE)
    return command ? 0 : 1
  }
  const siteDir = path.resolve(args[0] ?? '.')
  const json = flags.includes('--json')
  switch (command) {
    case 'start':
      return startCommand(siteDir, io, { workers: values.get('workers') })
    case 'migrate':
      return migrateCommand(siteDir, io)
    case 'check':
      return checkCommand(siteDir, io, { json })
    case 'plugins':
      return pluginsCommand(siteDir, io, { json })
    case 'sites':
      return sitesCommand(args, values, io)
    case 'seed':
      return seedCommand(siteDir, values, io)
    case 'files':
      return filesCommand(args, values, io)
    case 'backup':
      return backupCommand(args, values, io)
    case 'restore':
      return restoreCommand(args, new Set(flags), io)
    case 'create-plugin':
      return createPluginCommand(args[0], io, { dir: values.get('dir'), install: !flags.includes('--no-install') })
    default:
      io.err(`plein: unknown command "${command}".\n\n${USAGE}`)
      return 2
  }
}
