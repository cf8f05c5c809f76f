// Pass 'emit': writes the chip the hardware passes decided into the circuit and stamps its provenance (source path, sha256 of the source text, compiler version, sha256 of the technology card).
import { createHash } from "node:crypto";
import { assembleChip } from "../chip.js";
import { definePass } from "../pass.js";
import { version } from "../version.js";

export const emit = definePass({
  name: "emit",
  needs: ["source", "circuit", "target", "grids", "layout", "routes", "timing"],
  run({ source, circuit, target, grids, layout, routes, timing }) {
    if (target) {
      if (!grids || !layout || !routes || !timing)
        throw new Error(
          "compiler pipeline: a target without grids, layout, routes or timing (a hardware pass is missing)",
        );
      circuit.hardware = assembleChip(circuit, target, grids, layout, routes, timing);
    }
    circuit.provenance = {
      source: source.file,
      sourceSha256: createHash("sha256").update(source.text, "utf8").digest("hex"),
      compilerVersion: version,
      cardSha256: target?.card.sha256 ?? "",
    };
    return undefined;
  },
});
