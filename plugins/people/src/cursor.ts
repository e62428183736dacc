// The sort keys this plugin's cursors carry (encodeKey/decodeKey from @plein/core check them).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** [sort text, uuid] */
export const isTextKey = (v: unknown[]): v is [string, string] =>
  v.length === 2 && typeof v[0] === 'string' && v[0].length <= 1000 && typeof v[1] === 'string' && UUID.test(v[1])

