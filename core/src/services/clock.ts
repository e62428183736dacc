// Time, behind an interface: scheduled publishing and expiry read it, so tests can move it.
export interface Clock {
  now(): Date
}

export const systemClock: Clock = Object.freeze({ now: () => new Date() })

/** A clock that stands still until told otherwise (tests). */
export class ManualClock implements Clock {
  private time: number
  constructor(start: Date | string | number = Date.now()) {
    this.time = new Date(start).getTime()
  }
  now(): Date {
    return new Date(this.time)
  }
  set(to: Date | string | number): void {
    this.time = new Date(to).getTime()
  }
  advance(ms: number): void {
    this.time += ms
  }
}
