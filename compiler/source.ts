// The description as a tree of nodes that remember their line, built from the `yaml` parser (JSON is YAML too).
import {
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node as YamlNode,
} from "yaml";
import { VleError } from "../circuits/errors.js";

export interface MapNode {
  kind: "map";
  line: number;
  entries: Map<string, { keyLine: number; value: Node }>;
}
interface SeqNode {
  kind: "seq";
  line: number;
  items: Node[];
}
interface ScalarNode {
  kind: "scalar";
  line: number;
  value: string | number | boolean | null;
}
export type Node = MapNode | SeqNode | ScalarNode;

/** A place in the description: the line and the field path users see ("populations[1].tau_m"). */
export interface Where {
  line: number;
  path: string;
}

/** Throws the one-line error every compiler problem becomes: `file:line: field: problem; fix`. */
export function fail(file: string, where: Where, problem: string, fix?: string): never {
  throw new VleError(`${file}:${where.line}: ${where.path ? `${where.path}: ` : ""}${problem}${fix ? `; ${fix}` : ""}`);
}

/** Parses YAML (or JSON) text into a line-annotated tree; malformed text is a one-line error at its line. */
export function parseTree(text: string, file: string): Node {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  // warnings too: an unresolved tag (!foo 0.1) would otherwise read as a string
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const line = problem.linePos?.[0].line ?? lines.linePos(problem.pos[0]).line;
    const message = problem.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    fail(file, { line, path: "" }, `malformed YAML/JSON: ${message}`, "fix the syntax at this line");
  }
  if (doc.contents === null)
    fail(file, { line: 1, path: "" }, "the description is empty", "start from examples/lagline.yaml");
  return convert(doc, doc.contents, lines, file, 0, { aliased: 0 });
}

/**
 * Nodes that aliases may add to the tree. Each alias copies its anchor's subtree, so nested aliases grow it
 * exponentially ("billion laughs": nine levels of ten aliases are 10^9 nodes); the budget stops that at once.
 */
export const ALIAS_NODE_BUDGET = 100_000;

const lineOf = (node: YamlNode, lines: LineCounter) => lines.linePos(node.range?.[0] ?? 0).line;

function convert(
  doc: Document,
  node: YamlNode,
  lines: LineCounter,
  file: string,
  depth: number,
  budget: { aliased: number },
  inAlias = false,
): Node {
  const line = lineOf(node, lines);
  if (inAlias && ++budget.aliased > ALIAS_NODE_BUDGET)
    fail(
      file,
      { line, path: "" },
      `aliases expand to more than ${ALIAS_NODE_BUDGET} values`,
      "write the values out or use fewer nested aliases",
    );
  if (depth > 64)
    fail(file, { line, path: "" }, "nesting deeper than 64 levels (a recursive alias?)", "write the value out");
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target)
      fail(file, { line, path: "" }, `alias *${node.source} has no anchor`, `define &${node.source} before using it`);
    return convert(doc, target, lines, file, depth + 1, budget, true);
  }
  if (isMap(node)) {
    const entries: MapNode["entries"] = new Map();
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null;
      const keyLine = key ? lineOf(key, lines) : line;
      if (!isScalar(key) || key.value === null || typeof key.value === "object")
        fail(file, { line: keyLine, path: "" }, "a map key is not a plain name", "use names such as tau_m as keys");
      const value = pair.value as YamlNode | null;
      entries.set(String(key.value), {
        keyLine,
        value: value
          ? convert(doc, value, lines, file, depth + 1, budget, inAlias)
          : { kind: "scalar", line: keyLine, value: null },
      });
    }
    return { kind: "map", line, entries };
  }
  if (isSeq(node))
    return {
      kind: "seq",
      line,
      items: node.items.map((item) => convert(doc, item as YamlNode, lines, file, depth + 1, budget, inAlias)),
    };
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean")
      return { kind: "scalar", line, value: v };
    fail(
      file,
      { line, path: "" },
      `unsupported value ${String(v)}`,
      "use a number, a string, true/false, a list or a map",
    );
  }
  fail(file, { line, path: "" }, "unsupported YAML node", "use numbers, strings, lists and maps");
}
