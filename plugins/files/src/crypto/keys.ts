// File keys are wrapped (AES-KW, RFC 3394) with a site key; site keys come from a KeyProvider: derived
// from PLEIN_SECRET by default, or held by a key-management service. Rotation re-wraps, never re-encrypts.
import { createCipheriv, createDecipheriv } from 'node:crypto'
import type { KeyDerivation } from '@plein/core'

const IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex')

/** The id of the built-in provider (keys derived from PLEIN_SECRET), stored with every key it wraps. */
export const DERIVED_KEY_PROVIDER = 'derived'

/**
 * Where site keys come from. The files plugin uses the one another plugin provides under
 * `filesKeyProviderRef`, else the built-in DerivedKeyProvider. Its `id` is stored with every file key it
 * wraps (files_version.key_provider): keys of another provider than the active one are refused at boot,
 * except the built-in one's, which can always be derived again (and are moved over by a rotation).
 */
export interface KeyProvider {
  /** Stable name of this provider's key space (e.g. "vault-transit"); never "derived" unless it is the built-in one. */
  readonly id: string
  /** The current key version of a site (new files are wrapped with it). */
  currentVersion(siteId: string): Promise<number>
  /** The 256-bit key-encryption key of a site at a version (any version it ever handed out). */
  siteKey(siteId: string, version: number): Promise<Buffer>
  /**
   * Makes a new current key version for a site and returns it (older versions stay readable until the files
   * plugin has re-wrapped every file key). Without it, `plein files rotate-key` and the rotate endpoint refuse.
   */
  rotate?(siteId: string): Promise<number>
}

/** Site keys derived from PLEIN_SECRET (HKDF, per site and version); the version lives in files_site_key. */
export class DerivedKeyProvider implements KeyProvider {
  readonly id = DERIVED_KEY_PROVIDER
  constructor(
    private readonly keys: KeyDerivation,
    private readonly versions: { current(siteId: string): Promise<number>; next(siteId: string): Promise<number> },
  ) {}
  currentVersion(siteId: string): Promise<number> {
    return this.versions.current(siteId)
  }
  async siteKey(siteId: string, version: number): Promise<Buffer> {
    return this.keys.derive(`site-key:${siteId}:v${version}`)
  }
  rotate(siteId: string): Promise<number> {
    return this.versions.next(siteId)
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
