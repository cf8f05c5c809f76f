// The toolchain version, read once from package.json; stamped into every circuit's provenance by the compiler.
import { readFileSync } from "node:fs";

const manifest = new URL("../../../package.json", import.meta.url);
const fallback = new URL("../../package.json", import.meta.url);

function read(): string {
  for (const url of [manifest, fallback]) {
    try {
      return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
    } catch {
      // the other location applies (built dist/ versus source run through vitest)
    }
  }
  return "unknown";
}

export const version = read();
