// Reads and validates sites/<name>/site.json against the published schema.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createAjv, fieldProblems } from '../validation/ajv.js'
import type { BootProblem } from '../plugins/errors.js'
import type { SiteContact } from '../tenancy/site.js'

export interface SiteConfig {
  $schema?: string
  name: string
  hosts: string[]
  publicUrl?: string
  admins?: string[]
  contact?: SiteContact
  settings?: Record<string, unknown>
  plugins: Record<string, { enabled?: boolean; settings?: Record<string, unknown> }>
}

export const siteSchemaPath = fileURLToPath(new URL('../../schema/site.schema.json', import.meta.url))
export const siteSchema = JSON.parse(readFileSync(siteSchemaPath, 'utf8'))

const validate = createAjv({ useDefaults: true }).compile<SiteConfig>(siteSchema)

export function validateSiteConfig(value: unknown, file = 'site.json'): { config?: SiteConfig; problems: BootProblem[] } {
  const copy = structuredClone(value)
  if (validate(copy)) return { config: copy, problems: [] }
  return {
    problems: fieldProblems(validate.errors).map(p => ({
      code: 'SITE_CONFIG_INVALID' as const,
      path: p.pointer,
      message: `${file}: ${p.pointer || '(root)'} ${p.detail}.`,
    })),
  }
}

export function loadSiteConfig(siteDir: string): { config?: SiteConfig; file: string; problems: BootProblem[] } {
  const file = path.join(siteDir, 'site.json')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return { file, problems: [{ code: 'SITE_CONFIG_INVALID', message: `There is no ${file}. A site folder holds a site.json that names its plugins.` }] }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { file, problems: [{ code: 'SITE_CONFIG_INVALID', message: `${file} is not valid JSON: ${(error as Error).message}` }] }
  }
  return { file, ...validateSiteConfig(json, file) }
}
