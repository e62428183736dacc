// A form generated from a JSON Schema (a plugin's settings): fields named by JSON Pointer, read back into a
// value for ajv, and ajv's errors placed next to the field their pointer names. Any plugin gets a form for free.
import type { VNode } from 'preact'
import { describedBy, FormField } from './layout.js'
import type { View } from './registry.js'

type Schema = Record<string, any>

export interface SchemaFormProps {
  /** An object schema (a plugin's `settings`). */
  schema: unknown
  /** The current value (missing fields show the schema's default). */
  value?: unknown
  /** Problems by JSON Pointer relative to the schema's root (e.g. `/defaultMembership`). */
  errors?: Record<string, string>
  /** Prefix of every field name, unique in the page (e.g. `settings:groups`); a field is `<prefix><pointer>`. */
  prefix: string
  /** Read-only form (e.g. settings a site builder set in site.json). */
  disabled?: boolean
}

type Kind = 'string' | 'enum' | 'boolean' | 'integer' | 'number' | 'list' | 'object' | 'json'

const typeOf = (s: Schema): string | undefined => (Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type)

/** How a schema is shown: a text box, a choice, a check box, a number, lines of a list, a group, or JSON. */
export function kindOf(s: Schema): Kind {
  if (Array.isArray(s.enum)) return 'enum'
  const t = typeOf(s)
  if (t === 'string') return 'string'
  if (t === 'boolean') return 'boolean'
  if (t === 'integer' || t === 'number') return t
  if (t === 'array') {
    const items = (s.items ?? {}) as Schema
    const it = typeOf(items)
    return Array.isArray(items.enum) || it === 'string' || it === 'integer' || it === 'number' ? 'list' : 'json'
  }
  if ((t === 'object' || (t === undefined && s.properties)) && s.properties && Object.keys(s.properties).length > 0) return 'object'
  return 'json'
}

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1')
const at = (value: unknown, key: string) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined)
const fieldId = (name: string) => `sf-${name.replace(/[^A-Za-z0-9_-]/g, c => `_${c.charCodeAt(0).toString(16)}`)}`
const humanize = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, c => c.toUpperCase())

/** The pointers of every field the form shows (leaves: everything but groups). */
function leaves(s: Schema, pointer = ''): string[] {
  if (kindOf(s) !== 'object') return [pointer]
  return Object.entries(s.properties as Record<string, Schema>).flatMap(([k, sub]) => leaves(sub ?? {}, `${pointer}/${escape(k)}`))
}

/** Each problem to the field its pointer is in (the longest field pointer that starts it); the rest stay on the form. */
export function placeErrors(schema: unknown, errors: Record<string, string> = {}): { byField: Record<string, string>; unplaced: string[] } {
  const fields = leaves((schema ?? {}) as Schema).sort((a, b) => b.length - a.length)
  const byField: Record<string, string> = {}
  const unplaced: string[] = []
  for (const [pointer, detail] of Object.entries(errors)) {
    const field = fields.find(f => f !== '' && (pointer === f || pointer.startsWith(`${f}/`)))
    if (field === undefined) unplaced.push(pointer ? `${pointer}: ${detail}` : detail)
    else byField[field] = byField[field] ? `${byField[field]}; ${detail}` : detail
  }
  return { byField, unplaced }
}

function convertScalar(raw: string, s: Schema): unknown {
  const t = typeOf(s)
  if (Array.isArray(s.enum)) return s.enum.find((v: unknown) => String(v) === raw) ?? raw
  if (t === 'integer' || t === 'number') {
    const n = Number(raw.trim())
    // Not a number: keep the text, so ajv names this field ("must be integer").
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw
  }
  return raw
}

/**
 * Reads the posted fields of a generated form back into a value: empty fields are left out (so defaults
 * apply and `required` names them), numbers and list lines are converted, invalid text is kept for ajv.
 */
export function readSchemaForm(schema: unknown, fields: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const read = (s: Schema, pointer: string): unknown => {
    const kind = kindOf(s)
    if (kind === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, sub] of Object.entries(s.properties as Record<string, Schema>)) {
        const v = read(sub ?? {}, `${pointer}/${escape(k)}`)
        if (v !== undefined) out[k] = v
      }
      return pointer === '' || Object.keys(out).length > 0 ? out : undefined
    }
    const raw = fields[`${prefix}${pointer}`]
    if (typeof raw !== 'string') return undefined
    if (kind === 'boolean') return raw === 'true' || raw === 'on'
    if (kind === 'list') {
      return raw
        .split(/\r?\n/)
        .map(line => line.trim())
        .filter(line => line !== '')
        .map(line => convertScalar(line, (s.items ?? {}) as Schema))
    }
    if (raw.trim() === '') return undefined
    if (kind === 'json') {
      try {
        return JSON.parse(raw)
      } catch {
        return raw
      }
    }
    return convertScalar(kind === 'string' ? raw : raw.trim(), s)
  }
  return (read((schema ?? {}) as Schema, '') ?? {}) as Record<string, unknown>
}

export const SchemaForm: View<SchemaFormProps> = ({ ui, schema, value, errors, prefix, disabled }) => {
  const root = (schema ?? {}) as Schema
  const { byField, unplaced } = placeErrors(root, errors)
  const required = (s: Schema) => new Set<string>(Array.isArray(s.required) ? s.required : [])

  const field = (s: Schema, pointer: string, key: string, current: unknown, isRequired: boolean): VNode => {
    const kind = kindOf(s)
    const label = String(s.title ?? humanize(key))
    if (kind === 'object') {
      const req = required(s)
      return (
        <fieldset class="plein-fieldset">
          <legend class="utrecht-form-label">{label}</legend>
          {s.description ? <p class="utrecht-form-field-description">{String(s.description)}</p> : null}
          {Object.entries(s.properties as Record<string, Schema>).map(([k, sub]) => field(sub ?? {}, `${pointer}/${escape(k)}`, k, at(current, k), req.has(k)))}
        </fieldset>
      )
    }
    const name = `${prefix}${pointer}`
    const id = fieldId(name)
    const error = byField[pointer]
    const shown = current === undefined ? s.default : current
    const hints = [s.description ? String(s.description) : '', kind === 'list' ? ui.t('form.onePerLine') : '', kind === 'json' ? ui.t('form.json') : ''].filter(Boolean).join(' ')
    const described = describedBy(id, hints, error)
    const invalid = error ? 'true' : undefined
    let control: VNode
    if (kind === 'boolean') {
      return (
        <div class={`utrecht-form-field utrecht-form-field--checkbox${error ? ' utrecht-form-field--invalid' : ''}`}>
          {/* Unchecked boxes send nothing: the hidden field says "false", the box (later, so it wins) "true". */}
          <input type="hidden" name={name} value="false" disabled={disabled} />
          <input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" id={id} name={name} value="true" checked={shown === true} disabled={disabled} aria-invalid={invalid} aria-describedby={described} />{' '}
          <label class="utrecht-form-label utrecht-form-label--checkbox" for={id}>
            {label}
          </label>
          {hints ? <p class="utrecht-form-field-description" id={`${id}-hint`}>{hints}</p> : null}
          {error ? <p class="utrecht-form-field-error-message plein-field-error" id={`${id}-error`}>{error}</p> : null}
        </div>
      )
    }
    if (kind === 'enum') {
      control = (
        <select class="utrecht-select utrecht-select--html-select" id={id} name={name} disabled={disabled} aria-invalid={invalid} aria-describedby={described}>
          {isRequired && shown !== undefined ? null : <option value="">—</option>}
          {(s.enum as unknown[]).map(v => (
            <option value={String(v)} selected={shown !== undefined && String(shown) === String(v)}>
              {String(v)}
            </option>
          ))}
        </select>
      )
    } else if (kind === 'list' || kind === 'json') {
      const text = shown === undefined ? '' : kind === 'list' && Array.isArray(shown) ? shown.map(String).join('\n') : typeof shown === 'string' ? shown : JSON.stringify(shown, null, 2)
      control = (
        <textarea class="utrecht-textarea" id={id} name={name} rows={4} disabled={disabled} aria-invalid={invalid} aria-describedby={described}>
          {text}
        </textarea>
      )
    } else {
      const type = kind === 'integer' || kind === 'number' ? 'number' : s.format === 'email' ? 'email' : s.format === 'uri' ? 'url' : 'text'
      control = (
        <input
          class={`utrecht-textbox utrecht-textbox--html-input${error ? ' utrecht-textbox--invalid' : ''}`}
          id={id}
          name={name}
          type={type as 'text'}
          step={kind === 'integer' ? '1' : kind === 'number' ? 'any' : undefined}
          value={shown === undefined || shown === null ? '' : String(shown)}
          disabled={disabled}
          aria-invalid={invalid}
          aria-describedby={described}
        />
      )
    }
    return (
      <FormField id={id} label={label} hint={hints} error={error}>
        {control}
      </FormField>
    )
  }

  const kind = kindOf(root)
  const req = required(root)
  return (
    <>
      {unplaced.length > 0 ? ui.view('kernel.alert', { kind: 'error', text: unplaced.join('; ') }) : null}
      {kind === 'object'
        ? Object.entries(root.properties as Record<string, Schema>).map(([k, sub]) => field(sub ?? {}, `/${escape(k)}`, k, at(value, k), req.has(k)))
        : field(root, '', prefix, value, false)}
    </>
  )
}

/** A plugin in a form that switches plugins on and off, with its settings (as stored, or as just posted). */
export interface PluginChoice {
  id: string
  version: string
  /** Ids of the plugins it needs. */
  dependencies: string[]
  /** Its settings schema (no form when it has no properties). */
  schema: Record<string, any>
  on: boolean
  settings: unknown
  /** Why it cannot be on or off like this (e.g. a missing dependency): shown at its check box. */
  error?: string
  /** Problems in its settings by JSON Pointer. */
  settingsErrors?: Record<string, string>
}

export interface PluginSettingsProps {
  plugin: PluginChoice
  /** Put before the plugin's id as the prefix of its settings fields (`view:` gives `view:<id>/<field>`). */
  prefix: string
  /** Whether the settings start unfolded (they always do when they have errors). */
  open?: boolean
  /** A remark after the version in the heading (e.g. "changed here"). */
  note?: string
  /** Catalogue keys of the texts: the check box's label ({id}), the needs hint ({names}), the settings' summary ({id}). */
  messages?: { on: string; needs: string; settings: string }
}

const pluginMessages = { on: 'admin.plugins.onLabel', needs: 'admin.plugins.needs', settings: 'admin.plugins.settingsOf' }

/** One plugin's fieldset: an on/off check box (`plugin:<id>`, "false" when unchecked) and its generated settings form. */
export const PluginSettings: View<PluginSettingsProps> = ({ ui, plugin: p, prefix, open = false, note, messages = pluginMessages }) => {
  const id = `field-plugin-${p.id}`
  const hasSettings = p.schema && p.schema.properties && Object.keys(p.schema.properties).length > 0
  const described = describedBy(id, p.dependencies.length > 0, p.error)
  return (
    <fieldset class="plein-fieldset">
      <legend class="utrecht-heading-3">
        {p.id} <span class="plein-meta">{p.version}</span>
        {note ? <span class="plein-meta"> · {note}</span> : null}
      </legend>
      <div class={`utrecht-form-field utrecht-form-field--checkbox${p.error ? ' utrecht-form-field--invalid' : ''}`}>
        <input type="hidden" name={`plugin:${p.id}`} value="false" />
        <input class="utrecht-checkbox utrecht-checkbox--html-input" type="checkbox" id={id} name={`plugin:${p.id}`} value="true" checked={p.on} aria-invalid={p.error ? 'true' : undefined} aria-describedby={described} />{' '}
        <label class="utrecht-form-label utrecht-form-label--checkbox" for={id}>
          {ui.t(messages.on, { id: p.id })}
        </label>
        {p.dependencies.length > 0 ? (
          <p class="utrecht-form-field-description" id={`${id}-hint`}>
            {ui.t(messages.needs, { names: p.dependencies.join(', ') })}
          </p>
        ) : null}
        {p.error ? (
          <p class="utrecht-form-field-error-message plein-field-error" id={`${id}-error`}>
            {p.error}
          </p>
        ) : null}
      </div>
      {hasSettings ? (
        <details open={open || Boolean(p.settingsErrors)}>
          <summary class="utrecht-link">{ui.t(messages.settings, { id: p.id })}</summary>
          {ui.view('kernel.schemaForm', { schema: p.schema, value: p.settings, errors: p.settingsErrors, prefix: `${prefix}${p.id}` })}
        </details>
      ) : null}
    </fieldset>
  )
}
