#!/usr/bin/env node
// The `plein` command. A published install runs the built dist/; a source checkout runs the TypeScript
// sources through tsx with the "source" export condition (set at process start, hence the child process).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dist = new URL('../dist/bin.js', import.meta.url)
if (existsSync(fileURLToPath(dist))) {
  await import(dist.href)
} else {
  const source = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--conditions=source', source, ...process.argv.slice(2)], {
    stdio: 'inherit',
  })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
}
