// Pass 'emit': stamps the circuit's provenance (source path, sha256 of the source text, compiler version).
import { createHash } from "node:crypto";
import type { Pass } from "../pipeline.js";
import { version } from "../version.js";

export const emit: Pass = {
  name: "emit",
  run(c) {
    c.circuit!.provenance = {
      source: c.file,
      sourceSha256: createHash("sha256").update(c.text, "utf8").digest("hex"),
      compilerVersion: version,
    };
  },
};
