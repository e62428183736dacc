// Server A: the full Plein kernel with 20 fixture plugins, on the embedded database (in memory), logging
// JSON lines. Also the boot-time probe: with BENCH_BOOT_ONLY=1 it reports its boot phases and exits.
//
// Only type imports are static: the kernel's modules are loaded by the dynamic import below, so the time
// to load them is measured, not hidden in module evaluation before the first line runs.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Kernel as KernelType } from '@plein/core'

const round = (ms: number) => Math.round(ms * 10) / 10
const bootOnly = process.env.BENCH_BOOT_ONLY === '1'

// performance.now() counts from process start: this is Node's own start-up plus the tsx loader.
const tStart = performance.now()
const core = await import('@plein/core')
const tImported = performance.now()
const { makeFixturePlugins, PLUGIN_COUNT } = await import('../fixtures.js')
const { logDestination, onStop, ready } = await import('./common.js')
const plugins = makeFixturePlugins(PLUGIN_COUNT)
const tFixtures = performance.now()

const dir = mkdtempSync(path.join(tmpdir(), 'plein-bench-'))
const destination = logDestination()
const log = core.createLogger({ level: 'info', destination })

let kernel: KernelType
try {
  kernel = await core.Kernel.prepare({
    siteDir: dir,
    dataDir: dir,
    embeddedDir: 'memory://',
    config: { name: 'Benchmark site', hosts: ['127.0.0.1', 'localhost'], admins: [], plugins: {} },
    plugins: plugins.map(source => ({ source })),
    secret: 'benchmark-secret-that-is-long-enough-0123456789',
    log,
  })
} catch (error) {
  console.error(error instanceof core.KernelBootError ? error.message : error)
  process.exit(1)
}
const tPrepared = performance.now()
await kernel.boot()
const tBooted = performance.now()
const address = await kernel.listen(0, '127.0.0.1')
const tListening = performance.now()

const startMs = kernel.plan.plugins.reduce((sum, p) => sum + (p.startMs ?? 0), 0)
const boot = {
  nodeStartMs: round(tStart),
  importCoreMs: round(tImported - tStart),
  fixturesMs: round(tFixtures - tImported),
  prepareMs: round(tPrepared - tFixtures),
  registerMs: round(kernel.plan.registerMs),
  databaseMs: round(tBooted - tPrepared - startMs),
  pluginStartMs: round(startMs),
  listenMs: round(tListening - tBooted),
  /** Module loading + prepare (resolve, validate, order, settings, register) + start() + HTTP app and listen. */
  kernelMs: round(tImported - tStart + (tPrepared - tFixtures) + startMs + (tListening - tBooted)),
  /** The same, plus Node and tsx start-up before the first line of this file. */
  processMs: round(tListening - (tBooted - tPrepared - startMs)),
}

ready({ port: address.port, plugins: kernel.pluginIds.length, routes: kernel.plan.routes, boot })

const stop = async () => {
  await kernel.stop()
  rmSync(dir, { recursive: true, force: true })
}
if (bootOnly) {
  await stop()
  process.exit(0)
}
onStop(stop, destination)
