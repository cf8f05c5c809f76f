// Tests of the technology-card loader: every shipped card loads with sources; a number without a source or a missing entry fails naming it.
import { describe, expect, it } from "vitest";
import {
  acceleratorEntries,
  cardNames,
  chipDefaultEntries,
  chipEnergyEntries,
  loadCard,
  parseCard,
  requireEntries,
} from "./tech.js";

const card = (entries: string, sources = `  pub: { cite: "A. Author, A paper, 2020", kind: published }\n`) =>
  `card: t\ntitle: test\nnode: 1 nm\nsources:\n${sources}entries:\n${entries}`;

describe("technology cards", () => {
  it("ships a 65 nm and a 22 nm chip card and an accelerator card, each complete for its user, every entry with a source", () => {
    expect(cardNames()).toEqual(expect.arrayContaining(["analog-65nm", "analog-22nm", "digital-accelerator"]));
    for (const name of ["analog-65nm", "analog-22nm"]) {
      const c = loadCard(name);
      requireEntries(c, [...chipEnergyEntries, ...chipDefaultEntries], "test");
      for (const e of c.entries.values()) expect(e.source.cite.length).toBeGreaterThan(10);
    }
    const acc = loadCard("digital-accelerator");
    requireEntries(acc, acceleratorEntries, "test");
    // units reach SI: 40.5 fJ, 1 GHz, 1 MB in bytes, 1555 GB/s in bytes/s
    expect(loadCard("analog-65nm").entries.get("crossbar_read_energy")!.value).toBeCloseTo(40.5e-15, 20);
    expect(loadCard("analog-65nm").entries.get("clock")!.value).toBe(1e9);
    expect(acc.entries.get("sram_capacity")!.value).toBe(1e6);
    expect(acc.entries.get("dram_bandwidth")!.value).toBeCloseTo(1555e9, 0);
  });

  it("rejects a number with no source, naming card and entry", () => {
    expect(() => parseCard(card("  clock: { value: 1 GHz }\n"), "x.yaml")).toThrow(
      /^x\.yaml: card 't' entry 'clock' has a number with no source; add source: <one of pub>$/,
    );
  });

  it("rejects a source key that is not listed, a derived number without derivation, a wrong unit and an unknown entry", () => {
    expect(() => parseCard(card("  clock: { value: 1 GHz, source: nope }\n"), "x.yaml")).toThrow(
      /entry 'clock': source 'nope' is not in the card's sources/,
    );
    expect(() =>
      parseCard(
        card("  clock: { value: 1 GHz, source: d }\n", `  d: { cite: "derived from X", kind: derived }\n`),
        "x.yaml",
      ),
    ).toThrow(/entry 'clock': a derived number needs derivation/);
    expect(() => parseCard(card("  clock: { value: 1 pJ, source: pub }\n"), "x.yaml")).toThrow(
      /entry 'clock': '1 pJ' is not a quantity in Hz/,
    );
    expect(() => parseCard(card("  clok: { value: 1 GHz, source: pub }\n"), "x.yaml")).toThrow(
      /entry 'clok': unknown entry/,
    );
  });

  it("reports a card missing an entry its user needs", () => {
    const c = parseCard(card("  clock: { value: 1 GHz, source: pub }\n"), "x.yaml");
    expect(() => requireEntries(c, ["clock", "adc_bits"], "the hardware passes")).toThrow(
      /technology card 't' \(x\.yaml\) is missing entry 'adc_bits' needed by the hardware passes; add it with a source/,
    );
  });
});
