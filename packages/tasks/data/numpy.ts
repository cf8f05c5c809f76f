// numpy files: .npz archives of named arrays (stored or deflated) and single .npy arrays, parsed by npyjs, unzipped by fflate.
import { unzipSync } from "fflate";
import { parse } from "npyjs";
import { VleError } from "../../../circuits/errors.js";
import { checkFileSize, dataBudget, toFloat64, type Arrays, type NamedArray } from "./arrays.js";
import { readBounded } from "../../../circuits/read.js";

/** One .npy image as an array named `name`; C order only, numeric dtypes only. */
function parseNpy(file: string, name: string, bytes: Uint8Array): NamedArray {
  let array: ReturnType<typeof parse>;
  try {
    const own = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    array = parse(own);
  } catch (err) {
    throw new VleError(
      `${file}: array '${name}' is not a readable .npy (${(err as Error).message}); save it with numpy.save`,
    );
  }
  if (array.fortranOrder)
    throw new VleError(`${file}: array '${name}' is in Fortran order; save numpy.ascontiguousarray(${name}) instead`);
  if (/^[Uc]/.test(array.dtype))
    throw new VleError(`${file}: array '${name}' has dtype ${array.dtype}; give real numbers (float or int)`);
  return toFloat64(file, name, array.shape, array.data as unknown as ArrayLike<number | bigint>);
}

/** Every array of an .npz archive (numpy.savez or numpy.savez_compressed), by name without '.npy'. */
export function readNpz(path: string): Arrays {
  checkFileSize(path);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readBounded(path, dataBudget.fileBytes));
  } catch (err) {
    throw new VleError(`${path}: not a readable .npz archive (${(err as Error).message}); save it with numpy.savez`);
  }
  const arrays: Arrays = new Map();
  for (const [entry, bytes] of Object.entries(entries)) {
    if (!entry.endsWith(".npy")) continue;
    const name = entry.slice(0, -4);
    arrays.set(name, parseNpy(path, name, bytes));
  }
  return arrays;
}

/** One .npy file as the array `name`. */
export function readNpy(path: string, name: string): NamedArray {
  checkFileSize(path);
  return parseNpy(path, name, readBounded(path, dataBudget.fileBytes));
}
