// End-to-end compiler checks: the examples, exact lowering of lagline, provenance, the pass list, and codec round trips.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { decodeBinary, encodeBinary, fromJSON, toJSON } from "../circuits/codec.js";
import { Feedback, IR_VERSION, Optimizer, Phi, Rule } from "../circuits/model.js";
import { compileFile, compileSource, definePass, passes } from "./index.js";
import { version } from "./version.js";

const examples = ["examples/lagline.yaml", "examples/delayed-xor.yaml", "examples/recurrent.yaml"];

describe("compiling the examples", () => {
  it("lagline lowers to exactly the student chain", () => {
    const c = compileFile("examples/lagline.yaml");
    expect(c.version).toBe(IR_VERSION);
    expect(c.inputs).toEqual([{ name: "x", size: 1 }]);
    expect(c.populations.map((p) => [p.name, p.size, p.tauM, p.tauR, p.phi, p.plasticTauM])).toEqual([
      ["l0", 1, [0.6], [0.1], Phi.SOFTPLUS, true],
      ["l1", 1, [3.0], [0.1], Phi.SOFTPLUS, true],
    ]);
    expect(c.crossbars.map((x) => [x.pre, x.post, x.weights, x.plastic, x.feedback])).toEqual([
      ["x", "l0", [0.6], true, Feedback.NO_FEEDBACK],
      ["l0", "l1", [1.3], true, Feedback.TRANSPOSE],
    ]);
    expect(c.errorPopulations).toEqual([
      { name: "l0.error", population: "l0" },
      { name: "l1.error", population: "l1" },
    ]);
    expect(c.outputs[0]).toMatchObject({ population: "l1", beta: 0.01 });
    expect(c.learning).toMatchObject({ rule: Rule.VLE, prospectiveErrors: true, optimizer: Optimizer.ADAM });
    expect(c.dt).toBe(0.01);
  });

  it("the student starts at least 30 % away from the teacher (weights 1, 2; tau_m 1, 2)", () => {
    const c = compileFile("examples/lagline.yaml");
    const student = [
      c.crossbars[0].weights[0],
      c.crossbars[1].weights[0],
      c.populations[0].tauM[0],
      c.populations[1].tauM[0],
    ];
    [1, 2, 1, 2].forEach((teacher, i) => expect(Math.abs(student[i] - teacher) / teacher).toBeGreaterThanOrEqual(0.3));
  });

  it("recurrent.yaml has a recurrent crossbar, random feedback and a broadcast, times in ms", () => {
    const c = compileFile("examples/recurrent.yaml");
    expect(c.dt).toBe(1);
    const h = c.populations.find((p) => p.name === "h")!;
    expect(h.tauM[0]).toBe(20);
    expect(h.tauR[0]).toBe(10);
    const rec = c.crossbars.find((x) => x.pre === "h" && x.post === "h")!;
    expect(rec.feedback).toBe(Feedback.RANDOM);
    expect(c.broadcasts.map((b) => [b.from, b.to, b.weights.length])).toEqual([["y", "h", 32]]);
  });

  for (const file of examples) {
    it(`${file}: provenance, and the compiled circuit round-trips through binary and JSON`, () => {
      const c = compileFile(file);
      expect(c.provenance).toEqual({
        source: file,
        sourceSha256: createHash("sha256").update(readFileSync(file)).digest("hex"),
        compilerVersion: version,
        cardSha256: "",
      });
      expect(decodeBinary(encodeBinary(c))).toStrictEqual(c);
      expect(fromJSON(JSON.parse(JSON.stringify(toJSON(c))))).toStrictEqual(c);
    });
  }

  it("a JSON description compiles to the same circuit as its YAML", () => {
    const yaml = readFileSync("examples/recurrent.yaml", "utf8");
    const json = JSON.stringify(parseYaml(yaml), null, 2);
    const a = compileSource(yaml, "r.yaml"),
      b = compileSource(json, "r.yaml");
    expect({ ...b, provenance: null }).toEqual({ ...a, provenance: null });
  });
});

describe("the pipeline", () => {
  it("stamps the version of package.json", () => {
    expect(version).toBe((JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version);
  });

  it("lists its passes in order, by name", () => {
    expect(passes.map((p) => p.name)).toEqual([
      "parse",
      "resolve",
      "shapes",
      "lower",
      "error-paths",
      "read-target",
      "quantize",
      "place",
      "route",
      "settle-timing",
      "emit",
    ]);
  });

  it("validates the circuit after every pass, naming the pass that broke it", () => {
    const broken = definePass({
      name: "break",
      needs: ["circuit"],
      run: ({ circuit }) => void (circuit.crossbars[0].rows = 7),
    });
    const pipeline = [...passes.slice(0, 5), broken, ...passes.slice(5)];
    expect(() => compileSource(readFileSync("examples/lagline.yaml", "utf8"), "l.yaml", pipeline)).toThrow(
      /^l\.yaml \(compiler pass 'break'\) 'lagline': crossbar 'x_to_l0': 7 rows but post 'l0' has 1 neurons$/,
    );
  });
});
