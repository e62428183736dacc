// Server B, the baseline: the least any real app runs — bare Koa, @koa/router with ~50 routes, one pino line
// per request — answering the same route with the same body as the kernel.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import { Router } from '@koa/router'
import { pino } from 'pino'
import { fixtureRoutePaths } from '../fixtures.js'
import { logDestination, onStop, ready } from './common.js'

const destination = logDestination()
const log = pino({ level: 'info' }, destination)
const app = new Koa()
const router = new Router()

// The same table the 20 fixture plugins register (50 routes), with the ping route after the first plugin's.
const paths = fixtureRoutePaths()
paths.forEach((r, n) => {
  router[r.method](r.path, ctx => {
    ctx.body = { route: r.path, params: ctx.params }
  })
  if (n === 2) {
    router.get('/api/v1/ping', ctx => {
      ctx.body = { ok: true }
    })
  }
})

app.use(async (ctx, next) => {
  const started = process.hrtime.bigint()
  await next()
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100 }, 'request')
})
app.use(router.routes())

const server = createServer(app.callback())
server.keepAliveTimeout = 5000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  ready({ port: (server.address() as AddressInfo).port, routes: paths.length + 1 })
})
onStop(() => {
  server.closeAllConnections()
  server.close()
}, destination)
