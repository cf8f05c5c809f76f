// IDX files (the MNIST and Fashion-MNIST distribution format), gzipped or not: unsigned-byte arrays with their shape.
import { gunzipSync } from "fflate";
import { VleError } from "../../../circuits/errors.js";
import { checkFileSize, dataBudget } from "./arrays.js";
import { readBounded } from "../../../circuits/read.js";

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Reads an IDX file of unsigned bytes (type 0x08), gunzipping it when it starts with gzip's magic bytes. */
export function readIdx(path: string): IdxArray {
  checkFileSize(path);
  let bytes: Uint8Array = readBounded(path, dataBudget.fileBytes);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new VleError(`${path}: not a readable gzip file (${(err as Error).message}); download it again`);
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0 || bytes[2] !== 0x08)
    throw new VleError(
      `${path}: not an IDX file of unsigned bytes (magic 0x0000 08 nn); give the MNIST files as distributed`,
    );
  const dims = bytes[3];
  if (dims < 1 || bytes.length < 4 + 4 * dims)
    throw new VleError(`${path}: IDX header with ${dims} dimensions is cut short`);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((n, d) => n * d, 1);
  if (count > dataBudget.elements)
    throw new VleError(
      `${path}: IDX shape [${shape}] has more than ${dataBudget.elements} elements; not an MNIST file`,
    );
  const start = 4 + 4 * dims;
  if (bytes.length - start !== count)
    throw new VleError(
      `${path}: IDX shape [${shape}] needs ${count} bytes of data, the file has ${bytes.length - start}; download it again`,
    );
  return { shape, data: bytes.subarray(start) };
}
