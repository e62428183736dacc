// The encrypted file format, version 1 (docs/files.md describes it byte by byte):
//
//   header   "PLNF" | format version (u8 = 1) | plaintext segment size (u32 BE)           9 bytes
//   segment  AES-256-GCM ciphertext of up to `segment size` bytes | 16-byte tag          repeated
//
// Every file version has its own random 256-bit key. Segment i is sealed with
//   nonce = i (u64 BE) | 0x000000 | last (u8)
//   AAD   = "PLNF1" | file id (16 bytes) | version (u32 BE) | i (u64 BE) | last (u8)
// so a segment cannot be moved to another place, file or version, and a file cut short is detected:
// only the final segment carries last = 1 (an empty file is one empty, final segment).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'

export const MAGIC = Buffer.from('PLNF')
export const FORMAT_VERSION = 1
export const SEGMENT_SIZE = 64 * 1024
export const TAG_LENGTH = 16
export const HEADER_LENGTH = 9

export class IntegrityError extends Error {
  readonly code = 'FILE_INTEGRITY'
  constructor(detail: string) {
    super(`The stored file fails its integrity check (${detail}): it was damaged or tampered with. No bytes of it are served.`)
  }
}

export const newFileKey = () => randomBytes(32)

function uuidBytes(id: string): Buffer {
  const hex = id.replace(/-/g, '')
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError('file id must be a UUID')
  return Buffer.from(hex, 'hex')
}

function nonce(index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12)
  n.writeBigUInt64BE(BigInt(index), 0)
  n[11] = last ? 1 : 0
  return n
}

function aad(fileId: Buffer, version: number, index: number, last: boolean): Buffer {
  const a = Buffer.alloc(5 + 16 + 4 + 8 + 1)
  a.write('PLNF1', 0, 'latin1')
  fileId.copy(a, 5)
  a.writeUInt32BE(version, 21)
  a.writeBigUInt64BE(BigInt(index), 25)
  a[33] = last ? 1 : 0
  return a
}

export function header(segmentSize = SEGMENT_SIZE): Buffer {
  const h = Buffer.alloc(HEADER_LENGTH)
  MAGIC.copy(h, 0)
  h[4] = FORMAT_VERSION
  h.writeUInt32BE(segmentSize, 5)
  return h
}

export function readHeader(h: Buffer): { segmentSize: number } {
  if (h.length < HEADER_LENGTH || !h.subarray(0, 4).equals(MAGIC)) throw new IntegrityError('not a Plein encrypted file')
  if (h[4] !== FORMAT_VERSION) throw new IntegrityError(`unknown format version ${h[4]}`)
  const segmentSize = h.readUInt32BE(5)
  if (segmentSize < 1024 || segmentSize > 16 * 1024 * 1024) throw new IntegrityError('impossible segment size')
  return { segmentSize }
}

export function sealSegment(key: Buffer, fileId: Buffer, version: number, index: number, last: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(index, last))
  cipher.setAAD(aad(fileId, version, index, last))
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()])
}

export function openSegment(key: Buffer, fileId: Buffer, version: number, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_LENGTH) throw new IntegrityError(`segment ${index} is cut short`)
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(index, last))
  decipher.setAAD(aad(fileId, version, index, last))
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH))
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH)), decipher.final()])
  } catch {
    throw new IntegrityError(`segment ${index} does not authenticate`)
  }
}

/** Number of segments of a plaintext of `size` bytes, and the plaintext length of segment i. */
export const segmentCount = (size: number, segmentSize = SEGMENT_SIZE) => Math.max(1, Math.ceil(size / segmentSize))
export const segmentLength = (size: number, i: number, segmentSize = SEGMENT_SIZE) =>
  i < segmentCount(size, segmentSize) - 1 ? segmentSize : size - (segmentCount(size, segmentSize) - 1) * segmentSize

/** Size of the stored (encrypted) form of a plaintext of `size` bytes. */
export const encryptedSize = (size: number, segmentSize = SEGMENT_SIZE) => HEADER_LENGTH + size + segmentCount(size, segmentSize) * TAG_LENGTH

/**
 * Plaintext in, the encrypted format out, in segments: memory holds at most one segment whatever the file
 * size. Also counts the plaintext and its SHA-256 (`size`, `sha256` once finished).
 */
export class EncryptStream extends Transform {
  private buffer: Buffer[] = []
  private buffered = 0
  private index = 0
  private readonly hash = createHash('sha256')
  private readonly id: Buffer
  size = 0
  sha256 = ''

  constructor(private readonly key: Buffer, fileId: string, private readonly version: number, private readonly segmentSize = SEGMENT_SIZE) {
    super()
    this.id = uuidBytes(fileId)
    this.push(header(segmentSize))
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.size += chunk.length
    this.buffer.push(chunk)
    this.buffered += chunk.length
    // A full segment is sealed only when more bytes follow it: the final segment is sealed in _flush.
    while (this.buffered > this.segmentSize) {
      const all = Buffer.concat(this.buffer, this.buffered)
      this.push(sealSegment(this.key, this.id, this.version, this.index++, false, all.subarray(0, this.segmentSize)))
      const rest = all.subarray(this.segmentSize)
      this.buffer = [rest]
      this.buffered = rest.length
    }
    done()
  }

  override _flush(done: TransformCallback): void {
    const rest = Buffer.concat(this.buffer, this.buffered)
    this.push(sealSegment(this.key, this.id, this.version, this.index, true, rest))
    this.sha256 = this.hash.digest('hex')
    done()
  }
}

/**
 * The encrypted bytes of segments first..last in, plaintext out: only `start..end` (inclusive, offsets in
 * the whole file) are passed on. Any segment that fails authentication ends the stream with an error.
 */
export class DecryptStream extends Transform {
  private pending: Buffer[] = []
  private pendingLength = 0
  private index: number
  private readonly id: Buffer

  constructor(
    private readonly key: Buffer,
    fileId: string,
    private readonly version: number,
    private readonly size: number,
    private readonly from: number,
    private readonly to: number,
    private readonly segmentSize = SEGMENT_SIZE,
  ) {
    super()
    this.id = uuidBytes(fileId)
    this.index = Math.floor(from / segmentSize)
  }

  private get lastIndex(): number {
    return this.size === 0 ? 0 : Math.floor(this.to / this.segmentSize)
  }

  private sealedLength(i: number): number {
    return segmentLength(this.size, i, this.segmentSize) + TAG_LENGTH
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk)
    this.pendingLength += chunk.length
    try {
      this.drain()
      done()
    } catch (error) {
      done(error as Error)
    }
  }

  private drain(): void {
    while (this.index <= this.lastIndex && this.pendingLength >= this.sealedLength(this.index)) {
      const all = Buffer.concat(this.pending, this.pendingLength)
      const need = this.sealedLength(this.index)
      const last = this.index === segmentCount(this.size, this.segmentSize) - 1
      const plain = openSegment(this.key, this.id, this.version, this.index, last, all.subarray(0, need))
      const segStart = this.index * this.segmentSize
      const from = Math.max(0, this.from - segStart)
      const to = Math.min(plain.length, this.to - segStart + 1)
      if (to > from) this.push(plain.subarray(from, to))
      const rest = all.subarray(need)
      this.pending = [rest]
      this.pendingLength = rest.length
      this.index++
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.index <= this.lastIndex) return done(new IntegrityError(`the file ends before segment ${this.index}`))
    done()
  }
}

/** Byte range (inclusive) of the stored file that holds the plaintext range start..end. */
export function storedRange(size: number, start: number, end: number, segmentSize = SEGMENT_SIZE): { start: number; end: number } {
  const first = Math.floor(start / segmentSize)
  const last = size === 0 ? 0 : Math.floor(end / segmentSize)
  const at = (i: number) => HEADER_LENGTH + i * (segmentSize + TAG_LENGTH)
  return { start: at(first), end: at(last) + segmentLength(size, last, segmentSize) + TAG_LENGTH - 1 }
}
