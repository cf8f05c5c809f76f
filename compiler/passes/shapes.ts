// Pass 'shapes': description -> graph: references checked, missing sizes inferred, every per-neuron list and matrix shape checked.
import { Loss, Phi, Rule } from "../../circuits/model.js";
import type { Graph, GraphPopulation, GraphProjection, PopulationSpec } from "../graph.js";
import { drawValues } from "../init.js";
import { definePass } from "../pass.js";
import type { Matrix, PerNeuron } from "../reader.js";
import { closest } from "../schema.js";
import { fail, type Where } from "../source.js";

/** Largest crossbar (entries): 2^26 float64 weights are 512 MiB. */
const MAX_SYNAPSES = 2 ** 26;

export const shapes = definePass({
  name: "shapes",
  needs: ["description"],
  run({ description: d }) {
    const file = d.file;
    const byName = new Map(d.populations.map((p) => [p.name, p]));
    const names = d.populations.map((p) => p.name);

    const population = (name: string, where: Where): PopulationSpec => {
      const p = byName.get(name);
      if (p) return p;
      const guess = closest(name, names);
      fail(
        file,
        where,
        `unknown population '${name}'`,
        `${guess ? `did you mean '${guess}'? ` : ""}populations are: ${names.join(", ")}`,
      );
    };
    const notInput = (p: PopulationSpec, where: Where, role: string) => {
      if (p.kind === "input")
        fail(
          file,
          where,
          `'${p.name}' is an input population and cannot ${role}`,
          "make it a hidden population or use another one",
        );
    };

    // references first, so a misspelt name is reported as such rather than as a shape problem
    const used = new Map<string, string>();
    const claim = (name: string, where: Where) => {
      if (used.has(name))
        fail(
          file,
          where,
          `the name '${name}' is already used by ${used.get(name)}`,
          "give it a name of its own (key name:)",
        );
      used.set(name, where.path);
    };
    for (const p of d.populations) claim(p.name, { line: p.where.line, path: `${p.where.path}.name` });
    for (const p of d.populations)
      if (p.kind === "output") claim(p.target, { line: p.where.line, path: `${p.where.path}.target` });
    for (const x of d.projections) {
      population(x.from, x.fromWhere);
      notInput(population(x.to, x.toWhere), x.toWhere, "receive a projection");
      claim(x.name, x.where);
    }
    for (const b of d.broadcasts) {
      const from = population(b.from, b.fromWhere);
      if (from.kind !== "output")
        fail(
          file,
          b.fromWhere,
          `'${b.from}' is not an output population; broadcasts carry an output error`,
          "broadcast from a population with kind: output",
        );
      notInput(population(b.to, b.toWhere), b.toWhere, "receive an error broadcast");
    }
    const outputs = d.populations.filter((p) => p.kind === "output");
    if (outputs.length === 0 && d.learning.ir.rule !== Rule.NONE)
      fail(
        file,
        d.learning.where,
        "no population has kind: output, so there is no error to learn from",
        "mark the readout population kind: output, or set learning.rule: none",
      );
    if (d.loss.kind === Loss.CROSS_ENTROPY)
      for (const p of outputs)
        if (p.phi !== Phi.LINEAR)
          fail(
            file,
            { line: p.where.line, path: `${p.where.path}.phi` },
            "cross-entropy takes logits, so an output population must have phi: linear",
            "set phi: linear or use loss kind mse",
          );

    // shape inference: the first source of a size fixes it (explicit sizes first); any other source must agree
    const size = new Map<string, { n: number; from: Where }>();
    const constrain = (name: string, n: number, where: Where, what: string) => {
      const known = size.get(name);
      if (!known) return void size.set(name, { n, from: where });
      if (known.n !== n)
        fail(
          file,
          where,
          `${what} gives ${n} for population '${name}', which has ${known.n} neuron${known.n === 1 ? "" : "s"} (from ${known.from.path}, line ${known.from.line})`,
          "make the sizes agree",
        );
    };
    for (const p of d.populations) if (p.size !== undefined) constrain(p.name, p.size, p.sizeWhere!, "size");
    const perNeuron = (p: PopulationSpec, v: PerNeuron | undefined) =>
      v?.list && constrain(p.name, v.list.length, v.where, `a list of ${v.list.length} values`);
    for (const p of d.populations) for (const v of [p.tauM, p.tauR, p.bias]) perNeuron(p, v);
    const matrix = (m: Matrix | undefined, post: string, pre: string) => {
      if (!m?.rows) return;
      const cols = m.rows[0].length;
      m.rows.forEach((row, i) => {
        if (row.length !== cols)
          fail(
            file,
            { line: m.where.line, path: `${m.where.path}[${i}]` },
            `row ${i} has ${row.length} values but row 0 has ${cols}`,
            "give every row one value per pre neuron",
          );
      });
      constrain(post, m.rows.length, m.where, `a [post][pre] matrix of ${m.rows.length} rows`);
      constrain(pre, cols, m.where, `a [post][pre] matrix of ${cols} columns`);
    };
    for (const x of d.projections) {
      matrix(x.weights, x.to, x.from);
      matrix(x.feedback.weights, x.to, x.from);
    }
    for (const b of d.broadcasts) matrix(b.weights, b.to, b.from);

    // a bias initializer's fan_in: every presynaptic neuron of the population, as torch's nn.Linear bias
    const fanIn = (name: string) =>
      d.projections.filter((x) => x.to === name).reduce((n, x) => n + (size.get(x.from)?.n ?? 0), 0);
    const populations: GraphPopulation[] = d.populations.map((p) => {
      const n = size.get(p.name)?.n;
      if (n === undefined)
        fail(file, p.where, `population '${p.name}' has no size and none can be inferred`, "add size: N");
      const init = p.biasInit;
      if (init && ["torch", "kaiming", "lecun"].includes(init.kind) && fanIn(p.name) === 0)
        fail(
          file,
          init.where,
          `bias init '${init.kind}' scales with fan_in, and no projection enters '${p.name}'`,
          "use kind uniform or normal, or give the bias values",
        );
      // inputs have no membrane: their per-neuron arrays stay empty
      const expand = (v: PerNeuron | undefined, fallback: number) =>
        p.kind === "input" ? [] : v?.list ? v.list : new Array<number>(n).fill(v?.scalar ?? fallback);
      return {
        ...p,
        size: n,
        tauMValues: expand(p.tauM, NaN),
        tauRValues: expand(p.tauR, NaN),
        biasValues: init ? drawValues(init.kind, init.scale, init.seed, n, fanIn(p.name), n) : expand(p.bias, 0),
      };
    });
    const sizeOf = (name: string) => size.get(name)!.n;
    const projections: GraphProjection[] = d.projections.map((x) => {
      const [rows, cols] = [sizeOf(x.to), sizeOf(x.from)];
      if (rows * cols > MAX_SYNAPSES)
        fail(
          file,
          x.where,
          `${rows}x${cols} = ${rows * cols} synapses in one crossbar, more than ${MAX_SYNAPSES}`,
          "use smaller populations",
        );
      return { ...x, rows, cols };
    });
    for (const b of d.broadcasts)
      if (sizeOf(b.to) * sizeOf(b.from) > MAX_SYNAPSES)
        fail(file, b.where, `the broadcast matrix has more than ${MAX_SYNAPSES} entries`, "use smaller populations");
    const graph: Graph = { ...d, populations, projections };
    return { graph };
  },
});
