// The rawfile reader against hand-built binary and ASCII rawfiles, and the interpolator against direct evaluation.
import { describe, expect, it } from "vitest";
import { VleError } from "../../circuits/errors.js";
import { parseRawfile, rawTime, vector } from "./rawfile.js";
import { Interpolator } from "./waveforms.js";

const header = (points: number, format: "Binary" | "Values") =>
  `Title: * test\nDate: today\nPlotname: Transient Analysis\nFlags: real\nNo. Variables: 3\nNo. Points: ${String(points).padEnd(8)}\nVariables:\n\t0\ttime\ttime\n\t1\tv(U_L0_0)\tvoltage\n\t2\ti(vcm_l0_0)\tcurrent\n${format}:\n`;
const rows = [
  [0, 1.5, -2e-12],
  [1e-8, 1.25, 3e-13],
  [2e-8, -0.5, 7e-12],
];

describe("parseRawfile", () => {
  it("reads binary rawfiles (little-endian doubles, point-major)", () => {
    const data = Buffer.alloc(rows.length * 3 * 8);
    rows.flat().forEach((x, k) => data.writeDoubleLE(x, 8 * k));
    const raw = parseRawfile(Buffer.concat([Buffer.from(header(3, "Binary"), "latin1"), data]));
    expect(raw.plot).toBe("Transient Analysis");
    expect(raw.names).toEqual(["time", "v(u_l0_0)", "i(vcm_l0_0)"]);
    expect(Array.from(rawTime(raw))).toEqual([0, 1e-8, 2e-8]);
    expect(Array.from(vector(raw, "u_l0_0"))).toEqual([1.5, 1.25, -0.5]);
    expect(Array.from(vector(raw, "I(VCM_L0_0)"))).toEqual([-2e-12, 3e-13, 7e-12]);
  });

  it("reads ASCII rawfiles", () => {
    const body = rows.map((r, p) => `${p}\t${r[0]}\n\t${r[1]}\n\t${r[2]}\n`).join("");
    const raw = parseRawfile(Buffer.from(header(3, "Values") + body, "latin1"));
    expect(Array.from(vector(raw, "v(u_l0_0)"))).toEqual([1.5, 1.25, -0.5]);
  });

  it("names what is wrong with a truncated or empty rawfile", () => {
    const cut = Buffer.from(header(3, "Binary") + "\u0000".repeat(10), "latin1");
    expect(() => parseRawfile(cut, "x.raw")).toThrow(/x\.raw: 10 data bytes for 3 points of 3 variables/);
    expect(() => parseRawfile(Buffer.from(header(0, "Binary"), "latin1"))).toThrow(/no data points/);
    expect(() => parseRawfile(Buffer.from("Title: x\n"), "y.raw")).toThrow(VleError);
    const raw = parseRawfile(Buffer.from(header(1, "Values") + "0\t0\n\t1\n\t2\n", "latin1"));
    expect(() => vector(raw, "v(nope)")).toThrow(/no vector 'v\(nope\)'/);
  });
});

describe("Interpolator", () => {
  it("interpolates linearly between samples and holds the ends, for sorted and unsorted queries", () => {
    const times = [0, 1, 1, 3],
      values = [0, 2, 4, 0];
    const f = new Interpolator(times, values);
    const direct = (t: number) => (t <= 0 ? 0 : t < 1 ? 2 * t : t >= 3 ? 0 : 4 - 2 * (t - 1));
    for (const t of [-1, 0, 0.25, 0.5, 1, 1.5, 2.9, 3, 4]) expect(f.at(t)).toBeCloseTo(direct(t), 12);
    for (const t of [2.5, 0.25, 1.75]) expect(f.at(t)).toBeCloseTo(direct(t), 12);
  });
});
