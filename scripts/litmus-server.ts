// A kernel for the litmus WebDAV suite (scripts/litmus.sh): files, search and comments on an embedded database
// in a temporary folder, on a free port. Registers an account, makes a personal API token, and prints one line
// "READY <base url of /dav/> <e-mail> <token>" on stdout; runs until SIGTERM/SIGINT, then removes its folder.
//   node --import tsx --conditions=source scripts/litmus-server.ts
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createLogger, Kernel } from '@plein/core'
import { commentsPlugin } from '@plein/plugin-comments'
import { filesPlugin } from '@plein/plugin-files'
import { searchPlugin } from '@plein/plugin-search'
import { TestClient, TEST_SITE_SETTINGS } from '@plein/testing'

const dataDir = mkdtempSync(path.join(tmpdir(), 'plein-litmus-'))
const kernel = await Kernel.boot({
  siteDir: process.cwd(),
  dataDir,
  embeddedDir: path.join(dataDir, 'pgdata'),
  config: { name: 'Litmus', hosts: ['127.0.0.1', 'localhost'], admins: [], plugins: {}, settings: TEST_SITE_SETTINGS },
  plugins: [{ source: filesPlugin }, { source: searchPlugin }, { source: commentsPlugin }],
  secret: 'litmus-secret-that-is-long-enough-0123456789',
  log: createLogger({ level: process.env.PLEIN_LOG_LEVEL ?? 'warn', pretty: false }),
  passwordHashing: 'fast',
})

let stopping = false
const stop = async (code: number) => {
  if (stopping) return
  stopping = true
  await kernel.stop().catch(() => undefined)
  rmSync(dataDir, { recursive: true, force: true })
  process.exit(code)
}
process.on('SIGTERM', () => void stop(0))
process.on('SIGINT', () => void stop(0))

try {
  const address = await kernel.listen(Number(process.env.LITMUS_PORT ?? 0), '127.0.0.1')
  const url = `http://127.0.0.1:${address.port}`
  const client = new TestClient(url)
  const email = 'litmus@example.org'
  const password = 'litmus password 0123'
  const expect = (what: string, res: { status: number; text: string }, status: number) => {
    if (res.status !== status) throw new Error(`${what} answered ${res.status}: ${res.text}`)
  }
  expect('register', await client.post('/api/v1/auth/register', { email, password, name: 'Litmus' }), 201)
  expect('login', await client.post('/api/v1/auth/login', { email, password }), 200)
  const token = await client.post('/api/v1/auth/tokens', { name: 'litmus' })
  expect('token', token, 201)
  // litmus works in <url>litmus/ and makes that folder itself (MKCOL at the top of /dav/ makes a private folder).
  process.stdout.write(`READY ${url}/dav/ ${email} ${token.body.token}\n`)
} catch (error) {
  process.stderr.write(`litmus-server: ${(error as Error).stack ?? error}\n`)
  await stop(1)
}
