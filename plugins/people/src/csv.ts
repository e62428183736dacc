// CSV as RFC 4180 has it: quoted fields with doubled quotes, line breaks inside quotes, CRLF (or LF) between
// records, an optional UTF-8 byte order mark. Also the semicolon-separated files Dutch spreadsheets write.

export interface CsvParseError {
  /** The record (1: the header) where the problem is. */
  row: number
  reason: string
}

export interface CsvParsed {
  /** Records in order, each with its record number (1-based; a record may span several lines). */
  records: Array<{ row: number; values: string[] }>
  delimiter: ',' | ';'
  error?: CsvParseError
}

/**
 * Parses CSV text. The delimiter is a comma, or a semicolon when the first line has semicolons and no commas.
 * Blank lines are skipped. Stops at the first malformed record (an unclosed quote, text after a closing quote,
 * a quote inside an unquoted field) and reports it.
 */
export function parseCsv(input: string): CsvParsed {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input
  const delimiter = sniffDelimiter(text)
  const records: CsvParsed['records'] = []
  let values: string[] = []
  let field = ''
  // The current field was quoted: a lone "" is an empty value, not a blank line.
  let quoted = false
  // Rows are counted as a spreadsheet shows them: blank lines too, a value with line breaks as one.
  let row = 1
  const endField = () => {
    values.push(field)
    field = ''
    quoted = false
  }
  const endRecord = () => {
    const blank = values.length === 0 && field === '' && !quoted
    endField()
    if (!blank) records.push({ row, values })
    row++
    values = []
  }
  const n = text.length
  let i = 0
  while (i < n) {
    const c = text[i]!
    if (c === '"' && field === '' && !quoted) {
      // A quoted field: up to the quote that is not doubled.
      let j = i + 1
      let out = ''
      for (;;) {
        const q = text.indexOf('"', j)
        if (q < 0) return { records, delimiter, error: { row, reason: 'a quoted value is never closed' } }
        out += text.slice(j, q)
        j = q + 1
        if (text[j] !== '"') break
        out += '"'
        j++
      }
      const next = text[j]
      if (next !== undefined && next !== delimiter && next !== '\r' && next !== '\n') {
        return { records, delimiter, error: { row, reason: 'text after a closing quote (quote the whole value, and double the quotes inside it)' } }
      }
      field = out
      quoted = true
      i = j
    } else if (c === delimiter) {
      endField()
      i++
    } else if (c === '\r' || c === '\n') {
      endRecord()
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1
    } else if (c === '"' || quoted) {
      return { records, delimiter, error: { row, reason: 'a quote inside a value that does not start with a quote (quote the whole value)' } }
    } else {
      // Plain text up to the next special character, in one slice.
      let j = i + 1
      while (j < n) {
        const d = text[j]!
        if (d === delimiter || d === '\r' || d === '\n' || d === '"') break
        j++
      }
      field += text.slice(i, j)
      i = j
    }
  }
  if (values.length > 0 || field !== '' || quoted) endRecord()
  return { records, delimiter }
}

/** Semicolons when the first record has some outside quotes and no commas; else commas. */
function sniffDelimiter(text: string): ',' | ';' {
  let quoted = false
  let commas = 0
  let semicolons = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') quoted = !quoted
    else if (quoted) continue
    else if (c === ',') commas++
    else if (c === ';') semicolons++
    else if (c === '\r' || c === '\n') break
  }
  return semicolons > 0 && commas === 0 ? ';' : ','
}

/** One value as a CSV field: quoted when it holds a delimiter, quote, line break or edge spaces. */
export function csvField(value: string): string {
  return /[",;\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/** One record: comma-separated fields and CRLF, as RFC 4180 writes it. */
export function csvRecord(values: readonly string[]): string {
  return values.map(csvField).join(',') + '\r\n'
}

/** The byte order mark spreadsheets need to read UTF-8 CSV as UTF-8. */
export const BOM = '\uFEFF'
