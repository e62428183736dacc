// File keys are wrapped (AES-KW, RFC 3394) with a site key; site keys come from a KeyProvider: derived
// from PLEIN_SECRET by default, or held by a key-management service. Rotation re-wraps, never re-encrypts.
import { createCipheriv, createDecipheriv } from 'node:crypto'
import type { KeyDerivation } from '@plein/core'

const IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex')

export interface KeyProvider {
  /** The current key version of a site (new files are wrapped with it). */
  currentVersion(siteId: string): Promise<number>
  /** The 256-bit key-encryption key of a site at a version. */
  siteKey(siteId: string, version: number): Promise<Buffer>
}

/** Site keys derived from PLEIN_SECRET (HKDF, per site and version); the version lives in files_site_key. */
export class DerivedKeyProvider implements KeyProvider {
  constructor(private readonly keys: KeyDerivation, private readonly version: (siteId: string) => Promise<number>) {}
  currentVersion(siteId: string): Promise<number> {
    return this.version(siteId)
  }
  async siteKey(siteId: string, version: number): Promise<Buffer> {
    return this.keys.derive(`site-key:${siteId}:v${version}`)
  }
}

export function wrapKey(kek: Buffer, key: Buffer): Buffer {
  const c = createCipheriv('id-aes256-wrap', kek, IV)
  return Buffer.concat([c.update(key), c.final()])
}

export function unwrapKey(kek: Buffer, wrapped: Buffer): Buffer {
  const d = createDecipheriv('id-aes256-wrap', kek, IV)
  try {
    return Buffer.concat([d.update(wrapped), d.final()])
  } catch {
    throw new Error('the file key does not unwrap with this site key (wrong key version or secret)')
  }
}
