// What other plugins may use of the wiki plugin: the shapes of a page and a revision as the API shows them.
import type { ItemJson } from '@plein/core'

/** A wiki page: a content item (`type: "wiki"`) plus its body and place in the tree. */
export type WikiPageJson = ItemJson & {
  /** Sanitized HTML; pages link to each other as `<a href="/wiki/<id>">`. */
  body: string
  /** The parent page, or null at the top (also when the viewer may not read the parent). */
  parentId: string | null
  /** The number of the current revision (also the page's ETag). */
  revision: number
}

export interface WikiRevisionJson {
  rev: number
  title: string
  summary: string
  author: Record<string, string> | null
  createdAt: Date
  /** The revision this one restored, if it is a restore. */
  restoredFrom: number | null
  /** Only when one revision is asked for. */
  body?: string
}

/**
 * The pages a (sanitized) body links to: relative links to `/wiki/<uuid>`, optionally with a query or fragment.
 * Pages link by id, so links survive renames and moves.
 */
export function wikiLinkTargets(html: string): string[] {
  const found = new Set<string>()
  for (const m of html.matchAll(/<a\s[^>]*?href="\/wiki\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?:[?#][^"]*)?"/g)) {
    found.add(m[1]!.toLowerCase())
  }
  return [...found]
}
