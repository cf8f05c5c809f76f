// The chip a description compiles for: its `hardware:` section (or `--chip <card>`), read with units and the card's defaults.
import {
  chipDefaultEntries,
  chipEnergyEntries,
  entry,
  loadCard,
  requireEntries,
  type EntryName,
  type TechCard,
} from "../circuits/tech.js";
import { VleError } from "../circuits/errors.js";
import { PlasticityRule, Rounding } from "../circuits/model.js";
import type { Description } from "./graph.js";
import { unitSeconds, type Scope } from "./quantity.js";
import { Section } from "./reader.js";
import { fail, type Node, type Where } from "./source.js";

/** Effect names as users write them, and the IR switch each sets. */
const effectNames = {
  weights: "weightQuantization",
  dac: "dacQuantization",
  adc: "adcQuantization",
  rails: "railSaturation",
  noise: "thermalNoise",
  mismatch: "mismatch",
  drift: "drift",
  schedule: "plasticitySchedule",
  latency: "latency",
  plasticity: "plasticityCircuit",
} as const;
type EffectName = keyof typeof effectNames;

const hardwareKeys = [
  "card",
  "clock",
  "acceleration",
  "time_unit",
  "seed",
  "effects",
  "core",
  "mesh",
  "weights",
  "dac",
  "adc",
  "ranges",
  "plasticity",
  "noise",
  "mismatch",
  "physical",
  "pipeline",
] as const;

/** Everything the hardware passes need, resolved to SI and model units, with where each came from. */
export interface Target {
  where: Where;
  card: TechCard;
  clockHz: number;
  /** undefined: the largest acceleration up to the card's maximum at which the pipeline fits */
  acceleration?: number;
  accelerationWhere: Where;
  maxAcceleration: number;
  timeUnitS: number;
  seed: number;
  effects: Record<EffectName, boolean>;
  core: { neurons: number; synapses: number; dacs: number; adcs: number; where: Where };
  mesh?: { width: number; height: number; where: Where };
  cyclesPerHop: number;
  weights: { bits: number; rounding: Rounding; headroom: number; max?: number; driftPerS: number; where: Where };
  dac: { bits: number; cycles: number };
  adc: { bits: number; cycles: number };
  /** rate ranges given by element name; error: symmetric bound for every error signal */
  ranges: { rates: Map<string, { lo: number; hi: number; where: Where }>; error?: number };
  plasticity: {
    every: number;
    writeCycles: number;
    rule: PlasticityRule;
    accumulatorBits: number;
    roundingBits: number;
    ternaryThreshold: number;
  };
  noise: { thermal: boolean; membrane: number; error: number; excess: number; flicker: number };
  mismatch: {
    tau: number;
    gain: number;
    offset: number;
    synapse: number;
    stuckOff: number;
    errorTau: number;
    dacGain: number;
    dacOffset: number;
    adcGain: number;
    adcOffset: number;
  };
  physical: { cM: number; vUnit: number; supply: number; temperature: number; gmOverId: number; branches: number };
  pipeline: { settle: number; integrate: number };
}

/** What the target is read from: the parsed and resolved description. */
export interface Described {
  file: string;
  tree: Node;
  scope: Scope;
  description: Description;
}

/** Reads the hardware section, or the target card's defaults when only a target is given; undefined when neither. */
export function readTarget(c: Described, target?: string): Target | undefined {
  const top = c.tree;
  if (top.kind !== "map") return undefined;
  const entryNode = top.entries.get("hardware");
  if (!entryNode && target === undefined) return undefined;
  const node: Node = entryNode?.value ?? { kind: "map", line: top.line, entries: new Map() };
  const s = Section.of(c.file, c.scope, node, "hardware", hardwareKeys);
  const cardName =
    target ??
    (s.has("card")
      ? s.string("card")
      : s.fail(
          "card",
          "missing: the hardware section names its technology card",
          "add card: analog-65nm (cards are in circuits/tech)",
        ));
  let card: TechCard;
  try {
    card = loadCard(cardName);
  } catch (err) {
    if (err instanceof VleError) cardError(c, s, target, err);
    throw err;
  }
  try {
    requireEntries(
      card,
      [...new Set([...chipDefaultEntries, ...chipEnergyEntries])],
      "the hardware passes and the energy model",
    );
  } catch (err) {
    if (err instanceof VleError) cardError(c, s, target, err);
    throw err;
  }
  const d = (name: EntryName) => entry(card, name);
  const whole = (sec: Section, key: string, fallback: number, min: number, what: string) => {
    const x = sec.number(key, { fallback, integer: true });
    if (x < min) sec.fail(key, `${x} ${what}`, `give at least ${min}`);
    return x;
  };

  const clockHz = s.quantity("clock", "Hz", d("clock"));
  if (!(clockHz > 0)) s.fail("clock", `${clockHz} Hz must be positive`);
  let acceleration: number | undefined;
  const accNode = s.get("acceleration");
  if (accNode && !(accNode.kind === "scalar" && accNode.value === "auto"))
    acceleration = s.number("acceleration", { positive: true });
  const desc = c.description;
  // one time base: dt's unit when it has one, else hardware.time_unit, else the card's
  const dtUnitS = desc.timeUnit !== undefined ? unitSeconds(desc.timeUnit) : undefined;
  const timeUnitS = s.has("time_unit") ? s.quantity("time_unit", "s") : (dtUnitS ?? d("time_unit"));
  if (!(timeUnitS > 0)) s.fail("time_unit", `${timeUnitS} s must be positive`);
  if (dtUnitS !== undefined && Math.abs(timeUnitS - dtUnitS) > 1e-12 * dtUnitS)
    s.fail(
      "time_unit",
      `${timeUnitS} s per model time unit, but dt's unit (${desc.timeUnit}) makes it ${dtUnitS} s: a circuit has one time base`,
      "leave hardware.time_unit out (dt's unit is the time base) or give dt as a plain number",
    );

  const effects = readEffects(s);
  const core = s.section("core", ["neurons", "synapses", "dacs", "adcs"]) ?? empty(s, "core");
  const mesh = s.section("mesh", ["width", "height", "cycles_per_hop"]);
  const weights = s.section("weights", ["bits", "rounding", "headroom", "max", "drift"]) ?? empty(s, "weights");
  const dac = s.section("dac", ["bits", "cycles"]) ?? empty(s, "dac");
  const adc = s.section("adc", ["bits", "cycles"]) ?? empty(s, "adc");
  const plasticity =
    s.section("plasticity", ["every", "write_cycles", "rule", "accumulator_bits", "rounding_bits", "threshold"]) ??
    empty(s, "plasticity");
  const mismatch =
    s.section("mismatch", [
      "tau",
      "gain",
      "offset",
      "synapse",
      "stuck_off",
      "error_tau",
      "dac_gain",
      "dac_offset",
      "adc_gain",
      "adc_offset",
    ]) ?? empty(s, "mismatch");
  const physical = s.section("physical", ["c_m", "v_unit", "supply", "temperature"]) ?? empty(s, "physical");
  const pipeline = s.section("pipeline", ["settle", "integrate"]) ?? empty(s, "pipeline");

  const spec: Target = {
    where: s.where,
    card,
    clockHz,
    acceleration,
    accelerationWhere: s.at("acceleration"),
    maxAcceleration: d("max_acceleration"),
    timeUnitS,
    seed: s.number("seed", { fallback: desc.seed, integer: true, min: 0, max: 2 ** 32 - 1 }),
    effects,
    core: {
      neurons: whole(
        core,
        "neurons",
        d("core_neurons"),
        1,
        "neurons: a core too small for one neuron (each neuron is a membrane with its error cell)",
      ),
      synapses: whole(core, "synapses", d("core_synapses"), 1, "synapses: a core too small for one synapse"),
      dacs: whole(core, "dacs", d("core_dacs"), 1, "DACs: a core needs at least one"),
      adcs: whole(core, "adcs", d("core_adcs"), 1, "ADCs: a core needs at least one"),
      where: core.where,
    },
    mesh: mesh
      ? {
          width: whole(mesh, "width", 0, 1, "cores across: the mesh needs at least 1"),
          height: whole(mesh, "height", 0, 1, "cores down: the mesh needs at least 1"),
          where: mesh.where,
        }
      : undefined,
    cyclesPerHop: mesh
      ? whole(mesh, "cycles_per_hop", d("noc_cycles_per_hop"), 1, "cycles per hop: a hop takes at least one cycle")
      : d("noc_cycles_per_hop"),
    weights: {
      bits: whole(weights, "bits", d("weight_bits"), 1, "bits: a weight needs at least 1 bit"),
      rounding: weights.choice(
        "rounding",
        { nearest: Rounding.NEAREST, stochastic: Rounding.STOCHASTIC },
        Rounding.STOCHASTIC,
      ),
      headroom: weights.number("headroom", { fallback: 2, min: 1 }),
      max: weights.has("max") ? weights.number("max", { positive: true }) : undefined,
      driftPerS: weights.quantity("drift", "1/s", 0),
      where: weights.where,
    },
    dac: {
      bits: whole(dac, "bits", d("dac_bits"), 1, "bits: a DAC needs at least 1 bit"),
      cycles: whole(dac, "cycles", d("dac_cycles"), 1, "cycles: a conversion takes at least one cycle"),
    },
    adc: {
      bits: whole(adc, "bits", d("adc_bits"), 1, "bits: an ADC needs at least 1 bit"),
      cycles: whole(adc, "cycles", d("adc_cycles"), 1, "cycles: a conversion takes at least one cycle"),
    },
    ranges: readRanges(s),
    plasticity: {
      every: whole(plasticity, "every", 1, 1, "ticks: writes happen at least every tick"),
      writeCycles: whole(plasticity, "write_cycles", d("write_cycles"), 0, "cycles must not be negative"),
      rule: plasticity.choice(
        "rule",
        {
          sgd: PlasticityRule.SGD,
          sign: PlasticityRule.SIGN,
          ternary: PlasticityRule.TERNARY,
          adam: PlasticityRule.ADAM,
        },
        PlasticityRule.SGD,
      ),
      // 0: the default, set below from the weight bits
      accumulatorBits: whole(plasticity, "accumulator_bits", 0, 0, "bits must not be negative"),
      roundingBits: whole(plasticity, "rounding_bits", 8, 1, "bits: a stochastic rounding draws at least 1 bit"),
      ternaryThreshold: plasticity.number("threshold", { fallback: 0.5, min: 0 }),
    },
    noise: readNoise(s, d("ota_excess_noise_factor")),
    mismatch: {
      tau: mismatch.number("tau", { fallback: 0, min: 0 }),
      gain: mismatch.number("gain", { fallback: 0, min: 0 }),
      offset: mismatch.number("offset", { fallback: 0, min: 0 }),
      synapse: mismatch.number("synapse", { fallback: 0, min: 0 }),
      stuckOff: mismatch.number("stuck_off", { fallback: 0, min: 0 }),
      // an error cell's time constants are devices of its own: drawn independently, by default with the membrane's std
      errorTau: mismatch.number("error_tau", { fallback: mismatch.number("tau", { fallback: 0, min: 0 }), min: 0 }),
      dacGain: mismatch.number("dac_gain", { fallback: 0, min: 0 }),
      dacOffset: mismatch.number("dac_offset", { fallback: 0, min: 0 }),
      adcGain: mismatch.number("adc_gain", { fallback: 0, min: 0 }),
      adcOffset: mismatch.number("adc_offset", { fallback: 0, min: 0 }),
    },
    physical: {
      cM: physical.quantity("c_m", "F", d("membrane_capacitance")),
      vUnit: physical.quantity("v_unit", "V", d("membrane_volts_per_unit")),
      supply: physical.quantity("supply", "V", d("supply_voltage")),
      temperature: physical.quantity("temperature", "K", d("temperature")),
      gmOverId: d("integrator_gm_over_id"),
      branches: d("integrator_ota_branches"),
    },
    pipeline: {
      settle: whole(pipeline, "settle", d("settle_cycles"), 0, "cycles must not be negative"),
      integrate: whole(pipeline, "integrate", d("integrate_cycles"), 0, "cycles must not be negative"),
    },
  };
  if (spec.mismatch.stuckOff >= 1)
    mismatch.fail("stuck_off", `${spec.mismatch.stuckOff} must be below 1 (a probability)`);
  for (const [key, v] of [
    ["c_m", spec.physical.cM],
    ["v_unit", spec.physical.vUnit],
    ["supply", spec.physical.supply],
    ["temperature", spec.physical.temperature],
  ] as const) {
    if (!(v > 0)) physical.fail(key, `${v} must be positive`);
  }
  return spec;
}

/** A card problem: at the description's card field, or at --chip when the card came from the command line. */
function cardError(c: Described, s: Section, target: string | undefined, err: VleError): never {
  if (target !== undefined) throw new VleError(`--chip ${target}: ${err.message}`);
  fail(c.file, s.at("card"), err.message);
}

function empty(s: Section, key: string): Section {
  return new Section(s.file, s.scope, { kind: "map", line: s.where.line, entries: new Map() }, s.sub(key), []);
}

function readEffects(s: Section): Record<EffectName, boolean> {
  const all = Object.fromEntries(Object.keys(effectNames).map((k) => [k, true])) as Record<EffectName, boolean>;
  const node = s.get("effects");
  if (node === undefined) return all;
  const names = Object.keys(effectNames);
  if (node.kind === "scalar" && (node.value === "all" || node.value === "none")) {
    for (const k of names) all[k as EffectName] = node.value === "all";
    return all;
  }
  const items =
    s.list("effects") ??
    s.fail(
      "effects",
      "expected all, none or a list of effects",
      `write effects: all, effects: none or effects: [${names.join(", ")}]`,
    );
  for (const k of names) all[k as EffectName] = false;
  items.forEach((item, i) => {
    const where = { line: item.line, path: `hardware.effects[${i}]` };
    if (item.kind !== "scalar" || typeof item.value !== "string" || !names.includes(item.value))
      fail(
        s.file,
        where,
        `'${item.kind === "scalar" ? item.value : item.kind}' is not an effect`,
        `effects are ${names.join(", ")}`,
      );
    all[item.value as EffectName] = true;
  });
  return all;
}

function readRanges(s: Section): Target["ranges"] {
  const rates = new Map<string, { lo: number; hi: number; where: Where }>();
  const node = s.get("ranges");
  if (node === undefined) return { rates };
  if (node.kind !== "map")
    s.fail(
      "ranges",
      "expected a map of element names to [lo, hi] and error: <bound>",
      "write ranges: { x: [-2, 2], error: 0.1 }",
    );
  const r = new Section(s.file, s.scope, node, "hardware.ranges", [...node.entries.keys()]);
  let error: number | undefined;
  for (const [key, { value }] of node.entries) {
    if (key === "error") {
      error = r.number("error", { positive: true });
      continue;
    }
    if (value.kind !== "seq" || value.items.length !== 2) r.fail(key, "expected [lo, hi]", `write ${key}: [-1, 1]`);
    const [lo, hi] = (value as { items: Node[] }).items.map((item, i) =>
      r.value(item, { line: item.line, path: `hardware.ranges.${key}[${i}]` }, "plain"),
    );
    if (!(lo < hi)) r.fail(key, `[${lo}, ${hi}] must have lo < hi`);
    rates.set(key, { lo, hi, where: r.at(key) });
  }
  return { rates, error };
}

function readNoise(s: Section, cardExcess: number): Target["noise"] {
  const node = s.get("noise");
  const none = { thermal: false, membrane: 0, error: 0, excess: cardExcess, flicker: 0 };
  if (node === undefined) return none;
  if (node.kind === "scalar" && node.value === "thermal") return { ...none, thermal: true };
  const n = s.section("noise", ["thermal", "membrane", "error", "excess", "flicker"])!;
  return {
    thermal: n.bool("thermal", false),
    membrane: n.number("membrane", { fallback: 0, min: 0 }),
    error: n.number("error", { fallback: 0, min: 0 }),
    excess: n.number("excess", { fallback: cardExcess, min: 1 }),
    flicker: n.number("flicker", { fallback: 0, min: 0 }),
  };
}
