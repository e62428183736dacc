// Metadata stripping of images on upload, streamed: JPEG loses its APP1 (Exif, XMP), APP13 (IPTC) and
// comment segments, PNG its tEXt, iTXt, zTXt and eXIf chunks. Nothing is decoded and nothing but one small
// segment is held: the image data passes through byte for byte. A JPEG's Exif orientation is kept (as a
// minimal Exif block with that one tag) so that a photo still shows the right way up. Other content passes
// unchanged. The state is small and can be saved between the requests of a resumable upload.
import { Transform, type TransformCallback } from 'node:stream'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const PNG_DROP = new Set(['tEXt', 'iTXt', 'zTXt', 'eXIf'])
const EXIF = Buffer.from('Exif\0\0', 'latin1')

type Mode = 'detect' | 'jpeg-marker' | 'png-chunk' | 'copy' | 'skip' | 'collect' | 'pass'

/** What a stripper needs to carry on where it stopped (JSON-able). */
export interface StripState {
  mode: Mode
  /** Bytes left to copy/skip/collect. */
  n: number
  /** Where copy/skip return to. */
  next: Mode
  /** Bytes held: a marker or chunk header not yet whole, or the APP1 segment being collected (base64). */
  held: string
  /** Segments or chunks removed so far. */
  removed: number
}

export class StripMetadata extends Transform {
  private mode: Mode
  private n: number
  private next: Mode
  private held: Buffer
  removed: number

  /**
   * `enabled` false: every byte passes (the site does not ask for stripping). `final` tells at the end of the
   * stream whether the file ends there too (a piece of a resumable upload keeps what it holds in its state).
   */
  constructor(enabled: boolean, state?: StripState, private readonly final: () => boolean = () => true) {
    super()
    this.mode = state?.mode ?? (enabled ? 'detect' : 'pass')
    this.n = state?.n ?? 0
    this.next = state?.next ?? 'pass'
    this.held = state ? Buffer.from(state.held, 'base64') : Buffer.alloc(0)
    this.removed = state?.removed ?? 0
  }

  get state(): StripState {
    return { mode: this.mode, n: this.n, next: this.next, held: this.held.toString('base64'), removed: this.removed }
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    if (this.mode === 'pass') return done(null, chunk)
    try {
      this.feed(chunk)
      done()
    } catch (error) {
      done(error as Error)
    }
  }

  override _flush(done: TransformCallback): void {
    if (!this.final()) return done()
    // A file that ends inside a header or a collected segment: what was held goes out as it came (it is not
    // an image this code understands, so nothing is taken away from it).
    if (this.held.length > 0 && this.mode !== 'skip') this.push(this.held)
    this.held = Buffer.alloc(0)
    done()
  }

  private feed(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      switch (this.mode) {
        case 'pass':
          this.push(at === 0 ? chunk : chunk.subarray(at))
          return
        case 'copy':
        case 'skip': {
          const n = Math.min(this.n, chunk.length - at)
          if (this.mode === 'copy') this.push(chunk.subarray(at, at + n))
          at += n
          this.n -= n
          if (this.n === 0) this.mode = this.next
          break
        }
        case 'collect': {
          const n = Math.min(this.n, chunk.length - at)
          this.held = Buffer.concat([this.held, chunk.subarray(at, at + n)])
          at += n
          this.n -= n
          if (this.n === 0) {
            const kept = keptApp1(this.held)
            if (kept) this.push(kept)
            else this.removed++
            this.held = Buffer.alloc(0)
            this.mode = 'jpeg-marker'
          }
          break
        }
        default: {
          // Headers: gather the few bytes needed to decide, then act.
          const need = this.mode === 'detect' ? 8 : this.mode === 'png-chunk' ? 8 : 4
          const n = Math.min(need - this.held.length, chunk.length - at)
          this.held = Buffer.concat([this.held, chunk.subarray(at, at + n)])
          at += n
          if (this.mode === 'detect' && this.held.length >= 3 && !(this.held[0] === 0xff && this.held[1] === 0xd8 && this.held[2] === 0xff) && !PNG_SIGNATURE.subarray(0, this.held.length).equals(this.held)) {
            this.push(this.held)
            this.held = Buffer.alloc(0)
            this.mode = 'pass'
            break
          }
          if (this.held.length < need) break
          const head = this.held
          this.held = Buffer.alloc(0)
          this.decide(head)
        }
      }
    }
  }

  private decide(head: Buffer): void {
    if (this.mode === 'detect') {
      if (head[0] === 0xff && head[1] === 0xd8) {
        this.push(head.subarray(0, 2))
        this.mode = 'jpeg-marker'
        // The other 6 bytes are the start of the first marker: go through them again.
        this.feed(head.subarray(2))
      } else if (head.equals(PNG_SIGNATURE)) {
        this.push(head)
        this.mode = 'png-chunk'
      } else {
        this.push(head)
        this.mode = 'pass'
      }
      return
    }
    if (this.mode === 'png-chunk') {
      const length = head.readUInt32BE(0)
      const type = head.toString('latin1', 4, 8)
      const drop = PNG_DROP.has(type)
      if (drop) this.removed++
      else this.push(head)
      this.n = length + 4 // data and CRC
      this.next = type === 'IEND' ? 'pass' : 'png-chunk'
      this.mode = drop ? 'skip' : 'copy'
      if (this.n === 0) this.mode = this.next
      return
    }
    // jpeg-marker: FF xx [length]
    if (head[0] !== 0xff) {
      // Not a marker where one should be: not a JPEG this code understands; leave the rest alone.
      this.push(head)
      this.mode = 'pass'
      return
    }
    const marker = head[1]!
    if (marker === 0xff) {
      // Fill byte: pass one 0xFF and look again.
      this.push(head.subarray(0, 1))
      this.feed(head.subarray(1))
      return
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      this.push(head.subarray(0, 2))
      this.feed(head.subarray(2))
      return
    }
    if (marker === 0xda || marker === 0xd9) {
      // Start of scan (entropy-coded data follows) or end of image: the rest passes untouched.
      this.push(head)
      this.mode = 'pass'
      return
    }
    const length = head.readUInt16BE(2)
    if (length < 2) {
      this.push(head)
      this.mode = 'pass'
      return
    }
    this.n = length - 2
    this.next = 'jpeg-marker'
    if (marker === 0xe1) {
      this.mode = 'collect'
      this.held = Buffer.alloc(0)
    } else if (marker === 0xed || marker === 0xfe) {
      this.removed++
      this.mode = 'skip'
    } else {
      this.push(head)
      this.mode = 'copy'
    }
    if (this.n === 0) {
      if (this.mode === 'collect') this.removed++
      this.mode = 'jpeg-marker'
    }
  }
}

/** The APP1 segment to keep in place of `payload`: a minimal Exif block with the orientation, or nothing. */
function keptApp1(payload: Buffer): Buffer | undefined {
  const orientation = exifOrientation(payload)
  if (orientation === undefined || orientation === 1) return undefined
  const out = Buffer.alloc(4 + 32)
  out.writeUInt16BE(0xffe1, 0)
  out.writeUInt16BE(34, 2)
  EXIF.copy(out, 4)
  out.write('MM', 10, 'latin1')
  out.writeUInt16BE(42, 12)
  out.writeUInt32BE(8, 14) // IFD0 right after the TIFF header
  out.writeUInt16BE(1, 18) // one entry
  out.writeUInt16BE(0x0112, 20) // Orientation
  out.writeUInt16BE(3, 22) // SHORT
  out.writeUInt32BE(1, 24)
  out.writeUInt16BE(orientation, 28)
  out.writeUInt32BE(0, 32) // no next IFD
  return out
}

/** Orientation (1..8) from an Exif APP1 payload, undefined when there is none or it does not parse. */
export function exifOrientation(payload: Buffer): number | undefined {
  if (payload.length < 14 || !payload.subarray(0, 6).equals(EXIF)) return undefined
  const tiff = payload.subarray(6)
  const order = tiff.toString('latin1', 0, 2)
  if (order !== 'II' && order !== 'MM') return undefined
  const le = order === 'II'
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o))
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o))
  if (u16(2) !== 42) return undefined
  const ifd = u32(4)
  if (ifd + 2 > tiff.length) return undefined
  const count = u16(ifd)
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12
    if (entry + 12 > tiff.length) return undefined
    if (u16(entry) === 0x0112 && u16(entry + 2) === 3) {
      const value = u16(entry + 8)
      return value >= 1 && value <= 8 ? value : undefined
    }
  }
  return undefined
}
