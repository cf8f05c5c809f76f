// compiles-faithfully tells a network that amplifies rounding apart from a compiler pass that changed the circuit:
// the first is reported as the network's own instability (the property holds), the second fails with the evidence.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { definePass, passes } from "../compiler/index.js";
import { loadTarget, verify } from "../packages/verify/index.js";

const dir = mkdtempSync(join(tmpdir(), "vle-amplify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) => `test/fixtures/verify-${name}.yaml`;

describe("compiles-faithfully: amplified rounding or a change of meaning", () => {
  it("an unstable error loop (gain ~4) parts engine and oracle by amplifying rounding: said so, and the property holds", () => {
    const r = verify(loadTarget(fixture("bad-error-loop")), {
      properties: ["compiles-faithfully", "settles"],
      runs: 20,
      outDir: dir,
    });
    const faithful = r.results.find((x) => x.property === "compiles-faithfully")!,
      settles = r.results.find((x) => x.property === "settles")!;
    expect(faithful.status).toBe("passed");
    expect(faithful.details!.amplifiedDrives).toBeGreaterThan(0);
    expect(faithful.note).toMatch(
      /not a change of meaning but a chaotic or unstable network .* drifts [\d.e+-]+; see settles\)$/,
    );
    // the instability itself is settles' finding
    expect(settles.status).toBe("failed");
    expect(settles.counterexample!.failure.message).toMatch(/error cells' loop/);
  });

  it("a pass that rounds the weights to float32, on a stable network, is a change of meaning, with the evidence", () => {
    const pipeline = passes.flatMap((p) =>
      p.name === "emit"
        ? [
            p,
            definePass({
              name: "faulty emit",
              needs: ["circuit"],
              run: ({ circuit }) => {
                for (const x of circuit.crossbars) x.weights = x.weights.map(Math.fround);
                return undefined;
              },
            }),
          ]
        : [p],
    );
    const r = verify(loadTarget(fixture("good-features"), pipeline), {
      properties: ["compiles-faithfully"],
      runs: 100,
      outDir: dir,
    });
    expect(r.results[0].status).toBe("failed");
    expect(r.results[0].counterexample!.failure.message).toMatch(
      /a compiler pass changed the circuit's meaning \(not rounding amplified by the network: the circuit run against itself, nudged by 1e-15 at step 1, differs by only [\d.e+-]+ at step \d+, against a gap of [\d.e+-]+\)$/,
    );
  });
});
