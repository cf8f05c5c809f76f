import { describe, expect, it } from "vitest";
import { timeAxis } from "./inputs.js";

describe("timeAxis", () => {
  it("shows a trace's model times in the circuit's time base, in the unit that fits the run", () => {
    expect(timeAxis(1e-3, 30)).toEqual({ scale: 1, unit: "ms" }); // 30 ms
    expect(timeAxis(1e-3, 3000)).toEqual({ scale: 1e-3, unit: "s" }); // 3 s
    expect(timeAxis(1e-6, 20)).toEqual({ scale: 1, unit: "µs" });
    expect(timeAxis(1e-9, 500)).toEqual({ scale: 1, unit: "ns" });
    expect(timeAxis(undefined, 20)).toEqual({ scale: 1, unit: "model time units (the description is dimensionless)" });
  });
});
