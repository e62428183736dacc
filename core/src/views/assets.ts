// The site's CSS: NL Design System components (Utrecht component library) + a token theme + Plein's own
// layout, concatenated once at boot, served with a content hash and cached for a year.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { gzipSync } from 'node:zlib'

const require = createRequire(import.meta.url)

export interface Stylesheet {
  path: string
  body: Buffer
  gzip: Buffer
  etag: string
}

const PLEIN_CSS = `
:root { color-scheme: light; }
body { margin: 0; }
.plein-skip { position: absolute; inset-inline-start: -10000px; }
.plein-skip:focus { position: static; display: inline-block; padding: 0.5rem 1rem; background: #fff; outline: 3px solid #000; }
.plein-page { max-inline-size: 72rem; margin-inline: auto; padding-inline: 1rem; }
.plein-header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; padding-block: 1rem; border-block-end: 1px solid #ccc; }
.plein-header nav ul { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; margin: 0; padding: 0; align-items: center; }
.plein-main { padding-block: 1.5rem; min-block-size: 60vh; }
.plein-footer { border-block-start: 1px solid #ccc; padding-block: 1rem; font-size: 0.9rem; }
.plein-items { list-style: none; padding: 0; }
.plein-items > li { border-block-end: 1px solid #e0e0e0; padding-block: 0.75rem; }
.plein-meta { color: #555; font-size: 0.9rem; }
.plein-main > .utrecht-heading-1 { margin-block-end: 1rem; }
.plein-form { display: grid; gap: 1rem; max-inline-size: 32rem; }
.utrecht-textarea { display: block; }
.plein-field-error { color: #a00; }
.plein-reply { margin-inline-start: 2rem; }
.plein-tabs { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; padding: 0; margin-block: 0 1.5rem; }
.plein-section { margin-block-start: 2rem; }
.plein-secret { max-inline-size: 100%; inline-size: 44rem; font-family: monospace; }
.plein-brand { display: inline-flex; align-items: center; gap: 0.5rem; }
.plein-logo { block-size: 2.5rem; inline-size: auto; }
.plein-table { border-collapse: collapse; inline-size: 100%; }
.plein-table th, .plein-table td { text-align: start; padding: 0.5rem; border-block-end: 1px solid #e0e0e0; vertical-align: top; }
.plein-actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; list-style: none; padding: 0; margin: 0; }
.plein-subnav ul { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; padding: 0; margin: 0 0 1.5rem; }
.plein-language { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; padding: 0; margin: 0; }
.plein-fieldset { border: 1px solid #ccc; padding: 1rem; display: grid; gap: 1rem; }
.plein-form--wide { max-inline-size: 48rem; }
.plein-inline-form { display: inline; }
.plein-section { margin-block-start: 2rem; }
.plein-crumbs li + li::before { content: '›'; margin-inline-end: 1rem; color: #555; }
.plein-table caption { text-align: start; }
.plein-main .utrecht-select { display: block; }
.plein-main > h2, .plein-main > table { margin-block-start: 2rem; }
.plein-dashboard { display: grid; gap: 0 2rem; }
@media (min-width: 48rem) { .plein-dashboard { grid-template-columns: 2fr 1fr; } }
.plein-widget { margin-block-end: 1.5rem; }
.plein-banners { display: grid; gap: 0.5rem; margin-block-end: 1rem; }
.plein-profile { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
.plein-profile dd { margin: 0; }
:focus-visible { outline: 3px solid #0b5cab; outline-offset: 2px; }
@media print { .plein-header nav, .plein-footer, .plein-skip { display: none; } }
`

export function buildStylesheet(themeCss: string[] = []): Stylesheet {
  const parts = [
    readFileSync(require.resolve('@utrecht/component-library-css/dist/index.css'), 'utf8'),
    readFileSync(require.resolve('@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css'), 'utf8'),
    ...themeCss,
    PLEIN_CSS,
  ]
  const body = Buffer.from(parts.join('\n'))
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16)
  return { path: `/assets/plein-${hash}.css`, body, gzip: gzipSync(body), etag: `"${hash}"` }
}
