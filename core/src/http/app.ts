// The one Koa app: request id, problem answers, one log line per request, site, viewer, routes.
import { randomUUID } from 'node:crypto'
import Koa from 'koa'
import type { Logger } from 'pino'
import { ANONYMOUS, type Viewer } from '../access/viewer.js'
import { HookTapError } from '../hooks/live.js'
import type { Site } from '../tenancy/site.js'
import { normalizeHost } from '../tenancy/site.js'
import type { RequestContext } from './context.js'
import { HttpProblem, PROBLEM_CONTENT_TYPE, problems } from './problem.js'
import type { RouteTable } from './router.js'
import { checkCsrf, NO_AUTH, type AuthInfo } from '../identity/authenticate.js'
import { kernelSettings } from '../config/kernel-settings.js'
import { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable } from '../data/faults.js'
import { METRICS_CONTENT_TYPE, mergeExpositions, type GaugeFamily, type Metrics } from './metrics.js'

export interface AppDeps {
  log: Logger
  apiVersion: string
  routes: RouteTable
  /** The site for a host name, or undefined for a host no site owns. */
  resolveSite(host: string): Site | undefined | Promise<Site | undefined>
  /** Who is asking, and how they proved it (the identity part of the kernel). */
  resolveViewer(ctx: RequestContext): Promise<{ viewer: Viewer; auth: AuthInfo }>
  /** Runs after site and viewer are known (kernel hooks). */
  onRequest?(ctx: RequestContext): Promise<void>
  ready(): Promise<boolean>
  /** True while the server drains at shutdown: answers tell clients to close the connection. */
  draining(): boolean
  /** Whether to trust X-Forwarded-* headers (behind a reverse proxy). */
  trustProxy?: boolean
  /** Request counts and latencies; GET /metrics answers them with the gauges given. */
  metrics?: { metrics: Metrics; gauges(): Promise<GaugeFamily[]> }
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/

export function createApp(deps: AppDeps): Koa<Record<string, unknown>, RequestContext> {
  const app = new Koa<Record<string, unknown>, RequestContext>({ proxy: deps.trustProxy ?? false })
  const { log, routes } = deps
  const routerMiddleware = routes.router.routes()
  const mounts = routes.mounts
  const metrics = deps.metrics?.metrics.enabled ? deps.metrics : undefined

  // The request line's fields are the kernel's own strings and numbers, which no redaction path can match;
  // pino's wildcard paths (`*.password`) would still run a redactor on each of them, on every request.
  const requestLog = log.child({}, { redact: [] })

  // ctx.log: a child logger with the request id and site, made on first use. The getter sits on the
  // prototype of every ctx, once: defining it on each ctx (a new accessor per request) gave every
  // request's ctx its own hidden class, which made all of Koa's property access on it slow.
  const childLog = Symbol('plein.log')
  Object.defineProperty(app.context, 'log', {
    configurable: true,
    get(this: RequestContext & { [childLog]?: Logger }): Logger {
      return (this[childLog] ??= log.child({ reqId: this.requestId, site: this.site?.key }))
    },
  })

  // Logging, errors and request id in one middleware: the cheapest way through for every request.
  app.use(async (ctx, next) => {
    const started = process.hrtime.bigint()
    const incoming = ctx.get('x-request-id')
    const requestId = requestIdPattern.test(incoming) ? incoming : randomUUID()
    ctx.requestId = requestId
    ctx.set('X-Request-Id', requestId)
    ctx.set('API-Version', deps.apiVersion)
    ctx.set('X-Content-Type-Options', 'nosniff')
    ctx.set('Referrer-Policy', 'strict-origin-when-cross-origin')
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin')
    // The strictest policy until a site is known (health checks, unknown hosts); the site's replaces it.
    ctx.set('Content-Security-Policy', DEFAULT_POLICY)
    if (deps.draining()) ctx.set('Connection', 'close')
    try {
      await next()
      if (ctx.body === undefined && ctx.status === 404) throw notFound(ctx)
    } catch (error) {
      answerProblem(ctx, error, log, requestId)
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    if (metrics) metrics.metrics.observe(ctx.site?.key ?? '', routeName(ctx), ctx.method, ctx.status, ms)
    requestLog.info(
      {
        reqId: requestId,
        site: ctx.site?.key,
        user: ctx.viewer?.user?.id,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: Math.round(ms * 100) / 100,
      },
      'request',
    )
  })

  // Health answers on any host: load balancers probe by address.
  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz') {
      ctx.state.route = 'kernel.healthz'
      ctx.body = { status: 'ok' }
      return
    }
    if (ctx.path === '/metrics' && metrics) {
      ctx.state.route = 'kernel.metrics'
      if (!metrics.metrics.allowed(ctx)) {
        throw problems.forbidden('Metrics are readable only from the networks PLEIN_METRICS_ALLOW names, or with the PLEIN_METRICS_TOKEN bearer token.', {
          code: 'METRICS_FORBIDDEN',
        })
      }
      ctx.set('Cache-Control', 'no-store')
      ctx.type = METRICS_CONTENT_TYPE
      const own = metrics.metrics.render(await metrics.gauges())
      ctx.body = metrics.metrics.gather ? mergeExpositions([own, ...(await metrics.metrics.gather())]) : own
      return
    }
    if (ctx.path === '/readyz') {
      ctx.state.route = 'kernel.readyz'
      ctx.set('Cache-Control', 'no-store')
      if (!(await deps.ready())) {
        throw problems.unavailable('Not ready: the database does not answer.', {
          code: 'DATABASE_UNAVAILABLE',
          headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_S) },
        })
      }
      ctx.body = { status: 'ok' }
      return
    }
    return next()
  })

  app.use(async (ctx, next) => {
    const host = normalizeHost(ctx.host)
    const site = host ? await deps.resolveSite(host) : undefined
    if (!site) {
      throw problems.notFound(`No site on this installation answers to the host name "${host}".`, { code: 'SITE_NOT_FOUND' })
    }
    ctx.site = site
    ctx.viewer = ANONYMOUS
    ctx.auth = NO_AUTH
    // Most sites allow no framing: their policy is the default one, already set.
    const policy = contentSecurityPolicy(site)
    if (policy !== DEFAULT_POLICY) ctx.set('Content-Security-Policy', policy)
    const who = await deps.resolveViewer(ctx)
    ctx.viewer = who.viewer
    ctx.auth = who.auth
    if (deps.onRequest) await deps.onRequest(ctx)
    if (mounts.length > 0) {
      for (const m of mounts) {
        if ((ctx.path === m.prefix || ctx.path.startsWith(m.prefix + '/')) && (m.pluginId === 'kernel' || site.isEnabled(m.pluginId))) {
          ctx.state.route = `${m.pluginId}.mount`
          checkCsrf(ctx)
          return m.middleware(ctx, next)
        }
      }
    }
    return routerMiddleware(ctx as any, next)
  })

  // Koa's own error event is not used: every error is answered and logged above.
  app.silent = true
  return app
}

const policies = new WeakMap<Site, string>()

/** No inline script anywhere; framing only by the origins given (none when empty). */
function buildPolicy(ancestors: readonly string[], imageOrigins: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${imageOrigins.map(o => ` ${o}`).join('')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors ${ancestors.length > 0 ? ancestors.join(' ') : "'none'"}`,
  ].join('; ')
}

const DEFAULT_POLICY = buildPolicy([])

/** The policy of a site: framing only by the origins it allows. */
function contentSecurityPolicy(site: Site): string {
  let policy = policies.get(site)
  if (!policy) {
    // A theme's logo on another https origin: that origin (only) may serve images.
    const logo = kernelSettings(site).theme?.logoUrl
    const logoOrigin = logo && /^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?\//.test(logo) ? [new URL(logo).origin] : []
    policy = buildPolicy(kernelSettings(site).security?.frameAncestors ?? [], logoOrigin)
    policies.set(site, policy)
  }
  return policy
}

/** The metrics label of a request: its route's name, the kernel's own stand-ins, or "none" (no route matched). */
function routeName(ctx: RequestContext): string {
  return (ctx as { _matchedRouteName?: string })._matchedRouteName ?? (ctx.state.route as string | undefined) ?? 'none'
}

function notFound(ctx: RequestContext): HttpProblem {
  return problems.notFound(`Nothing here: ${ctx.method} ${ctx.path} is not a route on this site.`, { code: 'ROUTE_NOT_FOUND' })
}

function answerProblem(ctx: RequestContext, error: unknown, log: Logger, requestId: string): void {
  let problem: HttpProblem
  if (error instanceof HttpProblem) {
    problem = error
  } else if (isClientError(error)) {
    problem = new HttpProblem({ status: (error as any).status, detail: (error as Error).message })
  } else if (isDatabaseUnavailable(error)) {
    // Expected while the database restarts or fails over: a short line, no stack, and a 503 clients may retry.
    log.warn({ reqId: requestId, method: ctx.method, path: ctx.path, cause: databaseCause(error) }, 'database unavailable')
    problem = new HttpProblem({
      status: 503,
      detail: 'The database is not available right now. Try again in a few seconds.',
      code: 'DATABASE_UNAVAILABLE',
      headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_S) },
    })
  } else {
    const plugin = error instanceof HookTapError ? error.plugin : undefined
    log.error({ reqId: requestId, err: error, plugin, method: ctx.method, path: ctx.path }, 'request failed')
    problem = new HttpProblem({
      status: 500,
      detail: `Something went wrong on our side. Report request id ${requestId} to the site's administrators.`,
      code: 'INTERNAL_ERROR',
    })
  }
  ctx.status = problem.status
  for (const [k, v] of Object.entries(problem.headers)) ctx.set(k, v)
  ctx.body = JSON.stringify(problem.toJSON(requestId))
  ctx.type = PROBLEM_CONTENT_TYPE
}

/** The driver's code and message of a database fault (never the query or its parameters). */
function databaseCause(error: unknown): string {
  const e = ((error as { driverError?: unknown })?.driverError ?? error) as { code?: unknown; message?: unknown }
  return [e?.code, e?.message].filter(x => typeof x === 'string').join(': ')
}

function isClientError(error: unknown): boolean {
  const status = (error as any)?.status
  return typeof status === 'number' && status >= 400 && status < 500 && (error as any).expose !== false
}
