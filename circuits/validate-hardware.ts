// The IR verifier's hardware part: rejects a chip description the cycle simulation could not run, naming the element.
import { cyclesPerTick, routeSender, tickSeconds } from "./hardware.js";
import {
  Feedback,
  Flow,
  PlasticityMode,
  PlasticityRule,
  Rounding,
  Signal,
  enumChoices,
  isDeclared as isEnum,
  findSource,
  type Circuit,
  type Hardware,
} from "./model.js";

type Fail = (ok: boolean, msg: string | (() => string)) => void;

const finite = (x: number) => typeof x === "number" && Number.isFinite(x);
const fmt = (x: number) => String(+x.toPrecision(6));
/** A quantity with an SI prefix: si(2e7, "Hz") = "20 MHz". */
export function si(x: number, unit: string): string {
  if (x === 0 || !Number.isFinite(x)) return `${x} ${unit}`;
  const prefixes = ["f", "p", "n", "u", "m", "", "k", "M", "G", "T"];
  const k = Math.max(-5, Math.min(4, Math.floor(Math.log10(Math.abs(x)) / 3)));
  return `${+(x / 10 ** (3 * k)).toPrecision(4)} ${prefixes[k + 5]}${unit}`;
}

/** Checks c.hardware (which must be present); `fail` throws with the circuit's prefix. */
export function validateHardware(c: Circuit, h: Hardware, fail: Fail): void {
  fail(h.card.length > 0, "hardware: no technology card; name one (card: <name> for circuits/tech/<name>.yaml)");
  fail(finite(h.clockHz) && h.clockHz > 0, `hardware: clock_hz = ${h.clockHz} must be a positive frequency`);
  fail(finite(h.acceleration) && h.acceleration > 0, `hardware: acceleration = ${h.acceleration} must be positive`);
  fail(
    c.timeUnitS !== undefined,
    "hardware: the circuit has no time base (time_unit_s); a chip runs in seconds, so give dt a unit (dt: 10 us) or hardware.time_unit",
  );
  const e = h.effects;

  const phys = h.physical;
  for (const [name, value] of Object.entries(phys))
    fail(finite(value as number), `hardware.physical: ${name} = ${value} is not a finite number`);
  fail(
    phys.cMF >= 0 && phys.gLS >= 0 && phys.iUnitA >= 0 && phys.iBiasA >= 0 && phys.vddV >= 0 && phys.temperatureK >= 0,
    "hardware.physical: c_m_f, g_l_s, i_unit_a, i_bias_a, vdd_v and temperature_k must be non-negative",
  );
  if (e.railSaturation) {
    fail(phys.vUnitV > 0, `hardware.physical: v_unit_v = ${phys.vUnitV} must be positive when rail saturation is on`);
    fail(
      phys.railLoV < phys.railHiV,
      `hardware.physical: rail_lo_v = ${phys.railLoV} must be below rail_hi_v = ${phys.railHiV}`,
    );
  }

  const noc = h.noc;
  fail(noc.width >= 1 && noc.height >= 1, `hardware.noc: mesh ${noc.width}x${noc.height} must be at least 1x1`);

  const cores = new Map<string, Hardware["cores"][number]>();
  const positions = new Map<string, string>();
  for (const k of h.cores) {
    const el = `hardware: core '${k.name}'`;
    fail(k.name.length > 0, "hardware: a core has an empty name");
    fail(!cores.has(k.name), `${el}: the name is used twice`);
    cores.set(k.name, k);
    fail(
      k.neuronCapacity >= 1,
      `${el}: neuron_capacity ${k.neuronCapacity} is too small for one neuron; give each core at least 1`,
    );
    fail(
      k.synapseCapacity >= 1,
      `${el}: synapse_capacity ${k.synapseCapacity} is too small for one synapse; give each core at least 1`,
    );
    fail(k.dacs >= 1 && k.adcs >= 1, `${el}: needs at least one DAC and one ADC (has ${k.dacs} and ${k.adcs})`);
    fail(
      k.x < noc.width && k.y < noc.height,
      `${el}: position (${k.x}, ${k.y}) is outside the ${noc.width}x${noc.height} mesh`,
    );
    const at = `${k.x},${k.y}`;
    fail(!positions.has(at), () => `${el}: position (${at}) is taken by core '${positions.get(at)}'`);
    positions.set(at, k.name);
  }
  fail(h.cores.length >= 1, "hardware: no cores; the map-to-cores pass places every cell on a core");

  // placements: every neuron and every input channel exactly once; neurons within core capacity
  const placedOn = new Map<string, Int32Array>();
  const neuronsOn = new Map<string, number>();
  for (const p of h.placements) {
    const el = `hardware: placement of '${p.element}' [${p.first}, ${p.first + p.count})`;
    const source = findSource(c, p.element);
    fail(source !== undefined, `${el}: '${p.element}' is neither a population nor an input`);
    fail(cores.has(p.core), `${el}: core '${p.core}' does not exist`);
    const size = source!.kind === "input" ? source!.port.size : source!.population.size;
    fail(p.count >= 1 && p.first + p.count <= size, `${el}: outside '${p.element}' of size ${size}`);
    const owner = placedOn.get(p.element) ?? new Int32Array(size);
    placedOn.set(p.element, owner);
    for (let i = p.first; i < p.first + p.count; i++) {
      fail(owner[i] === 0, `${el}: cell ${i} is placed twice`);
      owner[i] = 1;
    }
    if (source!.kind === "population") neuronsOn.set(p.core, (neuronsOn.get(p.core) ?? 0) + p.count);
  }
  for (const element of [...c.inputs.map((p) => p.name), ...c.populations.map((p) => p.name)]) {
    const owner = placedOn.get(element);
    const missing = owner ? owner.indexOf(0) : 0;
    fail(missing < 0, `hardware: cell ${missing} of '${element}' is not placed on any core`);
  }
  for (const [core, n] of neuronsOn) {
    const cap = cores.get(core)!.neuronCapacity;
    fail(n <= cap, `hardware: core '${core}' holds ${n} neurons but its neuron_capacity is ${cap}`);
  }

  // tiles: a partition of every crossbar; synapse cells within core capacity
  const crossbars = new Map(c.crossbars.map((x) => [x.name, x]));
  const covered = new Map<string, Uint8Array>();
  const synapsesOn = new Map<string, number>();
  h.tiles.forEach((t, index) => {
    const el = `hardware: tile ${index} of crossbar '${t.crossbar}'`;
    const x = crossbars.get(t.crossbar);
    fail(x !== undefined, `${el}: crossbar '${t.crossbar}' does not exist`);
    fail(cores.has(t.core), `${el}: core '${t.core}' does not exist`);
    fail(
      t.rows >= 1 && t.cols >= 1 && t.rowFirst + t.rows <= x!.rows && t.colFirst + t.cols <= x!.cols,
      `${el}: rows [${t.rowFirst}, ${t.rowFirst + t.rows}) x cols [${t.colFirst}, ${t.colFirst + t.cols}) is outside the ${x!.rows}x${x!.cols} crossbar`,
    );
    const cells = covered.get(t.crossbar) ?? new Uint8Array(x!.rows * x!.cols);
    covered.set(t.crossbar, cells);
    for (let i = t.rowFirst; i < t.rowFirst + t.rows; i++) {
      for (let j = t.colFirst; j < t.colFirst + t.cols; j++) {
        fail(cells[i * x!.cols + j] === 0, () => `${el}: cell [${i},${j}] is in two tiles`);
        cells[i * x!.cols + j] = 1;
      }
    }
    const ownMatrix = x!.feedback === Feedback.RANDOM || x!.feedback === Feedback.LEARNED;
    synapsesOn.set(t.core, (synapsesOn.get(t.core) ?? 0) + t.rows * t.cols * (ownMatrix ? 2 : 1));
  });
  for (const x of c.crossbars) {
    const cells = covered.get(x.name);
    const missing = cells ? cells.indexOf(0) : 0;
    fail(
      missing < 0,
      () => `hardware: crossbar '${x.name}' cell [${Math.floor(missing / x.cols)},${missing % x.cols}] is in no tile`,
    );
  }
  for (const [core, n] of synapsesOn) {
    const cap = cores.get(core)!.synapseCapacity;
    fail(n <= cap, `hardware: core '${core}' holds ${n} synapse cells but its synapse_capacity is ${cap}`);
  }

  // routes: along mesh links
  for (const r of h.routes) {
    const el = `hardware: route ${routeSender(r)} ${r.fromCore} -> ${r.toCore}`;
    fail(isEnum(Flow, r.flow), `${el}: flow ${r.flow} is not one of ${enumChoices(Flow)}`);
    fail(cores.has(r.fromCore) && cores.has(r.toCore), `${el}: an end is not a core`);
    fail(r.words >= 1, `${el}: carries ${r.words} words; a route carries at least one`);
    fail(
      r.path.length >= 2 && r.path[0] === r.fromCore && r.path[r.path.length - 1] === r.toCore,
      `${el}: path must start at ${r.fromCore} and end at ${r.toCore}`,
    );
    fail(r.hops === r.path.length - 1, `${el}: hops ${r.hops} but the path has ${r.path.length - 1} links`);
    for (let i = 1; i < r.path.length; i++) {
      const a = cores.get(r.path[i - 1]);
      const b = cores.get(r.path[i]);
      fail(a !== undefined && b !== undefined, `${el}: path core '${a ? r.path[i] : r.path[i - 1]}' does not exist`);
      fail(
        Math.abs(a!.x - b!.x) + Math.abs(a!.y - b!.y) === 1,
        `${el}: '${a!.name}' and '${b!.name}' are not mesh neighbours`,
      );
    }
  }
  if (h.routes.length > 0) {
    fail(noc.cyclesPerHop >= 1, `hardware.noc: cycles_per_hop = ${noc.cyclesPerHop} must be at least 1`);
    fail(noc.packetBits >= 1, `hardware.noc: packet_bits = ${noc.packetBits} must be at least 1`);
  }

  // converters and their ranges
  for (const [name, conv] of [
    ["dac", h.dac],
    ["adc", h.adc],
  ] as const) {
    fail(conv.bits >= 1 && conv.bits <= 32, `hardware: ${name} bits = ${conv.bits} must be between 1 and 32`);
    fail(
      conv.conversionCycles >= 1,
      `hardware: ${name} conversion_cycles = ${conv.conversionCycles} must be at least 1`,
    );
  }
  const ranges = new Set<string>();
  for (const r of h.ranges) {
    const el = `hardware: range of ${signalName(r.signal)} '${r.element}'`;
    fail(isEnum(Signal, r.signal), `${el}: signal ${r.signal} is not one of ${enumChoices(Signal)}`);
    fail(
      findSource(c, r.element) !== undefined || crossbars.has(r.element) || c.outputs.some((o) => o.name === r.element),
      `${el}: '${r.element}' is not an element of the circuit`,
    );
    fail(finite(r.lo) && finite(r.hi) && r.lo < r.hi, `${el}: [${r.lo}, ${r.hi}] must be finite with lo < hi`);
    const key = `${r.signal}:${r.element}`;
    fail(!ranges.has(key), `${el}: given twice`);
    ranges.add(key);
  }
  const need = (signal: Signal, element: string, why: string) =>
    fail(
      ranges.has(`${signal}:${element}`),
      `hardware: no converter range for ${signalName(signal)} '${element}' (${why}); the quantize pass sets one`,
    );
  const learns = new Set(c.errorPopulations.map((x) => x.population));
  if (e.adcQuantization) {
    for (const p of c.populations) {
      need(Signal.RATE_SIGNAL, p.name, "adc quantization is on");
      if (learns.has(p.name)) need(Signal.ERROR_SIGNAL, p.name, "adc quantization is on");
    }
  }
  if (e.dacQuantization) {
    for (const p of c.inputs) need(Signal.RATE_SIGNAL, p.name, "dac quantization is on");
    for (const o of c.outputs) need(Signal.TARGET_SIGNAL, o.name, "dac quantization is on");
  }

  // weight storage
  const stored = new Set<string>();
  for (const s of h.weights) {
    const el = `hardware: weight storage of crossbar '${s.crossbar}'`;
    fail(crossbars.has(s.crossbar), `${el}: the crossbar does not exist`);
    fail(!stored.has(s.crossbar), `${el}: given twice`);
    stored.add(s.crossbar);
    fail(s.bits >= 1 && s.bits <= 32, `${el}: bits = ${s.bits} must be between 1 and 32`);
    fail(finite(s.scale) && s.scale > 0, `${el}: scale = ${s.scale} must be positive`);
    fail(isEnum(Rounding, s.rounding), `${el}: rounding ${s.rounding} is not one of ${enumChoices(Rounding)}`);
    fail(finite(s.driftPerS) && s.driftPerS >= 0, `${el}: drift_per_s = ${s.driftPerS} must be non-negative`);
    fail(finite(s.maxAbsError) && s.maxAbsError >= 0, `${el}: max_abs_error = ${s.maxAbsError} must be non-negative`);
  }
  if (e.weightQuantization || e.drift) {
    for (const x of c.crossbars)
      fail(
        stored.has(x.name),
        `hardware: crossbar '${x.name}' has no weight storage, needed by weight quantization or drift`,
      );
  }

  const pl = h.plasticity;
  fail(
    isEnum(PlasticityMode, pl.mode),
    `hardware.plasticity: mode ${pl.mode} is not one of ${enumChoices(PlasticityMode)}`,
  );
  fail(
    pl.mode !== PlasticityMode.EVERY_K || pl.everyK >= 1,
    `hardware.plasticity: every_k = ${pl.everyK} must be at least 1`,
  );
  fail(
    isEnum(PlasticityRule, pl.rule),
    `hardware.plasticity: rule ${pl.rule} is not one of ${enumChoices(PlasticityRule)}`,
  );
  fail(
    finite(pl.ternaryThreshold) && pl.ternaryThreshold >= 0,
    `hardware.plasticity: ternary_threshold = ${pl.ternaryThreshold} must be a non-negative number`,
  );
  fail(
    pl.mode !== PlasticityMode.EVERY_K ||
      !h.effects.plasticitySchedule ||
      h.weights.every((w) => pl.accumulatorBits >= w.bits),
    `hardware.plasticity: accumulator_bits = ${pl.accumulatorBits} must be at least every crossbar's weight bits`,
  );

  for (const [name, value] of Object.entries(h.noise))
    fail(
      finite(value as number) && (value as number) >= 0,
      `hardware.noise: ${name} = ${value} must be a non-negative number`,
    );
  for (const [name, value] of Object.entries(h.mismatch))
    fail(
      finite(value as number) && (value as number) >= 0,
      `hardware.mismatch: ${name} = ${value} must be a non-negative number`,
    );
  fail(h.mismatch.stuckOffProb < 1, `hardware.mismatch: stuck_off_prob = ${h.mismatch.stuckOffProb} must be below 1`);

  // a tick may be shorter than its pipeline (values then arrive stale, or the tick stretches), never empty
  fail(
    cyclesPerTick(c, h) >= 1,
    () =>
      `hardware: a tick (dt ${fmt(c.dt)} x ${si(c.timeUnitS ?? Number.NaN, "s")} / acceleration ${fmt(h.acceleration)} = ${si(tickSeconds(c, h), "s")}) holds no whole cycle of the ${si(h.clockHz, "Hz")} clock; raise the clock or lower the acceleration`,
  );
}

export function signalName(s: number): string {
  const names: Record<number, string> = {
    [Signal.RATE_SIGNAL]: "rate",
    [Signal.ERROR_SIGNAL]: "error",
    [Signal.PARTIAL_SUM_SIGNAL]: "partial sum",
    [Signal.ERROR_PARTIAL_SUM_SIGNAL]: "error partial sum",
    [Signal.TARGET_SIGNAL]: "target",
  };
  return names[s] ?? `signal ${s}`;
}
