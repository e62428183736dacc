// The language switch for visitors without a language of their own: links in the footer to GET /language,
// which keeps the choice in a `lang` cookie (a year, SameSite=Lax) and sends the visitor back to the page
// they came from (a path on this site only). Works without JavaScript.
import type { RequestContext } from '../http/context.js'
import type { PluginRouter } from '../http/router.js'
import type { Catalogue, Locale } from './i18n.js'
import { LOCALES } from './i18n.js'
import type { View, ViewRegistry } from './registry.js'

export const LANG_COOKIE = 'lang'
const YEAR_MS = 365 * 86_400_000

/** The language a visitor chose with the switch, if the cookie holds one we know. */
export function langCookie(c: RequestContext): Locale | undefined {
  const value = c.cookies.get(LANG_COOKIE)
  return (LOCALES as readonly string[]).includes(value ?? '') ? (value as Locale) : undefined
}

/** A path on this site to go back to: never another host (`//evil`, `/\evil`, `https://…`). */
export const samePath = (next: unknown): string => (typeof next === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : '/')

/** Each language's name in itself, so a reader finds their own. */
const NAMES: Record<Locale, string> = { nl: 'Nederlands', en: 'English' }

/** Shown to visitors whose account (if any) has no language of its own: theirs wins over the cookie. */
const LanguageSwitch: View = ({ ui }) => {
  if ((ui.viewer.user as { locale?: string | null } | null)?.locale) return null
  return (
    // A labelled list, not a second navigation landmark: the page keeps one main menu.
    <ul class="plein-language" aria-label={ui.t('language.switch')}>
      {LOCALES.map(l => (
        <li>
          {l === ui.locale ? (
            <span lang={l} aria-current="true">
              {NAMES[l]}
            </span>
          ) : (
            <a class="utrecht-link" href={`/language?lang=${l}&next=${encodeURIComponent(ui.path)}`} lang={l} hreflang={l}>
              {NAMES[l]}
            </a>
          )}
        </li>
      ))}
    </ul>
  )
}

export function registerLanguageSwitch(views: ViewRegistry, catalogue: Catalogue, router: PluginRouter): void {
  catalogue.add('nl', { 'language.switch': 'Taal' })
  catalogue.add('en', { 'language.switch': 'Language' })
  views.define('kernel', 'kernel.languageSwitch', LanguageSwitch)
  router.get<unknown, { lang: Locale; next?: string }>(
    'page.language',
    '/language',
    { hidden: true, query: { type: 'object', required: ['lang'], properties: { lang: { enum: [...LOCALES] }, next: { type: 'string', maxLength: 500 } } } },
    c => {
      c.cookies.set(LANG_COOKIE, c.input.query.lang, { httpOnly: true, sameSite: 'lax', secure: c.secure, path: '/', overwrite: true, maxAge: YEAR_MS })
      c.set('Cache-Control', 'no-store')
      c.redirect(samePath(c.input.query.next))
    },
  )
}
