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
  return Buffer.concat(sealSegmentParts(key, fileId, version, index, last, plain))
}

/**
 * A sealed segment as its ciphertext and its tag, not joined: streams push both as they are (joining them
 * costs an allocation and a copy of every byte, a third of the encryption's CPU).
 */
export function sealSegmentParts(key: Buffer, fileId: Buffer, version: number, index: number, last: boolean, plain: Buffer): [Buffer, Buffer] {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(index, last))
  cipher.setAAD(aad(fileId, version, index, last))
  const sealed = cipher.update(plain)
  cipher.final() // GCM: nothing more
  return [sealed, cipher.getAuthTag()]
}

export function openSegment(key: Buffer, fileId: Buffer, version: number, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_LENGTH) throw new IntegrityError(`segment ${index} is cut short`)
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(index, last))
  decipher.setAAD(aad(fileId, version, index, last))
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH))
  try {
    const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH))
    const rest = decipher.final() // GCM: empty; it throws when the tag does not match
    return rest.length === 0 ? plain : Buffer.concat([plain, rest])
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
  // One segment's plaintext is gathered in a buffer that is reused: per segment, the only new memory is the
  // ciphertext (large uploads otherwise allocate several times their size and keep the garbage collector busy).
  private readonly segment: Buffer
  private filled = 0
  private index = 0
  private readonly hash = createHash('sha256')
  private readonly id: Buffer
  size = 0
  sha256 = ''

  constructor(private readonly key: Buffer, fileId: string, private readonly version: number, private readonly segmentSize = SEGMENT_SIZE) {
    super()
    this.id = uuidBytes(fileId)
    this.segment = Buffer.allocUnsafe(segmentSize)
    this.push(header(segmentSize))
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.size += chunk.length
    let at = 0
    while (at < chunk.length) {
      // A full segment is sealed only when more bytes follow it: the final segment is sealed in _flush.
      if (this.filled === this.segmentSize) {
        const [sealed, tag] = sealSegmentParts(this.key, this.id, this.version, this.index++, false, this.segment)
        this.push(sealed)
        this.push(tag)
        this.filled = 0
      }
      const n = chunk.copy(this.segment, this.filled, at, Math.min(chunk.length, at + this.segmentSize - this.filled))
      this.filled += n
      at += n
    }
    done()
  }

  override _flush(done: TransformCallback): void {
    const [sealed, tag] = sealSegmentParts(this.key, this.id, this.version, this.index, true, this.segment.subarray(0, this.filled))
    this.push(sealed)
    this.push(tag)
    this.sha256 = this.hash.digest('hex')
    done()
  }
}

/**
 * The encrypted bytes of segments first..last in, plaintext out: only `start..end` (inclusive, offsets in
 * the whole file) are passed on. Any segment that fails authentication ends the stream with an error.
 */
export class DecryptStream extends Transform {
  // One sealed segment is gathered in a reused buffer; only the plaintext of each segment is new memory.
  private readonly sealed: Buffer
  private filled = 0
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
    this.sealed = Buffer.allocUnsafe(segmentSize + TAG_LENGTH)
  }

  private get lastIndex(): number {
    return this.size === 0 ? 0 : Math.floor(this.to / this.segmentSize)
  }

  private sealedLength(i: number): number {
    return segmentLength(this.size, i, this.segmentSize) + TAG_LENGTH
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      let at = 0
      // Bytes past the last segment asked for are not read (the caller asks storage for exactly the range).
      while (at < chunk.length && this.index <= this.lastIndex) {
        const need = this.sealedLength(this.index)
        // A whole segment inside the chunk is opened where it is (no copy; storage reads in large chunks).
        if (this.filled === 0 && chunk.length - at >= need) {
          this.openOne(need, chunk.subarray(at, at + need))
          at += need
          continue
        }
        const n = chunk.copy(this.sealed, this.filled, at, Math.min(chunk.length, at + need - this.filled))
        this.filled += n
        at += n
        if (this.filled === need) this.openOne(need)
      }
      done()
    } catch (error) {
      done(error as Error)
    }
  }

  private openOne(need: number, sealed = this.sealed.subarray(0, need)): void {
    const last = this.index === segmentCount(this.size, this.segmentSize) - 1
    const plain = openSegment(this.key, this.id, this.version, this.index, last, sealed)
    const segStart = this.index * this.segmentSize
    const from = Math.max(0, this.from - segStart)
    const to = Math.min(plain.length, this.to - segStart + 1)
    if (to > from) this.push(from === 0 && to === plain.length ? plain : plain.subarray(from, to))
    this.filled = 0
    this.index++
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
