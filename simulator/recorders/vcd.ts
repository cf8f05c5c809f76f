// The VCD recorder: recorded signals as a Value Change Dump (IEEE 1364) for GTKWave or Surfer: analog values as reals, converter codes and stored weight levels as bit vectors.
//
// Scopes: <circuit> / [s<b> per batch slot when the batch holds several samples] / <population or crossbar>.
// Variables: analog signals and parameters of the `--record` selection (simulator/recorders/trace.ts) as
// `real` (u_0, r_3, W_1_0, tau_m_0, b_2); in hardware mode also the digital buses:
//   <population>.r_code, <population>.e_code   ADC output codes (unsigned, adc bits wide)
//   <crossbar>.W_code                            stored weight levels (two's complement, weight bits wide)
// which `all` includes. Time: hardware mode stamps each tick at its end in chip time (cycles / clock);
// ideal mode stamps step s at s x dt model time units, a unit being the circuit's time_unit_s seconds, or 1 s
// when the circuit is dimensionless (said in the header). The timescale is the largest VCD unit that divides the step.
import { converterLsb, maxLevel } from "../../circuits/hardware.js";
import { VleError } from "../../circuits/errors.js";
import { Signal } from "../../circuits/model.js";
import { formatSeconds } from "../../circuits/time-base.js";
import type { Engine } from "../engine.js";
import { HardwareEngine } from "../hardware/engine.js";
import type { PendingFile } from "../../circuits/files.js";
import { AtomicTextFile } from "./atomic-text.js";
import { parseRecordSelection } from "./trace.js";

/** One VCD variable: where its value comes from for batch slot b. */
interface Variable {
  id: string;
  scope: string[];
  name: string;
  /** real, or an unsigned / two's complement vector of `width` bits */
  kind: "real" | "vector";
  width: number;
  read: (b: number) => number;
  last: string[];
}

/** VCD identifier codes: printable ASCII 33..126, base 94. */
export function vcdIdentifier(k: number): string {
  let s = "";
  do {
    s += String.fromCharCode(33 + (k % 94));
    k = Math.floor(k / 94);
  } while (k > 0);
  return s;
}

/** A scope or variable name VCD readers take: letters, digits and underscores. */
const clean = (name: string) => name.replace(/->/g, "_to_").replace(/[^A-Za-z0-9_]/g, "_");

/** `value` as `width` bits, two's complement for negative values. */
export function bits(value: number, width: number): string {
  const v = value < 0 ? 2 ** width + value : value;
  return v.toString(2).padStart(width, "0").slice(-width);
}

/** The largest VCD time unit (1/10/100 x s..fs) of which `seconds` is a whole multiple, and that multiple. */
export function timescale(seconds: number): { unit: string; per: number } {
  const units = ["s", "ms", "us", "ns", "ps", "fs"];
  for (let u = 0; u < units.length; u++) {
    for (const m of [100, 10, 1]) {
      const size = m * 10 ** (-3 * u),
        per = seconds / size;
      if (per >= 1 && Math.abs(per - Math.round(per)) <= 1e-9 * per)
        return { unit: `${m} ${units[u]}`, per: Math.round(per) };
    }
  }
  return { unit: "1 fs", per: Math.max(1, Math.round(seconds / 1e-15)) };
}

/**
 * Parses the selection: the trace recorder's items (analog, as reals), plus `<population>.r_code`,
 * `<population>.e_code` and `<crossbar>.W_code` in hardware mode. Throws a one-line VleError naming a bad item.
 */
function variables(spec: string, engine: Engine): Omit<Variable, "id" | "last">[] {
  const hw = engine instanceof HardwareEngine ? engine : undefined;
  const items = spec.split(/,(?![^[]*\])/).map((s) => s.trim());
  const digital = items.filter((i) => /\.(r_code|e_code|W_code)(\[|$)/.test(i));
  const analog = items.filter((i) => !digital.includes(i));
  const out: Omit<Variable, "id" | "last">[] = [];
  if (analog.length) {
    const selection = parseRecordSelection(analog.join(","), engine);
    let column = 0;
    for (const g of selection.groups) {
      for (const i of g.indices) {
        const full = selection.columns[column++];
        const m = /^(.+)\.([A-Za-z_]+)\[([\d,]+)\]$/.exec(full)!;
        const name = `${m[2]}_${m[3].replace(/,/g, "_")}`;
        if (g.kind === "signal") {
          const p = g.population,
            signal = g.signal;
          out.push({ scope: [clean(m[1])], name, kind: "real", width: 64, read: (b) => p.now[signal][b * p.size + i] });
        } else {
          const values = g.values;
          out.push({ scope: [clean(m[1])], name, kind: "real", width: 64, read: () => values[i] });
        }
      }
    }
  }
  const wantsAll = items.includes("all");
  if (!hw) {
    if (digital.length)
      throw new VleError(
        `--record '${digital[0]}': converter codes and weight levels exist in hardware mode only; run with --mode hardware`,
      );
    return out;
  }
  const h = hw.hardware;
  const range = (signal: Signal, element: string) => h.ranges.find((r) => r.signal === signal && r.element === element);
  const codes = (popName: string, which: "r_code" | "e_code", index?: number) => {
    const pi = hw.populations.findIndex((p) => p.spec.name === popName);
    const p = hw.populations[pi];
    const values = which === "r_code" ? hw.rateAdc[pi] : hw.errorAdc[pi];
    if (!values)
      throw new VleError(
        `--record '${popName}.${which}': population '${popName}' has no error cell, so no error codes`,
      );
    const r = range(which === "r_code" ? Signal.RATE_SIGNAL : Signal.ERROR_SIGNAL, popName);
    if (!r)
      throw new VleError(
        `--record '${popName}.${which}': the chip has no converter range for '${popName}', so no codes`,
      );
    const lsb = converterLsb(h.adc, r.lo, r.hi),
      top = 2 ** h.adc.bits - 1;
    for (const i of index === undefined ? p.spec.tauM.map((_, k) => k) : [index]) {
      out.push({
        scope: [clean(popName)],
        name: `${which}_${i}`,
        kind: "vector",
        width: h.adc.bits,
        read: (b) => Math.max(0, Math.min(top, Math.round((values[b * p.size + i] - r.lo) / lsb))),
      });
    }
  };
  const levels = (x: (typeof hw.crossbars)[number], index?: number) => {
    const store = h.weights.find((s) => s.crossbar === x.spec.name);
    if (!store)
      throw new VleError(
        `--record '${x.spec.name}.W_code': crossbar '${x.spec.name}' has no weight storage on this chip`,
      );
    const m = maxLevel(store.bits),
      w = x.weights;
    for (const k of index === undefined ? Array.from(w.keys()) : [index]) {
      out.push({
        scope: [clean(x.spec.name)],
        name: `W_code_${Math.floor(k / x.cols)}_${k % x.cols}`,
        kind: "vector",
        width: Math.max(2, store.bits),
        read: () => Math.max(-m, Math.min(m, Math.round(w[k] / store.scale))),
      });
    }
  };
  if (wantsAll) {
    for (const p of hw.populations) {
      if (range(Signal.RATE_SIGNAL, p.spec.name)) codes(p.spec.name, "r_code");
      if (p.learns && range(Signal.ERROR_SIGNAL, p.spec.name)) codes(p.spec.name, "e_code");
    }
    for (const x of hw.crossbars) if (h.weights.some((s) => s.crossbar === x.spec.name)) levels(x);
  }
  for (const item of digital) {
    const m = /^(.+)\.(r_code|e_code|W_code)(?:\[([\d,\s]+)\])?$/.exec(item);
    if (!m)
      throw new VleError(
        `--record '${item}': write <population>.r_code, <population>.e_code or <crossbar>.W_code, optionally indexed`,
      );
    const [, element, which, index] = m;
    const idx = index?.split(",").map((s) => Number(s.trim()));
    if (which === "W_code") {
      const x = hw.crossbars.find((c) => c.spec.name === element);
      if (!x)
        throw new VleError(
          `--record '${item}': no crossbar named '${element}'; crossbars: ${hw.crossbars.map((c) => c.spec.name).join(", ")}`,
        );
      if (idx && (idx.length !== 2 || !(idx[0] < x.rows) || !(idx[1] < x.cols)))
        throw new VleError(`--record '${item}': crossbar '${element}' is ${x.rows}x${x.cols}; index it [post,pre]`);
      levels(x, idx && idx[0] * x.cols + idx[1]);
    } else {
      const p = hw.populations.find((q) => q.spec.name === element);
      if (!p)
        throw new VleError(
          `--record '${item}': no population named '${element}'; populations: ${hw.populations.map((q) => q.spec.name).join(", ")}`,
        );
      if (idx && (idx.length !== 1 || !(idx[0] < p.size)))
        throw new VleError(
          `--record '${item}': population '${element}' has ${p.size} neurons; index them [0]..[${p.size - 1}]`,
        );
      codes(element, which as "r_code" | "e_code", idx?.[0]);
    }
  }
  return out;
}

/**
 * Streams a VCD to a temporary file beside `path`; `close` renames it into place, `abort` removes it.
 * Call `record()` after every step; values are written only when they change.
 */
export class VcdRecorder {
  private readonly file: AtomicTextFile;
  private readonly vars: Variable[];
  private readonly per: number;
  private readonly slots: number;
  /** ticks recorded in ideal mode (time keeps running across sequences) */
  private ticks = 0;
  private lastTime = -1;
  private dumped = false;

  constructor(
    readonly path: string,
    private readonly engine: Engine,
    spec: string,
  ) {
    const hw = engine instanceof HardwareEngine ? engine : undefined;
    // variables of one scope together (in the order their scopes first appear), so each scope opens once
    const listed = variables(spec, engine),
      order = [...new Set(listed.map((v) => v.scope.join(".")))];
    const base = order.flatMap((scope) => listed.filter((v) => v.scope.join(".") === scope));
    this.slots = engine.batch;
    this.vars = [];
    for (let b = 0; b < this.slots; b++) {
      for (const v of base) {
        this.vars.push({
          ...v,
          id: vcdIdentifier(this.vars.length),
          scope: this.slots > 1 ? [`s${b}`, ...v.scope] : v.scope,
          read: () => v.read(b),
          last: [""],
        });
        // (each variable reads its own batch slot)
      }
    }
    const timeUnitS = engine.circuit.timeUnitS;
    const step = hw ? 1 / hw.hardware.clockHz : engine.dt * (timeUnitS ?? 1);
    const scale = timescale(step);
    this.per = scale.per;
    this.file = new AtomicTextFile(path);
    const lines = [
      `$date ${new Date().toISOString()} $end`,
      `$version vle ${hw ? "hardware" : "ideal"} mode $end`,
      `$comment circuit ${engine.circuit.name}; ${hw ? `one time step = one clock cycle of ${hw.hardware.clockHz} Hz, values at the end of each tick` : `one time step = dt = ${engine.dt} model time units${timeUnitS === undefined ? "; the circuit is dimensionless, so one model time unit is drawn as 1 s" : ` of ${formatSeconds(timeUnitS)}`}`} $end`,
      `$timescale ${scale.unit} $end`,
      `$scope module ${clean(engine.circuit.name) || "circuit"} $end`,
    ];
    let open: string[] = [];
    for (const v of this.vars) {
      let common = 0;
      while (common < open.length && common < v.scope.length && open[common] === v.scope[common]) common++;
      for (let k = open.length; k > common; k--) lines.push("$upscope $end");
      for (let k = common; k < v.scope.length; k++) lines.push(`$scope module ${v.scope[k]} $end`);
      open = v.scope;
      lines.push(
        v.kind === "real" ? `$var real 64 ${v.id} ${v.name} $end` : `$var wire ${v.width} ${v.id} ${v.name} $end`,
      );
    }
    for (let k = open.length; k > 0; k--) lines.push("$upscope $end");
    lines.push("$upscope $end", "$enddefinitions $end");
    this.file.write(lines.join("\n") + "\n");
  }

  /** Appends the values after the engine's last step (only those that changed). */
  record(): void {
    const hw = this.engine instanceof HardwareEngine ? this.engine : undefined;
    const time = hw ? hw.cycles : ++this.ticks;
    let body = "";
    for (const v of this.vars) {
      const x = v.read(0);
      const text = v.kind === "real" ? `r${Number.isFinite(x) ? x : 0} ${v.id}` : `b${bits(x, v.width)} ${v.id}`;
      if (text !== v.last[0]) {
        body += text + "\n";
        v.last[0] = text;
      }
    }
    if (body === "") return;
    const t = time * this.per;
    if (t <= this.lastTime) throw new Error(`vcd: time ${t} does not advance past ${this.lastTime}`);
    this.lastTime = t;
    // the first values are the initial dump of every variable
    this.file.write(this.dumped ? `#${t}\n${body}` : `#${t}\n$dumpvars\n${body}$end\n`);
    this.dumped = true;
  }

  /** Writes what is left and moves the finished file into place. */
  close(): void {
    this.file.close();
  }

  /** Writes what is left and syncs it, ready to be committed with the run's other outputs (`commitAll`). */
  finish(): PendingFile {
    return this.file.finish();
  }

  /** Discards the file (after a failed run). */
  abort(): void {
    this.file.abort();
  }
}
