// Assembles the OpenAPI 3.1 document from the same schemas the routes validate with (NLGov API Design Rules).
import type { JsonSchema } from '../validation/ajv.js'
import type { RouteRecord, ResponseSpec } from './router.js'
import { STATUS_TITLES } from './problem.js'

export const API_PREFIX = '/api/v1'

export interface OpenApiInfo {
  title: string
  version: string
  description?: string
  contact: { name: string; url: string; email: string }
  serverUrl: string
}

const problemRef = { $ref: '#/components/schemas/Problem' }
const versionHeaderRef = { $ref: '#/components/headers/API-Version' }

function problemResponse(status: number, description?: string) {
  return {
    description: description ?? STATUS_TITLES[status] ?? 'Error',
    headers: { 'API-Version': versionHeaderRef },
    content: { 'application/problem+json': { schema: problemRef } },
  }
}

function okResponse(r: ResponseSpec) {
  const out: Record<string, unknown> = { description: r.description, headers: { 'API-Version': versionHeaderRef, ...(r.headers ?? {}) } }
  if (r.schema !== undefined) out.content = { [r.contentType ?? 'application/json']: { schema: r.schema } }
  return out
}

/** `/api/v1/blogs/:id` → `/blogs/{id}` */
export function openApiPath(path: string): string {
  return path.slice(API_PREFIX.length).replace(/:([A-Za-z0-9_]+)/g, '{$1}') || '/'
}

function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map(m => m[1]!)
}

function schemaProperties(schema: JsonSchema | undefined): { props: Record<string, JsonSchema>; required: string[] } {
  if (!schema || typeof schema !== 'object') return { props: {}, required: [] }
  return {
    props: (schema.properties as Record<string, JsonSchema>) ?? {},
    required: (schema.required as string[]) ?? [],
  }
}

export function buildOpenApi(routes: readonly RouteRecord[], info: OpenApiInfo): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    if (route.spec.hidden || !route.path.startsWith(API_PREFIX + '/')) continue
    const { spec } = route
    const parameters: unknown[] = []
    const pathProps = schemaProperties(spec.params).props
    for (const name of pathParamNames(route.path)) {
      parameters.push({ in: 'path', name, required: true, schema: pathProps[name] ?? { type: 'string' } })
    }
    const query = schemaProperties(spec.query)
    for (const [name, schema] of Object.entries(query.props)) {
      const description = typeof schema === 'object' ? (schema.description as string | undefined) : undefined
      parameters.push({ in: 'query', name, required: query.required.includes(name), schema, ...(description ? { description } : {}) })
    }
    const responses: Record<string, unknown> = {}
    const declared = Object.entries(spec.responses ?? { 200: { description: 'OK' } })
    for (const [status, r] of declared) {
      responses[status] = Number(status) >= 400 ? problemResponse(Number(status), r.description) : okResponse(r)
    }
    const add = (status: number, description?: string) => {
      if (!responses[status]) responses[status] = problemResponse(status, description)
    }
    add(400, 'Invalid input: every problem is listed in `errors`.')
    if (spec.auth) add(401, 'Not signed in.')
    if (pathParamNames(route.path).length > 0) add(404, 'Not found, or not visible to you.')
    if (spec.body !== undefined) {
      add(413, 'The body is too large.')
      add(415, 'The body is not application/json.')
    }
    add(500, 'A bug in Plein: the answer carries a request id to report.')
    const operation: Record<string, unknown> = {
      operationId: route.name,
      tags: [route.pluginId],
      summary: spec.summary ?? route.name,
      ...(spec.description ? { description: spec.description } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(spec.body !== undefined ? { requestBody: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
      ...(spec.streamedBody
        ? { requestBody: { required: true, ...(spec.streamedBody.description ? { description: spec.streamedBody.description } : {}), content: { [spec.streamedBody.contentType]: { schema: spec.streamedBody.schema } } } }
        : {}),
      responses,
    }
    const key = openApiPath(route.path)
    paths[key] = { ...(paths[key] ?? {}), [route.method]: operation }
  }
  paths['/openapi.json'] = {
    get: {
      operationId: 'kernel.openapi',
      tags: ['kernel'],
      summary: 'This document.',
      responses: {
        200: {
          description: 'The OpenAPI document.',
          headers: {
            'API-Version': versionHeaderRef,
            'Access-Control-Allow-Origin': { description: 'Always *: anyone may read the document.', schema: { type: 'string' } },
          },
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        500: problemResponse(500),
      },
    },
  }
  const tags = [...new Set(routes.map(r => r.pluginId))].sort().map(name => ({ name }))
  return {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      description: info.description ?? 'The Plein JSON API.',
      contact: info.contact,
      license: { name: 'EUPL-1.2', identifier: 'EUPL-1.2' },
    },
    servers: [{ url: info.serverUrl, description: 'This site.' }],
    tags,
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      headers: {
        'API-Version': { description: 'The full semver version of the API.', schema: { type: 'string', example: info.version } },
      },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details.',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer', minimum: 400, maximum: 599 },
            detail: { type: 'string' },
            instance: { type: 'string' },
            code: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['in', 'location', 'detail', 'code'],
                properties: {
                  in: { type: 'string', enum: ['body', 'query', 'path', 'header'] },
                  location: { type: 'object' },
                  detail: { type: 'string' },
                  code: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  }
}
