// plein sites list | create | disable | enable: subsites for operators (needs the subsites plugin).
import path from 'node:path'
import { createServiceRef, Kernel } from '@plein/core'
import type { Io } from '../main.js'
import { environment, kernelOptions, logger, reportBootError } from './shared.js'

/** The subsites plugin's service, by id: the CLI does not import plugins. */
interface Subsites {
  list(): Promise<Array<{ id: string; name: string; host: string; plugins: string[]; disabled: boolean }>>
  create(input: { name: string; host: string; plugins: string[] }): Promise<{ id: string; host: string }>
  update(id: string, changes: { disabled: boolean }): Promise<unknown>
}
const subsitesRef = createServiceRef<Subsites>('subsites.sites')

export const SITES_USAGE = `Usage:
  plein sites list [siteDir]
  plein sites create [siteDir] --name "Name" --host host.example.nl --plugins blog,comments
  plein sites disable [siteDir] <host>
  plein sites enable [siteDir] <host>`

export async function sitesCommand(args: string[], flags: Map<string, string>, io: Io): Promise<number> {
  const [action, ...rest] = args
  if (!action || !['list', 'create', 'disable', 'enable'].includes(action)) {
    io.err(SITES_USAGE)
    return 2
  }
  const siteDir = path.resolve(rest.length > (action === 'disable' || action === 'enable' ? 1 : 0) ? rest[0]! : '.')
  const env = environment(siteDir, io)
  if (!env) return 1
  const log = logger({ ...env, logLevel: env.logLevel === 'info' ? 'warn' : env.logLevel })
  let kernel: Kernel
  try {
    kernel = await Kernel.boot(kernelOptions(siteDir, env, log, io))
  } catch (error) {
    return reportBootError(error, io)
  }
  try {
    const subsites = kernel.service(subsitesRef)
    if (!subsites) {
      io.err('plein sites: this site does not have the subsites plugin (@plein/plugin-subsites) in its site.json.')
      return 1
    }
    if (action === 'list') {
      const list = await subsites.list()
      if (list.length === 0) io.out('No subsites.')
      for (const s of list) io.out(`${s.disabled ? '○' : '●'} ${s.host.padEnd(32)} ${s.name}  [${s.plugins.join(', ')}]  ${s.id}`)
      return 0
    }
    if (action === 'create') {
      const name = flags.get('name')
      const host = flags.get('host')
      if (!name || !host) {
        io.err(SITES_USAGE)
        return 2
      }
      const plugins = (flags.get('plugins') ?? '').split(',').map(p => p.trim()).filter(Boolean)
      const created = await subsites.create({ name, host, plugins })
      io.out(`Created ${created.host} (${created.id}).`)
      return 0
    }
    const host = rest[rest.length - 1]
    const found = (await subsites.list()).find(s => s.host === host?.toLowerCase())
    if (!host || !found) {
      io.err(`plein sites: no subsite with host "${host ?? ''}".`)
      return 1
    }
    await subsites.update(found.id, { disabled: action === 'disable' })
    io.out(`${action === 'disable' ? 'Disabled' : 'Enabled'} ${found.host}.`)
    return 0
  } catch (error) {
    const e = error as { status?: number; detail?: string; errors?: Array<{ location: unknown; detail: string }> }
    if (typeof e.status === 'number' && e.status < 500) {
      io.err(`plein sites: ${e.detail}`)
      return 1
    }
    throw error
  } finally {
    await kernel.stop()
  }
}
