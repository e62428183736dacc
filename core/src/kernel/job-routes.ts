// Jobs for administrators: what is queued, what failed and why, and retry.
import { problems } from '../http/problem.js'
import type { PluginRouter } from '../http/router.js'
import type { RequestContext } from '../http/context.js'
import type { JobRunner } from '../services/jobs.js'

const jobSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    siteId: { type: ['string', 'null'] },
    status: { enum: ['queued', 'running', 'done', 'failed'] },
    attempts: { type: 'integer' },
    maxAttempts: { type: 'integer' },
    runAt: { type: 'string', format: 'date-time' },
    lastError: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
  },
}

/** Root-site administrators see every job; a subsite's administrators see that site's jobs. */
const scope = (ctx: RequestContext): string | null => {
  if (!ctx.viewer.user) throw problems.unauthorized('Sign in first.', { code: 'NOT_SIGNED_IN' })
  if (!ctx.viewer.isAdmin) throw problems.forbidden('Only administrators see background jobs.', { code: 'NOT_ADMIN' })
  return ctx.site.isRoot ? null : ctx.site.id
}

export function jobRoutes(router: PluginRouter, jobs: JobRunner): void {
  router.get<unknown, { status?: string; limit: number }>(
    'jobs.list',
    '/api/v1/admin/jobs',
    {
      summary: 'Background jobs, newest first (administrators): queued, running, done, failed with reason.',
      auth: true,
      query: { type: 'object', properties: { status: { enum: ['queued', 'running', 'done', 'failed'] }, limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 } } },
      responses: { 200: { description: 'Jobs.', schema: { type: 'object', properties: { items: { type: 'array', items: jobSchema } } } }, 403: { description: 'Not an administrator.' } },
    },
    async ctx => ({ items: await jobs.list(scope(ctx), ctx.input.query.status, ctx.input.query.limit) }),
  )

  router.post<unknown, unknown, { id: string }>(
    'jobs.retry',
    '/api/v1/admin/jobs/:id/retry',
    { summary: 'Queue a failed job again (administrators).', auth: true, params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, responses: { 202: { description: 'Queued again.' }, 403: { description: 'Not an administrator.' } } },
    async ctx => {
      if (!(await jobs.retry(ctx.input.params.id, scope(ctx)))) throw problems.notFound('No failed job with this id.', { code: 'JOB_NOT_FOUND' })
      ctx.status = 202
      return { status: 'queued' }
    },
  )
}
