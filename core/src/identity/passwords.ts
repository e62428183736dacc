// Password hashing with scrypt (node:crypto): per-user salt, parameters stored with the hash.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password.normalize('NFKC'), salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  )

export type HashingProfile = 'standard' | 'fast'

/** `standard`: N=2^15 (~60–100 ms here). `fast` is for test kernels only. */
const PROFILES: Record<HashingProfile, { N: number; r: number; p: number }> = {
  standard: { N: 2 ** 15, r: 8, p: 1 },
  fast: { N: 2 ** 10, r: 8, p: 1 },
}

const KEY_LENGTH = 32
const MAX_MEMORY = 128 * 1024 * 1024

export async function hashPassword(password: string, profile: HashingProfile = 'standard'): Promise<string> {
  const { N, r, p } = PROFILES[profile]
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: MAX_MEMORY })
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [, n, r, p, salt, hash] = parts
  const expected = Buffer.from(hash!, 'base64url')
  const key = await scrypt(password, Buffer.from(salt!, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAX_MEMORY,
  })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** Stored for an account made without a password (e.g. imported by a plugin): nothing matches it; the person sets one by password reset. */
export const NO_PASSWORD = '!'

/** Whether a stored value is a password hash at all (not NO_PASSWORD). */
export const hasPassword = (stored: string) => stored.startsWith('scrypt$')

const dummies = new Map<HashingProfile, Promise<string>>()

/** A hash to check against when the account does not exist, so both failures take the same time. */
export function dummyHash(profile: HashingProfile): Promise<string> {
  let d = dummies.get(profile)
  if (!d) {
    d = hashPassword(randomBytes(16).toString('hex'), profile)
    dummies.set(profile, d)
  }
  return d
}
