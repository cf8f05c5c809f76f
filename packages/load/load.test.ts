// loadCircuit accepts descriptions (.yaml, .yml, .json) and compiled circuits (.pb, .json), and rejects the rest with one line.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { toJSON, writeCircuit } from "../../circuits/codec.js";
import { compileFile } from "../../compiler/index.js";
import { loadCircuit } from "./load.js";

const dir = mkdtempSync(join(tmpdir(), "vle-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
const strip = <T extends { provenance: unknown }>(c: T) => ({ ...c, provenance: null });

describe("loadCircuit", () => {
  const compiled = compileFile("examples/recurrent.yaml");

  it("compiles .yaml, .yml and .json descriptions to the same circuit", () => {
    copyFileSync("examples/recurrent.yaml", at("r.yml"));
    writeFileSync(at("r-desc.json"), JSON.stringify(parseYaml(readFileSync("examples/recurrent.yaml", "utf8"))));
    expect(loadCircuit("examples/recurrent.yaml")).toStrictEqual(compiled);
    expect(strip(loadCircuit(at("r.yml")))).toStrictEqual(strip(compiled));
    expect(strip(loadCircuit(at("r-desc.json")))).toStrictEqual(strip(compiled));
  });

  it("reads compiled circuits from .pb and .json", () => {
    writeCircuit(at("r.pb"), compiled);
    writeCircuit(at("r.json"), compiled);
    expect(loadCircuit(at("r.pb"))).toStrictEqual(compiled);
    expect(loadCircuit(at("r.json"))).toStrictEqual(compiled);
  });

  it("validates compiled circuits and names the file", () => {
    const json = toJSON(compiled) as { crossbars: { rows: number }[] };
    json.crossbars[0].rows = 99;
    writeFileSync(at("broken.json"), JSON.stringify(json));
    expect(() => loadCircuit(at("broken.json"))).toThrow(
      new RegExp(`^${at("broken.json")} 'recurrent': crossbar 'u_to_h': 99 rows but post 'h' has 16 neurons$`),
    );
  });

  it("reports description errors with their line, and unknown file types", () => {
    writeFileSync(
      at("bad.json"),
      '{\n  "dt": 0.01,\n  "populations": [{ "name": "x", "kind": "input", "size": 0 }],\n  "projections": []\n}\n',
    );
    expect(() => loadCircuit(at("bad.json"))).toThrow(
      new RegExp(`^${at("bad.json")}:3: populations\\[0\\]\\.size: 0 must be at least 1$`),
    );
    writeFileSync(at("notes.txt"), "hello");
    expect(() => loadCircuit(at("notes.txt"))).toThrow(
      /unknown file type; give a description \(\.yaml, \.yml, \.json\) or a compiled circuit \(\.pb, \.json\)$/,
    );
    expect(() => loadCircuit(at("absent.yaml"))).toThrow(/absent\.yaml: cannot read \(ENOENT\)$/);
  });
});
