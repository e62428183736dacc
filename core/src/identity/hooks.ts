// Hooks the identity part of the kernel owns.
import type { EntityManager } from 'typeorm'
import { decision, defineHooks, event, filter } from '../hooks/define.js'
import type { Denial } from '../hooks/kernel-hooks.js'
import type { Site } from '../tenancy/site.js'

export interface Account {
  id: string
  email: string
  name: string
  emailVerified: boolean
  createdAt: Date
  /** 'nl' or 'en' when the person chose; null: the site's language (Dutch). */
  locale?: string | null
  /** When mail to this address last bounced (a permanent rejection); null once the address is verified again. */
  emailBouncedAt?: Date | null
}

export const identityHooks = defineHooks('identity', () => ({
  registered: event<[Account, Site]>({ since: '1.0.0', description: 'An account was created (after commit).' }),
  accountsCreated: event<[Account[], Site]>({
    since: '1.0.0',
    description:
      'Accounts a plugin made in one batch with users.ensure (e.g. an import of colleagues), after commit. `registered` is not called for them: handle them all at once.',
  }),
  signedIn: event<[Account, Site]>({ since: '1.0.0', description: 'An account signed in with its password.' }),
  beforeAccountDelete: decision<[Account, EntityManager], Denial>({
    since: '1.0.0',
    description: "Inside the deleting transaction: remove this plugin's personal data of the account with the given manager, or veto. A throwing tap rolls everything back.",
  }),
  accountDeleted: event<[{ id: string }]>({ since: '1.0.0', description: 'An account and its personal data are gone (after commit).' }),
  exportAccount: filter<Record<string, unknown>, [Account]>({
    since: '1.0.0',
    description: "Add this plugin's personal data of the account to its data export (GDPR art. 15/20), under a key named after the plugin.",
  }),
}))
