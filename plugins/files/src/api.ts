// What other plugins may use of the files plugin: its hooks and types.
import { createServiceRef, decision, defineHooks, event, type Site, type Viewer } from '@plein/core'
import type { Readable } from 'node:stream'
import type { KeyProvider } from './crypto/keys.js'

export type { KeyProvider } from './crypto/keys.js'

export interface UploadCandidate {
  fileId: string
  name: string
  size: number
  sha256: string
  mime: string
  /** The plaintext, streamed again from storage (decrypted). */
  open(): Readable
}

export const filesHooks = defineHooks('files', () => ({
  scan: decision<[UploadCandidate, Viewer, Site], { reason: string }>({
    since: '1.0.0',
    description: 'Before a new file version becomes visible: answer { reason } to refuse it (e.g. a virus scanner tapping clamd).',
  }),
  uploaded: event<[{ fileId: string; version: number; size: number; mime: string }, Site]>({ since: '1.0.0', description: 'A file version was stored and is visible.' }),
}))

export interface FileSettings {
  quotaPerUserBytes: number
  quotaPerGroupBytes: number
  quotaPerSiteBytes: number
  trashDays: number
  maxUploadBytes: number
  stripImageMetadata: boolean
  uploadExpiryHours: number
  indexContents: boolean
  indexMaxInputBytes: number
}

/** Site-key operations for tools outside the plugin (`plein files rotate-key`): found by id, no import needed. */
export interface FilesKeysService {
  /** Re-wraps every file key of the site with a new site-key version (the key provider's); no content is re-encrypted. */
  rotate(site: Site): Promise<{ version: number; rewrapped: number }>
}
export const filesKeysServiceRef = createServiceRef<FilesKeysService>('files.keys')

/**
 * The plug point for a key-management service: a plugin that lists "files" in its dependencies provides a
 * KeyProvider here (`ctx.provide(filesKeyProviderRef, () => myKms)`); without one, site keys are derived from
 * PLEIN_SECRET. See docs/files.md §10 for switching providers on an installation that has files.
 */
export const filesKeyProviderRef = createServiceRef<KeyProvider>('files.keyProvider', { pluggable: true })
