// Per-site themes: a named design-token set plus the site's own primary colour and logo, as one small
// stylesheet of CSS custom properties per theme, served with a content hash next to the shared bundle.
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { Stylesheet } from './assets.js'

export interface ThemeSetting {
  name?: string
  logoUrl?: string
  primaryColor?: string
}

export interface ThemeDefinition {
  /** Shown in the admin pages. */
  label: { nl: string; en: string }
  /** Custom properties set on `<html>` (over the voorbeeld tokens the bundle carries). */
  tokens: Record<string, string>
  /** Extra rules of the theme (plain CSS, no url() to other origins). */
  css?: string
}

/**
 * The token sets this installation knows. `voorbeeld` is the NL Design System example theme that the
 * shared bundle carries (EUPL-1.2); `donkerblauw` is Plein's own dark-blue set, written for Plein (no
 * organisation's proprietary brand tokens).
 */
export const THEMES: Readonly<Record<string, ThemeDefinition>> = Object.freeze({
  voorbeeld: { label: { nl: 'Voorbeeld (NL Design System)', en: 'Voorbeeld (NL Design System)' }, tokens: {} },
  donkerblauw: {
    label: { nl: 'Donkerblauw', en: 'Dark blue' },
    tokens: {
      '--basis-color-accent-1-inverse-bg-default': '#143a66',
      '--basis-color-accent-1-inverse-bg-hover': '#0c2748',
      '--basis-color-accent-1-inverse-bg-active': '#0c2748',
      '--basis-color-accent-1-color-default': '#143a66',
      '--basis-color-accent-1-color-hover': '#0c2748',
      '--basis-color-accent-1-color-document': '#0c2748',
      '--basis-color-action-2-color-default': '#1a4f8b',
      '--basis-color-action-2-color-hover': '#0c2748',
      '--basis-color-action-2-color-active': '#0c2748',
      '--basis-color-action-2-color-document': '#0c2748',
      '--basis-heading-color': '#0c2748',
      '--basis-heading-font-family': "system-ui, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
      '--basis-text-font-family-default': "system-ui, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
      '--plein-brand-color': '#143a66',
      '--plein-brand-band': '#143a66',
    },
    css: '.plein-header { border-block-start: 0.5rem solid var(--plein-brand-band); }',
  },
})

export const DEFAULT_THEME = 'voorbeeld'

/** 'default' and unknown names fall back to the voorbeeld set (a typo never breaks a site). */
export const themeName = (setting: ThemeSetting | undefined): string => {
  const name = setting?.name
  return name && Object.hasOwn(THEMES, name) ? name : DEFAULT_THEME
}

const HEX = /^#[0-9a-fA-F]{6}$/

/** A URL as a CSS string: only characters that cannot end the string or the declaration. */
function cssUrl(url: string): string | undefined {
  if (!/^(https:\/\/|\/(?!\/)|data:image\/(png|gif|webp|svg\+xml)[;,])/.test(url)) return undefined
  return `url("${url.replace(/["\\\n\r\f]/g, c => encodeURIComponent(c))}")`
}

/** Whether the header may show this logo (same site, https or an inline image; CSP allows those). */
export const logoAllowed = (url: string | undefined): url is string => typeof url === 'string' && cssUrl(url) !== undefined

/** The CSS of a site's theme: the token set, then the site's own colour and logo on top. */
export function themeCss(setting: ThemeSetting | undefined): string {
  const def = THEMES[themeName(setting)]!
  const tokens: Record<string, string> = { ...def.tokens }
  const primary = setting?.primaryColor
  if (primary && HEX.test(primary)) {
    Object.assign(tokens, {
      '--basis-color-accent-1-inverse-bg-default': primary,
      '--basis-color-accent-1-inverse-bg-hover': primary,
      '--basis-color-accent-1-inverse-bg-active': primary,
      '--basis-color-action-2-color-default': primary,
      '--plein-brand-color': primary,
    })
  }
  const logo = setting?.logoUrl ? cssUrl(setting.logoUrl) : undefined
  if (logo) tokens['--plein-logo-url'] = logo
  const body = Object.entries(tokens)
    .map(([k, v]) => `  ${k}: ${v};`)
    .join('\n')
  // Twice the class: more specific than the bundle's `.voorbeeld-theme`, whatever the order of the files.
  return `/* Plein theme "${themeName(setting)}" */\n:root.voorbeeld-theme.voorbeeld-theme {\n${body}\n}\n${def.css ?? ''}\n`
}

/** The theme as a stylesheet named by its content hash (`/assets/theme-<hash>.css`). */
export function buildThemeStylesheet(setting: ThemeSetting | undefined): Stylesheet {
  const body = Buffer.from(themeCss(setting))
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16)
  return { path: `/assets/theme-${hash}.css`, body, gzip: gzipSync(body), etag: `"${hash}"` }
}
