// Random secrets, their stored hashes, and signed single-purpose tokens.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** 256 random bits, URL-safe. */
export const randomSecret = (bytes = 32) => randomBytes(bytes).toString('base64url')

/** What we store instead of a session id or API token: a leaked table gives no usable secret. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export interface SignedPayload {
  /** What the token is for: 'verify-email', 'reset-password'. */
  purpose: string
  accountId: string
  /** Expiry, seconds since the epoch. */
  exp: number
  /** Random; its hash is stored so the token can be used once. */
  nonce: string
}

/** Derives a key per use from PLEIN_SECRET, so one secret never signs two kinds of things. */
export function deriveKey(secret: string, use: string): Buffer {
  return createHmac('sha256', secret).update(`plein:${use}`).digest()
}

export function signToken(payload: SignedPayload, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  const mac = createHmac('sha256', key).update(body).digest('base64url')
  return `${body}.${mac}`
}

/** The payload when the signature is right and the token has not expired; else undefined. */
export function readSignedToken(token: string, key: Buffer, purpose: string, now = Date.now()): SignedPayload | undefined {
  const dot = token.indexOf('.')
  if (dot <= 0 || token.length > 2000) return undefined
  const body = token.slice(0, dot)
  const mac = createHmac('sha256', key).update(body).digest('base64url')
  if (!safeEqual(mac, token.slice(dot + 1))) return undefined
  let payload: SignedPayload
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (payload.purpose !== purpose || typeof payload.exp !== 'number' || payload.exp * 1000 < now) return undefined
  return payload
}
