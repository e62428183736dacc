// Every string through a catalogue: Dutch first, English second. Plugins ship their own messages.
export type Locale = 'nl' | 'en'
export const LOCALES: readonly Locale[] = ['nl', 'en']

/** The language tag for Intl and toLocaleString (dates, numbers) of a page's locale. */
export const intlLocale = (locale: Locale | string): string => (locale === 'en' ? 'en-GB' : 'nl-NL')

export type Messages = Record<string, string>

export class Catalogue {
  private readonly messages: Record<Locale, Messages> = { nl: {}, en: {} }

  add(locale: Locale, messages: Messages): void {
    Object.assign(this.messages[locale], messages)
  }

  /** `{name}` placeholders are filled from `vars`; a missing key shows the key (and is easy to spot). */
  t(locale: Locale, key: string, vars: Record<string, string | number> = {}): string {
    const text = this.messages[locale][key] ?? this.messages.nl[key] ?? key
    return text.replace(/\{(\w+)\}/g, (_, k: string) => (k in vars ? String(vars[k]) : `{${k}}`))
  }
}

/** The person's own choice, then the browser's Accept-Language, then the site's default (Dutch unless set). */
export function negotiate(choice: string | null | undefined, acceptLanguage: string, fallback: Locale = 'nl'): Locale {
  if (choice === 'nl' || choice === 'en') return choice
  const wanted = acceptLanguage
    .split(',')
    .map(part => {
      const [tag, ...params] = part.trim().split(';')
      const q = params.map(p => p.trim()).find(p => p.startsWith('q='))
      return { lang: tag!.toLowerCase().slice(0, 2), q: q ? Number(q.slice(2)) : 1 }
    })
    .filter(x => x.q > 0)
    .sort((a, b) => b.q - a.q)
  for (const w of wanted) if (w.lang === 'nl' || w.lang === 'en') return w.lang
  return fallback
}

export const kernelMessages: Record<Locale, Messages> = {
  nl: {
    'skip': 'Naar de inhoud',
    'nav.main': 'Hoofdmenu',
    'nav.home': 'Home',
    'nav.signIn': 'Inloggen',
    'nav.signUp': 'Account maken',
    'nav.signOut': 'Uitloggen',
    'nav.signedInAs': 'Ingelogd als {name}',
    'footer.api': 'API-documentatie',
    'home.title': 'Laatste activiteit',
    'home.empty': 'Er is nog niets te zien.',
    'home.more': 'Meer laden',
    'item.by': 'door {name}',
    'auth.signIn.title': 'Inloggen',
    'auth.signUp.title': 'Account maken',
    'auth.email': 'E-mailadres',
    'auth.password': 'Wachtwoord',
    'auth.password.hint': 'Minstens 10 tekens.',
    'auth.name': 'Naam',
    'auth.name.missing': 'Vul je naam in.',
    'auth.email.invalid': 'Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.',
    'auth.password.short': 'Kies een wachtwoord van minstens 10 tekens.',
    'auth.haveAccount': 'Heb je al een account? Log in.',
    'auth.submit.signIn': 'Inloggen',
    'auth.submit.signUp': 'Account maken',
    'auth.submit.signOut': 'Uitloggen',
    'auth.noAccount': 'Nog geen account? Maak er een.',
    'auth.forgot': 'Wachtwoord vergeten?',
    'auth.registered': 'Je account is gemaakt. Je kunt nu inloggen.',
    'auth.verifySent': 'Je account is gemaakt. Bevestig je e-mailadres met de link die we je stuurden.',
    'error.title': 'Er ging iets mis',
    'error.fix': 'Verbeter de gemarkeerde velden.',
    'notFound.title': 'Niet gevonden',
  },
  en: {
    'skip': 'Skip to content',
    'nav.main': 'Main menu',
    'nav.home': 'Home',
    'nav.signIn': 'Sign in',
    'nav.signUp': 'Create account',
    'nav.signOut': 'Sign out',
    'nav.signedInAs': 'Signed in as {name}',
    'footer.api': 'API documentation',
    'home.title': 'Latest activity',
    'home.empty': 'Nothing to see yet.',
    'home.more': 'Load more',
    'item.by': 'by {name}',
    'auth.signIn.title': 'Sign in',
    'auth.signUp.title': 'Create an account',
    'auth.email': 'E-mail address',
    'auth.password': 'Password',
    'auth.password.hint': 'At least 10 characters.',
    'auth.name': 'Name',
    'auth.name.missing': 'Enter your name.',
    'auth.email.invalid': 'Enter a valid e-mail address, like name@example.org.',
    'auth.password.short': 'Choose a password of at least 10 characters.',
    'auth.haveAccount': 'Already have an account? Sign in.',
    'auth.submit.signIn': 'Sign in',
    'auth.submit.signUp': 'Create account',
    'auth.submit.signOut': 'Sign out',
    'auth.noAccount': 'No account yet? Create one.',
    'auth.forgot': 'Forgot your password?',
    'auth.registered': 'Your account is ready. You can sign in now.',
    'auth.verifySent': 'Your account is ready. Confirm your e-mail address with the link we sent you.',
    'error.title': 'Something went wrong',
    'error.fix': 'Correct the marked fields.',
    'notFound.title': 'Not found',
  },
}
