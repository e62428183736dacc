// The kernel's site-wide settings (site.json "settings"); the schema with defaults is in site.schema.json.
import type { Limit } from '../services/rate-limit.js'

export interface KernelSettings {
  membership: 'open' | 'approval' | 'invite'
  auth: { requireEmailVerification: boolean; allowRegistration: boolean }
  sessions: { idleMinutes: number; absoluteDays: number }
  rateLimits: { loginPerAccount: Limit; loginPerIp: Limit; registerPerIp: Limit; mailPerAccount: Limit; mailRequestsPerIp: Limit }
  access: { allowPublic: boolean; allowLoggedIn: boolean; defaultRead: Array<'public' | 'logged_in' | 'site'> }
  privacy: { deletedUserContent: 'anonymise' | 'delete' }
  security: { frameAncestors: string[] }
  allowedEmailDomains: string[]
  /** The site's default language (after the person's own choice and Accept-Language). */
  language: 'nl' | 'en'
  theme: { name: string; logoUrl?: string; primaryColor?: string }
}

/** A site's kernel settings, typed. Validation has filled in every default. */
export const kernelSettings = (site: { settings: Readonly<Record<string, unknown>> }) => site.settings as unknown as KernelSettings
