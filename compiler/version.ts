// The toolchain version, read once from package.json; stamped into every circuit's provenance by the compiler.
import { readFileSync } from "node:fs";

/** Walks up from this module (source, dist/ or a test build below dist/) to the project's package.json. */
function read(): string {
  for (
    let url = new URL("../package.json", import.meta.url), depth = 0;
    depth < 4;
    url = new URL("../package.json", url), depth++
  ) {
    try {
      const manifest = JSON.parse(readFileSync(url, "utf8")) as { name?: string; version: string };
      if (manifest.name === "vle") return manifest.version;
    } catch {
      // not at this level: go up one directory
    }
  }
  return "unknown";
}

export const version = read();
