// plein files decrypt | rotate-key: recovery and key care for the files plugin's encrypted storage.
//
// `decrypt` reads a version's metadata from the database (booting the site as `plein sites` does), derives
// the site key from PLEIN_SECRET the way the plugin does, and then decrypts the blob OFFLINE with plain Node
// crypto. The format reader below is written from docs/files.md, not imported from the plugin: a bug in the
// server's code cannot make a file unrecoverable, and the format stays documented well enough to re-implement.
import { createDecipheriv, createHash } from 'node:crypto'
import { open, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { createServiceRef, Kernel, type Site } from '@plein/core'
import type { Io } from '../main.js'
import { environment, kernelOptions, logger, reportBootError } from './shared.js'

export const FILES_USAGE = `Usage:
  plein files decrypt [siteDir] <fileId> [--version N] --out <file> [--site-key <64 hex digits>]
      decrypt a stored file version offline (default: the current version) and check its SHA-256;
      --site-key: the site's key-encryption key when it comes from a key-management service
  plein files rotate-key [siteDir] [--site <host>]
      re-wrap every file key of a site (default: the root site) with a new site-key version`

/** What rotate-key needs of the files plugin, found by service id (the CLI does not import plugins). */
interface FilesKeys {
  rotate(site: Site): Promise<{ version: number; rewrapped: number }>
}
const filesKeysRef = createServiceRef<FilesKeys>('files.keys')

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export async function filesCommand(args: string[], flags: Map<string, string>, io: Io): Promise<number> {
  const [action, ...rest] = args
  if (action === 'decrypt') {
    const fileId = rest.find(a => UUID.test(a))
    const siteArg = rest.find(a => a !== fileId)
    const out = flags.get('out')
    const version = flags.has('version') ? Number(flags.get('version')) : undefined
    if (!fileId || !out || (version !== undefined && (!Number.isInteger(version) || version < 1))) {
      io.err(FILES_USAGE)
      return 2
    }
    const siteKey = flags.get('site-key')
    if (siteKey !== undefined && !/^[0-9a-f]{64}$/i.test(siteKey)) {
      io.err('plein files decrypt: --site-key takes the 256-bit key as 64 hexadecimal digits.')
      return 2
    }
    return decryptCommand(path.resolve(siteArg ?? '.'), fileId, version, path.resolve(out), siteKey, io)
  }
  if (action === 'rotate-key') return rotateCommand(path.resolve(rest[0] ?? '.'), flags.get('site'), io)
  io.err(FILES_USAGE)
  return 2
}

interface VersionMeta {
  site_id: string
  name: string
  version: number
  size: string
  sha256: string
  blob_key: string
  wrapped_key: Buffer
  key_version: number
  key_provider: string
  format: number
}

async function bootQuietly(siteDir: string, io: Io): Promise<{ kernel: Kernel; dataDir: string } | number> {
  const env = environment(siteDir, io)
  if (!env) return 1
  const log = logger({ ...env, logLevel: env.logLevel === 'info' ? 'warn' : env.logLevel })
  try {
    const kernel = await Kernel.boot({ ...kernelOptions(siteDir, env, log, io), runJobs: false })
    return { kernel, dataDir: kernel.dataDir }
  } catch (error) {
    return reportBootError(error, io)
  }
}

async function decryptCommand(siteDir: string, fileId: string, version: number | undefined, out: string, siteKeyHex: string | undefined, io: Io): Promise<number> {
  const booted = await bootQuietly(siteDir, io)
  if (typeof booted === 'number') return booted
  const { kernel, dataDir } = booted
  let meta: VersionMeta | undefined
  let kek: Buffer
  try {
    const rows = await kernel.db
      .query<VersionMeta>(
        `SELECT n.site_id, n.name, v.version, v.size::text AS size, v.sha256, v.blob_key, v.wrapped_key, v.key_version, v.key_provider, v.format
           FROM files_node n JOIN files_version v ON v.entity_id = n.entity_id
          WHERE n.entity_id = $1 AND v.version = coalesce($2::int, n.version)`,
        [fileId, version ?? null],
      )
      .catch(error => {
        if (/files_node|files_version/.test(String((error as Error).message))) return undefined
        throw error
      })
    if (rows === undefined) {
      io.err('plein files decrypt: this site has no files tables (is @plein/plugin-files in its site.json?).')
      return 1
    }
    meta = rows[0]
    if (!meta) {
      io.err(`plein files decrypt: no file ${fileId}${version ? ` with a version ${version}` : ''} on this installation.`)
      return 1
    }
    if (!siteKeyHex && meta.key_provider !== 'derived') {
      io.err(`plein files decrypt: the file key is wrapped by the key provider "${meta.key_provider}" (version ${meta.key_version}), not derived from PLEIN_SECRET: pass that site key with --site-key.`)
      return 1
    }
    // The plugin's site key: HKDF-SHA256(PLEIN_SECRET, salt "plein:files", info "site-key:<site id>:v<n>").
    kek = siteKeyHex ? Buffer.from(siteKeyHex, 'hex') : kernel.keysFor('files').derive(`site-key:${meta.site_id}:v${meta.key_version}`)
  } finally {
    // Everything from here on is offline: the blob file, the key and plain Node crypto.
    await kernel.stop()
  }
  if (meta.format !== 1) {
    io.err(`plein files decrypt: the version is stored in format ${meta.format}, which this command does not know.`)
    return 1
  }
  if (!/^[a-z0-9-]+(\/[a-z0-9-]+)*$/.test(meta.blob_key)) {
    io.err(`plein files decrypt: the blob key "${meta.blob_key}" is not a storage key.`)
    return 1
  }
  let fileKey: Buffer
  try {
    fileKey = unwrapKey(kek, meta.wrapped_key)
  } catch {
    io.err('plein files decrypt: the file key does not unwrap with the site key (another PLEIN_SECRET, or a wrong --site-key?).')
    return 1
  }
  const blob = path.join(dataDir, 'blobs', 'files', meta.blob_key)
  const partial = `${out}.partial-${process.pid}`
  try {
    const result = await decryptFile(blob, partial, fileKey, fileId, meta.version, Number(meta.size))
    if (result.sha256 !== meta.sha256) throw new FormatError(`the SHA-256 of the decrypted bytes (${result.sha256}) is not the recorded one (${meta.sha256})`)
    await rename(partial, out)
    io.out(`Decrypted "${meta.name}" version ${meta.version}: ${result.size} bytes, SHA-256 ${result.sha256} (verified) → ${out}`)
    return 0
  } catch (error) {
    await rm(partial, { force: true })
    if (error instanceof FormatError) {
      io.err(`plein files decrypt: ${blob}: ${error.message}. Nothing was written.`)
      return 1
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err(`plein files decrypt: the blob ${blob} is missing (is PLEIN_DATA_DIR right?).`)
      return 1
    }
    throw error
  }
}

async function rotateCommand(siteDir: string, host: string | undefined, io: Io): Promise<number> {
  const booted = await bootQuietly(siteDir, io)
  if (typeof booted === 'number') return booted
  const { kernel } = booted
  try {
    const keys = kernel.service(filesKeysRef)
    if (!keys) {
      io.err('plein files rotate-key: this site does not have the files plugin (@plein/plugin-files) in its site.json.')
      return 1
    }
    const site = host ? await kernel.resolveSite(host.toLowerCase()) : kernel.rootSite
    if (!site) {
      io.err(`plein files rotate-key: no site answers to "${host}".`)
      return 1
    }
    if (!site.isEnabled('files')) {
      io.err(`plein files rotate-key: the files plugin is not enabled on ${site.hosts[0] ?? site.id}.`)
      return 1
    }
    let result: { version: number; rewrapped: number }
    try {
      result = await keys.rotate(site)
    } catch (error) {
      // E.g. a key provider that does not rotate here (it says where to rotate instead).
      io.err(`plein files rotate-key: ${(error as Error).message}`)
      return 1
    }
    io.out(`Rotated the file key of ${site.hosts[0] ?? site.id} to version ${result.version}: ${result.rewrapped} file keys re-wrapped, no content re-encrypted.`)
    return 0
  } finally {
    await kernel.stop()
  }
}

// ---- The format, version 1, as docs/files.md describes it --------------------------------------------

class FormatError extends Error {}

const MAGIC = 'PLNF'
const HEADER = 9
const TAG = 16

/** AES Key Wrap (RFC 3394) with the default IV, 256-bit key-encryption key. */
function unwrapKey(kek: Buffer, wrapped: Buffer): Buffer {
  const d = createDecipheriv('id-aes256-wrap', kek, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'))
  return Buffer.concat([d.update(wrapped), d.final()])
}

/** Decrypts a whole blob segment by segment (memory: one segment) into `target`; returns size and SHA-256. */
async function decryptFile(blob: string, target: string, key: Buffer, fileId: string, version: number, size: number): Promise<{ size: number; sha256: string }> {
  const input = await open(blob, 'r')
  const output = await open(target, 'wx', 0o600)
  try {
    const header = Buffer.alloc(HEADER)
    const { bytesRead } = await input.read(header, 0, HEADER, 0)
    if (bytesRead < HEADER || header.toString('latin1', 0, 4) !== MAGIC) throw new FormatError('not a Plein encrypted file (no "PLNF" header)')
    if (header[4] !== 1) throw new FormatError(`format version ${header[4]} is not version 1`)
    const segmentSize = header.readUInt32BE(5)
    if (segmentSize < 1024 || segmentSize > 16 * 1024 * 1024) throw new FormatError(`impossible segment size ${segmentSize}`)
    const count = Math.max(1, Math.ceil(size / segmentSize))
    const expected = HEADER + size + count * TAG
    const actual = (await stat(blob)).size
    if (actual !== expected) throw new FormatError(`the blob holds ${actual} bytes; ${expected} were expected for ${size} bytes of content`)
    const id = Buffer.from(fileId.replace(/-/g, ''), 'hex')
    const hash = createHash('sha256')
    const sealed = Buffer.alloc(segmentSize + TAG)
    let position = HEADER
    let written = 0
    for (let i = 0; i < count; i++) {
      const last = i === count - 1
      const plainLength = last ? size - (count - 1) * segmentSize : segmentSize
      const length = plainLength + TAG
      const read = await input.read(sealed, 0, length, position)
      if (read.bytesRead !== length) throw new FormatError(`segment ${i} is cut short`)
      position += length
      // nonce = i (u64 BE) | 0x000000 | last (u8); AAD = "PLNF1" | file id (16) | version (u32 BE) | i (u64 BE) | last (u8)
      const nonce = Buffer.alloc(12)
      nonce.writeBigUInt64BE(BigInt(i), 0)
      nonce[11] = last ? 1 : 0
      const aad = Buffer.alloc(34)
      aad.write('PLNF1', 0, 'latin1')
      id.copy(aad, 5)
      aad.writeUInt32BE(version, 21)
      aad.writeBigUInt64BE(BigInt(i), 25)
      aad[33] = last ? 1 : 0
      const decipher = createDecipheriv('aes-256-gcm', key, nonce)
      decipher.setAAD(aad)
      decipher.setAuthTag(sealed.subarray(plainLength, length))
      let plain: Buffer
      try {
        plain = Buffer.concat([decipher.update(sealed.subarray(0, plainLength)), decipher.final()])
      } catch {
        throw new FormatError(`segment ${i} does not authenticate: the blob was damaged or changed`)
      }
      hash.update(plain)
      await output.write(plain, 0, plain.length)
      written += plain.length
    }
    await output.sync()
    return { size: written, sha256: hash.digest('hex') }
  } finally {
    await input.close()
    await output.close()
  }
}
