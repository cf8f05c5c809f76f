// Every bad description gives one VleError line naming file:line: field, the problem and the fix.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VleError } from "../circuits/errors.js";
import { compileFile, compileSource, definePass, passes, type Pass } from "./index.js";

/** The error message compiling `text` gives (fails the test if it compiles). */
function errorOf(text: string, file = "net.yaml", pipeline?: Pass[]): string {
  try {
    compileSource(text, file, pipeline);
  } catch (err) {
    expect(err).toBeInstanceOf(VleError);
    const message = (err as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a compile error");
}

const good = `name: t
dt: 0.01
populations:
  - { name: x, kind: input, size: 1 }
  - { name: h, size: 2, tau_m: 1.0, tau_r: 0.1, phi: tanh }
  - { name: y, kind: output, size: 1, tau_m: 1.0, tau_r: 0.1 }
projections:
  - { from: x, to: h }
  - { from: h, to: y }
`;
/** `good` with `line` (1-based) replaced. */
const edit = (line: number, text: string) =>
  good
    .split("\n")
    .map((l, i) => (i === line - 1 ? text : l))
    .join("\n");

describe("fixtures test/fixtures/bad-*.yaml", () => {
  const dir = "test/fixtures";
  const files = readdirSync(dir).filter((f) => f.startsWith("bad-") && f.endsWith(".yaml"));
  it("cover every required error case", () => {
    for (const kind of [
      "malformed",
      "unknown-unit",
      "negative-tau",
      "zero-tau",
      "dt-too-large",
      "weights-shape",
      "list-length",
      "unknown-population",
      "unknown-key",
    ]) {
      expect(files).toContain(`bad-${kind}.yaml`);
    }
  });
  for (const f of files) {
    it(f, () => {
      const path = `${dir}/${f}`;
      const expected = /^# expect: (.*)$/m.exec(readFileSync(path, "utf8"))![1];
      let message = "";
      try {
        compileFile(path);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message.startsWith(`${path}${expected}`), message).toBe(true);
      expect(message).not.toContain("\n");
    });
  }
});

describe("error messages name file, line and field", () => {
  it("a correct description compiles", () => {
    expect(compileSource(good, "net.yaml").crossbars).toHaveLength(2);
  });

  it("negative and zero time constants", () => {
    expect(errorOf(edit(5, "  - { name: h, size: 2, tau_m: -1, phi: tanh }"))).toBe(
      "net.yaml:5: populations[1].tau_m: -1 must be positive",
    );
    expect(errorOf(edit(5, "  - { name: h, size: 2, tau_m: [1, 0], phi: tanh }"))).toBe(
      "net.yaml:5: populations[1].tau_m[1]: 0 must be positive",
    );
    expect(errorOf(edit(5, "  - { name: h, size: 2, tau_m: 1, tau_r: '-2*dt', phi: tanh }"))).toBe(
      "net.yaml:5: populations[1].tau_r: -0.02 must be at least 0",
    );
  });

  it("dt larger than a time constant", () => {
    expect(errorOf(edit(2, "dt: 2"))).toMatch(
      /^net\.yaml:5: populations\[1\]\.tau_m: 1 is smaller than dt = 2; make dt at most the smallest time constant$/,
    );
    expect(errorOf(edit(2, "dt: 0"))).toBe("net.yaml:2: dt: 0 must be positive");
  });

  it("unknown units and names, and units where none belong", () => {
    expect(errorOf(edit(2, "dt: 10 fortnightz"))).toMatch(
      /^net\.yaml:2: dt: '10 fortnightz': unknown unit or name 'fortnightz'; /,
    );
    expect(errorOf(edit(2, "dt: 10 m"))).toMatch(/^net\.yaml:2: dt: '10 m' is not a time/);
    expect(errorOf(edit(5, "  - { name: h, size: 2, tau_m: 10 ms, phi: tanh }"))).toMatch(
      /^net\.yaml:5: populations\[1\]\.tau_m: '10 ms' has a unit but dt is a plain number.*; give dt a unit/,
    );
    expect(errorOf(edit(5, "  - { name: h, size: 2, tau_m: 1, bias: 1 mV, phi: tanh }"))).toMatch(
      /^net\.yaml:5: populations\[1\]\.bias: '1 mV' has unit mV but this field is a plain number; remove the unit$/,
    );
    expect(errorOf(edit(2, "dt: 1 ms").replace("tau_m: 1.0, tau_r: 0.1, phi", "tau_m: 2 pF, tau_r: 0.1, phi"))).toMatch(
      /^net\.yaml:5: populations\[1\]\.tau_m: '2 pF' has unit pF, which is not a time/,
    );
  });

  it("expressions cannot run code", () => {
    expect(errorOf(edit(5, "  - { name: h, size: 2, tau_m: 'import({})', phi: tanh }"))).toMatch(
      /^net\.yaml:5: populations\[1\]\.tau_m: 'import\(\{\}\)': function 'import' is not allowed/,
    );
    expect(errorOf(edit(5, "  - { name: h, size: 2, tau_m: 'a = 3', phi: tanh }"))).toMatch(
      /^net\.yaml:5: populations\[1\]\.tau_m: 'a = 3': assignment expressions are not allowed/,
    );
    expect(errorOf(edit(5, "  - { name: h, size: 2, tau_m: '1 +', phi: tanh }"))).toMatch(
      /^net\.yaml:5: populations\[1\]\.tau_m: '1 \+' is not a valid expression/,
    );
    expect(
      errorOf(edit(5, "  - { name: h, size: 2, tau_m: '1 ms + 1', phi: tanh }").replace("dt: 0.01", "dt: 10 us")),
    ).toMatch(/^net\.yaml:5: populations\[1\]\.tau_m: '1 ms \+ 1' cannot be evaluated/);
  });

  it("shape mismatches: explicit weights and per-neuron lists", () => {
    expect(errorOf(edit(8, "  - { from: x, to: h, weights: [[1], [2], [3]] }"))).toMatch(
      /^net\.yaml:8: projections\[0\]\.weights: a \[post\]\[pre\] matrix of 3 rows gives 3 for population 'h', which has 2 neurons \(from populations\[1\]\.size, line 5\)/,
    );
    expect(errorOf(edit(8, "  - { from: x, to: h, weights: [[1], [2, 3]] }"))).toMatch(
      /^net\.yaml:8: projections\[0\]\.weights\[1\]: row 1 has 2 values but row 0 has 1/,
    );
    expect(errorOf(edit(5, "  - { name: h, size: 2, tau_m: [1, 2, 3], phi: tanh }"))).toMatch(
      /^net\.yaml:5: populations\[1\]\.tau_m: a list of 3 values gives 3 for population 'h', which has 2 neurons/,
    );
    expect(errorOf(edit(5, "  - { name: h, tau_m: 1, phi: tanh }"))).toBe(
      "net.yaml:5: populations[1]: population 'h' has no size and none can be inferred; add size: N",
    );
  });

  it("unknown populations in projections and broadcasts", () => {
    expect(errorOf(edit(9, "  - { from: hh, to: y }"))).toMatch(
      /^net\.yaml:9: projections\[1\]\.from: unknown population 'hh'; did you mean 'h'\? populations are: x, h, y$/,
    );
    expect(errorOf(good + "broadcasts:\n  - { from: y, to: q }\n")).toMatch(
      /^net\.yaml:11: broadcasts\[0\]\.to: unknown population 'q'/,
    );
    expect(errorOf(good + "broadcasts:\n  - { from: h, to: h }\n")).toMatch(
      /^net\.yaml:11: broadcasts\[0\]\.from: 'h' is not an output population/,
    );
    expect(errorOf(edit(8, "  - { from: h, to: x }"))).toMatch(
      /^net\.yaml:8: projections\[0\]\.to: 'x' is an input population and cannot receive a projection/,
    );
  });

  it("unknown keys, with the closest valid key", () => {
    expect(errorOf(good + "learnig: { rule: vle }\n")).toMatch(
      /^net\.yaml:10: learnig: unknown key; did you mean 'learning'\?/,
    );
    expect(errorOf(good + "hardwar: { clock: 100 MHz }\n")).toMatch(
      /^net\.yaml:10: hardwar: unknown key; did you mean 'hardware'\?/,
    );
    expect(errorOf(edit(8, "  - { from: x, to: h, plastc: false }"))).toMatch(
      /^net\.yaml:8: projections\[0\]\.plastc: unknown key; did you mean 'plastic'\?/,
    );
    expect(errorOf(edit(8, "  - { from: x, to: h, init: { kind: xavier, sede: 3 } }"))).toMatch(
      /^net\.yaml:8: projections\[0\]\.init\.sede: unknown key; did you mean 'seed'\?/,
    );
    expect(errorOf(good + "learning: { rule: vle, etta: 0.1 }\n")).toMatch(
      /^net\.yaml:10: learning\.etta: unknown key; did you mean 'eta'\?/,
    );
    expect(errorOf(edit(4, "  - { name: x, kind: input, size: 1, tau_m: 1 }"))).toMatch(
      /^net\.yaml:4: populations\[0\]\.tau_m: an input population has no tau_m/,
    );
  });

  it("a section key claimed by a pass in the pipeline is accepted", () => {
    const hardware = definePass({
      name: "hardware",
      needs: [],
      sections: ["hardware"],
      run: () => ({ target: undefined }),
    });
    const pipeline = passes.filter((p) => !p.sections?.includes("hardware"));
    expect(() => compileSource(good + "hardware: { clock: 100 MHz }\n", "net.yaml", pipeline)).toThrow(
      /^net\.yaml:10: hardware: unknown key; valid keys: name, dt, seed/,
    );
    pipeline.splice(pipeline.findIndex((p) => p.name === "error-paths") + 1, 0, hardware);
    expect(() => compileSource(good + "hardware: { clock: 100 MHz }\n", "net.yaml", pipeline)).not.toThrow();
  });

  it("unknown choices suggest the closest", () => {
    expect(errorOf(edit(5, "  - { name: h, size: 2, tau_m: 1, phi: softplas }"))).toBe(
      "net.yaml:5: populations[1].phi: 'softplas' is not one of linear|tanh|softplus|sigmoid|relu; did you mean 'softplus'?",
    );
    expect(
      errorOf(
        edit(6, "  - { name: y, kind: output, size: 1, tau_m: 1.0, phi: tanh }") + "loss: { kind: cross-entropy }\n",
      ),
    ).toMatch(
      /^net\.yaml:6: populations\[2\]\.phi: cross-entropy takes logits, so an output population must have phi: linear; set phi: linear or use loss kind mse$/,
    );
    expect(errorOf(good + "learning: { rule: tbptt }\n")).toMatch(
      /^net\.yaml:10: learning\.window: missing: rule tbptt needs a truncation window/,
    );
  });

  it("malformed YAML and JSON, duplicate keys, empty and non-map documents", () => {
    expect(errorOf("dt: 0.01\npopulations: [\n  { name: x\n")).toMatch(/^net\.yaml:\d+: malformed YAML\/JSON: /);
    expect(errorOf("dt: 0.01\ndt: 0.02\n")).toMatch(/^net\.yaml:2: malformed YAML\/JSON: Map keys must be unique/);
    expect(errorOf('{\n  "dt": 0.01,\n  "populations": [\n', "net.json")).toMatch(
      /^net\.json:\d+: malformed YAML\/JSON: /,
    );
    expect(errorOf("")).toBe("net.yaml:1: the description is empty; start from examples/lagline.yaml");
    expect(errorOf("- 1\n- 2\n")).toMatch(/^net\.yaml:1: expected a map of keys/);
    expect(errorOf("dt: 0.01\n")).toMatch(/^net\.yaml:1: populations: missing; add a list of populations/);
  });

  it("a missing file", () => {
    expect(() => compileFile("no/such/file.yaml")).toThrow(/^no\/such\/file\.yaml: cannot read \(ENOENT\)$/);
  });
});
