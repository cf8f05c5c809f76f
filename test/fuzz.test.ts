// Fuzzing every reader with fast-check: arbitrary and mutated bytes, descriptions, tables and circuits either load or fail with one VleError line naming the place; none throws anything else, none hangs.
//
// VLE_FUZZ_RUNS sets the cases per reader: 1000 by default (CI), 100 000 with `npm run fuzz`. Each reader's
// count of cases, accepted and rejected, is printed. A circuit that passes the validator is also run (ideal
// mode, and hardware mode for chips) for a few steps with random inputs, targets and learning: a circuit the
// validator accepts must not crash the simulator.
import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { arbitraryCircuit } from "./support/arbitrary-circuit.js";
import { decodeBinary, encodeBinary, fromJSON, readCircuit, toJSON } from "../circuits/codec.js";
import { VleError } from "../circuits/errors.js";
import { Rule, type Circuit } from "../circuits/model.js";
import { validate } from "../circuits/validate.js";
import { compileSource } from "../compiler/index.js";
import { Engine } from "../simulator/engine.js";
import { checkFinite } from "../simulator/guard.js";
import { HardwareEngine } from "../simulator/hardware/engine.js";
import { createLearner } from "../simulator/learner.js";
import { readStimulus } from "../simulator/stimulus.js";
import { runVle } from "../packages/cli/run.js";

const runs = Number(process.env.VLE_FUZZ_RUNS ?? 1000);
/** A single case slower than this is a hang. */
const HANG_MS = 10_000;
const timeout = Math.max(300_000, runs * 300);

const dir = mkdtempSync(join(tmpdir(), "vle-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const examples = [
  "examples/lagline.yaml",
  "examples/recurrent.yaml",
  "examples/delayed-xor.yaml",
  "examples/lagline-chip.yaml",
  "test/fixtures/verify-good-features.yaml",
  "test/fixtures/verify-good-chip.yaml",
].map((file) => ({ file, text: readFileSync(file, "utf8") }));
const compiled = examples.map((e) => compileSource(e.text, e.file));

/** The guard's stop while a loaded circuit runs: names the step, population and neuron. */
const GUARD = /^step \d+(, batch slot \d+)?: population '.*' neuron \d+: /;

/**
 * Tallies one reader's cases. `attempt(load, run?)`: `load` reads and checks the input and must return or throw a
 * one-line VleError naming `where` (the source); `run`, given what loaded, runs it and may only stop with a
 * one-line VleError (the guard naming step, population and neuron, or a rule that cannot train the circuit).
 */
function reader(name: string, where: string | RegExp) {
  const tally = { cases: 0, accepted: 0, rejected: 0, stopped: 0, slowest: 0 };
  const oneLine = (err: unknown): string => {
    if (!(err instanceof VleError)) throw new Error(`${name}: not a VleError: ${(err as Error)?.stack ?? String(err)}`);
    if (err.message.includes("\n"))
      throw new Error(`${name}: a message of more than one line: ${JSON.stringify(err.message)}`);
    return err.message;
  };
  const attempt = <T>(load: () => T, run?: (loaded: T) => void) => {
    const started = performance.now();
    tally.cases++;
    try {
      let loaded: T;
      try {
        loaded = load();
      } catch (err) {
        const message = oneLine(err);
        if (typeof where === "string" ? !message.startsWith(where) : !where.test(message))
          throw new Error(`${name}: the rejection does not name the place: ${JSON.stringify(message)}`);
        tally.rejected++;
        return;
      }
      tally.accepted++;
      try {
        run?.(loaded);
      } catch (err) {
        const message = oneLine(err);
        if (!GUARD.test(message) && !/(population|crossbar|output|input) '/.test(message))
          throw new Error(`${name}: a run stopped without naming the place: ${JSON.stringify(message)}`);
        tally.stopped++;
      }
    } finally {
      const ms = performance.now() - started;
      tally.slowest = Math.max(tally.slowest, ms);
      // biome-ignore lint/correctness/noUnsafeFinally: a case that hangs fails even when it also threw
      if (ms > HANG_MS) throw new Error(`${name}: one case took ${ms.toFixed(0)} ms (a hang)`);
    }
  };
  const report = () => {
    console.log(
      `fuzz ${name}: ${tally.cases} cases, ${tally.accepted} accepted (${tally.stopped} of them stopped while running with a one-line VleError), ${tally.rejected} rejected with a one-line VleError naming the place, 0 crashes, slowest case ${tally.slowest.toFixed(1)} ms`,
    );
    expect(tally.cases).toBeGreaterThanOrEqual(runs);
  };
  return { attempt, report };
}

/** Runs a circuit the validator accepted for a few steps with random drive and learning; only VleErrors (the guard) may stop it. */
function exercise(c: Circuit, seed: number): void {
  const engines: Engine[] = [new Engine(c, { batch: 2 })];
  if (
    c.hardware &&
    (c.learning.rule === Rule.VLE || c.learning.rule === Rule.INSTANTANEOUS || c.learning.rule === Rule.NONE)
  )
    engines.push(new HardwareEngine(c, { batch: 2, seed }));
  for (const engine of engines) {
    const learner = createLearner(engine, true, { window: 3 });
    let x = seed;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) | 0) / 2 ** 31;
    for (let s = 0; s < 4; s++) {
      for (const buffer of engine.inputs.values()) for (let k = 0; k < buffer.length; k++) buffer[k] = next();
      for (const o of engine.outputs) {
        o.target.forEach((_, k) => (o.target[k] = next()));
        o.mask.fill(s % 2);
      }
      learner.step();
      checkFinite(engine);
    }
    learner.endSequence();
  }
}

/** Byte-level mutations of an encoding: flip, set, insert, delete, truncate. */
const byteEdit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  kind: fc.constantFrom("flip", "set", "insert", "delete", "truncate"),
  value: fc.integer({ min: 0, max: 255 }),
  bit: fc.integer({ min: 0, max: 7 }),
});
function mutateBytes(bytes: Uint8Array, edits: { at: number; kind: string; value: number; bit: number }[]): Uint8Array {
  let b = Array.from(bytes);
  for (const e of edits) {
    const i = Math.min(b.length - 1, Math.floor(e.at * b.length));
    if (i < 0) break;
    if (e.kind === "flip") b[i] ^= 1 << e.bit;
    else if (e.kind === "set") b[i] = e.value;
    else if (e.kind === "insert") b.splice(i, 0, e.value);
    else if (e.kind === "delete") b.splice(i, 1);
    else b = b.slice(0, i);
  }
  return Uint8Array.from(b);
}

/** A JSON value worth writing into a field: numbers at the edges, wrong types, nothing. */
const oddValue = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    1,
    1e-300,
    1e300,
    -1e300,
    2 ** 31,
    2 ** 53,
    -0.5,
    0.5,
    1e9,
    Number.MAX_VALUE,
    null,
    true,
    false,
    "",
    "x",
    "NaN",
    "1 ms",
    "2*dt",
    "-inf",
    [],
    {},
    [[]],
    [1, 2, 3],
  ),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 6 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Every path to a leaf or a container of a plain value, for structural mutations. */
function paths(x: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(x)) x.forEach((v, i) => paths(v, [...at, i], out));
  else if (x && typeof x === "object") for (const [k, v] of Object.entries(x)) paths(v, [...at, k], out);
  return out;
}

/** Sets, deletes or duplicates the value at a path (a copy). */
function mutateAt(
  root: unknown,
  path: (string | number)[],
  action: "set" | "delete" | "duplicate",
  value: unknown,
): unknown {
  if (path.length === 0) return action === "set" ? value : root;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const key = path[path.length - 1];
  if (action === "set") parent[key] = value;
  else if (Array.isArray(parent))
    action === "delete"
      ? parent.splice(key as number, 1)
      : parent.splice(key as number, 0, structuredClone(parent[key as number]));
  else if (action === "delete") delete parent[key];
  else parent[`${String(key)}_copy`] = parent[key];
  return copy;
}
const structural = fc.record({
  pick: fc.double({ min: 0, max: 1, noNaN: true }),
  action: fc.constantFrom("set", "set", "delete", "duplicate") as fc.Arbitrary<"set" | "delete" | "duplicate">,
  value: oddValue,
});
const pickPath = (root: unknown, pick: number) => {
  const all = paths(root);
  return all[Math.min(all.length - 1, Math.floor(pick * all.length))];
};

describe("fuzzing the readers", () => {
  it(
    "protobuf decoder: arbitrary bytes and mutated encodings decode to a valid circuit (that then runs) or one VleError line",
    () => {
      const file = join(dir, "fuzz.pb");
      const { attempt, report } = reader(
        "protobuf decoder",
        new RegExp(`^(fuzz\\.pb|${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")})`),
      );
      const load = (bytes: Uint8Array, seed: number) =>
        attempt(
          () => {
            const c = decodeBinary(bytes, "fuzz.pb");
            validate(c, "fuzz.pb");
            return c;
          },
          (c) => exercise(c, seed),
        );
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 256 }), fc.integer(), (bytes, seed) => load(bytes, seed)),
        { numRuns: Math.ceil(runs / 2) },
      );
      const encodings = compiled.map(encodeBinary);
      fc.assert(
        fc.property(
          fc.constantFrom(...encodings),
          fc.array(byteEdit, { minLength: 1, maxLength: 4 }),
          fc.integer(),
          (bytes, edits, seed) => load(mutateBytes(bytes, edits), seed),
        ),
        { numRuns: Math.ceil(runs / 2) },
      );
      // the file reader itself, on a sample
      fc.assert(
        fc.property(
          fc.constantFrom(...encodings),
          fc.array(byteEdit, { minLength: 1, maxLength: 3 }),
          (bytes, edits) => {
            writeFileSync(file, mutateBytes(bytes, edits));
            attempt(() => validate(readCircuit(file), file));
          },
        ),
        { numRuns: Math.min(200, runs) },
      );
      report();
    },
    timeout,
  );

  it(
    "description parser: arbitrary text, JSON values and mutated descriptions compile or fail with one VleError line naming the file",
    () => {
      const { attempt, report } = reader("description parser", "fuzz.yaml");
      const compile = (text: string) => attempt(() => validate(compileSource(text, "fuzz.yaml"), "fuzz.yaml"));
      const n = Math.ceil(runs / 4);
      fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), compile), { numRuns: n });
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => compile(JSON.stringify(v))),
        { numRuns: n },
      );
      // text edits of the examples: delete some characters, insert a fragment
      const fragments = [
        "-1",
        "0",
        "1e300",
        "[]",
        "{}",
        "null",
        "~",
        "abc",
        "1 ms",
        "'2*dt'",
        "[1, 2]",
        "[[1], [2]]",
        ":",
        ",",
        "[",
        "]",
        "{",
        "}",
        "\n",
        "  ",
        "- ",
        "&a",
        "*a",
        "!!binary",
        "<<: *a",
        "'1/0'",
        ".nan",
        ".inf",
        "\t",
        "#",
        '"',
        "\\u0000",
        "size: 100000",
      ];
      fc.assert(
        fc.property(
          fc.constantFrom(...examples),
          fc.array(
            fc.record({
              at: fc.double({ min: 0, max: 1, noNaN: true }),
              remove: fc.integer({ min: 0, max: 12 }),
              insert: fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 4 })),
            }),
            { minLength: 1, maxLength: 4 },
          ),
          (e, edits) => {
            let text = e.text;
            for (const edit of edits) {
              const i = Math.floor(edit.at * text.length);
              text = text.slice(0, i) + edit.insert + text.slice(i + edit.remove);
            }
            compile(text);
          },
        ),
        { numRuns: n },
      );
      // structural edits: a field set to an odd value, deleted or duplicated, written back as YAML or JSON
      fc.assert(
        fc.property(
          fc.constantFrom(...examples),
          fc.array(structural, { minLength: 1, maxLength: 3 }),
          fc.boolean(),
          (e, edits, asJson) => {
            let doc = parseYaml(e.text) as unknown;
            for (const edit of edits) doc = mutateAt(doc, pickPath(doc, edit.pick), edit.action, edit.value);
            compile(asJson ? JSON.stringify(doc) : stringifyYaml(doc));
          },
        ),
        { numRuns: n },
      );
      report();
    },
    timeout,
  );

  it(
    "input reader: arbitrary and mutated CSV and JSON tables load or fail with one VleError line naming the file",
    () => {
      const circuit = compiled[4]; // inputs u[2], output y[2] (target y.target)
      const csv = join(dir, "fuzz.csv"),
        json = join(dir, "fuzz.json");
      const { attempt, report } = reader("input reader", new RegExp(`^(${csv}|${json})`));
      const read = (file: string, text: string, kind: "input" | "target") => {
        writeFileSync(file, text);
        attempt(() => readStimulus(file, circuit, kind));
      };
      const kind = fc.constantFrom("input", "target") as fc.Arbitrary<"input" | "target">;
      const cell = fc.oneof(
        fc.constantFrom(
          "",
          "0",
          "-1.5",
          "1e3",
          ".5",
          "5.",
          "+2",
          "nan",
          "Infinity",
          "1,2",
          '"3"',
          " 4 ",
          "0x10",
          "1e999",
          "-",
        ),
        fc.double().map(String),
        fc.string({ maxLength: 3 }),
      );
      const header = fc.array(
        fc.constantFrom(
          "u[0]",
          "u[1]",
          "u[2]",
          "y.target[0]",
          "y.target[1]",
          "y[0]",
          "y[1]",
          "sample",
          "x[0]",
          "u[]",
          "u[-1]",
          "",
          '"u[0]"',
          "u[00]",
        ),
        { minLength: 0, maxLength: 5 },
      );
      const n = Math.ceil(runs / 4);
      fc.assert(
        fc.property(fc.string({ unit: "binary", maxLength: 120 }), kind, (text, k) => read(csv, text, k)),
        { numRuns: n },
      );
      // valid tables (inputs u[0], u[1] or targets y.target[0..1], with or without samples), then edited character by character
      const valid = fc
        .record({
          target: fc.boolean(),
          samples: fc.boolean(),
          rows: fc.array(
            fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ min: -2, max: 2, noNaN: true })),
            { minLength: 1, maxLength: 6 },
          ),
        })
        .map(({ target, samples, rows }) => ({
          kind: (target ? "target" : "input") as "input" | "target",
          text:
            [
              [...(samples ? ["sample"] : []), ...(target ? ["y.target[0]", "y.target[1]"] : ["u[0]", "u[1]"])].join(
                ",",
              ),
              ...rows.map(([a, b], k) =>
                [...(samples ? [String(Math.floor(k / 2))] : []), String(a), String(b)].join(","),
              ),
            ].join("\n") + "\n",
        }));
      const charEdit = fc.record({
        at: fc.double({ min: 0, max: 1, noNaN: true }),
        remove: fc.integer({ min: 0, max: 3 }),
        insert: fc.oneof(
          fc.constantFrom("", ",", "\n", "\r", '"', "-", ".", "e", "9", " ", "[", "]"),
          fc.string({ maxLength: 2 }),
        ),
      });
      fc.assert(
        fc.property(valid, fc.array(charEdit, { maxLength: 3 }), ({ kind: k, text }, edits) => {
          for (const e of edits) {
            const i = Math.floor(e.at * text.length);
            text = text.slice(0, i) + e.insert + text.slice(i + e.remove);
          }
          read(csv, text, k);
        }),
        { numRuns: n },
      );
      fc.assert(
        fc.property(
          header,
          fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 6 }),
          kind,
          fc.constantFrom("\n", "\r\n"),
          (h, rows, k, eol) => read(csv, [h.join(","), ...rows.map((r) => r.join(","))].join(eol), k),
        ),
        { numRuns: n },
      );
      fc.assert(
        fc.property(
          fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.dictionary(
              fc.constantFrom("u[0]", "u[1]", "y[0]", "y[1]", "sample", "u"),
              fc.array(fc.oneof(fc.double(), fc.constant(null), fc.integer(), fc.string({ maxLength: 2 })), {
                maxLength: 5,
              }),
            ),
          ),
          kind,
          (v, k) => read(json, JSON.stringify(v), k),
        ),
        { numRuns: n },
      );
      report();
    },
    timeout,
  );

  it(
    "validator: mutated valid circuits are rejected with one VleError line, or run without crashing",
    () => {
      const { attempt, report } = reader("validator", "fuzz");
      const n = Math.ceil(runs / 2);
      const check = (c: unknown, seed: number) =>
        attempt(
          () => {
            validate(c as Circuit, "fuzz");
            return c as Circuit;
          },
          (circuit) => exercise(circuit, seed),
        );
      fc.assert(
        fc.property(
          arbitraryCircuit(),
          fc.array(structural, { minLength: 1, maxLength: 3 }),
          fc.integer(),
          (c, edits, seed) => {
            let x: unknown = c;
            for (const edit of edits) x = mutateAt(x, pickPath(x, edit.pick), edit.action, edit.value);
            check(x, seed);
          },
        ),
        { numRuns: n },
      );
      // compiled circuits (chips among them) through their JSON form, which is what a hand-edited .json circuit is
      fc.assert(
        fc.property(
          fc.constantFrom(...compiled),
          fc.array(structural, { minLength: 1, maxLength: 3 }),
          fc.integer(),
          (c, edits, seed) => {
            let x: unknown = toJSON(c);
            for (const edit of edits) x = mutateAt(x, pickPath(x, edit.pick), edit.action, edit.value);
            attempt(
              () => {
                const circuit = fromJSON(JSON.parse(JSON.stringify(x)), "fuzz.json");
                validate(circuit, "fuzz.json");
                return circuit;
              },
              (circuit) => exercise(circuit, seed),
            );
          },
        ),
        { numRuns: n },
      );
      report();
    },
    timeout,
  );
  it(
    "the CLI in-process: mutated descriptions, circuits (binary and JSON), stimulus and data files and option values end in exit 0, 1 or 2 with at most one stderr line, never an internal error",
    async () => {
      const tally = { cases: 0, codes: [0, 0, 0], slowest: 0 };
      const lagline = examples[0].text;
      const circuitBytes = encodeBinary(compiled[0]);
      const circuitJson = JSON.stringify(toJSON(compiled[0]));
      const rows = Array.from({ length: 20 }, (_, k) => (Math.sin(k) / 2).toFixed(3));
      const table = "x[0]\n" + rows.join("\n") + "\n";
      const data =
        "sample,x,y\n" + Array.from({ length: 12 }, (_, k) => `${k >> 2},${rows[k]},${(k >> 2) % 2}`).join("\n") + "\n";
      const at = (name: string) => join(dir, `cli-${name}`);
      // option values: the valid ones small (a valid huge count would just run long), the rest malformed
      const option = fc.oneof(
        fc.integer({ min: -2, max: 6 }).map(String),
        fc.constantFrom(
          "",
          "abc",
          "1.5",
          "1e3",
          "-0",
          "0x10",
          " 2",
          "2 ",
          "ideal",
          "hardware",
          "tbptt:2",
          "vle",
          "none",
          "\u0000",
          "--out",
        ),
        fc.string({ maxLength: 5 }),
      );
      const textEdit = fc.array(
        fc.record({
          at: fc.double({ min: 0, max: 1, noNaN: true }),
          remove: fc.integer({ min: 0, max: 8 }),
          insert: fc.string({ maxLength: 4 }),
        }),
        { maxLength: 3 },
      );
      const edited = (text: string, edits: { at: number; remove: number; insert: string }[]) => {
        for (const e of edits) {
          const i = Math.floor(e.at * text.length);
          text = text.slice(0, i) + e.insert + text.slice(i + e.remove);
        }
        return text;
      };
      const command = fc.oneof(
        fc.tuple(fc.constant("compile"), textEdit, option).map(([, edits, o]) => {
          writeFileSync(at("d.yaml"), edited(lagline, edits));
          return ["compile", at("d.yaml"), "-o", at(o.length % 2 ? "c.pb" : "c.json")];
        }),
        fc.tuple(fc.constant("inspect"), fc.array(byteEdit, { maxLength: 3 }), fc.boolean()).map(([, edits, json]) => {
          if (json)
            writeFileSync(
              at("c.json"),
              edited(
                circuitJson,
                edits.map((e) => ({ at: e.at, remove: e.bit, insert: String.fromCharCode(e.value) })),
              ),
            );
          else writeFileSync(at("c.pb"), mutateBytes(circuitBytes, edits));
          return ["inspect", at(json ? "c.json" : "c.pb")];
        }),
        fc
          .tuple(fc.constant("simulate"), textEdit, option, option, fc.boolean())
          .map(([, edits, steps, mode, json]) => {
            const input = json ? at("in.json") : at("in.csv");
            writeFileSync(input, edited(json ? JSON.stringify({ "x[0]": rows.map(Number) }) : table, edits));
            return [
              "simulate",
              "examples/lagline.yaml",
              "--input",
              input,
              "--steps",
              steps,
              "--mode",
              mode,
              "--out",
              at("t.csv"),
            ];
          }),
        fc.tuple(fc.constant("train"), textEdit, option, option, option).map(([, edits, epochs, batch, rule]) => {
          writeFileSync(at("data.csv"), edited(data, edits));
          return [
            "train",
            "examples/lagline.yaml",
            "--data",
            at("data.csv"),
            "--epochs",
            epochs,
            "--batch",
            batch,
            "--rule",
            rule,
          ];
        }),
        fc
          .tuple(
            fc.constant("options"),
            fc.constantFrom("simulate", "train", "verify", "compile", "energy"),
            fc.array(
              fc.tuple(
                fc.constantFrom(
                  "--steps",
                  "--epochs",
                  "--batch",
                  "--runs",
                  "--seed",
                  "--mode",
                  "--rule",
                  "--max-steps",
                  "--samples",
                  "--frobnicate",
                ),
                option,
              ),
              { maxLength: 3 },
            ),
          )
          .map(([, name, flags]) => [
            name,
            "examples/lagline.yaml",
            ...flags.flat(),
            // last, so that a valid fuzzed count cannot make a case long (a flag given twice is parsed both times)
            ...(name === "train"
              ? ["--task", "lagline", "--train-size", "2", "--test-size", "1", "--epochs", "0"]
              : []),
            ...(name === "verify" ? ["--property", "roundtrip", "--runs", "1", "--max-steps", "5"] : []),
            ...(name === "compile" ? ["-o", at("options.pb")] : []),
          ]),
      );
      const write = { out: process.stdout.write, err: process.stderr.write };
      await fc.assert(
        fc.asyncProperty(command, async (args) => {
          let stderr = "";
          process.stdout.write = (() => true) as typeof process.stdout.write;
          process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
          const started = performance.now();
          let code: number;
          try {
            code = await runVle([process.execPath, "vle", ...args]);
          } finally {
            process.stdout.write = write.out;
            process.stderr.write = write.err;
          }
          const ms = performance.now() - started;
          tally.cases++;
          tally.slowest = Math.max(tally.slowest, ms);
          const lines = stderr.split("\n").filter((l) => l !== "");
          const shown = JSON.stringify(args);
          expect([0, 1, 2], `${shown}: exit ${code}`).toContain(code);
          tally.codes[code]++;
          expect(lines.length, `${shown}: ${stderr}`).toBeLessThanOrEqual(1);
          if (code !== 0) expect(lines[0] ?? "", shown).toMatch(/^vle: /);
          expect(stderr, shown).not.toContain("internal error");
          expect(ms, `${shown}: one case took ${ms.toFixed(0)} ms (a hang)`).toBeLessThan(HANG_MS);
        }),
        { numRuns: runs },
      );
      console.log(
        `fuzz CLI entry points: ${tally.cases} cases, exit 0: ${tally.codes[0]}, exit 1 (one line): ${tally.codes[1]}, exit 2 (usage, one line): ${tally.codes[2]}, 0 internal errors, slowest case ${tally.slowest.toFixed(1)} ms`,
      );
      expect(tally.cases).toBeGreaterThanOrEqual(runs);
    },
    timeout,
  );
});
