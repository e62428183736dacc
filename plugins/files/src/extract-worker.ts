// The worker thread of extract.ts: parses one file and answers its text (or the error) once.
import { parentPort, workerData } from 'node:worker_threads'
import { parse } from './extract.js'

const { bytes, mime, maxInputBytes } = workerData as { bytes: Uint8Array; mime: string; maxInputBytes: number }
parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), mime, maxInputBytes).then(
  text => parentPort!.postMessage({ text }),
  (error: unknown) => parentPort!.postMessage({ error: String((error as Error)?.message ?? error) }),
)
