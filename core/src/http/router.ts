// Each plugin gets its own router; all routes land in one @koa/router so a request is matched once.
import { Router } from '@koa/router'
import type { Middleware } from 'koa'
import { KERNEL_ID } from '../hooks/live.js'
import type { JsonSchema } from '../validation/ajv.js'
import { readJsonBody, DEFAULT_JSON_LIMIT } from './body.js'
import type { RequestContext, RouteContext } from './context.js'
import { problems, type ProblemFieldError } from './problem.js'
import { compileInput, inputErrors, invalidInput, nulErrors } from './validate.js'
import { readFormBody } from './form.js'
import { checkCsrf } from '../identity/authenticate.js'

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

export interface ResponseSpec {
  description: string
  /** JSON Schema of the answer body (application/json unless contentType says otherwise). */
  schema?: JsonSchema
  contentType?: string
  /** Response headers; OpenAPI requires each a schema. */
  headers?: Record<string, { description: string; schema: JsonSchema }>
}

export interface RouteSpec {
  summary?: string
  description?: string
  /** JSON Schema of the JSON body; objects are closed (unknown fields are a 400) unless they say otherwise. */
  body?: JsonSchema
  /**
   * A body the handler reads itself (a raw or multipart stream): documented in the OpenAPI document only,
   * never read or validated by the router. Give `body` or `form` for bodies the router should read.
   */
  streamedBody?: { contentType: string; schema: JsonSchema; description?: string }
  /** JSON Schema of the query object; values are coerced from strings. */
  query?: JsonSchema
  /** JSON Schema of the path parameters. */
  params?: JsonSchema
  /** Largest JSON body accepted, in bytes (default 1 MiB); with `form`, the largest form (default 256 KiB). */
  bodyLimit?: number
  /** Answers by status code; 400 and other problem answers are added to the document for you. */
  responses?: Record<number, ResponseSpec>
  /** The route is for signed-in viewers: anyone else gets 401 before the input is even read (documented as 401). */
  auth?: boolean
  /** Leave the route out of the OpenAPI document (HTML pages, feeds). */
  hidden?: boolean
  /**
   * JSON Schema of an HTML form's fields (application/x-www-form-urlencoded); values are coerced from
   * strings. A cookie session's form must carry the `_csrf` field (removed before validation).
   */
  form?: JsonSchema
  /**
   * `false` for routes that act on no session's authority (sign-in, registration): no CSRF check. Also for
   * routes that stream their own body (multipart uploads): they call `checkCsrf(c, field)` themselves before
   * they act.
   */
  csrf?: false
}

export type RouteHandler<B = any, Q = any, P = any> = (ctx: RouteContext<B, Q, P>) => unknown | Promise<unknown>

export interface RouteRecord {
  pluginId: string
  name: string
  method: HttpMethod
  path: string
  spec: RouteSpec
}

type MethodFn = {
  <B = any, Q = any, P = any>(name: string, path: string, spec: RouteSpec, handler: RouteHandler<B, Q, P>): PluginRouter
  <B = any, Q = any, P = any>(name: string, path: string, handler: RouteHandler<B, Q, P>): PluginRouter
}

/** What `ctx.routes(router => …)` hands a plugin. Route names are `<plugin id>.<name>`, unique in the installation. */
export interface PluginRouter {
  get: MethodFn
  post: MethodFn
  put: MethodFn
  patch: MethodFn
  delete: MethodFn
  /**
   * Raw Koa middleware for everything under a path prefix (e.g. `/dav`), for protocols that are not JSON
   * routes. Runs only on sites where the plugin is enabled.
   */
  mount(prefix: string, middleware: Middleware<any, any>): PluginRouter
}

export class RouteTable {
  readonly router = new Router()
  readonly routes: RouteRecord[] = []
  readonly mounts: Array<{ pluginId: string; prefix: string; middleware: Middleware<any, any> }> = []
  private readonly names = new Set<string>()

  forPlugin(pluginId: string): PluginRouter {
    const self = this
    const method = (m: HttpMethod): MethodFn =>
      function (name: string, path: string, specOrHandler: RouteSpec | RouteHandler, maybeHandler?: RouteHandler) {
        const spec = typeof specOrHandler === 'function' ? {} : specOrHandler
        const handler = typeof specOrHandler === 'function' ? specOrHandler : maybeHandler
        if (typeof handler !== 'function') throw new TypeError(`Route ${name}: no handler given`)
        self.add(pluginId, m, name, path, spec, handler)
        return api
      } as MethodFn
    const api: PluginRouter = {
      get: method('get'),
      post: method('post'),
      put: method('put'),
      patch: method('patch'),
      delete: method('delete'),
      mount(prefix, middleware) {
        if (!/^\/[A-Za-z0-9._~\-/]*$/.test(prefix) || prefix.endsWith('/')) {
          throw new TypeError(`mount: prefix "${prefix}" must start with / and not end with /`)
        }
        self.mounts.push({ pluginId, prefix, middleware })
        return api
      },
    }
    return Object.freeze(api)
  }

  private add(pluginId: string, method: HttpMethod, name: string, path: string, spec: RouteSpec, handler: RouteHandler): void {
    if (!path.startsWith('/')) throw new TypeError(`Route ${name}: path "${path}" must start with /`)
    if (path.length > 1 && path.endsWith('/')) throw new TypeError(`Route ${name}: no trailing slashes ("${path}")`)
    if (this.names.has(name)) throw new TypeError(`Route name "${name}" is used twice; names are unique in the installation`)
    this.names.add(name)
    this.routes.push({ pluginId, name, method, path, spec })
    if (spec.form !== undefined && spec.body !== undefined) throw new TypeError(`Route ${name}: give body or form, not both`)
    const validators = compileInput({ ...spec, body: spec.body, query: spec.query, params: spec.params })
    const formValidator = spec.form === undefined ? undefined : compileInput({ query: spec.form }).query
    const limit = spec.bodyLimit ?? DEFAULT_JSON_LIMIT
    const always = pluginId === KERNEL_ID

    const middleware = async (ctx: RequestContext, next: () => Promise<unknown>) => {
      // A plugin that is off on this site has no routes there: fall through to 404.
      if (!always && !ctx.site.isEnabled(pluginId)) return next()
      // A route for signed-in people answers 401 to others before it looks at their input.
      if (spec.auth && !ctx.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
      let form: Record<string, unknown> | undefined
      if (formValidator) {
        form = await readFormBody(ctx, spec.bodyLimit)
        const token = typeof form._csrf === 'string' ? form._csrf : undefined
        delete form._csrf
        if (spec.csrf !== false) checkCsrf(ctx, token)
      } else if (spec.csrf !== false) {
        checkCsrf(ctx)
      }
      const errors: ProblemFieldError[] = []
      const params = { ...ctx.params }
      if (validators.params && !validators.params(params)) errors.push(...inputErrors('path', validators.params))
      const query: Record<string, unknown> = { ...ctx.query }
      if (validators.query && !validators.query(query)) errors.push(...inputErrors('query', validators.query))
      let body: unknown
      if (formValidator && form) {
        body = form
        if (!formValidator(form)) errors.push(...inputErrors('body', formValidator))
      } else if (validators.body) {
        body = await readJsonBody(ctx, limit)
        // No body at all is an empty object when the schema takes one (every field optional).
        if (body === undefined && validators.body({})) body = {}
        if (body === undefined) {
          errors.push({ in: 'body', location: { pointer: '' }, detail: 'a JSON body is required', code: 'required' })
        } else if (!validators.body(body)) {
          errors.push(...inputErrors('body', validators.body))
        }
      }
      errors.push(...nulErrors('path', params), ...nulErrors('query', query), ...nulErrors('body', body))
      if (errors.length > 0) throw invalidInput(errors)
      const routeCtx = ctx as RouteContext
      routeCtx.input = { body, query, params }
      const result = await handler(routeCtx)
      if (result !== undefined && ctx.body === undefined) ctx.body = result
    }
    this.router[method](name, path, middleware as any)
  }
}
