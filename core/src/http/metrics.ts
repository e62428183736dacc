// GET /metrics in the Prometheus text format: requests and latencies per route and site, plus process,
// database pool and job queue gauges. Counting a request costs one map lookup and a few additions.
import { timingSafeEqual } from 'node:crypto'
import { BlockList, isIPv4, isIPv6 } from 'node:net'
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type { RequestContext } from './context.js'

export interface MetricsOptions {
  /** Networks (CIDR, or single addresses) that may read /metrics; default loopback only. */
  allow?: readonly string[]
  /** A bearer token that also grants access from anywhere (PLEIN_METRICS_TOKEN). */
  token?: string
  /** false: no /metrics endpoint and nothing counted. */
  enabled?: boolean
  /** Labels on every sample of this process, e.g. `{ worker: '2' }` under `plein start --workers`. */
  labels?: Record<string, string>
  /**
   * The expositions of the other processes that share this port (`plein start --workers`): one scrape then
   * answers for all of them, each sample telling its process apart by `labels`.
   */
  gather?(): Promise<string[]>
}

/** Gauges read at scrape time: name → help, type and samples. */
export interface GaugeFamily {
  name: string
  help: string
  type?: 'gauge' | 'counter'
  samples: Array<{ labels?: Record<string, string>; value: number }>
}

/** Upper bounds in seconds: fine below 100 ms (the latency goal), coarse above it. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

interface Series {
  labels: string
  /** Answers per status code. */
  statuses: Map<number, number>
  /** Cumulative counts are computed at scrape time; here each bucket counts only its own range. */
  buckets: Float64Array
  sum: number
  count: number
}

export class Metrics {
  private readonly series = new Map<string, Series>()
  private readonly allowList = new BlockList()
  private readonly token?: Buffer
  private readonly loopDelay: IntervalHistogram
  private readonly constLabels: string
  readonly enabled: boolean
  readonly gather?: () => Promise<string[]>

  constructor(options: MetricsOptions = {}) {
    this.enabled = options.enabled !== false
    this.gather = options.gather
    this.constLabels = Object.entries(options.labels ?? {}).map(([k, v]) => `${k}="${escapeLabel(v)}",`).join('')
    for (const entry of options.allow ?? ['127.0.0.0/8', '::1/128']) addNetwork(this.allowList, entry)
    if (options.token) this.token = Buffer.from(options.token)
    this.loopDelay = monitorEventLoopDelay({ resolution: 20 })
    if (this.enabled) this.loopDelay.enable()
  }

  /** Counts one answered request. `route` is the route's name (`blog.list`), or a stand-in for no route. */
  observe(site: string, route: string, method: string, status: number, ms: number): void {
    const key = site + '\u0000' + route + '\u0000' + method
    let s = this.series.get(key)
    if (!s) {
      s = {
        labels: `${this.constLabels}site="${escapeLabel(site)}",route="${escapeLabel(route)}",method="${method}"`,
        statuses: new Map(),
        buckets: new Float64Array(BUCKETS.length + 1),
        sum: 0,
        count: 0,
      }
      this.series.set(key, s)
    }
    s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1)
    const seconds = ms / 1000
    let i = 0
    while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++
    s.buckets[i]!++
    s.sum += seconds
    s.count++
  }

  /**
   * Whether this request may read the metrics: a matching bearer token, or a direct connection from an allowed
   * network. A request that came through a proxy (X-Forwarded-For or Forwarded) never counts as local: behind a
   * reverse proxy on the same machine every visitor would otherwise look like 127.0.0.1.
   */
  allowed(ctx: RequestContext): boolean {
    const auth = ctx.get('authorization')
    if (this.token && auth.startsWith('Bearer ')) {
      const sent = Buffer.from(auth.slice(7).trim())
      if (sent.length === this.token.length && timingSafeEqual(sent, this.token)) return true
    }
    if (ctx.get('x-forwarded-for') || ctx.get('forwarded')) return false
    const address = ctx.req.socket.remoteAddress
    if (!address) return false
    const mapped = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address
    return isIPv4(mapped) ? this.allowList.check(mapped, 'ipv4') : isIPv6(mapped) && this.allowList.check(mapped, 'ipv6')
  }

  /** The exposition text: the request series, then the gauges given (pool, jobs, …), then the process. */
  render(gauges: readonly GaugeFamily[] = []): string {
    const out: string[] = []
    out.push('# HELP plein_http_requests_total HTTP answers by site, route name, method and status.')
    out.push('# TYPE plein_http_requests_total counter')
    for (const s of this.series.values()) {
      for (const [status, n] of s.statuses) out.push(`plein_http_requests_total{${s.labels},status="${status}"} ${n}`)
    }
    out.push('# HELP plein_http_request_duration_seconds Time to answer, by site, route name and method.')
    out.push('# TYPE plein_http_request_duration_seconds histogram')
    for (const s of this.series.values()) {
      let cumulative = 0
      for (let i = 0; i < BUCKETS.length; i++) {
        cumulative += s.buckets[i]!
        out.push(`plein_http_request_duration_seconds_bucket{${s.labels},le="${BUCKETS[i]}"} ${cumulative}`)
      }
      out.push(`plein_http_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`)
      out.push(`plein_http_request_duration_seconds_sum{${s.labels}} ${round(s.sum)}`)
      out.push(`plein_http_request_duration_seconds_count{${s.labels}} ${s.count}`)
    }
    for (const family of [...gauges, ...this.processGauges()]) {
      out.push(`# HELP ${family.name} ${family.help}`)
      out.push(`# TYPE ${family.name} ${family.type ?? 'gauge'}`)
      for (const sample of family.samples) {
        const all = this.constLabels + Object.entries(sample.labels ?? {}).map(([k, v]) => `${k}="${escapeLabel(v)}",`).join('')
        const labels = all ? `{${all.slice(0, -1)}}` : ''
        out.push(`${family.name}${labels} ${round(sample.value)}`)
      }
    }
    return out.join('\n') + '\n'
  }

  private processGauges(): GaugeFamily[] {
    const memory = process.memoryUsage()
    const cpu = process.cpuUsage()
    const delay = this.loopDelay
    const families: GaugeFamily[] = [
      { name: 'process_cpu_seconds_total', help: 'CPU time used by this process.', type: 'counter', samples: [{ value: (cpu.user + cpu.system) / 1e6 }] },
      { name: 'process_resident_memory_bytes', help: 'Resident memory of this process.', samples: [{ value: memory.rss }] },
      { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use.', samples: [{ value: memory.heapUsed }] },
      { name: 'process_uptime_seconds', help: 'Seconds since this process started.', samples: [{ value: process.uptime() }] },
      { name: 'process_pid', help: 'Process id (tells the workers of one machine apart).', samples: [{ value: process.pid }] },
    ]
    if (delay.count > 0) {
      families.push({
        name: 'nodejs_eventloop_delay_seconds',
        help: 'Event loop delay since the previous scrape (p50, p99, max).',
        samples: [
          { labels: { quantile: '0.5' }, value: delay.percentile(50) / 1e9 },
          { labels: { quantile: '0.99' }, value: delay.percentile(99) / 1e9 },
          { labels: { quantile: '1' }, value: delay.max / 1e9 },
        ],
      })
      delay.reset()
    }
    return families
  }

  close(): void {
    this.loopDelay.disable()
  }
}

/**
 * One exposition from several (the workers of one port): each family's HELP and TYPE once, then every process's
 * samples of it. The processes' samples differ by their own labels (`worker`), so nothing is added up here.
 */
export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, { head: string[]; samples: string[] }>()
  const familyOf = (name: string) => {
    let f = families.get(name)
    if (!f) families.set(name, (f = { head: [], samples: [] }))
    return f
  }
  for (const text of texts) {
    let current: { head: string[]; samples: string[] } | undefined
    for (const line of text.split('\n')) {
      if (!line) continue
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line)
      if (meta) {
        current = familyOf(meta[2]!)
        if (!current.head.some(h => h.startsWith(`# ${meta[1]} `))) current.head.push(line)
      } else if (!line.startsWith('#')) {
        ;(current ?? familyOf(/^[^{ ]+/.exec(line)![0])).samples.push(line)
      }
    }
  }
  return [...families.values()].map(f => [...f.head, ...f.samples].join('\n')).join('\n') + '\n'
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

function addNetwork(list: BlockList, entry: string): void {
  const [address, bits] = entry.trim().split('/') as [string, string | undefined]
  const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined
  if (!type) throw new TypeError(`metrics: "${entry}" is not an IP address or network (e.g. 10.0.0.0/8).`)
  const prefix = bits === undefined ? (type === 'ipv4' ? 32 : 128) : Number(bits)
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (type === 'ipv4' ? 32 : 128)) {
    throw new TypeError(`metrics: "${entry}" has no valid prefix length.`)
  }
  list.addSubnet(address, prefix, type)
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

const round = (n: number) => Math.round(n * 1e6) / 1e6
