// The part of autocannon's programmatic API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string
      connections?: number
      duration?: number
      pipelining?: number
      timeout?: number
      headers?: Record<string, string>
    }
    type Stats = Record<string, number> & { average: number; mean: number; stddev: number; min: number; max: number; p50: number; p99: number }
    interface Result {
      requests: Stats & { total: number; sent: number }
      latency: Stats & { totalCount: number }
      throughput: Stats
      errors: number
      timeouts: number
      non2xx: number
      '2xx': number
      duration: number
      statusCodeStats: Record<string, { count: number }>
    }
    interface Instance extends PromiseLike<Result> {
      on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this
      stop(): void
    }
  }
  function autocannon(options: autocannon.Options): autocannon.Instance
  export = autocannon
}
