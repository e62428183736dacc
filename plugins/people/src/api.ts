// What other plugins may use of the people plugin: the field definitions, a person as the API shows them,
// and the directory as a service (e.g. for a people-search widget).
import { createServiceRef, type Site, type Viewer } from '@plein/core'

export type FieldType = 'string' | 'string[]' | 'email' | 'phone'
export type Visibility = 'public' | 'logged_in' | 'members' | 'admins'

/** One profile field of a site (plugin settings `fields.<name>`). */
export interface FieldDefinition {
  type: FieldType
  label: { nl: string; en: string }
  visibility: Visibility
  searchable?: boolean
  maxLength?: number
  maxItems?: number
  editableBy?: 'self' | 'admins'
}

export type FieldValue = string | string[]

/** A person in the directory, with only the fields this viewer may see. */
export interface PersonJson {
  id: string
  name: string
  /** Only for the person themself and administrators. */
  email?: string
  fields: Record<string, FieldValue>
  url: string
  updatedAt: Date
}

export interface PeopleService {
  /** People whose name or searchable fields match `q` (all when absent), by name; only what the viewer may see. */
  search(site: Site, viewer: Viewer, options: { q?: string; limit: number }): Promise<PersonJson[]>
}

export const peopleServiceRef = createServiceRef<PeopleService>('people.directory')
