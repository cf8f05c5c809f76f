// Pass 'resolve': tree -> description with units converted to model time, expressions evaluated, keys checked, defaults filled.
import type { Unit } from "mathjs";
import { Feedback, Loss, Optimizer, Phi, Rule, enumName, type Learning } from "../../circuits/model.js";
import { deriveSeed, initKinds } from "../init.js";
import type {
  BroadcastSpec,
  Description,
  InitKind,
  InitSpec,
  MatrixSpec,
  PopulationKind,
  PopulationSpec,
  ProjectionSpec,
} from "../graph.js";
import { definePass } from "../pass.js";
import { evaluate, isQuantity, isTime, isUnitName, QuantityError, toModelTime, type Scope } from "../quantity.js";
import { Section } from "../reader.js";
import {
  broadcastKeys,
  feedbackKeys,
  initKeys,
  inputPopulationKeys,
  learningKeys,
  lossKeys,
  populationKeys,
  projectionKeys,
  topLevelKeys,
} from "../schema.js";
import { fail, type Node } from "../source.js";

/** The user-facing names of an enum's values ("softplus", "cross-entropy"), mapped to the values. */
function choicesOf<T extends number>(
  e: Record<string, string | number>,
  rename: Record<string, string> = {},
): Record<string, T> {
  const out: Record<string, T> = {};
  // the *_UNSPECIFIED zero is "not set" in the IR, never a user's choice
  for (const v of Object.values(e))
    if (typeof v === "number" && v !== 0) {
      const name = enumName(e, v);
      out[rename[name] ?? name] = v as T;
    }
  return out;
}

const phiChoices = choicesOf<Phi>(Phi);
const lossChoices = choicesOf<Loss>(Loss);
const ruleChoices = choicesOf<Rule>(Rule);
const optimizerChoices = choicesOf<Optimizer>(Optimizer);
const feedbackChoices = choicesOf<Feedback>(Feedback, { "no-feedback": "none" });
const kindChoices: Record<PopulationKind, PopulationKind> = { input: "input", hidden: "hidden", output: "output" };
const initChoices = Object.fromEntries(Object.keys(initKinds).map((k) => [k, k])) as Record<InitKind, InitKind>;
const learnable = ["bias", "tau_m"];
const MAX_SEED = 2 ** 31 - 1;
/** Largest population (and tbptt window): beyond this a typo is likelier than a network. */
const MAX_SIZE = 2 ** 20;

/** Defaults of the learning section (torch's Adam defaults). */
const learningDefaults = {
  rule: "vle",
  eta: 1e-3,
  gamma: 1,
  prospective_errors: true,
  optimizer: "sgd",
  betas: [0.9, 0.999],
  eps: 1e-8,
} as const;
/** Default loss: MSE with nudging strength beta. */
const lossDefaults = { kind: "mse", beta: 0.1 } as const;

export const resolve = definePass({
  name: "resolve",
  needs: ["source", "tree"],
  run({ source, tree }) {
    const file = source.file;
    const scope: Scope = { values: new Map() };
    const top = Section.of(file, scope, tree, "", [...topLevelKeys, ...source.sections]);

    // dt fixes the model time unit: a quantity's unit becomes the unit of every time in the circuit
    const dtNode = top.need("dt", "add the model time step, e.g. dt: 0.01 or dt: 10 us");
    const dtValue = evaluateAt(top, "dt", dtNode);
    let dt: number;
    if (isQuantity(dtValue)) {
      if (!isTime(dtValue))
        top.fail("dt", `'${scalarText(dtNode)}' is not a time`, "give a time such as 10 us, or a plain number");
      scope.timeUnit = dtValue.formatUnits();
      dt = toModelTime(dtValue, scalarText(dtNode), scope);
    } else dt = dtValue;
    if (!(dt > 0) || !Number.isFinite(dt)) top.fail("dt", `${dt} must be positive`);
    scope.values.set("dt", scope.timeUnit ? (evaluate(`${dt} ${scope.timeUnit}`, scope) as Unit) : dt);

    const seed = top.number("seed", { fallback: 0, integer: true, min: 0, max: MAX_SEED });
    readConstants(top, scope);
    const learning = readLearning(top, dt);
    const loss = readLoss(top);
    const populations = readPopulations(top, learning.gamma, seed);
    const kinds = new Map(populations.map((p) => [p.name, p.kind]));
    const projections = readProjections(top, seed, kinds);
    const broadcasts = readBroadcasts(top, seed);
    const defaultName = file.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "");
    const description: Description = {
      file,
      name: top.string("name", defaultName),
      dt,
      dtWhere: top.at("dt"),
      timeUnit: scope.timeUnit,
      seed,
      populations,
      projections,
      broadcasts,
      loss,
      learning,
      rails: readRails(top),
    };
    return { scope, description };
  },
});

function scalarText(node: Node): string {
  return node.kind === "scalar" ? String(node.value) : node.kind;
}

/** Evaluates a node to a number or quantity, keeping units (for dt and constants). */
function evaluateAt(s: Section, key: string, node: Node) {
  if (node.kind !== "scalar" || node.value === null || typeof node.value === "boolean")
    s.fail(key, `expected a number or a quantity, got ${scalarText(node)}`);
  try {
    return evaluate(node.value, s.scope);
  } catch (err) {
    if (err instanceof QuantityError) s.fail(key, err.problem, err.fix);
    throw err;
  }
}

/** `constants:` named numbers or quantities, each usable in later constants and in every field. */
function readConstants(top: Section, scope: Scope): void {
  const node = top.get("constants");
  if (node === undefined) return;
  if (node.kind !== "map")
    top.fail("constants", "expected a map of names to values", "write constants: { tau: 10 ms }");
  const s = new Section(top.file, scope, node, "constants", [...node.entries.keys()]);
  for (const [name, { value }] of node.entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      s.fail(name, `'${name}' is not a valid constant name`, "use letters, digits and _, starting with a letter or _");
    if (["dt", "pi", "e"].includes(name) || isUnitName(name))
      s.fail(name, `'${name}' is already a unit or a built-in name`, "choose another name");
    scope.values.set(name, evaluateAt(s, name, value));
  }
}

/** An optional `[lo, hi]` of plain numbers with lo < hi (rails, an input's range). */
function readInterval(s: Section, key: string, what: string): [number, number] | undefined {
  const nodes = s.list(key);
  if (!nodes) return undefined;
  if (nodes.length !== 2) s.fail(key, `${nodes.length} values; ${what} are [lo, hi]`, `write ${key}: [-1, 1]`);
  const [lo, hi] = nodes.map((n, i) => s.value(n, { line: n.line, path: `${s.sub(key)}[${i}]` }, "plain"));
  if (!(lo < hi)) s.fail(key, `[${lo}, ${hi}] must have lo < hi`);
  return [lo, hi];
}

/** `rails: [lo, hi]` around the membranes' rest state 0. */
function readRails(top: Section): [number, number] | undefined {
  const rails = readInterval(top, "rails", "the membranes' rails");
  if (rails && !(rails[0] <= 0 && rails[1] >= 0))
    top.fail(
      "rails",
      `[${rails[0]}, ${rails[1]}] must contain 0, the membranes' rest state`,
      "write rails: [lo, hi] with lo <= 0 <= hi",
    );
  return rails;
}

function readLearning(top: Section, dt: number): Description["learning"] {
  const s =
    top.section("learning", learningKeys) ??
    new Section(
      top.file,
      top.scope,
      { kind: "map", line: top.where.line, entries: new Map() },
      "learning",
      learningKeys,
    );
  const rule = s.choice("rule", ruleChoices, ruleChoices[learningDefaults.rule]);
  const optimizer = s.choice("optimizer", optimizerChoices, optimizerChoices[learningDefaults.optimizer]);
  const eta = s.number("eta", { fallback: learningDefaults.eta, min: 0 });
  const instantaneous = rule === Rule.INSTANTANEOUS;
  const prospective = s.bool("prospective_errors", !instantaneous);
  if (instantaneous && prospective)
    s.fail(
      "prospective_errors",
      "rule instantaneous uses errors without prospective correction",
      "remove prospective_errors or use rule vle",
    );
  if (optimizer !== Optimizer.ADAM)
    for (const key of ["betas", "eps"])
      if (s.has(key)) s.fail(key, "applies to optimizer adam only", "remove it or set optimizer: adam");
  let betas: number[] = [...learningDefaults.betas];
  const betaNodes = s.list("betas");
  if (betaNodes) {
    if (betaNodes.length !== 2)
      s.fail("betas", `${betaNodes.length} values; Adam takes two (beta1, beta2)`, "write betas: [0.9, 0.999]");
    betas = betaNodes.map((n, i) => {
      const where = { line: n.line, path: `learning.betas[${i}]` };
      const b = s.value(n, where, "plain");
      if (!(b >= 0 && b < 1)) fail(top.file, where, `${b} must be in [0, 1)`);
      return b;
    });
  }
  let window = 0;
  if (s.has("window")) {
    if (rule !== Rule.TBPTT) s.fail("window", "applies to rule tbptt only", "remove it or set rule: tbptt");
    // a plain number counts steps; a time quantity is converted to steps of dt
    const node = s.get("window")!;
    const raw = node.kind === "scalar" ? node.value : null;
    const timed = typeof raw === "string" && isQuantity(evaluateAt(s, "window", node));
    if (timed) {
      const steps = s.number("window", { kind: "time", positive: true }) / dt;
      window = Math.round(steps);
      if (Math.abs(steps - window) > 1e-9 * Math.max(1, steps))
        s.fail(
          "window",
          `is ${steps} steps of dt = ${dt}, not a whole number`,
          `use a multiple of dt, e.g. ${Math.max(1, window)} steps`,
        );
      if (window < 1) s.fail("window", `shorter than one step dt = ${dt}`, "give at least one step");
    } else window = s.number("window", { integer: true, min: 1, max: MAX_SIZE });
  } else if (rule === Rule.TBPTT)
    s.fail(
      "window",
      "missing: rule tbptt needs a truncation window",
      "add window: 50 (steps) or a time such as window: 0.5 s",
    );
  const ir: Learning = {
    rule,
    eta,
    etaTau: s.number("eta_tau", { fallback: eta, min: 0 }),
    prospectiveErrors: prospective,
    optimizer,
    adamBeta1: betas[0],
    adamBeta2: betas[1],
    adamEpsilon: s.number("eps", { fallback: learningDefaults.eps, positive: true }),
    window,
  };
  return { where: s.where, ir, gamma: s.number("gamma", { fallback: learningDefaults.gamma }) };
}

function readLoss(top: Section): Description["loss"] {
  const s = top.section("loss", lossKeys);
  if (!s) return { where: top.at("loss"), kind: lossChoices[lossDefaults.kind], beta: lossDefaults.beta };
  return {
    where: s.where,
    kind: s.choice("kind", lossChoices, lossChoices[lossDefaults.kind]),
    beta: s.number("beta", { fallback: lossDefaults.beta, min: 0 }),
  };
}

function items(top: Section, key: string, required: boolean, fix: string): Node[] {
  if (required) top.need(key, fix);
  return top.list(key) ?? [];
}

function readPopulations(top: Section, gamma: number, seed: number): PopulationSpec[] {
  const nodes = items(top, "populations", true, "add a list of populations, e.g. - { name: x, kind: input, size: 1 }");
  if (nodes.length === 0)
    top.fail("populations", "the list is empty", "add at least an input and an output population");
  const seen = new Map<string, number>();
  return nodes.map((node, i) => {
    const path = `populations[${i}]`;
    const s = Section.of(top.file, top.scope, node, path, populationKeys);
    const name = s.name("name");
    if (seen.has(name))
      s.fail(
        "name",
        `'${name}' is already the name of populations[${seen.get(name)}]`,
        "give every population its own name",
      );
    seen.set(name, i);
    const kind = s.choice("kind", kindChoices, "hidden");
    const size = s.has("size") ? s.number("size", { integer: true, min: 1, max: MAX_SIZE }) : undefined;
    const base = { where: s.where, name, kind, size, sizeWhere: s.has("size") ? s.at("size") : undefined };
    if (kind === "input") {
      for (const key of s.node.entries.keys())
        if (!(inputPopulationKeys as readonly string[]).includes(key))
          s.fail(
            key,
            `an input population has no ${key}`,
            `remove it (an input is an external signal with only ${inputPopulationKeys.join(", ")})`,
          );
      return {
        ...base,
        phi: Phi.LINEAR,
        learnBias: false,
        learnTauM: false,
        gamma: 0,
        target: "",
        range: readInterval(s, "range", "an input's range"),
        tolerance: undefined,
      };
    }
    const tauM = s.perNeuron("tau_m", "time", { positive: true });
    if (!tauM) s.need("tau_m", "add the membrane time constant, e.g. tau_m: 1.0 (model time units) or tau_m: 10 ms");
    const learn = (s.list("learn") ?? []).map((n, j) => {
      const v = n.kind === "scalar" ? n.value : null;
      if (typeof v !== "string" || !learnable.includes(v))
        fail(
          top.file,
          { line: n.line, path: `${path}.learn[${j}]` },
          `'${v ?? n.kind}' cannot learn`,
          `list any of: ${learnable.join(", ")}`,
        );
      return v;
    });
    if (kind !== "output" && s.has("target"))
      s.fail("target", "only output populations have a target", "remove it or set kind: output");
    if (kind !== "output" && s.has("tolerance"))
      s.fail("tolerance", "only output populations have a tolerance", "remove it or set kind: output");
    if (s.has("range"))
      s.fail(
        "range",
        "only input populations have a declared range",
        "remove it, or declare rails: [lo, hi] at the top level to bound membranes",
      );
    return {
      ...base,
      tauM,
      // tau_r: 0 is a plain leaky integrator without prospective readout (r = phi(u)); inference only
      tauR: s.perNeuron("tau_r", "time", { min: 0 }) ?? tauM,
      ...readBias(s, seed, name),
      phi: s.choice("phi", phiChoices, kind === "output" ? Phi.LINEAR : Phi.TANH),
      learnBias: learn.includes("bias"),
      learnTauM: learn.includes("tau_m"),
      gamma: s.number("gamma", { fallback: gamma }),
      target: kind === "output" ? s.name("target", `${name}.target`) : "",
      tolerance: kind === "output" && s.has("tolerance") ? s.number("tolerance", { min: 0 }) : undefined,
    };
  });
}

/** `bias:` per neuron (scalar or list), or a seeded initializer `{ kind, scale, seed }` drawn once per neuron. */
function readBias(s: Section, seed: number, population: string): Pick<PopulationSpec, "bias" | "biasInit"> {
  const node = s.get("bias");
  if (node?.kind !== "map") return { bias: s.perNeuron("bias", "plain") };
  const init = Section.of(s.file, s.scope, node, s.sub("bias"), initKeys);
  return {
    biasInit: {
      where: init.where,
      kind: init.choice("kind", initChoices),
      scale: init.number("scale", { fallback: 1 }),
      seed: init.number("seed", {
        fallback: deriveSeed(seed, `${population}/bias`),
        integer: true,
        min: 0,
        max: MAX_SEED,
      }),
    },
  };
}

/** The initializer used when a matrix gives neither weights nor init: xavier, scale 1, seed derived from the element's name. */
const defaultInitKind: InitKind = "xavier";

function defaultInit(where: InitSpec["where"], seed: number, name: string): InitSpec {
  return { where, kind: defaultInitKind, scale: 1, seed: deriveSeed(seed, name) };
}

/** `weights:` or `init:` of a projection, feedback or broadcast; `name` keys the derived seed. */
function readMatrix(s: Section, seed: number, name: string): MatrixSpec {
  if (s.has("weights") && s.has("init")) s.fail("init", "both weights and init are given", "keep one of them");
  const weights = s.matrix("weights");
  if (weights) return { weights };
  const init = s.section("init", initKeys);
  if (!init) return { init: defaultInit(s.where, seed, name) };
  const spec: InitSpec = {
    where: init.where,
    kind: init.choice("kind", initChoices),
    scale: init.number("scale", { fallback: 1 }),
    seed: init.number("seed", { fallback: deriveSeed(seed, name), integer: true, min: 0, max: MAX_SEED }),
  };
  return { init: spec };
}

function readProjections(top: Section, seed: number, kinds: Map<string, PopulationKind>): ProjectionSpec[] {
  const nodes = items(
    top,
    "projections",
    true,
    "add a list of projections, e.g. - { from: x, to: l0, init: { kind: xavier } }",
  );
  return nodes.map((node, i) => {
    const s = Section.of(top.file, top.scope, node, `projections[${i}]`, projectionKeys);
    const from = s.string("from"),
      to = s.string("to");
    const name = s.has("name") ? s.name("name") : `${from}_to_${to}`;
    // derived seeds are keyed by the given name, or by from->to (the default name before names were made
    // shell-safe), so a description draws the same weights as it always did
    const seedKey = s.has("name") ? name : `${from}->${to}`;
    const fromInput = kinds.get(from) === "input";
    let feedback: ProjectionSpec["feedback"] = {
      where: s.at("feedback"),
      kind: fromInput ? Feedback.NO_FEEDBACK : Feedback.TRANSPOSE,
    };
    const fbNode = s.get("feedback");
    if (fbNode) {
      const fb =
        fbNode.kind === "map" ? Section.of(top.file, top.scope, fbNode, s.sub("feedback"), feedbackKeys) : undefined;
      const kind = fb ? fb.choice("kind", feedbackChoices) : s.choice("feedback", feedbackChoices);
      if (fromInput && kind !== Feedback.NO_FEEDBACK)
        s.fail(
          "feedback",
          `'${from}' is an input population, so no error flows back to it`,
          "remove feedback or set it to none",
        );
      const ownMatrix = kind === Feedback.RANDOM || kind === Feedback.LEARNED;
      if (fb && !ownMatrix && (fb.has("init") || fb.has("weights")))
        fb.fail(
          fb.has("init") ? "init" : "weights",
          `feedback ${enumName(Feedback, kind)} has no matrix of its own`,
          "remove it, or use kind random or learned",
        );
      const seedName = `${seedKey}/feedback`;
      const matrix = !ownMatrix
        ? {}
        : fb
          ? readMatrix(fb, seed, seedName)
          : { init: defaultInit(s.at("feedback"), seed, seedName) };
      feedback = { where: s.at("feedback"), kind, ...matrix };
    }
    return {
      where: s.where,
      name,
      from,
      fromWhere: s.at("from"),
      to,
      toWhere: s.at("to"),
      ...readMatrix(s, seed, seedKey),
      plastic: s.bool("plastic", true),
      feedback,
    };
  });
}

function readBroadcasts(top: Section, seed: number): BroadcastSpec[] {
  return items(top, "broadcasts", false, "").map((node, i) => {
    const s = Section.of(top.file, top.scope, node, `broadcasts[${i}]`, broadcastKeys);
    const from = s.string("from"),
      to = s.string("to");
    return {
      where: s.where,
      from,
      fromWhere: s.at("from"),
      to,
      toWhere: s.at("to"),
      ...readMatrix(s, seed, `${from}=>${to}/broadcast`),
    };
  });
}
