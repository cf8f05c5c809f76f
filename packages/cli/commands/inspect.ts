// `vle inspect`: a readable summary of a compiled circuit, or its JSON form.
import type { Command } from "commander";
import { toJSON } from "../../../circuits/codec.js";
import { Feedback, Loss, Optimizer, Phi, Rule, enumName, type Circuit } from "../../../circuits/model.js";
import { describeTimeBase, formatModelTime } from "../../../circuits/time-base.js";
import { loadCircuit } from "../../load/load.js";
import { maxOf, minOf } from "../../../circuits/extent.js";

const range = (xs: number[], show: (x: number) => string = String) => {
  const lo = minOf(xs),
    hi = maxOf(xs);
  return lo === hi ? show(lo) : `${show(lo)}..${show(hi)}`;
};

export function summarize(c: Circuit): string {
  // every time in the circuit's own time base: seconds when it has one, model time units when dimensionless
  const time = (t: number) => formatModelTime(c, t).replace(/ model time units?$/, "");
  const lines = [`circuit '${c.name}' (IR v${c.version}), dt = ${formatModelTime(c, c.dt)}; ${describeTimeBase(c)}`];
  for (const p of c.inputs) lines.push(`  input      ${p.name} [${p.size}]`);
  for (const p of c.populations) {
    const plastic = [p.plasticBias && "b", p.plasticTauM && "tau_m"].filter(Boolean).join(", ");
    lines.push(
      `  population ${p.name} [${p.size}] ${enumName(Phi, p.phi)}, tau_m ${range(p.tauM, time)}, tau_r ${range(p.tauR, time)}, bias ${range(p.bias)}${plastic ? `, plastic ${plastic}` : ""}`,
    );
  }
  for (const e of c.errorPopulations) {
    const link = c.errorCurrents.find((l) => l.errorPopulation === e.name);
    lines.push(`  error cell ${e.name} -> ${e.population}${link ? `, gamma ${link.gamma}` : ", no error current"}`);
  }
  for (const x of c.crossbars) {
    const w = x.weights;
    lines.push(
      `  crossbar   ${x.name}: ${x.pre} -> ${x.post} [${x.rows}x${x.cols}], W ${w.length ? range(w.map((v) => +v.toPrecision(4))) : "-"}, ${x.plastic ? "plastic" : "fixed"}, feedback ${enumName(Feedback, x.feedback)}`,
    );
  }
  for (const b of c.broadcasts) lines.push(`  broadcast  ${b.from} -> ${b.to}`);
  for (const o of c.outputs)
    lines.push(`  output     ${o.name} <- ${o.population}, loss ${enumName(Loss, o.loss)}, beta ${o.beta}`);
  const l = c.learning;
  lines.push(
    `  learning   rule ${enumName(Rule, l.rule)}, eta ${l.eta}, eta_tau ${l.etaTau}, prospective errors ${l.prospectiveErrors ? "on" : "off"}, optimizer ${enumName(Optimizer, l.optimizer)}${l.rule === Rule.TBPTT ? `, window ${l.window}` : ""}`,
  );
  const synapses = c.crossbars.reduce((s, x) => s + x.rows * x.cols, 0);
  const neurons = c.populations.reduce((s, p) => s + p.size, 0);
  lines.push(`  totals     ${neurons} neurons, ${synapses} synapses`);
  if (c.provenance.source)
    lines.push(
      `  provenance ${c.provenance.source} sha256 ${c.provenance.sourceSha256.slice(0, 12)}, compiler ${c.provenance.compilerVersion}${c.provenance.cardSha256 ? `, card ${c.hardware?.card ?? "?"} sha256 ${c.provenance.cardSha256.slice(0, 12)}` : ""}`,
    );
  return lines.join("\n");
}

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .argument("<circuit>", "compiled circuit or network description")
    .option("--json", "print the circuit's JSON form instead")
    .action((file: string, opts: { json?: boolean }) => {
      const c = loadCircuit(file);
      process.stdout.write(opts.json ? JSON.stringify(toJSON(c), null, 2) + "\n" : summarize(c) + "\n");
    });
}
