// plein backup | restore: the database and the stored files (still encrypted) in one tar archive.
//
// Archive layout (docs/operations.md, "Backups"):
//   manifest.json          format, version, time, database engine, checksums, counts, secret fingerprint
//   database.pgdump        PostgreSQL: pg_dump custom format            (or)
//   database.pglite.tgz    embedded database: PGlite's data folder
//   blobs/<plugin>/…       the plugins' blob stores, byte for byte (encrypted as stored)
//
// Consistency while the site runs (PostgreSQL): the dump is one snapshot, taken first; blobs are copied
// after it. Stored blobs never change once written (new versions get new keys), so every blob the snapshot
// names is there unless a purge deleted it during the backup; `restore` reports any such blob. The
// embedded database serves one process, so its backup needs the site stopped (the folder's lock says so).
//
// The site secret is NOT in the archive: without it the files cannot be decrypted, which is the point of
// encrypting them. The manifest holds a fingerprint of the secret, and restore refuses an archive made
// under another secret (its files and sessions would be unreadable).
import { createHash, createHmac } from 'node:crypto'
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { BackupToolError, dumpDatabase, EmbeddedDatabaseBusyError, KERNEL_VERSION, otherConnections, restoreDatabase, type DatabaseKind, type Environment } from '@plein/core'
import * as tar from 'tar'
import type { Io } from '../main.js'
import { environment } from './shared.js'

export const BACKUP_USAGE = `Usage:
  plein backup [siteDir] [--out <file.tar>]
      the database and the stored files (still encrypted) in one archive; default
      <data folder>/backups/plein-<time>.tar. Consistent while the site runs on PostgreSQL; the
      embedded database must be stopped first. The archive does not hold PLEIN_SECRET: keep it apart.
  plein restore [siteDir] <file.tar> --yes [--force] [--no-safety-backup]
      replace the site's database and files with the archive's. First writes a safety backup of the
      current state (unless --no-safety-backup). Refuses while Plein processes use the database
      (--force to go on anyway) and when the archive was made under another PLEIN_SECRET.`

const FORMAT = 'plein-backup'
const FORMAT_VERSION = 1
/** Blob store folders that hold work in progress, never committed data. */
const SKIPPED = new Set(['.tmp', '.pending'])

interface Manifest {
  format: typeof FORMAT
  version: number
  createdAt: string
  kernelVersion: string
  database: { kind: DatabaseKind; file: string; bytes: number; sha256: string }
  blobs: { files: number; bytes: number }
  secretFingerprint: string
}

export async function backupCommand(args: string[], flags: Map<string, string>, io: Io): Promise<number> {
  const siteDir = path.resolve(args[0] ?? '.')
  const env = environment(siteDir, io)
  if (!env) return 1
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const out = path.resolve(flags.get('out') ?? path.join(env.dataDir, 'backups', `plein-${stamp}.tar`))
  try {
    const manifest = await writeBackup(env, out, io)
    io.out(`plein backup: ${out} (database ${manifest.database.kind} ${mb(manifest.database.bytes)}, ${manifest.blobs.files} stored files ${mb(manifest.blobs.bytes)})`)
    return 0
  } catch (error) {
    return reportError('backup', error, io)
  }
}

export async function restoreCommand(args: string[], flags: Set<string>, io: Io): Promise<number> {
  const archive = args.find(a => a.endsWith('.tar'))
  const siteArg = args.find(a => a !== archive)
  if (!archive) {
    io.err(BACKUP_USAGE)
    return 2
  }
  const siteDir = path.resolve(siteArg ?? '.')
  const env = environment(siteDir, io)
  if (!env) return 1
  if (!existsSync(archive)) {
    io.err(`plein restore: ${archive} does not exist.`)
    return 1
  }
  if (!flags.has('--yes')) {
    io.err(`plein restore replaces the database and the stored files of ${siteDir} (data folder ${env.dataDir}) with those in ${archive}.\nRun it again with --yes to go ahead.`)
    return 2
  }
  const staging = await stagingDir(env, 'restore')
  try {
    io.err('  reading the archive')
    await tar.extract({ file: path.resolve(archive), cwd: staging, strict: true })
    const manifest = await readManifest(staging)
    const dump = path.join(staging, manifest.database.file)
    if ((await sha256Of(dump)) !== manifest.database.sha256) throw new RestoreRefused('the database dump in the archive is damaged (its SHA-256 differs from the manifest).')
    const blobs = path.join(staging, 'blobs')
    const counted = countFiles(blobs)
    if (counted.files !== manifest.blobs.files || counted.bytes !== manifest.blobs.bytes) {
      throw new RestoreRefused(`the archive's stored files differ from its manifest (${counted.files} files, ${counted.bytes} bytes; the manifest says ${manifest.blobs.files}, ${manifest.blobs.bytes}).`)
    }
    if (manifest.secretFingerprint !== fingerprint(env.secret)) {
      throw new RestoreRefused('the archive was made under another PLEIN_SECRET: its files and sessions would be unreadable. Set the secret the site had when the backup was made.')
    }
    if (env.databaseUrl && !flags.has('--force')) {
      const others = await otherConnections(env.databaseUrl)
      if (others > 0) throw new RestoreRefused(`${others} Plein connection(s) use the database: stop the site's processes first (or add --force).`)
    }
    if (!flags.has('--no-safety-backup')) {
      const safety = path.join(env.dataDir, 'backups', `before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}.tar`)
      io.err(`  safety backup of the current state: ${safety}`)
      await writeBackup(env, safety, io)
    }
    io.err(`  restoring the ${manifest.database.kind} database (${mb(manifest.database.bytes)})`)
    await restoreDatabase(embedded(env), manifest.database.kind, dump, path.join(staging, 'restore.sql'))
    io.err(`  restoring ${manifest.blobs.files} stored files (${mb(manifest.blobs.bytes)})`)
    const live = path.join(env.dataDir, 'blobs')
    const aside = `${live}.before-restore-${Date.now()}`
    if (existsSync(live)) renameSync(live, aside)
    if (existsSync(blobs)) renameSync(blobs, live)
    else mkdirSync(live, { recursive: true })
    rmSync(aside, { recursive: true, force: true })
    io.out(`plein restore: restored the backup of ${manifest.createdAt} (${manifest.blobs.files} stored files)`)
    return 0
  } catch (error) {
    return reportError('restore', error, io)
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

/** Dumps the database, then adds the blob stores; the archive appears under its name only when complete. */
async function writeBackup(env: Environment, out: string, io: Io): Promise<Manifest> {
  mkdirSync(path.dirname(out), { recursive: true })
  const staging = await stagingDir(env, 'backup')
  const partial = `${out}.partial`
  try {
    const started = Date.now()
    const kind: DatabaseKind = env.databaseUrl ? 'postgres' : 'embedded'
    const file = kind === 'postgres' ? 'database.pgdump' : 'database.pglite.tgz'
    io.err(`  dumping the ${kind} database`)
    await dumpDatabase(embedded(env), path.join(staging, file))
    const dump = path.join(staging, file)
    const database = { kind, file, bytes: statSync(dump).size, sha256: await sha256Of(dump) }
    rmSync(partial, { force: true })
    await tar.create({ file: partial, cwd: staging, portable: true }, [file])
    // The blobs as they are after the dump: every one the dump names is there (blobs never change once
    // stored). The site may store more meanwhile; the manifest counts what the archive really holds.
    const listed = listFiles(path.join(env.dataDir, 'blobs')).map(f => path.relative(env.dataDir, f))
    io.err(`  database dumped (${mb(database.bytes)}, ${((Date.now() - started) / 1000).toFixed(1)} s); adding ${listed.length} stored files`)
    if (listed.length > 0) {
      let done = 0
      const vanished: string[] = []
      await tar.replace(
        {
          file: partial,
          cwd: env.dataDir,
          portable: true,
          strict: false,
          // A blob deleted between the listing and its copy (a trash purge): left out, and said.
          onwarn: (code: string, message: string) => vanished.push(`${code}: ${message}`),
          filter: () => {
            if (++done % 1000 === 0) io.err(`  … ${done} of ${listed.length} stored files`)
            return true
          },
        },
        listed,
      )
      for (const v of vanished.slice(0, 10)) io.err(`  left out: ${v}`)
    }
    const blobs = { files: 0, bytes: 0 }
    await tar.list({
      file: partial,
      onReadEntry: entry => {
        if (entry.type === 'File' && entry.path.startsWith('blobs/')) {
          blobs.files++
          blobs.bytes += entry.size ?? 0
        }
      },
    })
    const manifest: Manifest = {
      format: FORMAT,
      version: FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      kernelVersion: KERNEL_VERSION,
      database,
      blobs,
      secretFingerprint: fingerprint(env.secret),
    }
    await writeFile(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
    await tar.replace({ file: partial, cwd: staging, portable: true }, ['manifest.json'])
    await rename(partial, out)
    return manifest
  } finally {
    rmSync(partial, { force: true })
    rmSync(staging, { recursive: true, force: true })
  }
}

class RestoreRefused extends Error {}

async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, 'manifest.json')
  if (!existsSync(file)) throw new RestoreRefused('this is not a Plein backup (no manifest.json).')
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest
  if (manifest.format !== FORMAT) throw new RestoreRefused('this is not a Plein backup (unknown manifest format).')
  if (manifest.version > FORMAT_VERSION) throw new RestoreRefused(`the archive has format version ${manifest.version}; this Plein reads up to ${FORMAT_VERSION}. Upgrade Plein first.`)
  if (!/^database\.(pgdump|pglite\.tgz)$/.test(manifest.database.file)) throw new RestoreRefused('the manifest names an unexpected database file.')
  return manifest
}

/** Every committed file under a blob folder (work in progress left out), as absolute paths. */
function listFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (SKIPPED.has(entry.name)) continue
      const p = path.join(d, entry.name)
      if (entry.isDirectory()) walk(p)
      else if (entry.isFile()) out.push(p)
    }
  }
  if (existsSync(dir)) walk(dir)
  return out
}

function countFiles(dir: string): { files: number; bytes: number } {
  const files = listFiles(dir)
  return { files: files.length, bytes: files.reduce((sum, f) => sum + statSync(f).size, 0) }
}

function embedded(env: Environment) {
  return { databaseUrl: env.databaseUrl, embeddedDir: path.join(env.dataDir, 'pgdata') }
}

async function stagingDir(env: Environment, what: string): Promise<string> {
  // Beside the data, on the same disk: the final renames stay renames, not copies.
  const parent = path.join(env.dataDir, 'backups')
  mkdirSync(parent, { recursive: true })
  return mkdtemp(path.join(parent, `.${what}-`))
}

/** Identifies the secret without revealing it. */
const fingerprint = (secret: string) => createHmac('sha256', secret).update('plein-backup-secret-fingerprint').digest('hex').slice(0, 32)

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(file)
      .on('data', d => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject)
  })
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

function reportError(what: string, error: unknown, io: Io): number {
  if (error instanceof RestoreRefused) io.err(`plein ${what}: refused: ${error.message}`)
  else if (error instanceof EmbeddedDatabaseBusyError || error instanceof BackupToolError) io.err(`plein ${what}: ${error.message}`)
  else throw error
  return 1
}
