// Who is asking: the signed-in user (if any) and the access tokens they hold on this site.

export interface ViewerUser {
  readonly id: string
  readonly name: string
  readonly email: string
  /** The language the person chose ('nl' or 'en'); null or absent: the browser's, then the site's. */
  readonly locale?: string | null
}

export interface Viewer {
  readonly user: ViewerUser | null
  /** `public`, plus `logged_in` and `user:<id>` when signed in, plus what plugins add. */
  readonly tokens: ReadonlySet<string>
  /** Administrator of the current site. */
  readonly isAdmin: boolean
}

export const PUBLIC_TOKEN = 'public'
export const LOGGED_IN_TOKEN = 'logged_in'

export const userToken = (id: string) => `user:${id}`
export const groupToken = (id: string) => `group:${id}`
export const siteToken = (id: string) => `site:${id}`

export const ANONYMOUS: Viewer = Object.freeze({
  user: null,
  tokens: Object.freeze(new Set([PUBLIC_TOKEN])) as ReadonlySet<string>,
  isAdmin: false,
})
