// Profile fields: checking values against a site's definitions, who sees which field, and what the
// directory's search and filters index of them.
import { createHash } from 'node:crypto'
import { siteToken, type ProblemFieldError, type Site, type Viewer } from '@plein/core'
import type { FieldDefinition, FieldValue, Visibility } from './api.js'

export type Fields = Readonly<Record<string, FieldDefinition>>
export type ProfileData = Record<string, FieldValue>

const RANK: Record<Visibility, number> = { public: 0, logged_in: 1, members: 2, admins: 3 }
/** tsvector weight per visibility: a query may match the weights of its viewer's level and below. */
const WEIGHT: Record<Visibility, 'A' | 'B' | 'C' | 'D'> = { public: 'A', logged_in: 'B', members: 'C', admins: 'D' }
const WEIGHTS_FOR_LEVEL = ['A', 'AB', 'ABC', 'ABCD']

/** How far a viewer sees on a site: 0 anyone, 1 signed in, 2 member of the site, 3 administrator. */
export function viewerLevel(viewer: Viewer, site: Site): number {
  if (viewer.isAdmin) return RANK.admins
  if (viewer.tokens.has(siteToken(site.id))) return RANK.members
  return viewer.user ? RANK.logged_in : RANK.public
}

export const mayUse = (level: number, visibility: Visibility) => level >= RANK[visibility]

/** The fields of a profile this viewer may see (all of them for the person themself). */
export function visibleData(fields: Fields, data: ProfileData, level: number, own: boolean): ProfileData {
  const out: ProfileData = {}
  for (const [name, def] of Object.entries(fields)) {
    const value = data[name]
    if (value !== undefined && (own || mayUse(level, def.visibility))) out[name] = value
  }
  return out
}

export interface ValueProblem {
  field: string
  reason: string
  code: string
}

// The same rule as the kernel's e-mail check (ajv-formats, "email").
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i
const PHONE = /^\+?[0-9][0-9 ().\/-]*[0-9)]$/
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/

export const isEmail = (value: string) => value.length <= 254 && EMAIL.test(value)

/**
 * One value for a field, normalised (trimmed, lists without blanks or duplicates); undefined when it is empty
 * (the field is cleared). `fromText`: the value comes from CSV, a list as "a; b; c".
 */
export function checkValue(name: string, def: FieldDefinition, raw: unknown, fromText = false): { value?: FieldValue; problem?: ValueProblem } {
  const bad = (reason: string, code: string) => ({ problem: { field: name, reason, code } })
  if (raw === null || raw === undefined) return {}
  if (def.type === 'string[]') {
    const items = fromText && typeof raw === 'string' ? raw.split(';') : raw
    if (!Array.isArray(items)) return bad('must be a list of texts', 'type')
    const max = def.maxLength ?? 100
    const out: string[] = []
    const seen = new Set<string>()
    for (const item of items) {
      if (typeof item !== 'string') return bad('must be a list of texts', 'type')
      const text = item.trim()
      if (text === '') continue
      if (text.length > max) return bad(`has an item longer than ${max} characters`, 'maxLength')
      // In CSV a list is written "a; b; c": an item cannot hold the separator.
      if (text.includes(';')) return bad('has an item with ";" (it separates the items of a list)', 'pattern')
      if (CONTROL.test(text)) return bad('has control characters', 'pattern')
      if (seen.has(text.toLowerCase())) continue
      seen.add(text.toLowerCase())
      out.push(text)
    }
    if (out.length > (def.maxItems ?? 50)) return bad(`has more than ${def.maxItems ?? 50} items`, 'maxItems')
    return out.length === 0 ? {} : { value: out }
  }
  if (typeof raw !== 'string') return bad('must be a text', 'type')
  const text = raw.trim()
  if (text === '') return {}
  if (CONTROL.test(text)) return bad('has control characters', 'pattern')
  if (def.type === 'email') return isEmail(text) ? { value: text } : bad('is not an e-mail address', 'format')
  if (def.type === 'phone') {
    const digits = text.replace(/\D/g, '').length
    return text.length <= 32 && digits >= 3 && PHONE.test(text) ? { value: text } : bad('is not a phone number (digits, spaces, + ( ) - . /)', 'format')
  }
  const max = def.maxLength ?? 200
  return text.length > max ? bad(`is longer than ${max} characters`, 'maxLength') : { value: text }
}

/** "<field>:<lower-case value>" for every value: what the exact filters (department, skill) look up. */
export function facetsOf(fields: Fields, data: ProfileData): string[] {
  const out = new Set<string>()
  for (const name of Object.keys(fields)) {
    const value = data[name]
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) out.add(`${name}:${v.toLowerCase()}`)
  }
  return [...out]
}

export const facet = (name: string, value: string) => `${name}:${value.trim().toLowerCase()}`

const literal = (name: string) => `'${name.replace(/'/g, "''")}'`

/** Punctuation inside e-mail addresses, phone numbers and initials separates words, as it does in queries. */
const words = (expr: string) => `to_tsvector('simple', translate(${expr}, '@._/+():-', '         '))`

const ORDER: Visibility[] = ['public', 'logged_in', 'members', 'admins']

/** The search vector from five texts: the name and the searchable values of each visibility (weights A–D). */
export function vectorFromTexts(name: string, texts: readonly [string, string, string, string]): string {
  return [
    `setweight(${words(`coalesce(${name}, '')`)}, 'A')`,
    ...ORDER.map((visibility, i) => `setweight(${words(`coalesce(${texts[i]}, '')`)}, '${WEIGHT[visibility]}')`),
  ].join(' || ')
}

/**
 * SQL for a profile's search vector made from its stored data (to rebuild a site's vectors when its fields
 * change). Field names are settings-checked identifiers, quoted all the same.
 */
export function vectorSql(fields: Fields, data: string, name: string): string {
  const texts = ORDER.map(visibility => {
    const parts = Object.entries(fields)
      .filter(([, def]) => def.searchable && def.visibility === visibility)
      .map(([field, def]) =>
        def.type === 'string[]'
          ? `coalesce((SELECT string_agg(x, ' ') FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(${data} -> ${literal(field)}) = 'array' THEN ${data} -> ${literal(field)} ELSE '[]'::jsonb END) AS x), '')`
          : `coalesce(${data} ->> ${literal(field)}, '')`,
      )
    return parts.length > 0 ? `concat_ws(' ', ${parts.join(', ')})` : `''`
  })
  return vectorFromTexts(name, texts as [string, string, string, string])
}

/** The same texts as vectorSql reads from stored data, made here for a write: the searchable values by visibility. */
export function searchTexts(fields: Fields, data: ProfileData): [string, string, string, string] {
  return ORDER.map(visibility =>
    Object.entries(fields)
      .filter(([, def]) => def.searchable && def.visibility === visibility)
      .map(([field]) => data[field])
      .filter((v): v is FieldValue => v !== undefined)
      .map(v => (Array.isArray(v) ? v.join(' ') : v))
      .join(' '),
  ) as [string, string, string, string]
}

/** A fingerprint of what the search vectors depend on: when it changes, the site's vectors are rebuilt. */
export function searchFingerprint(fields: Fields): string {
  const searchable = Object.entries(fields)
    .filter(([, def]) => def.searchable)
    .map(([name, def]) => [name, def.type, def.visibility])
  return createHash('sha256').update(JSON.stringify(searchable)).digest('base64url').slice(0, 22)
}

/**
 * A prefix query for the words of `q`, limited to the weights the viewer may see; undefined when `q` has no
 * words. Words are letters and digits only, so nothing in `q` is tsquery syntax.
 */
export function searchQuery(q: string, level: number): string | undefined {
  const tokens = (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 10)
  if (tokens.length === 0) return undefined
  const weights = WEIGHTS_FOR_LEVEL[level]!
  return tokens.map(w => `${w}:*${weights}`).join(' & ')
}

const fieldProblem = (name: string, detail: string, code: string): ProblemFieldError => ({ in: 'body', location: { pointer: `/${name}` }, detail, code })

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

/**
 * The new data of a profile from a PUT body, against the site's fields. Fields kept by administrators stay as
 * they are when someone else writes (and may only be sent unchanged).
 */
export function profileFromBody(fields: Fields, body: Record<string, unknown>, current: ProfileData, asAdmin: boolean): { data: ProfileData; errors: ProblemFieldError[] } {
  const errors: ProblemFieldError[] = []
  const data: ProfileData = {}
  for (const name of Object.keys(body)) {
    if (!Object.hasOwn(fields, name)) errors.push(fieldProblem(name, 'is not a profile field on this site', 'unknown'))
  }
  for (const [name, def] of Object.entries(fields)) {
    const checked = checkValue(name, def, body[name])
    if (def.editableBy === 'admins' && !asAdmin) {
      if (current[name] !== undefined) data[name] = current[name]!
      if (Object.hasOwn(body, name) && !checked.problem && !same(checked.value, current[name])) {
        errors.push(fieldProblem(name, 'is kept by the administrators of this site', 'readOnly'))
      }
      continue
    }
    if (checked.problem) errors.push(fieldProblem(name, checked.problem.reason, checked.problem.code))
    else if (checked.value !== undefined) data[name] = checked.value
  }
  return { data, errors }
}
