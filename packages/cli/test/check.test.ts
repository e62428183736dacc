// plein check as an upgrade check: for every plugin, whether its @plein/core range accepts this kernel and
// which deprecated hooks it still taps — in the human output and in --json.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'chai'
import { KERNEL_VERSION } from '@plein/core'
import { main, type Io } from '../src/main.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const fixture = (name: string) => path.join(here, 'fixtures', name)

function capture(): Io & { stdout: () => string; stderr: () => string } {
  const out: string[] = []
  const err: string[] = []
  return { out: l => out.push(l), err: l => err.push(l), stdout: () => out.join('\n'), stderr: () => err.join('\n') }
}

describe('plein check: upgrade safety', function () {
  this.timeout(60_000)
  let dataDir: string
  let saved: string | undefined

  before(() => {
    // The command keeps a generated secret in the data folder: keep it out of the fixtures.
    saved = process.env.PLEIN_DATA_DIR
    dataDir = mkdtempSync(path.join(tmpdir(), 'plein-check-'))
    process.env.PLEIN_DATA_DIR = dataDir
  })
  after(() => {
    if (saved === undefined) delete process.env.PLEIN_DATA_DIR
    else process.env.PLEIN_DATA_DIR = saved
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('names each plugin that taps a deprecated hook, with the hook to use and when the old one goes', async () => {
    const io = capture()
    expect(await main(['check', fixture('upgrade')], io), io.stderr()).to.equal(0)
    const out = io.stdout()
    expect(out).to.match(/2\. fan@0\.4\.0\s+kernel >=1\.0\.0 <3\.0\.0 ✓/)
    expect(out).to.contain('⚠ taps deprecated greeter.said: use greeter.greeted (deprecated since 1.1.0, removed in 2.0.0)')
    expect(out).to.contain('- fan taps greeter.said: use greeter.greeted')
    // Installed packages the site does not enable are judged too.
    expect(out).to.match(/○ blog@\S+\s+kernel \S+ ✓\s+\[@plein\/plugin-blog\]/)
    expect(io.stderr()).to.equal('')
  })

  it('gives the same in --json: acceptsKernel and deprecatedHooks for every plugin', async () => {
    const io = capture()
    expect(await main(['check', fixture('upgrade'), '--json'], io)).to.equal(0)
    const report = JSON.parse(io.stdout())
    expect(report.ok).to.equal(true)
    expect(report.kernelVersion).to.equal(KERNEL_VERSION)
    const fan = report.plugins.find((p: any) => p.id === 'fan')
    expect(fan).to.include({ version: '0.4.0', kernelRange: '>=1.0.0 <3.0.0', acceptsKernel: true })
    expect(fan.deprecatedHooks).to.deep.equal([{ hook: 'greeter.said', use: 'greeter.greeted', since: '1.1.0', removeIn: '2.0.0' }])
    expect(report.plugins.find((p: any) => p.id === 'greeter').deprecatedHooks).to.deep.equal([])
    expect(report.deprecated).to.have.length(1)
    const blog = report.installed.find((p: any) => p.packageName === '@plein/plugin-blog')
    expect(blog).to.include({ id: 'blog', acceptsKernel: true, onSite: false, deprecatedHooks: null })
  })

  it('says which plugin does not accept this kernel, in words and in --json, and exits 1', async () => {
    const io = capture()
    expect(await main(['check', fixture('upgrade-broken')], io)).to.equal(1)
    expect(io.stderr()).to.contain('KERNEL_VERSION_MISMATCH [old]')
    expect(io.stderr()).to.match(/● old@0\.3\.0\s+kernel \^0\.9\.0 ✗ does not accept/)
    expect(io.stderr()).to.match(/● greeter@1\.1\.0\s+kernel \^1\.0\.0 ✓/)

    const json = capture()
    expect(await main(['check', fixture('upgrade-broken'), '--json'], json)).to.equal(1)
    const report = JSON.parse(json.stdout())
    expect(report.ok).to.equal(false)
    expect(report.problems.map((p: any) => p.code)).to.deep.equal(['KERNEL_VERSION_MISMATCH'])
    expect(report.plugins.find((p: any) => p.id === 'old')).to.include({ kernelRange: '^0.9.0', acceptsKernel: false, onSite: true })
    expect(report.plugins.find((p: any) => p.id === 'greeter')).to.include({ acceptsKernel: true })
  })
})
