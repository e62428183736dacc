// plein seed: fill the site's database with realistic data at a chosen scale (tests and benchmarks only).
import { Kernel, PLEIO_SCALE, SEED_PASSWORD, scaleBy, type SeedScale } from '@plein/core'
import type { Io } from '../main.js'
import { environment, kernelOptions, logger, reportBootError } from './shared.js'

export const SEED_USAGE = `Usage: plein seed [siteDir] [--seed N] [--scale F] [--users N] [--groups N] [--subsites N] [--items N] [--comments N]

Writes accounts, subsites, groups (skewed sizes), content items of the enabled plugins with comments and
mixed access, and their search index, in bulk. Default: the Pleio scale (100,000 users, 5,000 groups,
300 subsites, 1,000,000 items, 1 comment per item on average); --scale F multiplies it (e.g. 0.01).
The same --seed gives the same data; running it again with the same seed adds nothing.
Every seeded account (seed-<n>@example.org; seed-0 is the root site's administrator) signs in with the
password "${SEED_PASSWORD}": never seed a production database.`

const FIELDS: Array<[keyof SeedScale, string]> = [
  ['users', 'users'],
  ['groups', 'groups'],
  ['subsites', 'subsites'],
  ['items', 'items'],
  ['commentsPerItem', 'comments'],
]

/** The scale and seed from the flags, or an error message. */
export function seedOptions(values: ReadonlyMap<string, string>): { seed: number; scale: SeedScale } | string {
  let scale: SeedScale = { ...PLEIO_SCALE }
  const factor = values.get('scale')
  if (factor !== undefined) {
    const f = Number(factor)
    if (!Number.isFinite(f) || f <= 0 || f > 10) return `--scale must be a number above 0 and at most 10, not "${factor}".`
    scale = scaleBy(f)
  }
  for (const [key, flag] of FIELDS) {
    const raw = values.get(flag)
    if (raw === undefined) continue
    const n = Number(raw)
    const max = key === 'commentsPerItem' ? 50 : 100_000_000
    if (!Number.isFinite(n) || n < 0 || n > max || (key !== 'commentsPerItem' && !Number.isInteger(n))) return `--${flag} must be a whole number from 0 to ${max}, not "${raw}".`
    scale[key] = n
  }
  const rawSeed = values.get('seed') ?? '1'
  const seed = Number(rawSeed)
  if (!Number.isSafeInteger(seed) || seed < 0) return `--seed must be a whole number, not "${rawSeed}".`
  return { seed, scale }
}

/** Progress on stderr: one redrawn bar with an ETA on a terminal, a plain line per 10 % otherwise. */
export function progressPrinter(io: Io, tty: boolean) {
  let step = ''
  let started = 0
  let lastTenth = -1
  let lastDraw = 0
  return {
    update(event: { step: string; done: number; total: number }) {
      const now = Date.now()
      if (event.step !== step) {
        if (tty && step) process.stderr.write('\n')
        step = event.step
        started = now
        lastTenth = -1
      }
      const fraction = event.total === 0 ? 1 : event.done / event.total
      const elapsed = (now - started) / 1000
      const eta = fraction > 0 && fraction < 1 ? Math.round((elapsed / fraction) * (1 - fraction)) : 0
      const text = `${step.padEnd(16)} ${event.done}/${event.total} ${(fraction * 100).toFixed(0).padStart(3)}%  ${elapsed.toFixed(0)} s${eta > 0 ? `, ETA ${eta} s` : ''}`
      if (tty) {
        if (now - lastDraw < 100 && fraction < 1) return
        lastDraw = now
        const width = 24
        const filled = Math.round(fraction * width)
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`)
      } else {
        const tenth = Math.floor(fraction * 10)
        if (tenth === lastTenth) return
        lastTenth = tenth
        io.err(text)
      }
    },
    end() {
      if (tty && step) process.stderr.write('\n')
    },
  }
}

export async function seedCommand(siteDir: string, values: ReadonlyMap<string, string>, io: Io): Promise<number> {
  const options = seedOptions(values)
  if (typeof options === 'string') {
    io.err(`plein: ${options}\n\n${SEED_USAGE}`)
    return 2
  }
  const env = environment(siteDir, io)
  if (!env) return 1
  const log = logger(env)
  let kernel: Kernel
  try {
    kernel = await Kernel.boot(kernelOptions(siteDir, env, log, io))
  } catch (error) {
    return reportBootError(error, io)
  }
  const progress = progressPrinter(io, process.stderr.isTTY === true)
  try {
    const { scale, seed } = options
    io.err(`Seeding ${scale.users} users, ${scale.groups} groups, ${scale.subsites} subsites, ${scale.items} items (${scale.commentsPerItem} comments each on average), seed ${seed}.`)
    const report = await kernel.seed({ seed, scale, onProgress: e => progress.update(e) })
    progress.end()
    const rows = Object.entries(report.inserted).filter(([, n]) => n > 0).map(([table, n]) => `${table} ${n}`).join(', ')
    io.out(`Seeded in ${(report.ms / 1000).toFixed(1)} s: ${rows || 'nothing new (this seed was there already)'}.`)
    return 0
  } finally {
    await kernel.stop()
  }
}
