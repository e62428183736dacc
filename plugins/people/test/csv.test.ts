// The CSV reader and writer (RFC 4180): quotes, doubled quotes, line breaks in values, CRLF/LF, BOM, semicolons.
import { expect } from 'chai'
import fc from 'fast-check'
import { csvField, csvRecord, parseCsv } from '../src/csv.js'

const values = (text: string) => parseCsv(text).records.map(r => r.values)

describe('people: CSV', () => {
  it('reads RFC 4180: quoted values with delimiters, doubled quotes and line breaks', () => {
    const text = 'email,name,notes\r\na@x.nl,"Jansen, Piet","zegt ""hoi""\r\nen meer"\r\nb@x.nl,Kees,\r\n'
    expect(values(text)).to.deep.equal([
      ['email', 'name', 'notes'],
      ['a@x.nl', 'Jansen, Piet', 'zegt "hoi"\r\nen meer'],
      ['b@x.nl', 'Kees', ''],
    ])
  })

  it('numbers rows as a spreadsheet does: a value with line breaks is one row, blank lines count', () => {
    const parsed = parseCsv('a,b\n"1\n2",3\n\n4,5')
    expect(parsed.records.map(r => [r.row, r.values])).to.deep.equal([
      [1, ['a', 'b']],
      [2, ['1\n2', '3']],
      [4, ['4', '5']],
    ])
  })

  it('takes LF, CRLF and CR line ends, a byte order mark, and no line end at the end', () => {
    expect(values('\uFEFFa,b\n1,2')).to.deep.equal([['a', 'b'], ['1', '2']])
    expect(values('a,b\r1,2\r')).to.deep.equal([['a', 'b'], ['1', '2']])
    expect(values('a,b,\n,,')).to.deep.equal([['a', 'b', ''], ['', '', '']])
    expect(values('""\n')).to.deep.equal([['']])
  })

  it('reads semicolon-separated files (Dutch spreadsheets) when the header has semicolons and no commas', () => {
    const parsed = parseCsv('email;name;skills\nx@y.nl;"de Vries; Jan";a, b\n')
    expect(parsed.delimiter).to.equal(';')
    expect(parsed.records[1]!.values).to.deep.equal(['x@y.nl', 'de Vries; Jan', 'a, b'])
  })

  it('reports the row of a malformed value', () => {
    expect(parseCsv('a,b\n1,"open\n').error).to.deep.equal({ row: 2, reason: 'a quoted value is never closed' })
    expect(parseCsv('a,b\n1,"x"y\n').error?.row).to.equal(2)
    expect(parseCsv('a,b\n1,2\n3,x"y\n').error?.row).to.equal(3)
  })

  it('writes fields that need it in quotes, with quotes doubled, and CRLF after each record', () => {
    expect(csvField('plain')).to.equal('plain')
    expect(csvField('a,b')).to.equal('"a,b"')
    expect(csvField('a;b')).to.equal('"a;b"')
    expect(csvField('say "hi"')).to.equal('"say ""hi"""')
    expect(csvField('two\nlines')).to.equal('"two\nlines"')
    expect(csvField(' edge')).to.equal('" edge"')
    expect(csvRecord(['a', 'b,c', ''])).to.equal('a,"b,c",\r\n')
  })

  it('reads back whatever it writes (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ',', ';', '"', '\n', '\r', ' ', 'é', '€') })
    fc.assert(
      fc.property(fc.array(fc.array(text, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 10 }), records => {
        const width = records[0]!.length
        const rows = records.map(r => Array.from({ length: width }, (_, i) => r[i] ?? 'x'))
        // A record of one empty value is a blank line when written unquoted: give it content.
        const safe = rows.map(r => (r.length === 1 && r[0] === '' ? ['x'] : r))
        const parsed = parseCsv(safe.map(csvRecord).join(''))
        expect(parsed.error).to.equal(undefined)
        expect(parsed.records.map(r => r.values)).to.deep.equal(safe)
      }),
      { numRuns: 300 },
    )
  })
})
