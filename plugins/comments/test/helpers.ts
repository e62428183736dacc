// Shared by the comments plugin's tests: problem answers in the ADR form.
import { expect } from 'chai'
import type { TestResponse } from '@plein/testing'

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** An application/problem+json answer with this status (and code); returns its body. */
export function expectProblem(res: TestResponse, status: number, code?: string): any {
  expect(res.status, res.text).to.equal(status)
  expect(String(res.headers['content-type'])).to.match(/^application\/problem\+json/)
  expect(res.body).to.include({ status })
  expect(res.body.title).to.be.a('string').and.not.equal('')
  expect(res.body.detail).to.be.a('string').and.not.equal('')
  if (code !== undefined) expect(res.body.code).to.equal(code)
  return res.body
}

/** A 400 in the ADR form that names at least these `[in, pointer-or-name]` locations. */
export function expectInvalid(res: TestResponse, locations: Array<[string, string]>): any[] {
  const body = expectProblem(res, 400)
  expect(body.errors, res.text).to.be.an('array').that.is.not.empty
  for (const e of body.errors) {
    expect(e).to.have.all.keys('in', 'location', 'detail', 'code')
    expect(e.detail).to.be.a('string').and.not.equal('')
  }
  const seen = body.errors.map((e: any) => [e.in, e.location.pointer ?? e.location.name])
  for (const l of locations) expect(seen, res.text).to.deep.include(l)
  return body.errors
}
