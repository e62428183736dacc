// The request context every middleware and handler sees.
import type { ParameterizedContext } from 'koa'
import type { Logger } from 'pino'
import type { Viewer } from '../access/viewer.js'
import type { AuthInfo } from '../identity/authenticate.js'
import type { Site } from '../tenancy/site.js'

export interface RequestExtras {
  /** The site this request is for (from the Host header). */
  site: Site
  /** Who is asking. */
  viewer: Viewer
  /** How the viewer proved who they are (kernel-internal detail; plugins use `viewer`). */
  auth: AuthInfo
  /** Also sent back as X-Request-Id. */
  requestId: string
  /** Child logger with the request id and site. */
  log: Logger
  /** Route parameters (set by the router). */
  params: Record<string, string>
}

export type RequestContext = ParameterizedContext<Record<string, unknown>, RequestExtras>

export interface RouteInput<B, Q, P> {
  body: B
  query: Q
  params: P
}

/** A route handler's context: the request context plus the validated input. */
export type RouteContext<B = unknown, Q = unknown, P = unknown> = RequestContext & { input: RouteInput<B, Q, P> }
