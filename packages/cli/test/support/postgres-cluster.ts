// A throwaway PostgreSQL cluster of a test's own (initdb + pg_ctl in a temporary folder, on a free port), so a
// test may stop and start the server without touching the shared one. As root it runs as the postgres user,
// since PostgreSQL refuses to run as root.
import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface PostgresCluster {
  url: string
  port: number
  start(): Promise<void>
  /** pg_ctl stop -m fast: connections are ended with 57P01, new ones refused. */
  stop(): Promise<void>
  /** Stops the server (immediately) and removes its folder. */
  destroy(): Promise<void>
}

/** The folder holding initdb and pg_ctl, or undefined when PostgreSQL is not installed. */
export function postgresBinaries(): string | undefined {
  const candidates: string[] = []
  const lib = '/usr/lib/postgresql'
  if (existsSync(lib)) {
    for (const v of readdirSync(lib).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(lib, v, 'bin'))
  }
  candidates.push('/usr/local/bin', '/usr/bin')
  return candidates.find(dir => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')))
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function createPostgresCluster(binaries: string): Promise<PostgresCluster> {
  const asRoot = userInfo().uid === 0
  const dir = mkdtempSync(path.join(tmpdir(), 'plein-pg-'))
  const data = path.join(dir, 'data')
  const exec = async (bin: string, args: string[]) => {
    const file = path.join(binaries, bin)
    return asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args)
  }
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()))
  }
  const port = await freePort()
  await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=50`
  const cluster: PostgresCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await exec('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', path.join(dir, 'server.log'), '-o', options])
    },
    async stop() {
      await exec('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'])
    },
    async destroy() {
      await exec('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    await cluster.start()
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return cluster
}
