// The kernel's own views: the page layout (skip link, header, navigation, main, footer) and shared pieces.
import type { ComponentChildren, VNode } from 'preact'
import { kernelSettings } from '../config/kernel-settings.js'
import type { UI, View, ViewRegistry } from './registry.js'
import { logoAllowed } from './themes.js'

export interface NavItem {
  label: string
  href: string
}

const Layout: View<{ title: string; stylesheet: string; themeStylesheet?: string; main: VNode; alternates?: Array<{ type: string; href: string; title: string }> }> = ({ ui, title, stylesheet, themeStylesheet, main, alternates = [] }) => (
  <html lang={ui.locale} class="voorbeeld-theme">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · ${ui.site.name}`}</title>
      <link rel="stylesheet" href={stylesheet} />
      {/* The site's theme (token set, colour, logo): a small file per theme, after the bundle. */}
      {themeStylesheet ? <link rel="stylesheet" href={themeStylesheet} /> : null}
      {alternates.map(a => (
        <link rel="alternate" type={a.type} href={a.href} title={a.title} />
      ))}
      {/* No favicon request (and no 404) until a theme brings one. */}
      <link rel="icon" href="data:," />
    </head>
    <body class="utrecht-document utrecht-document--surface">
      <a class="plein-skip utrecht-link" href="#main">
        {ui.t('skip')}
      </a>
      <div class="plein-page utrecht-page">
        {ui.view('kernel.header')}
        <main id="main" class="plein-main" tabIndex={-1}>
          {ui.banners && ui.banners.length > 0 ? ui.view('kernel.banners', { items: ui.banners }) : null}
          <h1 class="utrecht-heading-1">{title}</h1>
          {main}
        </main>
        {ui.view('kernel.footer')}
      </div>
    </body>
  </html>
)

/** The site's name, after its theme's logo when it has one (decorative: the name is the link's text). */
const Brand: View = ({ ui }) => {
  const logo = kernelSettings(ui.site).theme?.logoUrl
  return (
    <a class="utrecht-link utrecht-heading-3 plein-brand" href="/">
      {logoAllowed(logo) ? <img class="plein-logo" src={logo} alt="" /> : null}
      {ui.site.name}
    </a>
  )
}

const Header: View = ({ ui }) => (
  <header class="plein-header">
    <Brand ui={ui} />
    <nav aria-label={ui.t('nav.main')}>
      <ul>
        <li>
          <a class="utrecht-link" href="/" aria-current={ui.path === '/' ? 'page' : undefined}>
            {ui.t('nav.home')}
          </a>
        </li>
        {ui.view('kernel.navigation', { items: ui.navigation })}
        {ui.viewer.isAdmin ? (
          <li>
            <a class="utrecht-link" href="/admin" aria-current={ui.path === '/admin' || ui.path.startsWith('/admin/') ? 'page' : undefined}>
              {ui.t('nav.admin')}
            </a>
          </li>
        ) : null}
        {ui.viewer.user ? (
          <>
            <li class="plein-meta">{ui.t('nav.signedInAs', { name: ui.viewer.user.name })}</li>
            <li>
              <a class="utrecht-link" href="/account" aria-current={ui.path === '/account' || ui.path.startsWith('/account/') ? 'page' : undefined}>
                {ui.t('nav.settings')}
              </a>
            </li>
            <li>
              <form method="post" action="/auth/sign-out">
                <input type="hidden" name="_csrf" value={ui.csrfToken ?? ''} />
                <button class="utrecht-button utrecht-button--subtle" type="submit">
                  {ui.t('nav.signOut')}
                </button>
              </form>
            </li>
          </>
        ) : (
          <>
            <li>
              <a class="utrecht-link" href="/auth/sign-in">
                {ui.t('nav.signIn')}
              </a>
            </li>
            <li>
              <a class="utrecht-link" href="/auth/sign-up">
                {ui.t('nav.signUp')}
              </a>
            </li>
          </>
        )}
      </ul>
    </nav>
  </header>
)

/** Notices from the kernel.banners hook, above the page's heading. */
const Banners: View<{ items: NonNullable<UI['banners']> }> = ({ ui, items }) => (
  <div class="plein-banners">
    {items.map(b => ui.view('kernel.alert', { kind: b.kind, text: b.text }))}
  </div>
)

/** Plugins add menu items by overriding this view or, better, through their own pages' links. */
const Navigation: View<{ items?: NavItem[] }> = ({ ui, items = [] }) => (
  <>
    {items.map(i => (
      <li>
        <a class="utrecht-link" href={i.href} aria-current={ui.path.startsWith(i.href) ? 'page' : undefined}>
          {i.label}
        </a>
      </li>
    ))}
  </>
)

const Footer: View = ({ ui }) => (
  <footer class="plein-footer">
    {ui.view('kernel.languageSwitch')}
    <p class="utrecht-paragraph">
      {ui.site.name} ·{' '}
      <a class="utrecht-link" href="/api/v1/openapi.json">
        {ui.t('footer.api')}
      </a>
    </p>
  </footer>
)

export interface FieldProps {
  name: string
  label: string
  type?: string
  value?: string
  error?: string
  hint?: string
  autocomplete?: string
  required?: boolean
}

/** The `aria-describedby` of a field with id `id`: its hint and its error, when it has them. */
export const describedBy = (id: string, hint: unknown, error: unknown): string | undefined => [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined

/** The frame of a form field (NL Design System): label, hint (`<id>-hint`), error (`<id>-error`), then the control. */
export const FormField = ({ id, label, hint, error, children }: { id: string; label: string; hint?: string; error?: string; children: ComponentChildren }) => (
  <div class={`utrecht-form-field${error ? ' utrecht-form-field--invalid' : ''}`}>
    <label class="utrecht-form-label" for={id}>
      {label}
    </label>
    {hint ? (
      <p class="utrecht-form-field-description" id={`${id}-hint`}>
        {hint}
      </p>
    ) : null}
    {error ? (
      <p class="utrecht-form-field-error-message plein-field-error" id={`${id}-error`}>
        {error}
      </p>
    ) : null}
    {children}
  </div>
)

/** A labelled form field with its error next to it (NL Design System form field). */
export const Field: View<FieldProps> = ({ name, label, type = 'text', value, error, hint, autocomplete, required }) => {
  const id = `field-${name}`
  const described = describedBy(id, hint, error)
  return (
    <FormField id={id} label={label} hint={hint} error={error}>
      {type === 'textarea' ? (
        <textarea class="utrecht-textarea" id={id} name={name} rows={6} required={required} aria-invalid={error ? 'true' : undefined} aria-describedby={described}>
          {value ?? ''}
        </textarea>
      ) : (
        <input
          class={`utrecht-textbox${error ? ' utrecht-textbox--invalid' : ''}`}
          id={id}
          name={name}
          type={type as 'text'}
          value={value ?? ''}
          autocomplete={autocomplete}
          required={required}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={described}
        />
      )}
    </FormField>
  )
}

export const Alert: View<{ kind?: 'info' | 'ok' | 'warning' | 'error'; text: string }> = ({ kind = 'info', text }) => (
  <div class={`utrecht-alert utrecht-alert--${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
    <p class="utrecht-paragraph">{text}</p>
  </div>
)

/** A form's submit button (NL Design System primary action, or secondary) in a block of its own. */
export const Submit: View<{ label: string; secondary?: boolean }> = ({ label, secondary }) => (
  <div>
    <button class={`utrecht-button utrecht-button--${secondary ? 'secondary' : 'primary'}-action`} type="submit">
      {label}
    </button>
  </div>
)

/** Above a form: its message, else (when a field has an error) "correct the marked fields"; nothing otherwise. */
export const FormErrors: View<{ errors?: Record<string, string>; message?: { kind?: 'info' | 'ok' | 'warning' | 'error'; text: string } }> = ({ ui, errors = {}, message }) =>
  message ? ui.view('kernel.alert', message) : Object.keys(errors).length > 0 ? ui.view('kernel.alert', { kind: 'error', text: ui.t('error.fix') }) : null

/** The link to the next page of a list: `path` with `cursor=<cursor>` added; nothing when there is no cursor. */
export const More: View<{ path: string; cursor?: string | null; label: string }> = ({ path, cursor, label }) =>
  cursor ? (
    <p class="utrecht-paragraph">
      <a class="utrecht-link" href={`${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`}>
        {label}
      </a>
    </p>
  ) : null

export function registerKernelViews(views: ViewRegistry): void {
  views.define('kernel', 'kernel.layout', Layout)
  views.define('kernel', 'kernel.header', Header)
  views.define('kernel', 'kernel.navigation', Navigation)
  views.define('kernel', 'kernel.banners', Banners)
  views.define('kernel', 'kernel.footer', Footer)
  views.define('kernel', 'kernel.field', Field)
  views.define('kernel', 'kernel.alert', Alert)
  views.define('kernel', 'kernel.submit', Submit)
  views.define('kernel', 'kernel.formErrors', FormErrors)
  views.define('kernel', 'kernel.more', More)
}

export type { UI }
