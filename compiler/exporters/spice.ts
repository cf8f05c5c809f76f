// The SPICE exporter: writes a circuit IR as an ngspice netlist whose transient solves design section 2's continuous-time dynamics.
//
// Electrical mapping (one model unit of any signal = 1 V; one model time unit = `timeUnit` seconds of chip time):
//   membrane      C_m from u to an ammeter (0 V source) to ground, leak g_L = C_m / (tau_m * timeUnit) to ground,
//                 driven by one behavioural current source per crossbar row (g_L * sum_j W_ij r_j), a bias current
//                 g_L * b and the modulatory error current g_L * gamma * e. So tau_m du/dt = -u + I + gamma e.
//   prospective   u~ = u + tau_r du/dt, with du/dt = (ammeter current) / C_m: a behavioural voltage source.
//   rate, phi'    behavioural voltage sources phi(u~), phi'(u~).
//   error cell    the same integrator with the time constants swapped: leak C_m / (tau_r * timeUnit), driven by
//                 d = phi'(u~) * (sum_k F_ki e_k + broadcasts + beta * mask * (y - r)); e = v + tau_m dv/dt.
//   plasticity    (learn) every plastic parameter is a capacitor node integrating its local update: the IR's eta is a
//                 rate per step of dt, so dW/dt = (eta / dt) e_i r_j, db/dt = (eta / dt) e_i,
//                 dtau_m/dt = -(eta_tau / dt) e_i du_i/dt. Adam becomes two moment nodes per parameter: moving
//                 averages at rate -ln(beta)/dt (whose exact discretization at dt is Adam's), bias-corrected by
//                 1 - beta^(t/dt + 1), the correction Adam applies to its update over [t, t + dt].
//                 A learned feedback matrix receives W's updates (same optimizer state), so F = F0 + W - W0.
// Cross-entropy outputs get softmax nodes; instantaneous errors (rule instantaneous) make e = v = d.
// C_m and the time unit come from the hardware section (C_m, time_unit_s / acceleration) when present, else 1 pF and
// 1 us. Ideal mode only: hardware effects (quantization, noise, mismatch, latency) are not in the netlist.
// Inputs and targets are piecewise-linear sources through the given samples. Algebraic loops (u~ -> e -> u) are
// solved by ngspice's Newton iteration at each time point, which is what makes the netlist the continuous limit of
// the engine's one-step-delayed discretization.
import { VleError } from "../../circuits/errors.js";
import { Feedback, Loss, Optimizer, Phi, Rule, enumName, type Circuit, type Crossbar } from "../../circuits/model.js";
import { validate } from "../../circuits/validate.js";
import { matrixColumn, neuronColumn, type NeuronParameter, type NeuronSignal } from "../../circuits/signals.js";
import { version } from "../version.js";

/** Samples of named channels at `times` (model time units). Channel names are `<element>[<index>]`. */
export interface Waveforms {
  times: ArrayLike<number>;
  /** NaN in a target channel means "no target at this sample" */
  columns: Map<string, ArrayLike<number>>;
}

export interface SpiceOptions {
  /** end of the transient in model time units; default: one dt past the last input sample (rows are steps) */
  tstop?: number;
  input?: Waveforms;
  target?: Waveforms;
  /** integrate the plastic parameters (on-chip learning in continuous time) */
  learn?: boolean;
  /** membrane and error-cell capacitance (F); default: the hardware section's C_m, else 1 pF */
  capacitance?: number;
  /** chip seconds per model time unit; default: hardware time_unit_s / acceleration, else 1 us */
  timeUnit?: number;
  /** largest internal time step in model time units; default dt (steps are also bounded by reltol) */
  maxStep?: number;
  /** ngspice relative tolerance; default 1e-6 */
  reltol?: number;
}

/** Which instant of the engine's step a signal belongs to: the state after it, or the prospective readout of its start. */
type ProbeTiming = "state" | "prospective";

/** A recorded signal: its trace name (as `vle simulate` names columns) and the ngspice node carrying it. */
export interface SpiceProbe {
  /** the trace column name, e.g. "l0.u_prosp[0]", "x_to_l0.W[0,1]" */
  signal: string;
  /** population or crossbar name */
  element: string;
  quantity: ProbeQuantity;
  /** flat index: neuron, or row * cols + col for weights */
  index: number;
  /** the ngspice node (lower case, as in the rawfile's v(<node>)) */
  node: string;
  timing: ProbeTiming;
}

/** Signals of a cell (u, u_prosp, r, v, e) and learnable parameters (W, b, tau_m). */
export type ProbeQuantity = NeuronSignal | NeuronParameter | "W";
export const parameterQuantities: readonly ProbeQuantity[] = ["W", "b", "tau_m"];

export interface SpiceNetlist {
  text: string;
  probes: SpiceProbe[];
  capacitance: number;
  timeUnit: number;
  tstop: number;
}

const DEFAULT_CAPACITANCE = 1e-12;
const DEFAULT_TIME_UNIT = 1e-6;

/** A number as ngspice reads it (shortest round-trip form; e-notation, never a scale suffix). */
const num = (x: number): string => {
  if (!Number.isFinite(x)) throw new VleError(`spice export: non-finite value ${x}`);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential() : String(x);
};
/** A time in seconds, rounded to 12 significant digits so sample times read as the multiples of dt they are. */
const sec = (t: number): string => num(Number(t.toPrecision(12)));

/** An identifier from IR names: letters, digits and underscores ("x->l0" becomes "x_to_l0"). */
export function spiceName(name: string): string {
  return name.replace(/->/g, "_to_").replace(/[^A-Za-z0-9_]/g, "_");
}

/** Whether an expression is a plain number (a fixed value) rather than a node expression. */
const isNumeric = (x: string) => /^[0-9.e+-]+$/.test(x);

/** "a*x + b*y - c*z" from coefficient-expression pairs, dropping zero coefficients; "0" when empty. */
function linear(terms: [number | string, string][]): string {
  const parts: string[] = [];
  for (const [c, x] of terms) {
    if (c === 0) continue;
    if (typeof c === "string") parts.push(`${parts.length ? "+ " : ""}${c}*${x}`);
    else if (c === 1) parts.push(`${parts.length ? "+ " : ""}${x}`);
    else if (c === -1) parts.push(`${parts.length ? "- " : "-"}${x}`);
    else parts.push(`${c < 0 ? (parts.length ? "- " : "-") : parts.length ? "+ " : ""}${num(Math.abs(c))}*${x}`);
  }
  return parts.length ? parts.join(" ") : "0";
}

/** phi and phi' as ngspice expressions of x, overflow-safe (softplus and sigmoid through abs/tanh). */
const transferFunctions: Record<Exclude<Phi, typeof Phi.PHI_UNSPECIFIED>, { phi: string; dphi: string }> = {
  [Phi.LINEAR]: { phi: "x", dphi: "1" },
  [Phi.TANH]: { phi: "tanh(x)", dphi: "1 - tanh(x)*tanh(x)" },
  [Phi.SOFTPLUS]: { phi: "max(x, 0) + ln(1 + exp(-abs(x)))", dphi: "0.5 + 0.5*tanh(0.5*x)" },
  [Phi.SIGMOID]: { phi: "0.5 + 0.5*tanh(0.5*x)", dphi: "0.25 - 0.25*tanh(0.5*x)*tanh(0.5*x)" },
  [Phi.RELU]: { phi: "max(x, 0)", dphi: "u(x)" },
};

/** Splits a long element line into ngspice continuation lines ('+' in column 1) at spaces. */
function wrap(line: string, width = 200): string {
  if (line.length <= width) return line;
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(" ", width);
    if (cut <= 0) cut = rest.indexOf(" ", width);
    if (cut <= 0) break;
    out.push(rest.slice(0, cut));
    rest = "+ " + rest.slice(cut + 1);
  }
  out.push(rest);
  return out.join("\n");
}

/** "PWL(t0 v0 t1 v1 ...)" in seconds, keeping only the ends of runs of equal values. */
function pwl(times: ArrayLike<number>, values: ArrayLike<number>, timeUnit: number): string {
  const pts: string[] = [];
  const n = values.length;
  for (let k = 0; k < n; k++) {
    const interior = k > 0 && k < n - 1 && values[k] === values[k - 1] && values[k] === values[k + 1];
    if (!interior) pts.push(`${sec(times[k] * timeUnit)} ${num(values[k])}`);
  }
  return `PWL(${pts.join(" ")})`;
}

interface CellNodes {
  u: string[];
  ammeter: string[];
  up: string[];
  r: string[];
  dphi: string[];
  /** error cell nodes (absent without an error population) */
  v?: string[];
  vAmmeter?: string[];
  e?: string[];
  d?: string[];
  /** expression of tau_m per neuron (a number, or the clamped plastic node) */
  tauM: string[];
  bias: string[];
  gamma: number;
}

/** Exports `c` as an ngspice netlist. Throws VleError when an option or waveform does not fit the circuit. */
export function exportSpice(c: Circuit, options: SpiceOptions = {}): SpiceNetlist {
  validate(c, "spice export");
  const dt = c.dt;
  const physical = c.hardware?.physical;
  const hw = c.hardware;
  // the circuit's time base (in chip time: accelerated, when it has a chip); a dimensionless circuit takes 1 us
  const timeUnit =
    options.timeUnit ??
    (c.timeUnitS === undefined ? DEFAULT_TIME_UNIT : c.timeUnitS / (hw && hw.acceleration > 0 ? hw.acceleration : 1));
  // without a chip's C_m: 1 pF per us of the time unit, so the currents (C / time unit) and with them ngspice's
  // absolute tolerances mean the same at every time base
  const capacitance =
    options.capacitance ??
    (physical && physical.cMF > 0 ? physical.cMF : DEFAULT_CAPACITANCE * (timeUnit / DEFAULT_TIME_UNIT));
  if (!(capacitance > 0) || !Number.isFinite(capacitance))
    throw new VleError(`spice export: capacitance ${capacitance} F must be a positive number`);
  if (!(timeUnit > 0) || !Number.isFinite(timeUnit))
    throw new VleError(`spice export: time unit ${timeUnit} s must be a positive number`);
  const rule = c.learning.rule;
  const prospectiveErrors = rule === Rule.VLE && c.learning.prospectiveErrors;
  const learn = options.learn ?? false;
  if (learn && rule !== Rule.VLE && rule !== Rule.INSTANTANEOUS) {
    throw new VleError(
      `spice export: learning rule ${enumName(Rule, rule)} does not learn online in the circuit; --learn needs rule vle or instantaneous`,
    );
  }
  const adam = c.learning.optimizer === Optimizer.ADAM;

  const inputTimes = options.input?.times;
  const tstop =
    options.tstop ??
    (inputTimes && inputTimes.length > 0 ? Number((inputTimes[inputTimes.length - 1] + dt).toPrecision(12)) : NaN);
  if (!(tstop > 0)) throw new VleError(`spice export: no end time; give --tstop (model time units) or an input table`);
  const maxStep = options.maxStep ?? dt;
  if (!(maxStep > 0)) throw new VleError(`spice export: max step ${maxStep} must be positive`);
  const reltol = options.reltol ?? 1e-6;

  // every node and element name, checked for collisions (ngspice folds case)
  const used = new Map<string, string>();
  const claim = (name: string, owner: string): string => {
    const key = name.toLowerCase();
    const prior = used.get(key);
    if (prior !== undefined && prior !== owner)
      throw new VleError(
        `spice export: '${owner}' and '${prior}' both map to the SPICE name '${name}'; rename one of them`,
      );
    used.set(key, owner);
    return name;
  };
  const nodes = (prefix: string, element: string, n: number) =>
    Array.from({ length: n }, (_, i) => claim(`${prefix}_${spiceName(element)}_${i}`, `${element}[${i}]`));
  const V = (node: string) => `v(${node})`;

  const lines: string[] = [];
  const probes: SpiceProbe[] = [];
  const probe = (
    element: string,
    quantity: ProbeQuantity,
    index: number,
    node: string,
    timing: ProbeTiming,
    cols = 0,
  ) =>
    probes.push({
      signal:
        quantity === "W"
          ? matrixColumn(element, quantity, Math.floor(index / cols), index % cols)
          : neuronColumn(element, quantity, index),
      element,
      quantity,
      index,
      node: node.toLowerCase(),
      timing,
    });
  const seconds = (t: number) => t * timeUnit;
  const C = num(capacitance);
  /** current scale of a conductance C / (tau * timeUnit) where tau is a model-time expression */
  const conductance = (tau: string) =>
    isNumeric(tau) ? num(capacitance / (Number(tau) * timeUnit)) : `${num(capacitance / timeUnit)}/${tau}`;

  lines.push(
    `* vle circuit '${c.name}' as an ngspice netlist (vle ${version}${c.provenance.source ? `, from ${c.provenance.source}` : ""})`,
  );
  lines.push(
    `* Continuous-time dynamics of design section 2: one model unit of any signal = 1 V; one model time unit = ${num(timeUnit)} s;`,
  );
  lines.push(
    `* membrane and error-cell capacitance ${C} F; g_L = C / (tau * ${num(timeUnit)} s). Circuit dt = ${num(dt)} model units.`,
  );
  lines.push(
    `* Node names: u_<pop>_<i> membrane, up_ prospective u + tau_r du/dt, r_ rate, dphi_ phi', v_/e_/d_ error cell state,`,
  );
  lines.push(
    `* prospective error and input, in_<input>_<i> inputs, y_<output>_<i> targets, m_<output> target mask, w_<crossbar>_<i>_<j> weights.`,
  );
  lines.push(`* Run: ngspice -b <this file> -r out.raw   (or interactively: source it, run, plot v(r_<pop>_0))`);
  lines.push("");
  const phis = new Set(c.populations.map((p) => p.phi));
  for (const phi of phis) {
    const f = transferFunctions[phi as Exclude<Phi, typeof Phi.PHI_UNSPECIFIED>];
    const name = enumName(Phi, phi);
    lines.push(`.func phi_${name}(x) = {${f.phi}}`);
    lines.push(`.func dphi_${name}(x) = {${f.dphi}}`);
  }
  lines.push("");

  // ---- inputs: PWL voltage sources through the input samples
  const inputNode = new Map<string, string[]>();
  const inputColumns = new Set(options.input ? options.input.columns.keys() : []);
  for (const port of c.inputs) {
    const ns = nodes("in", port.name, port.size);
    inputNode.set(port.name, ns);
    lines.push(`* input '${port.name}' [${port.size}]`);
    ns.forEach((node, i) => {
      const col = channel(options.input, port.name, i, port.size, "input");
      if (col) inputColumns.delete(col.name);
      const element = claim(`Vin_${spiceName(port.name)}_${i}`, `input ${port.name}[${i}]`);
      lines.push(wrap(`${element} ${node} 0 ${col ? pwl(options.input!.times, col.values, timeUnit) : "DC 0"}`));
    });
  }
  if (options.input && inputColumns.size) {
    throw new VleError(
      `spice export: input column '${[...inputColumns][0]}' matches no input channel; inputs: ${c.inputs.map((p) => `${p.name}[0..${p.size - 1}]`).join(", ")}`,
    );
  }

  // ---- parameter nodes when learning (declared first so the cells can reference them)
  const etaRate = c.learning.eta / dt,
    etaTauRate = c.learning.etaTau / dt;
  const paramLines: string[] = [];
  const lnB1 = Math.log(c.learning.adamBeta1),
    lnB2 = Math.log(c.learning.adamBeta2);
  if (learn && adam) {
    if (!(c.learning.adamBeta1 > 0 && c.learning.adamBeta2 > 0))
      throw new VleError(
        `spice export: Adam betas must be positive for the continuous-time moments (got ${c.learning.adamBeta1}, ${c.learning.adamBeta2})`,
      );
    const T = num(dt * timeUnit);
    paramLines.push(
      `* Adam in continuous time: nodes m_/s_ hold the bias-corrected moments of the update direction g,`,
    );
    paramLines.push(
      `* dm/dt = k1/c1(t) (g - m), ds/dt = k2/c2(t) (g^2 - s), with k = -ln(beta)/dt and c(t) = 1 - beta^(t/dt + 1);`,
    );
    paramLines.push(`* the parameter moves at (eta/dt) m / (sqrt(s) + eps).`);
    // the discrete optimizer's update over [t, t + dt] uses the correction of step t/dt + 1 (this also keeps t = 0 regular)
    paramLines.push(`.func adam_c1() = {1 - exp(${num(lnB1)}*(time/${T} + 1))}`);
    paramLines.push(`.func adam_c2() = {1 - exp(${num(lnB2)}*(time/${T} + 1))}`);
    paramLines.push(`.func adam_step(m, s) = {m/(sqrt(max(s, 0) + 1e-30) + ${num(c.learning.adamEpsilon)})}`);
    // Newton's first iterates can carry huge capacitor currents into g; a smooth bound far above any real g keeps g^2 finite
    paramLines.push(`.func adam_sat(g) = {1e6*tanh(1e-6*g)}`);
  }
  /**
   * A learnable parameter: a capacitor node starting at `initial`, integrating `rate` times its update direction `g`
   * (SGD) or Adam's step of it. Returns the node.
   */
  const parameterNode = (
    node: string,
    owner: string,
    initial: number,
    rate: number,
    g: string,
    label: string,
  ): string => {
    const k = num(capacitance / timeUnit);
    paramLines.push(`* ${label}`);
    paramLines.push(`${claim(`C${node}`, owner)} ${node} 0 ${C} IC=${num(initial)}`);
    if (adam) {
      const m = claim(`m${node}`, owner),
        s = claim(`s${node}`, owner);
      paramLines.push(`${claim(`Cm${node}`, owner)} ${m} 0 ${C} IC=0`);
      paramLines.push(
        wrap(`${claim(`Bm${node}`, owner)} 0 ${m} I = ${k}*${num(-lnB1 / dt)}/adam_c1()*(adam_sat(${g}) - v(${m}))`),
      );
      paramLines.push(`${claim(`Cs${node}`, owner)} ${s} 0 ${C} IC=0`);
      paramLines.push(
        wrap(
          `${claim(`Bs${node}`, owner)} 0 ${s} I = ${k}*${num(-lnB2 / dt)}/adam_c2()*(adam_sat(${g})*adam_sat(${g}) - v(${s}))`,
        ),
      );
      paramLines.push(wrap(`${claim(`B${node}`, owner)} 0 ${node} I = ${k}*${num(rate)}*adam_step(v(${m}), v(${s}))`));
    } else {
      paramLines.push(wrap(`${claim(`B${node}`, owner)} 0 ${node} I = ${k}*${num(rate)}*(${g})`));
    }
    return node;
  };

  // cell node names first: every expression below refers to them
  const cells = new Map<string, CellNodes>();
  for (const p of c.populations) {
    const ep = c.errorPopulations.find((e) => e.population === p.name);
    const link = ep && c.errorCurrents.find((l) => l.errorPopulation === ep.name);
    const cell: CellNodes = {
      u: nodes("u", p.name, p.size),
      ammeter: nodes("uc", p.name, p.size),
      up: nodes("up", p.name, p.size),
      r: nodes("r", p.name, p.size),
      dphi: nodes("dphi", p.name, p.size),
      tauM: p.tauM.map(num),
      bias: p.bias.map(num),
      gamma: link ? link.gamma : 0,
    };
    if (ep) {
      cell.d = nodes("d", ep.name, p.size);
      cell.e = nodes("e", ep.name, p.size);
      if (prospectiveErrors) {
        cell.v = nodes("v", ep.name, p.size);
        cell.vAmmeter = nodes("vc", ep.name, p.size);
      }
    }
    cells.set(p.name, cell);
  }
  const source = (name: string): string[] => cells.get(name)?.r ?? inputNode.get(name)!;

  // plastic bias and tau_m
  for (const p of c.populations) {
    const cell = cells.get(p.name)!;
    if (!learn || !cell.e) continue;
    if (p.plasticBias && c.learning.eta > 0) {
      cell.bias = p.bias.map((b, i) =>
        V(
          parameterNode(
            claim(`b_${spiceName(p.name)}_${i}`, neuronColumn(p.name, "b", i)),
            neuronColumn(p.name, "b", i),
            b,
            etaRate,
            V(cell.e![i]),
            `bias ${p.name}[${i}]: db/dt = (eta/dt) e`,
          ),
        ),
      );
      cell.bias.forEach((_, i) => probe(p.name, "b", i, `b_${spiceName(p.name)}_${i}`, "state"));
    }
    if (p.plasticTauM && c.learning.etaTau > 0) {
      cell.tauM = p.tauM.map((tau, i) => {
        const node = claim(`tau_${spiceName(p.name)}_${i}`, neuronColumn(p.name, "tau_m", i));
        const udot = `${num(timeUnit / capacitance)}*i(Vcm_${spiceName(p.name)}_${i})`;
        parameterNode(
          node,
          neuronColumn(p.name, "tau_m", i),
          tau,
          etaTauRate,
          `-${V(cell.e![i])}*${udot}`,
          `tau_m ${p.name}[${i}]: dtau_m/dt = -(eta_tau/dt) e du/dt, used clamped at dt`,
        );
        probe(p.name, "tau_m", i, node, "state");
        return `max(${V(node)}, ${num(dt)})`;
      });
    }
  }

  // crossbar weights: numbers, or parameter nodes; feedback matrices likewise
  const weightExpr = new Map<string, string[]>();
  const feedbackExpr = new Map<string, string[]>();
  for (const x of c.crossbars) {
    const post = cells.get(x.post)!;
    let w = x.weights.map(num);
    if (learn && x.plastic && post.e && c.learning.eta > 0) {
      const pre = source(x.pre);
      w = x.weights.map((w0, k) => {
        const i = Math.floor(k / x.cols),
          j = k % x.cols;
        const owner = matrixColumn(x.name, "W", i, j);
        const node = claim(`w_${spiceName(x.name)}_${i}_${j}`, owner);
        parameterNode(
          node,
          owner,
          w0,
          etaRate,
          `${V(post.e![i])}*${V(pre[j])}`,
          `weight ${x.name}[${i},${j}]: dW/dt = (eta/dt) e_post r_pre`,
        );
        probe(x.name, "W", k, node, "state", x.cols);
        return V(node);
      });
    }
    weightExpr.set(x.name, w);
    feedbackExpr.set(x.name, feedbackOf(x, w, learn && x.plastic && post.e !== undefined && c.learning.eta > 0));
  }

  if (paramLines.length) lines.push("* ---- plastic parameters (on-chip learning)", ...paramLines, "");

  // ---- targets
  const targetNodes = new Map<string, { y: string[]; mask: string }>();
  const targetColumns = new Set(options.target ? options.target.columns.keys() : []);
  for (const o of c.outputs) {
    const p = c.populations.find((q) => q.name === o.population)!;
    if (!options.target) continue;
    const cols = Array.from({ length: p.size }, (_, i) =>
      channel(options.target, o.name, i, p.size, "target", o.population),
    );
    if (cols.every((col) => !col)) continue;
    const missing = cols.findIndex((col) => !col);
    if (missing >= 0)
      throw new VleError(`spice export: target CSV has no column '${o.name}[${missing}]' for output '${o.name}'`);
    cols.forEach((col) => targetColumns.delete(col!.name));
    const times = options.target.times;
    const mask = Array.from({ length: times.length }, (_, k) => {
      const present = cols.map((col) => Number.isFinite(col!.values[k]));
      if (present.some((x) => x !== present[0]))
        throw new VleError(
          `spice export: target row ${k + 1}: output '${o.name}' has values for some channels only; give all or none`,
        );
      return present[0] ? 1 : 0;
    });
    const ys = nodes("y", o.name, p.size);
    const maskNode = claim(`m_${spiceName(o.name)}`, `${o.name} mask`);
    lines.push(`* target of output '${o.name}' (population ${o.population}); m = 1 where a target is given`);
    ys.forEach((node, i) => {
      const values = Array.from({ length: times.length }, (_, k) => (mask[k] ? cols[i]!.values[k] : 0));
      lines.push(
        wrap(
          `${claim(`Vy_${spiceName(o.name)}_${i}`, `target ${o.name}[${i}]`)} ${node} 0 ${pwl(times, values, timeUnit)}`,
        ),
      );
    });
    lines.push(
      wrap(`${claim(`Vm_${spiceName(o.name)}`, `target ${o.name} mask`)} ${maskNode} 0 ${pwl(times, mask, timeUnit)}`),
    );
    targetNodes.set(o.name, { y: ys, mask: maskNode });
  }
  if (options.target && targetColumns.size) {
    throw new VleError(
      `spice export: target column '${[...targetColumns][0]}' matches no output channel; outputs: ${c.outputs.map((o) => o.name).join(", ")}`,
    );
  }
  if (targetNodes.size) lines.push("");

  // ---- cells
  for (const p of c.populations) {
    const cell = cells.get(p.name)!;
    const P = spiceName(p.name);
    const ep = c.errorPopulations.find((e) => e.population === p.name);
    const phiName = enumName(Phi, p.phi);
    lines.push(
      `* ==== population '${p.name}' [${p.size}], phi ${phiName}${ep ? `, error cell '${ep.name}'${cell.gamma ? `, gamma ${num(cell.gamma)}` : ""}` : ""}`,
    );
    const afferent = c.crossbars.filter((x) => x.post === p.name);
    const output = c.outputs.find((o) => o.population === p.name);
    const target = output && targetNodes.get(output.name);
    const crossEntropy = target && output!.loss === Loss.CROSS_ENTROPY;
    if (crossEntropy) {
      // softmax over the output rates, shifted by their maximum
      const maxNode = claim(`smax_${P}`, `${p.name} softmax max`);
      const maxExpr = cell.r.map(V).reduce((a, b) => `max(${a}, ${b})`);
      lines.push(wrap(`${claim(`Bsmax_${P}`, `${p.name} softmax max`)} ${maxNode} 0 V = ${maxExpr}`));
      const denominator = cell.r.map((r) => `exp(${V(r)} - ${V(maxNode)})`).join(" + ");
      cell.r.forEach((r, i) => {
        const node = claim(`sm_${P}_${i}`, `${p.name} softmax[${i}]`);
        lines.push(
          wrap(
            `${claim(`Bsm_${P}_${i}`, `${p.name} softmax[${i}]`)} ${node} 0 V = exp(${V(r)} - ${V(maxNode)}) / (${denominator})`,
          ),
        );
      });
    }
    for (let i = 0; i < p.size; i++) {
      const tauR = p.tauR[i],
        tauM = cell.tauM[i];
      const gL = conductance(tauM);
      const label = `${p.name}[${i}]`;
      lines.push(`* neuron ${label}: tau_m ${isNumeric(tauM) ? tauM : "plastic"}, tau_r ${num(tauR)}`);
      // membrane: capacitor through an ammeter, leak, input currents
      lines.push(`${claim(`Cm_${P}_${i}`, label)} ${cell.u[i]} ${cell.ammeter[i]} ${C} IC=0`);
      lines.push(`${claim(`Vcm_${P}_${i}`, label)} ${cell.ammeter[i]} 0 DC 0`);
      lines.push(
        isNumeric(tauM)
          ? `${claim(`Rleak_${P}_${i}`, label)} ${cell.u[i]} 0 ${num(1 / Number(gL))}`
          : `${claim(`Bleak_${P}_${i}`, label)} ${cell.u[i]} 0 I = ${gL}*${V(cell.u[i])}`,
      );
      for (const x of afferent) {
        const pre = source(x.pre),
          w = weightExpr.get(x.name)!;
        const row = linear(pre.map((r, j) => [weightCoefficient(w[i * x.cols + j]), V(r)]));
        if (row === "0") continue;
        lines.push(
          wrap(`${claim(`Bx_${spiceName(x.name)}_${i}`, `${x.name} row ${i}`)} 0 ${cell.u[i]} I = ${gL}*(${row})`),
        );
      }
      if (cell.bias[i] !== "0")
        lines.push(`${claim(`Bbias_${P}_${i}`, label)} 0 ${cell.u[i]} I = ${gL}*(${cell.bias[i]})`);
      if (cell.e && cell.gamma !== 0)
        lines.push(`${claim(`Bmod_${P}_${i}`, label)} 0 ${cell.u[i]} I = ${gL}*${num(cell.gamma)}*${V(cell.e[i])}`);
      // prospective readout from the capacitor current, rate and phi'
      lines.push(
        `${claim(`Bup_${P}_${i}`, label)} ${cell.up[i]} 0 V = ${V(cell.u[i])} + ${num((tauR * timeUnit) / capacitance)}*i(Vcm_${P}_${i})`,
      );
      lines.push(`${claim(`Br_${P}_${i}`, label)} ${cell.r[i]} 0 V = phi_${phiName}(${V(cell.up[i])})`);
      lines.push(`${claim(`Bdphi_${P}_${i}`, label)} ${cell.dphi[i]} 0 V = dphi_${phiName}(${V(cell.up[i])})`);
      probe(p.name, "u", i, cell.u[i], "state");
      probe(p.name, "u_prosp", i, cell.up[i], "prospective");
      probe(p.name, "r", i, cell.r[i], "prospective");
      if (!cell.e) continue;
      // error cell: d = phi' * (back-projected errors + broadcasts + output error)
      const errorTerms: [number | string, string][] = [];
      for (const x of c.crossbars) {
        if (x.pre !== p.name || x.feedback === Feedback.NO_FEEDBACK) continue;
        const post = cells.get(x.post)!;
        if (!post.e) continue;
        const F = feedbackExpr.get(x.name)!;
        for (let k = 0; k < x.rows; k++) errorTerms.push([weightCoefficient(F[k * x.cols + i]), V(post.e[k])]);
      }
      for (const b of c.broadcasts) {
        if (b.to !== p.name) continue;
        const from = cells.get(b.from)!,
          m = from.u.length;
        if (!from.e) continue; // an output without an error cell broadcasts nothing (its e stays 0 in the engine)
        for (let k = 0; k < m; k++) errorTerms.push([b.weights[i * m + k], V(from.e[k])]);
      }
      let inner = linear(errorTerms);
      if (target) {
        const predicted = crossEntropy ? V(`sm_${P}_${i}`) : V(cell.r[i]);
        const outErr = `${num(output!.beta)}*${V(target.mask)}*(${V(target.y[i])} - ${predicted})`;
        inner = inner === "0" ? outErr : `${inner} + ${outErr}`;
      }
      lines.push(wrap(`${claim(`Bd_${P}_${i}`, label)} ${cell.d![i]} 0 V = ${V(cell.dphi[i])}*(${inner})`));
      if (prospectiveErrors) {
        const gR = num(capacitance / (tauR * timeUnit));
        lines.push(`${claim(`Cv_${P}_${i}`, label)} ${cell.v![i]} ${cell.vAmmeter![i]} ${C} IC=0`);
        lines.push(`${claim(`Vcv_${P}_${i}`, label)} ${cell.vAmmeter![i]} 0 DC 0`);
        lines.push(`${claim(`Rv_${P}_${i}`, label)} ${cell.v![i]} 0 ${num(1 / Number(gR))}`);
        lines.push(`${claim(`Bv_${P}_${i}`, label)} 0 ${cell.v![i]} I = ${gR}*${V(cell.d![i])}`);
        const lookAhead = isNumeric(tauM)
          ? num((Number(tauM) * timeUnit) / capacitance)
          : `${num(timeUnit / capacitance)}*${tauM}`;
        lines.push(
          `${claim(`Be_${P}_${i}`, label)} ${cell.e[i]} 0 V = ${V(cell.v![i])} + ${lookAhead}*i(Vcv_${P}_${i})`,
        );
        probe(p.name, "v", i, cell.v![i], "state");
      } else {
        // instantaneous errors: e = v = d
        lines.push(`${claim(`Be_${P}_${i}`, label)} ${cell.e[i]} 0 V = ${V(cell.d![i])}`);
        probe(p.name, "v", i, cell.e[i], "prospective");
      }
      probe(p.name, "e", i, cell.e[i], "prospective");
    }
    lines.push("");
  }

  lines.push(`.options method=gear maxord=2 reltol=${num(reltol)} abstol=1e-18 vntol=1e-12 chgtol=1e-24 gmin=1e-18`);
  lines.push(`.tran ${sec(seconds(dt))} ${sec(seconds(tstop))} 0 ${sec(seconds(maxStep))} uic`);
  lines.push(".end");
  return { text: lines.join("\n") + "\n", probes, capacitance, timeUnit, tstop };
}

/** The samples of channel `<name>[i]` (or `<alias>[i]`, or bare `<name>` for a one-channel element). */
function channel(
  w: Waveforms | undefined,
  name: string,
  i: number,
  size: number,
  what: string,
  alias?: string,
): { name: string; values: ArrayLike<number> } | undefined {
  if (!w) return undefined;
  const candidates = [
    `${name}[${i}]`,
    ...(alias ? [`${alias}[${i}]`] : []),
    ...(size === 1 ? [name, ...(alias ? [alias] : [])] : []),
  ];
  const found = candidates.find((k) => w.columns.has(k));
  if (found === undefined) {
    if (what === "input")
      throw new VleError(`spice export: input CSV has no column '${name}[${i}]' for input '${name}'`);
    return undefined;
  }
  const values = w.columns.get(found)!;
  if (values.length !== w.times.length)
    throw new VleError(
      `spice export: ${what} column '${found}' has ${values.length} samples for ${w.times.length} times`,
    );
  return { name: found, values };
}

/** The back-projection matrix of x as expressions: W itself (transpose), its fixed own matrix, or a learned one tracking W's changes. */
function feedbackOf(x: Crossbar, w: string[], learning: boolean): string[] {
  switch (x.feedback) {
    case Feedback.TRANSPOSE:
      return w;
    case Feedback.RANDOM:
      return x.feedbackWeights.map(num);
    // the learned matrix receives the same updates as W (same optimizer state), so F(t) = F0 + W(t) - W0
    case Feedback.LEARNED:
      return x.feedbackWeights.map((f0, k) => (learning ? `(${num(f0 - x.weights[k])} + ${w[k]})` : num(f0)));
    default:
      return [];
  }
}

/** A weight expression as a linear() coefficient: its number, or the node expression as a string factor. */
function weightCoefficient(w: string): number | string {
  return isNumeric(w) ? Number(w) : w;
}
