// File and folder names: what people type, minus what breaks file systems and protocols.
import { HttpProblem, problems } from '@plein/core'

export function checkName(raw: string, pointer = '/name', where: 'body' | 'path' = 'body'): string {
  const name = raw.normalize('NFC').trim()
  const bad = (detail: string) =>
    new HttpProblem({
      status: 400,
      detail: `The name ${detail}.`,
      code: 'INVALID_NAME',
      errors: [where === 'body' ? { in: 'body', location: { pointer }, detail, code: 'name' } : { in: 'path', location: { name: 'name' }, detail, code: 'name' }],
    })
  if (name.length === 0) throw bad('is empty')
  if (name.length > 255) throw bad('is longer than 255 characters')
  if (name === '.' || name === '..') throw bad('cannot be "." or ".."')
  // eslint-disable-next-line no-control-regex
  if (/[\/\\\u0000-\u001f\u007f]/.test(name)) throw bad('contains / \\ or control characters')
  return name
}

/**
 * Two requests that create the same name in one folder at the same moment both pass the check before their
 * transaction; the unique index stops the second. That is a 409 for its client, not a server error.
 */
export function nameClash(error: unknown, name: string): unknown {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } }
  const code = e?.code ?? e?.driverError?.code
  const constraint = e?.constraint ?? e?.driverError?.constraint
  if (code === '23505' && (constraint === undefined || constraint === 'files_node_name')) {
    return problems.conflict(`"${name}" appeared in this folder at the same moment; try again.`, { code: 'NAME_TAKEN' })
  }
  return error
}
