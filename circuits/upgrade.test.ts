// Version-1 circuits (test/fixtures/v1, written by the v1 compiler) upgrade on load to what the v2 compiler makes.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileFile } from "../compiler/index.js";
import { readCircuit, toJSON } from "./codec.js";
import { Flow, IR_VERSION, PlasticityMode, PlasticityRule, Rounding } from "./model.js";
import { validate } from "./validate.js";

const v1 = (ext: string) => `test/fixtures/v1/tiled.${ext}`;

describe("reading version-1 circuits", () => {
  for (const ext of ["pb", "json"]) {
    it(`upgrades the v1 ${ext === "pb" ? "binary" : "JSON"} file to what compiling its description makes now`, () => {
      const notes: string[] = [];
      const old = readCircuit(v1(ext), (n) => notes.push(n));
      expect(notes).toEqual([
        expect.stringMatching(/^test\/fixtures\/v1\/tiled\.(pb|json): IR version 1, upgraded to version 2 on load/),
      ]);
      expect(old.version).toBe(IR_VERSION);
      validate(old, v1(ext));
      const now = compileFile(v1("yaml"));
      // the provenance differs as it should: v1 had no card digest
      expect(old.provenance.cardSha256).toBe("");
      // v2 names the exact card: the sha256 of the card file it was compiled for
      const card = readFileSync(`circuits/tech/${now.hardware!.card}.yaml`);
      expect(now.provenance.cardSha256).toBe(createHash("sha256").update(card).digest("hex"));
      expect(toJSON({ ...old, provenance: now.provenance })).toEqual(toJSON(now));
    });
  }

  it("maps each v1 zero-means-something and '<crossbar>#<tile>' to its v2 form", () => {
    const c = readCircuit(v1("pb"));
    const h = c.hardware!;
    expect([c.railLo, c.railHi, c.inputs[0].lo, c.inputs[0].hi, c.outputs[0].tolerance]).toEqual([-5, 5, -2, 2, 0.05]);
    expect(c.timeUnitS).toBe(1e-3); // v1: hardware.time_unit_s
    expect([h.plasticity.mode, h.plasticity.rule]).toEqual([PlasticityMode.EVERY_K, PlasticityRule.SGD]);
    expect(new Set(h.weights.map((w) => w.rounding))).toEqual(new Set([Rounding.STOCHASTIC]));
    const sums = h.routes.filter((r) => r.flow === Flow.PARTIAL_SUM);
    expect(sums.length).toBeGreaterThan(0);
    for (const r of sums) expect(h.tiles[r.tile!].crossbar).toBe(r.element);
    expect(h.routes.filter((r) => r.flow === Flow.RATE).every((r) => r.tile === undefined)).toBe(true);
    expect(c.learning.optimizer).not.toBe(0);
  });

  it("rejects a version it does not know, naming it", () => {
    const c = readCircuit(v1("pb"));
    expect(() => validate({ ...c, version: 3 }, "x.pb")).toThrow(
      /IR version 3 is not supported \(this build reads versions 1 and 2\)/,
    );
  });
});
