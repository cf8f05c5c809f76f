// The IR verifier: rejects any circuit the simulator could not run, naming the element and the fix.
import { check } from "./errors.js";
import { checkLimits, MAX_NAME_LENGTH, memoryProblem, SAFE_NAME } from "./limits.js";
import { shapeProblem } from "./shape.js";
import { validateHardware } from "./validate-hardware.js";
import {
  Feedback,
  IR_VERSION,
  Loss,
  Optimizer,
  Phi,
  Rule,
  enumChoices,
  findSource,
  isDeclared as isEnum,
  type Circuit,
} from "./model.js";
const finite = (x: number) => typeof x === "number" && Number.isFinite(x);
const safeName = (name: string) => name.length <= MAX_NAME_LENGTH && SAFE_NAME.test(name);

/** Throws a VleError at the first problem; `where` prefixes messages (a file name or pass name). */
export function validate(c: Circuit, where = "circuit"): void {
  const at = `${where}${typeof c?.name === "string" && c.name ? ` '${c.name}'` : ""}`;
  const fail = (ok: boolean, msg: string | (() => string)) =>
    check(ok, () => `${at}: ${typeof msg === "string" ? msg : msg()}`);

  // the shape first (every field present and of its type), so the checks below read well-formed data
  const shape = shapeProblem(c);
  check(shape === undefined, () => `${where}: malformed circuit: ${shape}`);
  fail(
    c.version === IR_VERSION,
    `IR version ${c.version} is not supported (this build reads versions 1 and ${IR_VERSION}); recompile the description`,
  );
  fail(finite(c.dt) && c.dt > 0, `dt = ${c.dt} must be a positive number`);
  fail(
    c.name === "" || safeName(c.name),
    `the circuit's name ${JSON.stringify(c.name)} is not a safe name; use letters, digits, _ . - (at most ${MAX_NAME_LENGTH} characters)`,
  );
  // sizes and counts first: what follows walks arrays of those sizes
  checkLimits(c, fail);
  const memory = memoryProblem(c);
  fail(memory === undefined, () => memory!);
  fail(
    c.timeUnitS === undefined || (finite(c.timeUnitS) && c.timeUnitS > 0),
    `time_unit_s = ${c.timeUnitS} must be a positive number of seconds per model time unit (absent: dimensionless)`,
  );
  // declared intervals: lo < hi, or both absent (not declared)
  const interval = (lo: number | undefined, hi: number | undefined) =>
    lo === undefined ? hi === undefined : hi !== undefined && finite(lo) && finite(hi) && lo < hi;
  fail(
    interval(c.railLo, c.railHi) && (c.railLo === undefined || (c.railLo <= 0 && c.railHi! >= 0)),
    `rails [${c.railLo}, ${c.railHi}] must be finite with rail_lo < rail_hi and rail_lo <= 0 <= rail_hi, around the rest state u = 0 (or both absent: none declared)`,
  );

  const names = new Set<string>();
  const unique = (name: string, what: string) => {
    fail(name.length > 0, `a ${what} has an empty name; give every element a name`);
    fail(
      safeName(name),
      () =>
        `${what} ${JSON.stringify(name)}: not a safe name; use letters, digits, _ . - and -> (at most ${MAX_NAME_LENGTH} characters), as names become CSV columns and VCD scopes`,
    );
    fail(!names.has(name), `${what} '${name}': the name is used twice; names must be unique`);
    names.add(name);
  };

  for (const port of c.inputs) {
    unique(port.name, "input");
    fail(
      Number.isInteger(port.size) && port.size >= 1,
      `input '${port.name}': size ${port.size} must be a positive integer`,
    );
    fail(
      interval(port.lo, port.hi),
      `input '${port.name}': range [${port.lo}, ${port.hi}] must be finite with lo < hi (or both absent: not declared)`,
    );
  }

  for (const p of c.populations) {
    const el = `population '${p.name}'`;
    unique(p.name, "population");
    fail(Number.isInteger(p.size) && p.size >= 1, `${el}: size ${p.size} must be a positive integer`);
    fail(isEnum(Phi, p.phi), `${el}: phi ${p.phi} is not one of ${enumChoices(Phi)}`);
    for (const field of ["tau_m", "tau_r", "bias"] as const) {
      const values = field === "tau_m" ? p.tauM : field === "tau_r" ? p.tauR : p.bias;
      fail(values.length === p.size, `${el}: ${field} has ${values.length} values for ${p.size} neurons`);
      values.forEach((x, i) => {
        fail(finite(x), `${el}: ${field}[${i}] = ${x} is not a finite number`);
        if (field === "bias") return;
        // tau_r = 0: a plain leaky integrator without prospective readout (r = phi(u))
        if (field === "tau_r" && x === 0) return;
        fail(
          x > 0,
          `${el}: ${field}[${i}] = ${x} must be positive${field === "tau_r" ? " (or 0: no prospective readout)" : ""}`,
        );
        fail(
          x >= c.dt,
          `${el}: ${field}[${i}] = ${x} is smaller than dt = ${c.dt}; make dt at most the smallest time constant`,
        );
      });
    }
  }

  const servedBy = new Map<string, string>();
  for (const ep of c.errorPopulations) {
    unique(ep.name, "error population");
    fail(
      c.populations.some((p) => p.name === ep.population),
      `error population '${ep.name}': population '${ep.population}' does not exist`,
    );
    fail(
      !servedBy.has(ep.population),
      `error population '${ep.name}': population '${ep.population}' already has error population '${servedBy.get(ep.population)}'`,
    );
    servedBy.set(ep.population, ep.name);
  }

  for (const link of c.errorCurrents) {
    const el = `error current '${link.errorPopulation}' -> '${link.population}'`;
    const ep = c.errorPopulations.find((e) => e.name === link.errorPopulation);
    fail(ep !== undefined, `${el}: error population '${link.errorPopulation}' does not exist`);
    fail(
      ep!.population === link.population,
      `${el}: error population '${link.errorPopulation}' serves '${ep!.population}', not '${link.population}'`,
    );
    fail(finite(link.gamma), `${el}: gamma = ${link.gamma} is not a finite number`);
  }

  for (const x of c.crossbars) {
    const el = `crossbar '${x.name}'`;
    unique(x.name, "crossbar");
    const pre = findSource(c, x.pre);
    const post = c.populations.find((p) => p.name === x.post);
    fail(pre !== undefined, `${el}: pre '${x.pre}' is neither an input nor a population`);
    fail(post !== undefined, `${el}: post '${x.post}' is not a population`);
    const preSize = pre!.kind === "input" ? pre!.port.size : pre!.population.size;
    fail(x.rows === post!.size, `${el}: ${x.rows} rows but post '${x.post}' has ${post!.size} neurons`);
    fail(x.cols === preSize, `${el}: ${x.cols} columns but pre '${x.pre}' has ${preSize} channels`);
    fail(x.weights.length === x.rows * x.cols, `${el}: ${x.weights.length} weights for a ${x.rows}x${x.cols} crossbar`);
    x.weights.forEach((w, k) =>
      fail(finite(w), () => `${el}: weight [${Math.floor(k / x.cols)},${k % x.cols}] = ${w} is not finite`),
    );
    fail(isEnum(Feedback, x.feedback), `${el}: feedback ${x.feedback} is not one of ${enumChoices(Feedback)}`);
    const ownMatrix = x.feedback === Feedback.RANDOM || x.feedback === Feedback.LEARNED;
    fail(
      x.feedbackWeights.length === (ownMatrix ? x.rows * x.cols : 0),
      `${el}: ${x.feedbackWeights.length} feedback weights; feedback ${x.feedback === Feedback.TRANSPOSE ? "transpose" : "none"} needs none, random and learned need rows x cols`,
    );
    x.feedbackWeights.forEach((w, k) => fail(finite(w), () => `${el}: feedback weight ${k} = ${w} is not finite`));
    fail(
      pre!.kind === "population" || x.feedback === Feedback.NO_FEEDBACK,
      `${el}: pre '${x.pre}' is an input, so no error can flow back; set feedback to no-feedback`,
    );
    fail(
      !x.plastic || servedBy.has(x.post),
      `${el}: plastic, but post '${x.post}' has no error population to drive learning`,
    );
  }

  const outputPopulations = new Set<string>();
  for (const o of c.outputs) {
    const el = `output '${o.name}'`;
    unique(o.name, "output");
    const p = c.populations.find((q) => q.name === o.population);
    fail(p !== undefined, `${el}: population '${o.population}' does not exist`);
    fail(!outputPopulations.has(o.population), `${el}: population '${o.population}' is already an output`);
    outputPopulations.add(o.population);
    fail(isEnum(Loss, o.loss), `${el}: loss ${o.loss} is not one of ${enumChoices(Loss)}`);
    fail(finite(o.beta) && o.beta >= 0, `${el}: beta = ${o.beta} must be a non-negative number`);
    fail(
      o.tolerance === undefined || (finite(o.tolerance) && o.tolerance >= 0),
      `${el}: tolerance = ${o.tolerance} must be a non-negative number (absent: not declared)`,
    );
    fail(
      o.loss !== Loss.CROSS_ENTROPY || p!.phi === Phi.LINEAR,
      `${el}: cross-entropy takes logits, so population '${o.population}' must have phi linear`,
    );
  }

  for (const b of c.broadcasts) {
    const el = `broadcast '${b.from}' -> '${b.to}'`;
    const from = c.populations.find((p) => p.name === b.from);
    const to = c.populations.find((p) => p.name === b.to);
    fail(from !== undefined && outputPopulations.has(b.from), `${el}: '${b.from}' is not an output population`);
    fail(to !== undefined, `${el}: '${b.to}' is not a population`);
    fail(servedBy.has(b.to), `${el}: '${b.to}' has no error population to receive the broadcast`);
    fail(
      b.weights.length === to!.size * from!.size,
      `${el}: ${b.weights.length} weights, expected ${to!.size}x${from!.size}`,
    );
    b.weights.forEach((w, k) => fail(finite(w), () => `${el}: weight ${k} = ${w} is not finite`));
  }

  const l = c.learning as Circuit["learning"] | null;
  fail(
    l !== null && l !== undefined,
    "no learning section; every circuit states its learning rule (use rule none for inference)",
  );
  fail(isEnum(Rule, l!.rule), `learning: rule ${l!.rule} is not one of ${enumChoices(Rule)}`);
  fail(isEnum(Optimizer, l!.optimizer), `learning: optimizer ${l!.optimizer} is not one of ${enumChoices(Optimizer)}`);
  fail(finite(l!.eta) && l!.eta >= 0, `learning: eta = ${l!.eta} must be a non-negative number`);
  fail(finite(l!.etaTau) && l!.etaTau >= 0, `learning: eta_tau = ${l!.etaTau} must be a non-negative number`);
  fail(l!.rule !== Rule.TBPTT || l!.window >= 1, `learning: rule tbptt needs a window of at least 1 step`);
  if (l!.optimizer === Optimizer.ADAM) {
    fail(
      l!.adamBeta1 >= 0 && l!.adamBeta1 < 1 && l!.adamBeta2 >= 0 && l!.adamBeta2 < 1,
      `learning: Adam betas must be in [0, 1)`,
    );
    fail(l!.adamEpsilon > 0, `learning: adam_epsilon = ${l!.adamEpsilon} must be positive`);
  }
  fail(
    c.provenance !== null && c.provenance !== undefined,
    "no provenance section; circuits carry the description they came from",
  );
  if (c.hardware) validateHardware(c, c.hardware, fail);
}
