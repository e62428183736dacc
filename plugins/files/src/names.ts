// File and folder names: what people type, minus what breaks file systems and protocols.
import { HttpProblem } from '@plein/core'

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
