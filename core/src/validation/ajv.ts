// One place that makes ajv instances, so every schema in Plein is checked the same way.
import { Ajv2020 as Ajv, type ErrorObject, type Options } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

export type JsonSchema = Record<string, unknown> | boolean

export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, ...options })
  addFormats(ajv)
  return ajv
}

/** One problem with an input value, named by JSON Pointer. */
export interface FieldProblem {
  pointer: string
  detail: string
  code: string
}

/** Turns ajv's errors into one problem per field, each naming the exact JSON Pointer. */
export function fieldProblems(errors: readonly ErrorObject[] | null | undefined): FieldProblem[] {
  const out: FieldProblem[] = []
  const seen = new Set<string>()
  for (const e of errors ?? []) {
    let pointer = e.instancePath
    let detail = e.message ?? 'is invalid'
    if (e.keyword === 'required') {
      pointer += `/${escapePointer(String(e.params.missingProperty))}`
      detail = 'is required'
    } else if (e.keyword === 'additionalProperties') {
      pointer += `/${escapePointer(String(e.params.additionalProperty))}`
      detail = 'is not a known field'
    } else if (e.keyword === 'enum') {
      detail = `must be one of: ${(e.params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`
    } else if (e.keyword === 'if') {
      continue
    }
    const key = `${pointer}\u0000${e.keyword}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ pointer, detail, code: e.keyword })
  }
  return out
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}

/** `/plugins/x/settings/a` → `plugins.x.settings.a` is not used: pointers stay pointers, shown as they are. */
export function describeProblems(problems: FieldProblem[]): string {
  return problems.map(p => `${p.pointer || '(root)'} ${p.detail}`).join('; ')
}
