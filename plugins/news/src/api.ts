// What other plugins may use of the news plugin.
import { createServiceRef, type Site } from '@plein/core'

export interface NewsService {
  /** Whether an account is a news editor on a site (site administrators always are). */
  isEditor(site: Site, accountId: string): Promise<boolean>
}

export const newsServiceRef = createServiceRef<NewsService>('news.editors')
