// Builds validators for a route's body, query and path parameters from their JSON Schemas.
import type { ValidateFunction } from 'ajv/dist/2020.js'
import { createAjv, escapePointer, fieldProblems, type JsonSchema } from '../validation/ajv.js'
import { HttpProblem, type ProblemFieldError } from './problem.js'

const bodyAjv = createAjv({ coerceTypes: false })
const paramAjv = createAjv({ coerceTypes: 'array' })

/**
 * Objects that list their properties and say nothing about others are closed: an unknown field
 * is a 400, not silently ignored. Write `additionalProperties: true` to opt out.
 */
export function closeObjects(schema: JsonSchema): JsonSchema {
  if (typeof schema !== 'object' || schema === null) return schema
  const out: Record<string, unknown> = { ...schema }
  if (out.properties && typeof out.properties === 'object' && out.additionalProperties === undefined && out.patternProperties === undefined) {
    out.additionalProperties = false
  }
  for (const key of ['properties', 'patternProperties', '$defs', 'definitions'] as const) {
    const inner = out[key]
    if (inner && typeof inner === 'object') {
      out[key] = Object.fromEntries(Object.entries(inner).map(([k, v]) => [k, closeObjects(v as JsonSchema)]))
    }
  }
  for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else'] as const) {
    if (out[key] && typeof out[key] === 'object') out[key] = closeObjects(out[key] as JsonSchema)
  }
  for (const key of ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const) {
    if (Array.isArray(out[key])) out[key] = (out[key] as JsonSchema[]).map(closeObjects)
  }
  return out
}

export interface InputValidators {
  body?: ValidateFunction
  query?: ValidateFunction
  params?: ValidateFunction
}

export function compileInput(spec: { body?: JsonSchema; query?: JsonSchema; params?: JsonSchema }): InputValidators {
  return {
    body: spec.body === undefined ? undefined : bodyAjv.compile(closeObjects(spec.body) as object),
    query: spec.query === undefined ? undefined : paramAjv.compile(closeObjects(spec.query) as object),
    params: spec.params === undefined ? undefined : paramAjv.compile(spec.params as object),
  }
}

export function inputErrors(where: 'body' | 'query' | 'path', validate: ValidateFunction): ProblemFieldError[] {
  return fieldProblems(validate.errors).map(p =>
    where === 'body'
      ? { in: 'body', location: { pointer: p.pointer }, detail: p.detail, code: p.code }
      : { in: where, location: { name: p.pointer.split('/')[1] ?? '' }, detail: p.detail, code: p.code },
  )
}

/**
 * NUL characters (U+0000) in any string or key of an input: PostgreSQL stores none (not in text, not in jsonb),
 * so they are a 400 at the edge for every route instead of a database error later. Walks without recursion,
 * so a deeply nested body cannot exhaust the stack.
 */
export function nulErrors(where: 'body' | 'query' | 'path', value: unknown): ProblemFieldError[] {
  const errors: ProblemFieldError[] = []
  const problem = (pointer: string): ProblemFieldError =>
    where === 'body'
      ? { in: 'body', location: { pointer }, detail: 'must not contain NUL characters', code: 'nul' }
      : { in: where, location: { name: pointer.split('/')[1] ?? '' }, detail: 'must not contain NUL characters', code: 'nul' }
  const stack: Array<[unknown, string]> = [[value, '']]
  while (stack.length > 0 && errors.length < 20) {
    const [v, pointer] = stack.pop()!
    if (typeof v === 'string') {
      if (v.includes('\u0000')) errors.push(problem(pointer))
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push([item, `${pointer}/${i}`]))
    } else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\u0000')) errors.push(problem(`${pointer}/${escapePointer(k)}`))
        stack.push([item, `${pointer}/${escapePointer(k)}`])
      }
    }
  }
  return errors
}

export function invalidInput(errors: ProblemFieldError[]): HttpProblem {
  const named = errors.map(e => ('pointer' in e.location ? e.location.pointer || '(body)' : e.location.name) + ' ' + e.detail)
  return new HttpProblem({
    status: 400,
    detail: `The request is not valid: ${named.join('; ')}.`,
    code: 'INVALID_INPUT',
    errors,
  })
}
