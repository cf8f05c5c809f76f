// File output that is never half-written: write to a temporary file beside the target, then rename.
import writeFileAtomicLib from "write-file-atomic";
import { VleError } from "./errors.js";

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  try {
    writeFileAtomicLib.sync(
      path,
      typeof data === "string" ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
  } catch (err) {
    throw new VleError(`${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
