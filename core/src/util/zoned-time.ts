// Form times ("2025-12-05T14:00" from a datetime-local field) in a time zone, and back: for plugins whose
// forms ask for a wall-clock time in a named zone (events, the intranet's announcements).

/** The wall-clock parts of an instant in a time zone, as if they were UTC (for offset arithmetic). */
function wallAsUtc(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(instant)
      .map(p => [p.type, p.value]),
  )
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second))
}

/** A form's "2025-12-05T14:00" in a time zone as an instant (daylight saving time included); undefined when not a time. */
export function zonedTime(local: string, timeZone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local.trim())
  if (!m) return undefined
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]))
  if (Number.isNaN(wall)) return undefined
  let guess = wall - (wallAsUtc(wall, timeZone) - wall)
  guess = wall - (wallAsUtc(guess, timeZone) - guess)
  return new Date(guess)
}

/** An instant as the form's "2025-12-05T14:00" in a time zone. */
export function localInput(instant: Date, timeZone: string): string {
  return new Date(wallAsUtc(instant.getTime(), timeZone)).toISOString().slice(0, 16)
}
