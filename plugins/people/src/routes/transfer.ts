// /api/v1/people/import (CSV in, all or nothing, with a report of every problem) and /api/v1/people/export (CSV out, streamed).
import { Readable } from 'node:stream'
import { HttpProblem, problems, type PluginContext, type ProblemFieldError, type RouteContext } from '@plein/core'
import type { FieldDefinition, FieldValue } from '../api.js'
import { BOM, csvRecord, parseCsv } from '../csv.js'
import { checkValue, isEmail } from '../fields.js'
import type { PeopleStore } from '../service.js'

/** Largest CSV body accepted. */
export const IMPORT_MAX_BYTES = 32 * 1024 * 1024
/** Most problems one report lists (a file of garbage would otherwise answer with megabytes). */
export const REPORT_MAX = 10_000

const CSV_TYPE = /^(?:text\/csv|application\/csv|text\/comma-separated-values|application\/vnd\.ms-excel)\s*(?:;|$)/i
// Spreadsheets run a cell that starts with one of these as a formula: the export puts an apostrophe before it,
// and the import takes it off again.
const FORMULA = /^[=+\-@\t\r]/
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/

export interface ImportProblem {
  /** The row as a spreadsheet numbers it (1: the header). */
  row: number
  /** The column, or null for a problem with the whole row. */
  field: string | null
  reason: string
  code: string
}

export interface ImportRow {
  row: number
  email: string
  name: string
  /** The file's fields for this person: a value, or undefined to clear the field. */
  values: Array<[string, FieldValue | undefined]>
}

/** Reads the raw body (a size limit, no buffering past it) as UTF-8 text. */
async function readText(c: RouteContext, limit: number): Promise<string> {
  const type = c.get('content-type')
  if (!CSV_TYPE.test(type)) {
    throw problems.unsupportedMediaType(type ? `Send the file as text/csv, not ${type.split(';')[0]}.` : 'Send the file as text/csv (Content-Type header missing).', {
      code: 'UNSUPPORTED_MEDIA_TYPE',
    })
  }
  const tooLarge = () => {
    c.req.pause()
    c.set('Connection', 'close')
    return problems.tooLarge(`The file is larger than ${limit} bytes.`, { code: 'BODY_TOO_LARGE', extra: { limit } })
  }
  const declared = c.get('content-length')
  if (declared !== '' && Number(declared) > limit) throw tooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of c.req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw tooLarge()
    chunks.push(chunk)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, size))
  } catch {
    throw new HttpProblem({
      status: 400,
      detail: 'The file is not UTF-8 text: save it as "CSV UTF-8".',
      code: 'PEOPLE_CSV_ENCODING',
      errors: [{ in: 'body', location: { pointer: '' }, detail: 'is not UTF-8 text', code: 'encoding' }],
    })
  }
}

const unformula = (value: string) => (value.startsWith("'") && FORMULA.test(value.slice(1)) ? value.slice(1) : value)

/**
 * Checks a whole file against the site's fields: the header (email, name, then field names) and every row.
 * Returns the rows when there is no problem at all, else every problem (up to REPORT_MAX).
 */
export function checkImport(text: string, fields: Readonly<Record<string, FieldDefinition>>, maxRows: number): { rows: ImportRow[]; problems: ImportProblem[]; total: number } {
  const problems: ImportProblem[] = []
  const add = (p: ImportProblem) => {
    if (problems.length < REPORT_MAX) problems.push(p)
  }
  const parsed = parseCsv(text)
  const [header, ...records] = parsed.records
  if (!header) {
    add({ row: 1, field: null, reason: parsed.error?.reason ?? 'the file is empty: the first row names the columns (email, name, …)', code: parsed.error ? 'csv' : 'empty' })
    return { rows: [], problems, total: 0 }
  }
  // Columns: email and name (any case), then field names (as in the settings; any case).
  const byLower = new Map(Object.keys(fields).map(name => [name.toLowerCase(), name]))
  type Column = { kind: 'email' | 'name' | 'field' | 'unknown'; name: string }
  const columns: Column[] = []
  const seen = new Set<string>()
  for (const raw of header.values) {
    const title = raw.trim()
    const lower = title.toLowerCase()
    const column: Column =
      lower === 'email' || lower === 'name' ? { kind: lower, name: lower } : byLower.has(lower) ? { kind: 'field', name: byLower.get(lower)! } : { kind: 'unknown', name: title }
    if (column.kind === 'unknown') {
      add({ row: 1, field: title, reason: `is not a profile field of this site (the fields are: ${[...byLower.values()].join(', ') || 'none'})`, code: 'unknown' })
    } else if (seen.has(column.name)) {
      add({ row: 1, field: column.name, reason: 'is a column twice', code: 'duplicate' })
    }
    seen.add(column.name)
    columns.push(column)
  }
  for (const required of ['email', 'name']) {
    if (!seen.has(required)) add({ row: 1, field: required, reason: `the header has no "${required}" column`, code: 'required' })
  }
  if (records.length > maxRows) {
    add({ row: records[maxRows]!.row, field: null, reason: `the file has ${records.length} rows; at most ${maxRows} are taken at once`, code: 'maxRows' })
  }
  const rows: ImportRow[] = []
  const emails = new Map<string, number>()
  for (const record of records.slice(0, maxRows)) {
    if (record.values.length !== columns.length) {
      add({ row: record.row, field: null, reason: `has ${record.values.length} values; the header has ${columns.length}`, code: 'columns' })
      continue
    }
    const row: ImportRow = { row: record.row, email: '', name: '', values: [] }
    record.values.forEach((raw, i) => {
      const column = columns[i]!
      if (column.kind === 'email') {
        const email = raw.trim()
        const earlier = emails.get(email.toLowerCase())
        if (!isEmail(email)) add({ row: record.row, field: 'email', reason: email === '' ? 'is required' : 'is not an e-mail address', code: email === '' ? 'required' : 'format' })
        else if (earlier !== undefined) add({ row: record.row, field: 'email', reason: `is in row ${earlier} already`, code: 'duplicate' })
        else emails.set(email.toLowerCase(), record.row)
        row.email = email
      } else if (column.kind === 'name') {
        const name = unformula(raw.trim())
        if (name === '') add({ row: record.row, field: 'name', reason: 'is required', code: 'required' })
        else if (name.length > 200) add({ row: record.row, field: 'name', reason: 'is longer than 200 characters', code: 'maxLength' })
        else if (CONTROL.test(name)) add({ row: record.row, field: 'name', reason: 'has control characters', code: 'pattern' })
        row.name = name
      } else if (column.kind === 'field') {
        const checked = checkValue(column.name, fields[column.name]!, unformula(raw), true)
        if (checked.problem) add({ row: record.row, field: column.name, reason: checked.problem.reason, code: checked.problem.code })
        else row.values.push([column.name, checked.value])
      }
    })
    rows.push(row)
  }
  if (parsed.error) add({ row: parsed.error.row, field: null, reason: parsed.error.reason, code: 'csv' })
  return { rows, problems, total: records.length }
}

/** A value as a CSV cell: lists joined with "; ", formula-like text behind an apostrophe (not phone numbers). */
function cell(def: FieldDefinition | undefined, value: FieldValue | undefined): string {
  if (value === undefined) return ''
  const text = Array.isArray(value) ? value.join('; ') : value
  return def?.type !== 'phone' && FORMULA.test(text) ? `'${text}` : text
}

export function transferRoutes(ctx: PluginContext, store: PeopleStore): void {
  const requireAdmin = (c: RouteContext) => {
    if (!c.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
    if (!c.viewer.isAdmin) throw problems.forbidden('Only administrators of this site may do this.', { code: 'NOT_ADMIN' })
  }

  ctx.routes(router => {
    router.post(
      'people.import',
      '/api/v1/people/import',
      {
        summary: 'Import colleagues from a CSV file (administrators): all rows or none.',
        description:
          'The body is a CSV file (`Content-Type: text/csv`, UTF-8, comma- or semicolon-separated, RFC 4180 quoting). The first row names the ' +
          'columns: `email`, `name`, then profile field names (GET /people/fields); a list field takes values separated by ";". ' +
          'Accounts are made for new e-mail addresses (without a password: they choose one through "forgot password"); existing ' +
          'accounts keep their name. Each profile gets the file’s columns (an empty cell clears the field) and keeps its other fields. ' +
          'Any problem: a 400 listing every problem (row, field, reason) and nothing is imported.',
        auth: true,
        responses: {
          200: {
            description: 'Imported.',
            schema: {
              type: 'object',
              required: ['rows', 'accountsCreated', 'profilesCreated', 'profilesUpdated'],
              properties: {
                rows: { type: 'integer' },
                accountsCreated: { type: 'integer' },
                profilesCreated: { type: 'integer' },
                profilesUpdated: { type: 'integer' },
              },
            },
          },
          400: { description: 'The validation report: `errors` lists each problem with its `row` (1: the header), `field` and `reason`; nothing was imported.' },
          403: { description: 'Not an administrator of this site.' },
          413: { description: 'The file is too large.' },
          415: { description: 'The body is not text/csv.' },
        },
      },
      async c => {
        requireAdmin(c)
        const settings = store.settings(c.site)
        const text = await readText(c, IMPORT_MAX_BYTES)
        const checked = checkImport(text, settings.fields, settings.importMaxRows)
        if (checked.problems.length > 0) {
          const listed = checked.problems.length >= REPORT_MAX ? `the first ${REPORT_MAX} problems` : `${checked.problems.length} problem${checked.problems.length === 1 ? '' : 's'}`
          throw new HttpProblem({
            status: 400,
            detail: `Nothing was imported: the file has ${listed}, listed in errors (row 1 is the header).`,
            code: 'PEOPLE_IMPORT_INVALID',
            errors: checked.problems.map(
              (p): ProblemFieldError & ImportProblem => ({
                in: 'body',
                location: { pointer: p.field === null ? `/${p.row}` : `/${p.row}/${p.field}` },
                detail: `Row ${p.row}${p.field === null ? '' : `, ${p.field}`}: ${p.reason}`,
                ...p,
              }),
            ),
            extra: { rows: checked.total },
          })
        }
        return store.importRows(c.site, checked.rows)
      },
    )

    router.get(
      'people.export',
      '/api/v1/people/export',
      {
        summary: 'Every profile of this site as CSV (administrators), streamed; the import takes it back.',
        auth: true,
        responses: {
          200: { description: 'CSV (UTF-8 with a byte order mark, RFC 4180): email, name and every profile field.', contentType: 'text/csv', schema: { type: 'string' } },
          403: { description: 'Not an administrator of this site.' },
        },
      },
      async c => {
        requireAdmin(c)
        const site = c.site
        const fields = store.fields(site)
        const names = Object.keys(fields)
        async function* lines(): AsyncGenerator<string> {
          yield BOM + csvRecord(['email', 'name', ...names])
          for await (const batch of store.all(site)) {
            yield batch.map(row => csvRecord([row.email, cell(undefined, row.name), ...names.map(n => cell(fields[n], row.data[n]))])).join('')
          }
        }
        c.type = 'text/csv; charset=utf-8'
        c.set('Content-Disposition', `attachment; filename="people-${new Date().toISOString().slice(0, 10)}.csv"`)
        c.set('Cache-Control', 'no-store')
        c.body = Readable.from(lines())
      },
    )
  })
}
