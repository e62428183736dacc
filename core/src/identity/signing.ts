// Signed, expiring tokens for plugins (unsubscribe links, e-mail confirmations): HMAC with a key derived
// per purpose from PLEIN_SECRET, so a token for one purpose is worthless for another.
import { createHmac, hkdfSync } from 'node:crypto'
import { deriveKey, safeEqual } from './secrets.js'

export interface Signing {
  /** A URL-safe token carrying `data` (JSON) for `purpose`, valid for `ttlSeconds`. */
  sign(purpose: string, data: unknown, ttlSeconds: number): string
  /** The data when the token is genuine, for this purpose and unexpired; else undefined. */
  verify<T = unknown>(purpose: string, token: string): T | undefined
}

export function createSigning(secret: string, owner: string): Signing {
  const keys = new Map<string, Buffer>()
  const key = (purpose: string) => {
    let k = keys.get(purpose)
    if (!k) {
      k = deriveKey(secret, `signed:${owner}:${purpose}`)
      keys.set(purpose, k)
    }
    return k
  }
  return Object.freeze({
    sign(purpose: string, data: unknown, ttlSeconds: number): string {
      const body = Buffer.from(JSON.stringify({ d: data, e: Math.floor(Date.now() / 1000) + ttlSeconds })).toString('base64url')
      return `${body}.${createHmac('sha256', key(purpose)).update(body).digest('base64url')}`
    },
    verify<T>(purpose: string, token: string): T | undefined {
      if (typeof token !== 'string' || token.length > 4000) return undefined
      const dot = token.indexOf('.')
      if (dot <= 0) return undefined
      const body = token.slice(0, dot)
      if (!safeEqual(createHmac('sha256', key(purpose)).update(body).digest('base64url'), token.slice(dot + 1))) return undefined
      try {
        const { d, e } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
        return typeof e === 'number' && e * 1000 >= Date.now() ? (d as T) : undefined
      } catch {
        return undefined
      }
    },
  })
}

/** 32-byte keys derived per plugin and label from PLEIN_SECRET (HKDF-SHA256): a plugin never sees the secret itself. */
export interface KeyDerivation {
  derive(label: string): Buffer
}

export function createKeyDerivation(secret: string, owner: string): KeyDerivation {
  // Derived once per label (a file download needs its site key every time); each caller gets its own copy.
  const derived = new Map<string, Buffer>()
  return Object.freeze({
    derive(label: string): Buffer {
      let key = derived.get(label)
      if (!key) {
        key = Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.from(`plein:${owner}`), Buffer.from(label), 32))
        if (derived.size < 10_000) derived.set(label, key)
      }
      return Buffer.from(key)
    },
  })
}
