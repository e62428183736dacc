// The people plugin's per-site settings: the profile fields of this site, each with its own visibility.
import type { FieldDefinition, Visibility } from './api.js'

export const VISIBILITIES = ['public', 'logged_in', 'members', 'admins'] as const

const label = { type: 'string', minLength: 1, maxLength: 100 }

const fieldSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'label', 'visibility'],
  properties: {
    type: { enum: ['string', 'string[]', 'email', 'phone'], description: 'string[]: a list (in CSV: values separated by ";").' },
    label: { type: 'object', additionalProperties: false, required: ['nl', 'en'], properties: { nl: label, en: label } },
    visibility: { enum: [...VISIBILITIES], description: 'Who sees it: anyone, signed-in accounts, members of this site, or its administrators (a person always sees their own).' },
    searchable: { type: 'boolean', default: false, description: 'Found by the directory search (only by those who may see it).' },
    maxLength: { type: 'integer', minimum: 1, maximum: 2000, description: 'Longest value (of each list item); default 200 (100 for list items).' },
    maxItems: { type: 'integer', minimum: 1, maximum: 200, description: 'Most list items (string[] only); default 50.' },
    editableBy: { enum: ['self', 'admins'], default: 'self', description: 'admins: only administrators change it (e.g. data from HR).' },
  },
}

const DEFAULT_FIELDS: Record<string, FieldDefinition> = {
  department: { type: 'string', label: { nl: 'Afdeling', en: 'Department' }, visibility: 'logged_in', searchable: true, maxLength: 200 },
  function: { type: 'string', label: { nl: 'Functie', en: 'Job title' }, visibility: 'logged_in', searchable: true, maxLength: 200 },
  phone: { type: 'phone', label: { nl: 'Telefoon', en: 'Phone' }, visibility: 'members', searchable: false },
  location: { type: 'string', label: { nl: 'Locatie', en: 'Location' }, visibility: 'members', searchable: true, maxLength: 200 },
  skills: { type: 'string[]', label: { nl: 'Vaardigheden', en: 'Skills' }, visibility: 'logged_in', searchable: true, maxLength: 100, maxItems: 50 },
}

export const peopleSettings = {
  type: 'object',
  additionalProperties: false,
  properties: {
    fields: {
      type: 'object',
      maxProperties: 50,
      // camelCase JSON names; email and name are the account's own (and the CSV's first columns).
      propertyNames: { pattern: '^[a-z][a-zA-Z0-9]{0,39}$', not: { enum: ['email', 'name', 'id'] } },
      additionalProperties: fieldSchema,
      default: DEFAULT_FIELDS,
      description: 'The profile fields of this site by name, in the order profiles and CSV files show them.',
    },
    directory: {
      enum: ['public', 'logged_in', 'members'],
      default: 'members',
      description: 'Who may use the directory at all (names, and the fields their visibility allows).',
    },
    recentItems: { type: 'integer', minimum: 0, maximum: 50, default: 10, description: 'Recent content items on a profile page.' },
    importMaxRows: { type: 'integer', minimum: 1, maximum: 100000, default: 20000, description: 'Most data rows in one CSV import.' },
  },
} as const

export interface PeopleSettings {
  fields: Readonly<Record<string, FieldDefinition>>
  directory: Exclude<Visibility, 'admins'>
  recentItems: number
  importMaxRows: number
}
