// Reading what users hand us within budgets: regular files (or pipes) up to a byte cap, UTF-8 text only, JSON of bounded depth without duplicate keys.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { VleError } from "./errors.js";

/** Byte caps: text must fit one JavaScript string with room to parse it; circuits are binary protobuf. */
export const TEXT_LIMIT = 256 * 2 ** 20;
export const BINARY_LIMIT = 1024 * 2 ** 20;
/** Deepest nesting of arrays and objects a JSON file may have (circuits need 4, tables 2). */
export const JSON_DEPTH_LIMIT = 64;

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 3 : 0)} MiB`;

/**
 * Reads a whole file of at most `limit` bytes. Regular files and pipes are read; devices (/dev/zero,
 * /dev/urandom), directories and sockets are refused, and a pipe that keeps giving is cut at the cap.
 */
export function readBounded(path: string, limit = BINARY_LIMIT): Buffer {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new VleError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new VleError(`${path}: is a directory; give a file`);
    if (!stat.isFile() && !stat.isFIFO())
      throw new VleError(`${path}: not a regular file (a device or socket); give a file`);
    const tooLarge = () =>
      new VleError(`${path}: larger than ${mib(limit)}, the most this reader takes; give a smaller file`);
    if (stat.isFile() && stat.size > limit) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        throw new VleError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
      if (total > limit) throw tooLarge();
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** Decodes UTF-8 text: a byte-order mark is dropped, NUL bytes (UTF-16, binary files) and invalid UTF-8 are refused. */
export function decodeText(bytes: Uint8Array, path: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new VleError(`${path}: not UTF-8 text; save it as UTF-8`);
  }
  if (text.includes("\0"))
    throw new VleError(`${path}: contains NUL bytes (UTF-16 or a binary file?); save it as UTF-8 text`);
  return text;
}

/** Reads a UTF-8 text file of at most `limit` bytes (see readBounded and decodeText). */
export function readText(path: string, limit = TEXT_LIMIT): string {
  return decodeText(readBounded(path, limit), path);
}

/**
 * Parses JSON text after checking, in one pass, that it nests at most `JSON_DEPTH_LIMIT` deep and that no object
 * names a key twice (JSON.parse would keep the last silently).
 */
export function parseJson(text: string, path: string): unknown {
  const keys: (Set<string> | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: find its end, and if it is a key (followed by ':'), check it against its object's keys
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      const object = keys[keys.length - 1];
      if (text[j] === ":" && object) {
        let key: string;
        try {
          key = JSON.parse(text.slice(start, i + 1));
        } catch {
          break; // malformed: JSON.parse below says where
        }
        if (object.has(key))
          throw new VleError(`${path}: key ${JSON.stringify(key)} appears twice in one object; keep one`);
        object.add(key);
      }
    } else if (c === 0x7b || c === 0x5b) {
      keys.push(c === 0x7b ? new Set() : undefined);
      if (keys.length > JSON_DEPTH_LIMIT)
        throw new VleError(`${path}: nested more than ${JSON_DEPTH_LIMIT} levels deep; no vle file nests that deep`);
    } else if (c === 0x7d || c === 0x5d) keys.pop();
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new VleError(`${path}: invalid JSON (${(err as Error).message})`);
  }
}
