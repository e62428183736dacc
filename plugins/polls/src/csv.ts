// CSV (RFC 4180) for the results export, safe to open in a spreadsheet.

/**
 * One cell. Quoted when it holds a comma, quote or line break; a leading =, +, -, @, tab or carriage
 * return gets an apostrophe first, so a spreadsheet shows the text instead of running it as a formula
 * (answers come from anyone).
 */
export function csvCell(value: string | number): string {
  let text = String(value)
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export const csvRow = (cells: Array<string | number>) => cells.map(csvCell).join(',') + '\r\n'

/** A byte order mark first: spreadsheet programs then read the file as UTF-8 (ë, é, ĳ …). */
export const CSV_BOM = '\uFEFF'
