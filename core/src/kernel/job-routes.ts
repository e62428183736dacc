// Jobs for administrators: what is queued, what failed and why, and retry.
import { problems } from '../http/problem.js'
import type { PluginRouter } from '../http/router.js'
import type { RequestContext } from '../http/context.js'
import type { JobRecord, JobRunner } from '../services/jobs.js'
import { pageQueryProperties } from '../http/paging.js'
import type { AuditLog } from '../services/audit.js'

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

export function jobRoutes(router: PluginRouter, jobs: JobRunner, audit: AuditLog): void {
  router.get<unknown, { status?: JobRecord['status']; limit: number; cursor?: string }>(
    'jobs.list',
    '/api/v1/admin/jobs',
    {
      summary: 'Background jobs, newest first (administrators): queued, running, done, failed with reason.',
      auth: true,
      query: {
        type: 'object',
        properties: { status: { enum: ['queued', 'running', 'done', 'failed'] }, limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 }, cursor: pageQueryProperties.cursor },
      },
      responses: {
        200: { description: 'Jobs.', schema: { type: 'object', properties: { items: { type: 'array', items: jobSchema }, nextCursor: { type: ['string', 'null'] } } } },
        403: { description: 'Not an administrator.' },
      },
    },
    async ctx => jobs.page(scope(ctx), ctx.input.query),
  )

  router.post<unknown, unknown, { id: string }>(
    'jobs.retry',
    '/api/v1/admin/jobs/:id/retry',
    { summary: 'Queue a failed job again (administrators).', auth: true, params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } }, responses: { 202: { description: 'Queued again.' }, 403: { description: 'Not an administrator.' } } },
    async ctx => {
      if (!(await jobs.retry(ctx.input.params.id, scope(ctx)))) throw problems.notFound('No failed job with this id.', { code: 'JOB_NOT_FOUND' })
      await audit.record(ctx.site, { actorId: ctx.viewer.user!.id, action: 'job.retried', target: ctx.input.params.id })
      ctx.status = 202
      return { status: 'queued' }
    },
  )
}
