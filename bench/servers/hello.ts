// Calibration: plain node:http answering the same body, no framework, no logging. It shows how many requests
// the load generator can drive on this machine: when it is near the baseline's figure, the load generator is
// the limit and the ratio understates the gap.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { onStop, ready } from './common.js'

const body = JSON.stringify({ ok: true })
const server = createServer((req, res) => {
  if (req.url === '/api/v1/ping') {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  } else {
    res.writeHead(404).end()
  }
})
server.keepAliveTimeout = 5000
server.listen(0, '127.0.0.1', () => ready({ port: (server.address() as AddressInfo).port }))
onStop(() => {
  server.closeAllConnections()
  server.close()
})
