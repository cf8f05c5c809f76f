// Technology cards (circuits/tech/*.yaml): energy, timing and design figures, each with its published source, loaded and checked.
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { VleError } from "./errors.js";
import { math } from "./mathjs.js";
import { readText } from "./read.js";

/** Where cards live: beside this module (circuits/tech), also when run from dist/ or a build below it (dist/test-build-*). */
function cardDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [
    join(here, "tech"),
    join(here, "..", "..", "circuits", "tech"),
    join(here, "..", "..", "..", "circuits", "tech"),
  ])
    if (existsSync(dir)) return dir;
  return join(here, "tech");
}
export const cardDir = cardDirectory();

/**
 * Every entry a card may hold, with its SI unit ("1" = dimensionless) and what it is.
 * A card holds a subset; what a user of the card needs is checked with `requireEntries`.
 */
const entrySchema = {
  // the chip's energy model (simulator/meters/energy.ts)
  crossbar_read_energy: ["J", "energy of one synapse cell read (one analog MAC), forward or transposed"],
  weight_write_energy_per_bit: ["J", "energy to write one bit of a synapse cell"],
  adc_energy_per_conversion: ["J", "energy of one ADC conversion at adc_reference_bits"],
  adc_reference_bits: ["1", "resolution the ADC energy is given at (scaled by 2^(bits - reference), Walden)"],
  dac_energy_per_conversion: ["J", "energy of one DAC conversion at dac_reference_bits"],
  dac_reference_bits: ["1", "resolution the DAC energy is given at (scaled by 2^(bits - reference))"],
  integrator_gm_over_id: [
    "V^-1",
    "transconductance efficiency gm/I_D of the integrator's transconductor (weak inversion)",
  ],
  integrator_ota_branches: ["1", "current branches of the integrator's transconductor per unit of gm/I_D current"],
  supply_voltage: ["V", "analog and digital supply"],
  noc_energy_per_bit_hop: ["J", "energy to move one bit across one mesh hop (router + link)"],
  sram_leakage_per_bit: ["W", "static leakage of one stored weight bit"],
  idle_cycle_energy: ["J", "energy of one core-cycle in which the core's pipeline has no work"],
  plasticity_mac_energy: ["J", "one e*r product of the plasticity controller (int8 multiply, int32 accumulate)"],
  weight_read_energy_per_bit: ["J", "reading one bit of a synapse cell (the read half of a read-modify-write)"],
  random_bit_energy: ["J", "one random bit for stochastic rounding (a linear-feedback shift register)"],
  coprocessor_op_energy: ["J", "one fp32 operation of the Adam learning co-processor"],
  digital_energy_factor: [
    "1",
    "energy factor of the card's node at its supply (Stillmaker and Baas 2017): digital energies from another card scale by the ratio of the two factors",
  ],
  // the chip's design defaults (compiler hardware passes)
  clock: ["Hz", "digital clock f_clk"],
  max_acceleration: ["1", "largest acceleration factor the analog core is designed for"],
  time_unit: ["s", "physical seconds per model time unit when dt has no unit"],
  core_neurons: ["1", "neurons (membrane + error cell) per core"],
  core_synapses: ["1", "synapse cells per core"],
  core_dacs: ["1", "DAC units per core"],
  core_adcs: ["1", "ADC units per core"],
  weight_bits: ["1", "bits per synapse cell"],
  dac_bits: ["1", "DAC resolution"],
  adc_bits: ["1", "ADC resolution"],
  dac_cycles: ["1", "clock cycles per DAC conversion"],
  adc_cycles: ["1", "clock cycles per ADC conversion"],
  settle_cycles: ["1", "clock cycles for a crossbar read to settle"],
  integrate_cycles: ["1", "clock cycles to update a cell once its input is present"],
  write_cycles: ["1", "clock cycles to write one crossbar row"],
  noc_cycles_per_hop: ["1", "clock cycles per mesh hop"],
  membrane_capacitance: ["F", "membrane (and error cell) capacitance C_m"],
  membrane_volts_per_unit: ["V", "volts per model unit of membrane potential"],
  temperature: ["K", "operating temperature (kT/C noise)"],
  ota_excess_noise_factor: ["1", "noise power of an integrator's OTA over the kT/C of its capacitor"],
  // the digital accelerator of the BPTT baseline (simulator/meters/bptt-baseline.ts), at the node of its own digital_energy_factor
  mac_energy_fp32: ["J", "one fp32 multiply-accumulate"],
  mac_energy_fp16: ["J", "one fp16 multiply with fp32 accumulate"],
  mac_energy_int8: ["J", "one int8 multiply with int32 accumulate"],
  elementwise_energy_fp32: ["J", "one fp32 elementwise operation (add)"],
  elementwise_energy_fp16: ["J", "one fp16 elementwise operation (add)"],
  elementwise_energy_int8: ["J", "one int8/int32 elementwise operation (add)"],
  register_file_energy_per_bit: ["J", "register file (processing-element scratchpad) access, per bit"],
  register_file_capacity: ["B", "register files of all processing elements together"],
  sram_read_energy_per_bit: ["J", "on-chip SRAM (global buffer) read, per bit"],
  sram_write_energy_per_bit: ["J", "on-chip SRAM (global buffer) write, per bit"],
  sram_capacity: ["B", "on-chip SRAM (global buffer)"],
  dram_energy_per_bit: ["J", "off-chip DRAM access, per bit (an interface figure: not scaled with the logic node)"],
  dram_bandwidth: ["B/s", "off-chip memory bandwidth"],
  mac_units: ["1", "multiply-accumulate units working in parallel"],
  accelerator_clock: ["Hz", "clock of the accelerator's datapath"],
  op_latency_cycles: ["1", "cycles from an operation's last input to its result (pipeline depth and reduction)"],
} as const satisfies Record<string, readonly [string, string]>;

export type EntryName = keyof typeof entrySchema;

/** The entries the chip energy model prices operations with. */
export const chipEnergyEntries = [
  "crossbar_read_energy",
  "weight_write_energy_per_bit",
  "adc_energy_per_conversion",
  "adc_reference_bits",
  "dac_energy_per_conversion",
  "dac_reference_bits",
  "integrator_gm_over_id",
  "integrator_ota_branches",
  "supply_voltage",
  "noc_energy_per_bit_hop",
  "sram_leakage_per_bit",
  "idle_cycle_energy",
  "membrane_capacitance",
  "digital_energy_factor",
  "plasticity_mac_energy",
  "weight_read_energy_per_bit",
  "random_bit_energy",
  "coprocessor_op_energy",
] as const satisfies readonly EntryName[];

/** The design defaults the hardware passes take when the description leaves a value out. */
export const chipDefaultEntries = [
  "clock",
  "max_acceleration",
  "time_unit",
  "core_neurons",
  "core_synapses",
  "core_dacs",
  "core_adcs",
  "weight_bits",
  "dac_bits",
  "adc_bits",
  "dac_cycles",
  "adc_cycles",
  "settle_cycles",
  "integrate_cycles",
  "write_cycles",
  "noc_cycles_per_hop",
  "membrane_capacitance",
  "membrane_volts_per_unit",
  "temperature",
  "ota_excess_noise_factor",
  "supply_voltage",
  "integrator_gm_over_id",
  "integrator_ota_branches",
] as const satisfies readonly EntryName[];

/** The entries of the BPTT baseline's digital accelerator. */
export const acceleratorEntries = [
  "digital_energy_factor",
  "mac_energy_fp32",
  "mac_energy_fp16",
  "mac_energy_int8",
  "elementwise_energy_fp32",
  "elementwise_energy_fp16",
  "elementwise_energy_int8",
  "register_file_energy_per_bit",
  "register_file_capacity",
  "sram_read_energy_per_bit",
  "sram_write_energy_per_bit",
  "sram_capacity",
  "dram_energy_per_bit",
  "dram_bandwidth",
  "mac_units",
  "accelerator_clock",
  "op_latency_cycles",
] as const satisfies readonly EntryName[];

const sourceKinds = ["published", "transcription", "derived", "physics", "assumption"] as const;
type SourceKind = (typeof sourceKinds)[number];

interface Source {
  key: string;
  cite: string;
  /** published: read from the paper or data sheet; transcription: from a third-party copy; derived: computed from
   *  figures of other sources (see the entry's derivation); physics: a law or textbook relation; assumption: a stated design choice */
  kind: SourceKind;
}

interface CardEntry {
  name: EntryName;
  /** value in the SI unit of the schema (bytes for B, bytes/s for B/s) */
  value: number;
  unit: string;
  /** as written in the card ("40.5 fJ") */
  text: string;
  source: Source;
  /** how the number follows from its source, when it is not read off directly */
  derivation?: string;
}

export interface TechCard {
  name: string;
  file: string;
  /** sha256 of the card's text: a circuit's provenance names the exact card it was compiled for */
  sha256: string;
  title: string;
  node: string;
  sources: Map<string, Source>;
  entries: Map<EntryName, CardEntry>;
}

/** The names of the cards in circuits/tech. */
export function cardNames(): string[] {
  if (!existsSync(cardDir)) return [];
  return readdirSync(cardDir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.replace(/\.yaml$/, ""))
    .sort();
}

/** Loads a card by name (circuits/tech/<name>.yaml) or by path (ending in .yaml). */
export function loadCard(nameOrPath: string): TechCard {
  const file =
    nameOrPath.endsWith(".yaml") || nameOrPath.includes("/") ? nameOrPath : join(cardDir, `${nameOrPath}.yaml`);
  if (!existsSync(file))
    throw new VleError(
      `technology card '${nameOrPath}' not found (${file}); cards: ${cardNames().join(", ") || "none"}`,
    );
  return parseCard(readText(file), file);
}

const isMap = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** Parses card text; every problem is one line naming the file and the entry. */
export function parseCard(text: string, file: string): TechCard {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new VleError(`${file}: malformed YAML (${(err as Error).message.split("\n")[0]})`);
  }
  const fail = (msg: string): never => {
    throw new VleError(`${file}: ${msg}`);
  };
  if (!isMap(doc)) fail("a card is a map with keys card, title, node, sources, entries");
  const card = doc as Record<string, unknown>;
  for (const key of Object.keys(card))
    if (!["card", "title", "node", "sources", "entries"].includes(key))
      fail(`unknown key '${key}'; a card has card, title, node, sources, entries`);
  if (typeof card.card !== "string" || card.card === "") fail("missing 'card: <name>'");
  const name = card.card as string;
  if (!isMap(card.sources)) fail("missing 'sources:' (a map of source keys to { cite, kind })");
  if (!isMap(card.entries)) fail("missing 'entries:' (a map of entry names to { value, source })");

  const sources = new Map<string, Source>();
  for (const [key, raw] of Object.entries(card.sources as Record<string, unknown>)) {
    if (!isMap(raw) || typeof raw.cite !== "string" || raw.cite.trim() === "")
      fail(`source '${key}' has no cite; write { cite: "<authors, title, venue, year>", kind: published }`);
    const s = raw as Record<string, unknown>;
    if (!sourceKinds.includes(s.kind as SourceKind))
      fail(`source '${key}': kind '${String(s.kind)}' is not one of ${sourceKinds.join("|")}`);
    sources.set(key, { key, cite: (s.cite as string).trim(), kind: s.kind as SourceKind });
  }

  const entries = new Map<EntryName, CardEntry>();
  for (const [entryName, raw] of Object.entries(card.entries as Record<string, unknown>)) {
    const el = `card '${name}' entry '${entryName}'`;
    if (!Object.hasOwn(entrySchema, entryName))
      fail(`${el}: unknown entry; entries: ${Object.keys(entrySchema).join(", ")}`);
    const schema = entrySchema[entryName as EntryName];
    if (!isMap(raw) || !("value" in raw)) fail(`${el}: write { value: <number with unit>, source: <source key> }`);
    const e = raw as Record<string, unknown>;
    for (const key of Object.keys(e))
      if (!["value", "source", "derivation"].includes(key))
        fail(`${el}: unknown key '${key}'; an entry has value, source, derivation`);
    if (typeof e.source !== "string" || e.source === "")
      fail(`${el} has a number with no source; add source: <one of ${[...sources.keys()].join(", ")}>`);
    const source = sources.get(e.source as string);
    if (!source)
      fail(`${el}: source '${String(e.source)}' is not in the card's sources (${[...sources.keys()].join(", ")})`);
    if (source!.kind === "derived" && typeof e.derivation !== "string")
      fail(`${el}: a derived number needs derivation: "<how it follows from which figures>"`);
    const written =
      typeof e.value === "number"
        ? String(e.value)
        : typeof e.value === "string"
          ? e.value
          : fail(`${el}: value must be a number or a quantity such as "40 fJ"`);
    const value = toSI(written as string, schema[0], () => `${file}: ${el}: '${written}'`);
    entries.set(entryName as EntryName, {
      name: entryName as EntryName,
      value,
      unit: schema[0],
      text: written as string,
      source: source!,
      derivation: e.derivation as string | undefined,
    });
  }
  return {
    name,
    file,
    sha256: createHash("sha256").update(text, "utf8").digest("hex"),
    title: typeof card.title === "string" ? card.title : name,
    node: typeof card.node === "string" ? card.node : "",
    sources,
    entries,
  };
}

/** A written quantity in the schema's unit; plain numbers only for dimensionless entries. */
function toSI(written: string, unit: string, where: () => string): number {
  if (unit === "1") {
    const x = Number(written);
    if (!Number.isFinite(x)) throw new VleError(`${where()} must be a plain number`);
    return x;
  }
  let q;
  try {
    q = math().unit(written);
  } catch {
    throw new VleError(`${where()} is not a quantity in ${unit} (write e.g. "1.5 ${unit}")`);
  }
  if (q.value === null || !q.equalBase(math().unit(`1 ${unit}`)))
    throw new VleError(`${where()} is not a quantity in ${unit}`);
  const x = q.toNumber(unit);
  if (!Number.isFinite(x)) throw new VleError(`${where()} is not finite`);
  return x;
}

/** Throws a one-line error naming the card and the first missing entry that `user` needs. */
export function requireEntries(card: TechCard, names: readonly EntryName[], user: string): void {
  const missing = names.filter((n) => !card.entries.has(n));
  if (missing.length > 0) {
    throw new VleError(
      `technology card '${card.name}' (${card.file}) is missing entr${missing.length > 1 ? "ies" : "y"} ${missing.map((m) => `'${m}'`).join(", ")} needed by ${user}; add ${missing.length > 1 ? "them" : "it"} with a source`,
    );
  }
}

/** An entry's value (SI); the entry must exist (check with requireEntries first). */
export function entry(card: TechCard, name: EntryName): number {
  const e = card.entries.get(name);
  if (!e) throw new VleError(`technology card '${card.name}' has no entry '${name}'; add it with a source`);
  return e.value;
}
