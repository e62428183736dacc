// Operations: /metrics (counts, latencies, gauges, who may read it), database faults answered 503, /readyz.
import { expect } from 'chai'
import { Metrics, definePlugin, isDatabaseUnavailable, mergeExpositions } from '@plein/core'
import { createTestKernel, usesServerDatabase, type TestKernel } from '@plein/testing'

const probe = definePlugin({
  id: 'probe',
  register(ctx) {
    ctx.routes(r => {
      r.get('probe.ok', '/api/v1/probe', () => ({ ok: true }))
      // A real error of the database itself, with the SQLSTATE a server gives while it starts up.
      r.get('probe.starting', '/api/v1/probe/starting', async () => {
        await ctx.db.query(`DO $$ BEGIN RAISE EXCEPTION 'the database system is starting up' USING ERRCODE = '57P03'; END $$`)
        return {}
      })
      // An ordinary SQL error stays a 500: only unavailability is a 503.
      r.get('probe.broken', '/api/v1/probe/broken', async () => {
        await ctx.db.query('SELECT * FROM no_such_table')
        return {}
      })
    })
  },
})

function sample(text: string, line: RegExp): number | undefined {
  const found = text.split('\n').find(l => line.test(l))
  return found === undefined ? undefined : Number(found.slice(found.lastIndexOf(' ') + 1))
}

describe('operations', () => {
  describe('GET /metrics', () => {
    let tk: TestKernel
    before(async () => {
      tk = await createTestKernel({ plugins: [probe], metrics: { token: 'metrics-token-0123456789' } })
    })
    after(() => tk?.close())

    it('counts answers per site, route name, method and status, with a latency histogram', async () => {
      for (let i = 0; i < 3; i++) expect((await tk.http.get('/api/v1/probe')).status).to.equal(200)
      await tk.http.get('/api/v1/nothing-here')
      const res = await tk.http.get('/metrics')
      expect(res.status).to.equal(200)
      expect(String(res.headers['content-type'])).to.match(/^text\/plain; version=0\.0\.4/)
      const text = res.text
      expect(sample(text, /^plein_http_requests_total\{site="root",route="probe\.ok",method="GET",status="200"\} /)).to.equal(3)
      expect(sample(text, /^plein_http_requests_total\{site="root",route="none",method="GET",status="404"\} /)).to.equal(1)
      expect(sample(text, /^plein_http_request_duration_seconds_count\{site="root",route="probe\.ok",method="GET"\} /)).to.equal(3)
      expect(sample(text, /^plein_http_request_duration_seconds_bucket\{site="root",route="probe\.ok",method="GET",le="\+Inf"\} /)).to.equal(3)
      // Buckets are cumulative: never decreasing.
      const buckets = text.split('\n').filter(l => l.startsWith('plein_http_request_duration_seconds_bucket{site="root",route="probe.ok"')).map(l => Number(l.split(' ').pop()))
      expect(buckets).to.have.length(14)
      expect(buckets).to.deep.equal([...buckets].sort((a, b) => a - b))
      expect(text).to.include('# TYPE plein_http_request_duration_seconds histogram')
    })

    it('reports the database, the job queue and the process', async () => {
      const text = (await tk.http.get('/metrics')).text
      expect(sample(text, /^plein_db_up /)).to.equal(1)
      expect(sample(text, /^plein_jobs_queued\{state="queued"\} /)).to.equal(0)
      expect(sample(text, /^process_resident_memory_bytes /)).to.be.above(0)
      expect(sample(text, /^process_pid /)).to.equal(process.pid)
      if (usesServerDatabase()) {
        expect(sample(text, /^plein_db_pool_connections\{state="max"\} /)).to.equal(10)
        expect(sample(text, /^plein_db_pool_waiting /)).to.equal(0)
      }
    })

    it('refuses a request that came through a proxy, unless it brings the token', async () => {
      const forwarded = await tk.http.get('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } })
      expect(forwarded.status).to.equal(403)
      expect(forwarded.body.code).to.equal('METRICS_FORBIDDEN')
      const wrong = await tk.http.get('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer metrics-token-0123456789x' } })
      expect(wrong.status).to.equal(403)
      const withToken = await tk.http.get('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer metrics-token-0123456789' } })
      expect(withToken.status).to.equal(200)
      expect(withToken.text).to.include('plein_http_requests_total')
    })

    it('answers only the configured networks', async () => {
      const other = await createTestKernel({ plugins: [probe], metrics: { allow: ['10.0.0.0/8'] } })
      try {
        expect((await other.http.get('/metrics')).status).to.equal(403)
        expect((await other.http.get('/healthz')).status).to.equal(200)
      } finally {
        await other.close()
      }
    })
  })

  it('merges the expositions of several workers: each family once, every worker\'s samples', () => {
    const one = new Metrics({ labels: { worker: '1' } })
    const two = new Metrics({ labels: { worker: '2' } })
    try {
      one.observe('root', 'blog.list', 'GET', 200, 3)
      two.observe('root', 'blog.list', 'GET', 200, 30)
      const merged = mergeExpositions([one.render([{ name: 'plein_db_up', help: 'up', samples: [{ value: 1 }] }]), two.render([{ name: 'plein_db_up', help: 'up', samples: [{ value: 0 }] }])])
      expect(merged.match(/^# TYPE plein_http_request_duration_seconds histogram$/gm)).to.have.length(1)
      expect(merged.match(/^# TYPE plein_db_up gauge$/gm)).to.have.length(1)
      expect(merged).to.include('plein_db_up{worker="1"} 1\nplein_db_up{worker="2"} 0')
      expect(merged).to.include('plein_http_request_duration_seconds_count{worker="2",site="root",route="blog.list",method="GET"} 1')
      // Every sample follows its own family's TYPE line.
      const lines = merged.trim().split('\n')
      let family = ''
      for (const line of lines) {
        if (line.startsWith('# TYPE ')) family = line.split(' ')[2]!
        else if (!line.startsWith('#')) expect(line.startsWith(family), line).to.equal(true)
      }
    } finally {
      one.close()
      two.close()
    }
  })

  describe('database faults', () => {
    let tk: TestKernel
    before(async () => {
      tk = await createTestKernel({ plugins: [probe] })
    })
    after(() => tk?.close())

    it('answers 503 problem+json with Retry-After when the database says it is unavailable', async () => {
      const res = await tk.http.get('/api/v1/probe/starting')
      expect(res.status).to.equal(503)
      expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
      expect(res.headers['retry-after']).to.equal('5')
      expect(res.body).to.include({ status: 503, code: 'DATABASE_UNAVAILABLE' })
    })

    it('keeps an ordinary SQL error a 500', async () => {
      expect((await tk.http.get('/api/v1/probe/broken')).status).to.equal(500)
    })

    it('tells unavailability from other errors by code, SQLSTATE, wrapped cause and driver message', () => {
      const coded = (code: string) => Object.assign(new Error('x'), { code })
      for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '53300']) expect(isDatabaseUnavailable(coded(code)), code).to.equal(true)
      for (const code of ['23505', '42P01', '22P02', 'ENOENT']) expect(isDatabaseUnavailable(coded(code)), code).to.equal(false)
      expect(isDatabaseUnavailable(Object.assign(new Error('query failed'), { driverError: coded('57P01') }))).to.equal(true)
      expect(isDatabaseUnavailable(new Error('hook failed', { cause: coded('ECONNREFUSED') }))).to.equal(true)
      expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).to.equal(true)
      expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).to.equal(true)
      expect(isDatabaseUnavailable(new Error('duplicate key'))).to.equal(false)
      expect(isDatabaseUnavailable(undefined)).to.equal(false)
    })

    it('GET /readyz answers 503 problem+json once the database is closed, while /healthz stays 200', async () => {
      const own = await createTestKernel({ plugins: [probe] })
      try {
        expect((await own.http.get('/readyz')).status).to.equal(200)
        await own.kernel.db.source.destroy()
        const res = await own.http.get('/readyz')
        expect(res.status).to.equal(503)
        expect(res.body.code).to.equal('DATABASE_UNAVAILABLE')
        expect(res.headers['retry-after']).to.equal('5')
        expect((await own.http.get('/healthz')).status).to.equal(200)
      } finally {
        await own.close()
      }
    })
  })
})
