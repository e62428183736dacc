// What other plugins and tools may use of the subsites plugin.
import { createServiceRef, defineHooks, event, type Site } from '@plein/core'

export interface SubsiteInput {
  name: string
  host: string
  plugins: string[]
  /** Settings per plugin id. */
  settings?: Record<string, Record<string, unknown>>
  membership?: 'open' | 'approval' | 'invite'
  allowedEmailDomains?: string[]
  /** E-mail addresses of the subsite's administrators. */
  admins?: string[]
  theme?: { name?: string; logoUrl?: string; primaryColor?: string }
  /** Kernel settings of the site (auth, access, privacy, …), as in site.json "settings". */
  siteSettings?: Record<string, unknown>
  disabled?: boolean
}

export interface SubsiteRecord extends Required<Omit<SubsiteInput, 'theme'>> {
  id: string
  theme: Record<string, unknown>
  createdAt: Date
  updatedAt: Date
}

export const subsitesHooks = defineHooks('subsites', () => ({
  created: event<[Site]>({ since: '1.0.0', description: 'A subsite was created.' }),
  changed: event<[Site]>({ since: '1.0.0', description: "A subsite's plugins or settings changed (already in effect)." }),
  deleted: event<[{ id: string; host: string }]>({ since: '1.0.0', description: 'A subsite and all its data were deleted.' }),
}))

export interface SubsitesService {
  list(): Promise<SubsiteRecord[]>
  create(input: SubsiteInput, createdBy?: string): Promise<SubsiteRecord>
  update(id: string, changes: Partial<SubsiteInput>): Promise<SubsiteRecord>
  remove(id: string): Promise<void>
}

export const subsitesServiceRef = createServiceRef<SubsitesService>('subsites.sites')
