// Typed, located access to one map of the description: every value read is checked and every problem names file:line: field.
import { closest } from "./schema.js";
import { evaluate, QuantityError, toModelTime, toPlain, toUnit, type Scope, type Value } from "./quantity.js";
import { fail, type MapNode, type Node, type Where } from "./source.js";

/** One value per neuron as written: a single scalar for all neurons, or a list (its length fixes the size). */
export interface PerNeuron {
  where: Where;
  scalar?: number;
  list?: number[];
}

/** A run in a per-neuron list: "18 x 0.6" stands for 18 neurons with value 0.6 (the value may be an expression). */
const RUN = /^\s*(\d+)\s+x\s+(\S.*)$/;
/** Largest run: as large as a population may be. */
const MAX_RUN = 2 ** 20;

/** A matrix as written: rows of numbers, or one scalar for every entry. */
export interface Matrix {
  where: Where;
  scalar?: number;
  rows?: number[][];
}

export type Kind = "time" | "plain";

const describe = (node: Node) =>
  node.kind === "scalar"
    ? node.value === null
      ? "empty"
      : `'${node.value}'`
    : `a ${node.kind === "map" ? "map" : "list"}`;

/** A map node with its path; unknown keys are rejected on construction, naming the closest valid key. */
export class Section {
  readonly where: Where;

  constructor(
    readonly file: string,
    readonly scope: Scope,
    readonly node: MapNode,
    readonly path: string,
    readonly keys: readonly string[],
  ) {
    this.where = { line: node.line, path };
    for (const [key, { keyLine }] of node.entries) {
      if (keys.includes(key)) continue;
      const guess = closest(key, keys);
      fail(
        file,
        { line: keyLine, path: this.sub(key) },
        "unknown key",
        guess ? `did you mean '${guess}'? (valid keys: ${keys.join(", ")})` : `valid keys: ${keys.join(", ")}`,
      );
    }
  }

  /** A section for a map node that must be a map. */
  static of(file: string, scope: Scope, node: Node, path: string, keys: readonly string[]): Section {
    if (node.kind !== "map")
      fail(
        file,
        { line: node.line, path },
        `expected a map of keys (${keys.join(", ")}), got ${describe(node)}`,
        "write it as { key: value, ... }",
      );
    return new Section(file, scope, node, path, keys);
  }

  sub(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  has(key: string): boolean {
    return this.node.entries.has(key);
  }

  /** The place of a key's value, or of the map when the key is absent. */
  at(key?: string): Where {
    const entry = key === undefined ? undefined : this.node.entries.get(key);
    return entry
      ? { line: entry.value.line, path: this.sub(key!) }
      : { line: this.node.line, path: key === undefined ? this.path : this.sub(key) };
  }

  fail(key: string | undefined, problem: string, fix?: string): never {
    fail(this.file, this.at(key), problem, fix);
  }

  get(key: string): Node | undefined {
    return this.node.entries.get(key)?.value;
  }

  /** The node of a required key. */
  need(key: string, fix: string): Node {
    const node = this.get(key);
    if (node === undefined) fail(this.file, { line: this.node.line, path: this.sub(key) }, "missing", fix);
    return node;
  }

  /** A scalar's raw value; lists and maps are refused. */
  private scalar(key: string, node: Node): string | number | boolean {
    if (node.kind !== "scalar" || node.value === null) this.fail(key, `expected a value, got ${describe(node)}`);
    return node.value;
  }

  string(key: string, fallback?: string): string {
    const node = fallback === undefined ? this.need(key, "add it") : this.get(key);
    if (node === undefined) return fallback!;
    const v = this.scalar(key, node);
    if (typeof v !== "string") this.fail(key, `expected a name, got ${v}`, "write a name");
    return v;
  }

  /** A name that becomes an element name in the circuit: letters, digits, _ and -, starting with a letter or _. */
  name(key: string, fallback?: string): string {
    if (fallback !== undefined && !this.has(key)) return fallback;
    const v = this.string(key);
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(v))
      this.fail(key, `'${v}' is not a valid name`, "use letters, digits, _ and -, starting with a letter or _");
    return v;
  }

  /** One of a fixed set of names. */
  choice<T>(key: string, choices: Record<string, T>, fallback?: T): T {
    if (!this.has(key)) {
      if (fallback === undefined) this.need(key, `add one of ${Object.keys(choices).join("|")}`);
      return fallback!;
    }
    const v = this.string(key);
    if (!(v in choices)) {
      const guess = closest(v, Object.keys(choices));
      this.fail(
        key,
        `'${v}' is not one of ${Object.keys(choices).join("|")}`,
        guess ? `did you mean '${guess}'?` : `use one of ${Object.keys(choices).join("|")}`,
      );
    }
    return choices[v];
  }

  bool(key: string, fallback: boolean): boolean {
    const node = this.get(key);
    if (node === undefined) return fallback;
    const v = this.scalar(key, node);
    if (typeof v !== "boolean") this.fail(key, `${v} is not true or false`, "write true or false");
    return v;
  }

  /** Evaluates one scalar node (number, quantity or expression) of the given kind. */
  value(node: Node, where: Where, kind: Kind): number {
    if (node.kind !== "scalar" || node.value === null || typeof node.value === "boolean")
      fail(
        this.file,
        where,
        `expected a number, got ${describe(node)}`,
        "write a number or an expression such as '2*dt'",
      );
    const raw = node.value;
    try {
      const v: Value = evaluate(raw, this.scope);
      const x = kind === "time" ? toModelTime(v, String(raw), this.scope) : toPlain(v, String(raw));
      if (!Number.isFinite(x)) fail(this.file, where, `${raw} is not a finite number`, "write a finite value");
      return x;
    } catch (err) {
      if (err instanceof QuantityError) fail(this.file, where, err.problem, err.fix);
      throw err;
    }
  }

  /** A scalar number; `positive`/`min`/`integer` are checked here so the message points at the field. */
  number(
    key: string,
    opts: { kind?: Kind; fallback?: number; positive?: boolean; min?: number; max?: number; integer?: boolean } = {},
  ): number {
    const node = opts.fallback === undefined ? this.need(key, "add it") : this.get(key);
    if (node === undefined) return opts.fallback!;
    const x = this.value(node, this.at(key), opts.kind ?? "plain");
    this.checkRange(this.at(key), x, opts);
    return x;
  }

  /** A quantity in a unit other than time ("100 MHz" in Hz); for sections such as hardware. */
  quantity(key: string, unit: string, fallback?: number): number {
    const node = fallback === undefined ? this.need(key, `add it (in ${unit})`) : this.get(key);
    if (node === undefined) return fallback!;
    if (node.kind !== "scalar" || node.value === null || typeof node.value === "boolean")
      this.fail(key, `expected a quantity in ${unit}, got ${describe(node)}`);
    try {
      return toUnit(evaluate(node.value, this.scope), String(node.value), unit);
    } catch (err) {
      if (err instanceof QuantityError) this.fail(key, err.problem, err.fix);
      throw err;
    }
  }

  checkRange(
    where: Where,
    x: number,
    opts: { positive?: boolean; min?: number; max?: number; integer?: boolean },
  ): void {
    if (opts.positive && !(x > 0)) fail(this.file, where, `${x} must be positive`);
    if (opts.min !== undefined && x < opts.min) fail(this.file, where, `${x} must be at least ${opts.min}`);
    if (opts.max !== undefined && x > opts.max) fail(this.file, where, `${x} must be at most ${opts.max}`);
    if (opts.integer && !Number.isInteger(x)) fail(this.file, where, `${x} must be a whole number`);
  }

  /** A list node (or undefined when absent). */
  list(key: string): Node[] | undefined {
    const node = this.get(key);
    if (node === undefined) return undefined;
    if (node.kind !== "seq")
      this.fail(key, `expected a list, got ${describe(node)}`, "write a list: [a, b] or one '- item' per line");
    return node.items;
  }

  /** A nested map section (undefined when absent). */
  section(key: string, keys: readonly string[]): Section | undefined {
    const node = this.get(key);
    return node === undefined ? undefined : Section.of(this.file, this.scope, node, this.sub(key), keys);
  }

  /** A per-neuron value: a scalar or a list of numbers. */
  perNeuron(key: string, kind: Kind, check: { positive?: boolean; min?: number } = {}): PerNeuron | undefined {
    const node = this.get(key);
    if (node === undefined) return undefined;
    const where = this.at(key);
    if (node.kind === "seq") {
      if (node.items.length === 0)
        this.fail(key, "the list is empty", "give one value per neuron or a single value for all");
      const list: number[] = [];
      node.items.forEach((item, i) => {
        const w = { line: item.line, path: `${where.path}[${i}]` };
        const run = item.kind === "scalar" && typeof item.value === "string" ? RUN.exec(item.value) : null;
        const count = run ? Number(run[1]) : 1;
        if (run && (count < 1 || count > MAX_RUN))
          fail(this.file, w, `a run of ${count} neurons`, `give a count from 1 to ${MAX_RUN}, as in '18 x 0.6'`);
        const x = this.value(run ? { kind: "scalar", line: item.line, value: run[2] } : item, w, kind);
        this.checkRange(w, x, check);
        if (list.length + count > MAX_RUN)
          fail(this.file, w, `the list runs past ${MAX_RUN} neurons`, "use a smaller population");
        for (let k = 0; k < count; k++) list.push(x);
      });
      return { where, list };
    }
    const scalar = this.value(node, where, kind);
    this.checkRange(where, scalar, check);
    return { where, scalar };
  }

  /** A matrix: a list of rows of numbers, or a scalar for every entry. */
  matrix(key: string): Matrix | undefined {
    const node = this.get(key);
    if (node === undefined) return undefined;
    const where = this.at(key);
    if (node.kind !== "seq") return { where, scalar: this.value(node, where, "plain") };
    if (node.items.length === 0)
      this.fail(key, "the matrix has no rows", "write [[w00, w01], [w10, w11]] with one row per post neuron");
    const rows = node.items.map((row, i) => {
      const rowWhere = { line: row.line, path: `${where.path}[${i}]` };
      if (row.kind !== "seq")
        fail(
          this.file,
          rowWhere,
          `expected a row (a list of numbers), got ${describe(row)}`,
          "write the matrix as [post][pre]: one list per post neuron",
        );
      return row.items.map((item, j) =>
        this.value(item, { line: item.line, path: `${where.path}[${i}][${j}]` }, "plain"),
      );
    });
    return { where, rows };
  }
}
