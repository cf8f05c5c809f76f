// Structure of exported netlists: element values from the IR, readable names, parameter nodes, and one-line errors for bad options.
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { fromJSON } from "../../circuits/codec.js";
import { VleError } from "../../circuits/errors.js";
import type { Circuit } from "../../circuits/model.js";
import { compileFile } from "../index.js";
import { exportSpice, spiceName, type Waveforms } from "./spice.js";

const population = (
  name: string,
  size: number,
  tauM: number,
  tauR: number,
  phi: string,
  extra: Record<string, unknown> = {},
) => ({
  name,
  size,
  tauM: Array(size).fill(tauM),
  tauR: Array(size).fill(tauR),
  bias: Array(size).fill(0),
  phi,
  ...extra,
});

/** A two-neuron chain x -> l0 -> l1 with error cells, as lagline. */
function chain(learning: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Circuit {
  return fromJSON({
    version: 1,
    name: "chain",
    dt: 0.01,
    provenance: {},
    inputs: [{ name: "x", size: 1 }],
    populations: [
      population("l0", 1, 0.6, 0.1, "SOFTPLUS", { plasticTauM: true }),
      population("l1", 1, 3, 0.1, "TANH", { bias: [0.25] }),
    ],
    errorPopulations: [
      { name: "l0.error", population: "l0" },
      { name: "l1.error", population: "l1" },
    ],
    errorCurrents: [
      { errorPopulation: "l0.error", population: "l0", gamma: 1 },
      { errorPopulation: "l1.error", population: "l1", gamma: 0.5 },
    ],
    crossbars: [
      {
        name: "x_to_l0",
        pre: "x",
        post: "l0",
        rows: 1,
        cols: 1,
        weights: [0.6],
        plastic: true,
        feedback: "NO_FEEDBACK",
      },
      {
        name: "l0_to_l1",
        pre: "l0",
        post: "l1",
        rows: 1,
        cols: 1,
        weights: [1.3],
        plastic: true,
        feedback: "TRANSPOSE",
      },
    ],
    outputs: [{ name: "y", population: "l1", loss: "MSE", beta: 0.01 }],
    learning: { rule: "VLE", eta: 0.05, etaTau: 0.02, prospectiveErrors: true, optimizer: "SGD", ...learning },
    ...extra,
  });
}

const times = Float64Array.from({ length: 5 }, (_, s) => s * 0.01);
const input: Waveforms = { times, columns: new Map([["x[0]", Float64Array.of(0, 0.5, 0.5, 0.5, 1)]]) };
const target: Waveforms = { times, columns: new Map([["y[0]", Float64Array.of(NaN, NaN, 0.3, 0.4, 0.5)]]) };

/** The element line that starts with `name` (case-sensitive as written). */
const element = (text: string, name: string) => text.split("\n").find((l) => l.startsWith(`${name} `));

describe("exportSpice", () => {
  it("maps each leaky integrator to C_m, an ammeter and g_L = C_m / (tau_m * time unit)", () => {
    const { text, timeUnit, capacitance, tstop } = exportSpice(chain(), { input });
    expect([timeUnit, capacitance, tstop]).toEqual([1e-6, 1e-12, 0.05]);
    expect(element(text, "Cm_l1_0")).toBe("Cm_l1_0 u_l1_0 uc_l1_0 1e-12 IC=0");
    expect(element(text, "Vcm_l1_0")).toBe("Vcm_l1_0 uc_l1_0 0 DC 0");
    // R = tau_m * time unit / C = 3 us / 1 pF
    expect(Number(element(text, "Rleak_l1_0")!.split(" ")[3])).toBeCloseTo(3e6, 6);
    // the prospective readout adds tau_r / C times the capacitor current: 0.1 us / 1 pF
    expect(element(text, "Bup_l1_0")).toBe("Bup_l1_0 up_l1_0 0 V = v(u_l1_0) + 100000*i(Vcm_l1_0)");
    expect(element(text, "Br_l1_0")).toBe("Br_l1_0 r_l1_0 0 V = phi_tanh(v(up_l1_0))");
    // crossbar row current, bias current and modulatory error current, each scaled by g_L
    expect(element(text, "Bx_l0_to_l1_0")).toMatch(
      /^Bx_l0_to_l1_0 0 u_l1_0 I = 3\.33333\d*e-7\*\(1\.3\*v\(r_l0_0\)\)$/,
    );
    expect(element(text, "Bbias_l1_0")).toMatch(/I = 3\.33333\d*e-7\*\(0\.25\)$/);
    expect(element(text, "Bmod_l1_0")).toMatch(/I = 3\.33333\d*e-7\*0\.5\*v\(e_l1_error_0\)$/);
    // error cell: time constants swapped (leak tau_r, look-ahead tau_m), input d = phi' * (W^T e_post)
    expect(Number(element(text, "Rv_l0_0")!.split(" ")[3])).toBeCloseTo(1e5, 6);
    expect(element(text, "Bd_l0_0")).toBe("Bd_l0_0 d_l0_error_0 0 V = v(dphi_l0_0)*(1.3*v(e_l1_error_0))");
    expect(element(text, "Be_l1_0")).toBe("Be_l1_0 e_l1_error_0 0 V = v(v_l1_error_0) + 3e+6*i(Vcv_l1_0)");
    expect(text.trimEnd().endsWith(".end")).toBe(true);
    expect(text).toMatch(/^\.tran 1e-8 5e-8 0 1e-8 uic$/m);
  });

  it("injects the output error only where the target table has values (mask PWL)", () => {
    const { text } = exportSpice(chain(), { input, target });
    expect(element(text, "Vm_y")).toBe("Vm_y m_y 0 PWL(0 0 1e-8 0 2e-8 1 4e-8 1)");
    expect(element(text, "Vy_y_0")).toBe("Vy_y_0 y_y_0 0 PWL(0 0 1e-8 0 2e-8 0.3 3e-8 0.4 4e-8 0.5)");
    expect(element(text, "Bd_l1_0")).toBe(
      "Bd_l1_0 d_l1_error_0 0 V = v(dphi_l1_0)*(0.01*v(m_y)*(v(y_y_0) - v(r_l1_0)))",
    );
    // runs of equal samples keep only their ends
    expect(element(text, "Vin_x_0")).toBe("Vin_x_0 in_x_0 0 PWL(0 0 1e-8 0.5 3e-8 0.5 4e-8 1)");
  });

  it("turns plastic parameters into integrating nodes when learning, at the continuous rate eta / dt", () => {
    const fixed = exportSpice(chain(), { input });
    expect(fixed.probes.some((p) => p.quantity === "W")).toBe(false);
    const { text, probes } = exportSpice(chain(), { input, learn: true });
    expect(element(text, "Cw_x_to_l0_0_0")).toBe("Cw_x_to_l0_0_0 w_x_to_l0_0_0 0 1e-12 IC=0.6");
    // C / time unit * eta / dt = 1e-6 * 5
    expect(element(text, "Bw_x_to_l0_0_0")).toBe(
      "Bw_x_to_l0_0_0 0 w_x_to_l0_0_0 I = 1e-6*5*(v(e_l0_error_0)*v(in_x_0))",
    );
    expect(element(text, "Bw_l0_to_l1_0_0")).toBe(
      "Bw_l0_to_l1_0_0 0 w_l0_to_l1_0_0 I = 1e-6*5*(v(e_l1_error_0)*v(r_l0_0))",
    );
    // the back-projection reads the learned weight node
    expect(element(text, "Bd_l0_0")).toBe(
      "Bd_l0_0 d_l0_error_0 0 V = v(dphi_l0_0)*(v(w_l0_to_l1_0_0)*v(e_l1_error_0))",
    );
    // tau_m learns from -e du/dt (du/dt = ammeter current / C) and sets a behavioural leak
    expect(element(text, "Btau_l0_0")).toBe("Btau_l0_0 0 tau_l0_0 I = 1e-6*2*(-v(e_l0_error_0)*1e+6*i(Vcm_l0_0))");
    expect(element(text, "Bleak_l0_0")).toBe("Bleak_l0_0 u_l0_0 0 I = 1e-6/max(v(tau_l0_0), 0.01)*v(u_l0_0)");
    expect(
      probes
        .filter((p) => ["W", "tau_m"].includes(p.quantity))
        .map((p) => p.signal)
        .sort(),
    ).toEqual(["l0.tau_m[0]", "l0_to_l1.W[0,0]", "x_to_l0.W[0,0]"]);
  });

  it("gives Adam two moment nodes per parameter with bias corrections on the optimizer's schedule", () => {
    const { text } = exportSpice(chain({ optimizer: "ADAM", adamBeta1: 0.9, adamBeta2: 0.999, adamEpsilon: 1e-8 }), {
      input,
      learn: true,
    });
    expect(text).toContain(`.func adam_c1() = {1 - exp(${Math.log(0.9)}*(time/1e-8 + 1))}`);
    expect(element(text, "Bmw_x_to_l0_0_0")).toContain(
      `${-Math.log(0.9) / 0.01}/adam_c1()*(adam_sat(v(e_l0_error_0)*v(in_x_0)) - v(mw_x_to_l0_0_0))`,
    );
    expect(element(text, "Bw_x_to_l0_0_0")).toBe(
      "Bw_x_to_l0_0_0 0 w_x_to_l0_0_0 I = 1e-6*5*adam_step(v(mw_x_to_l0_0_0), v(sw_x_to_l0_0_0))",
    );
  });

  it("reads C_m from the hardware section and the time unit from the circuit's time base in chip time", () => {
    const c = compileFile(fileURLToPath(new URL("../../examples/lagline-chip.yaml", import.meta.url)));
    const hw = c.hardware!;
    expect(hw.physical.cMF).toBeGreaterThan(0);
    const netlist = exportSpice(c, { input });
    expect(netlist.capacitance).toBe(hw.physical.cMF);
    expect(c.timeUnitS).toBe(1e-3); // lagline-chip.yaml: time_unit 1 ms
    expect(netlist.timeUnit).toBeCloseTo(1e-3 / hw.acceleration, 20);
    const overridden = exportSpice(c, { input, capacitance: 5e-13, timeUnit: 1e-9 });
    expect([overridden.capacitance, overridden.timeUnit]).toEqual([5e-13, 1e-9]);
  });

  it("derives names from the IR and rejects names that collide in SPICE's case-folded namespace", () => {
    expect(spiceName("x->l0")).toBe("x_to_l0");
    expect(spiceName("h.error")).toBe("h_error");
    const c = chain(
      {},
      {
        populations: [
          ...chain().populations.map((p) => ({ ...p, phi: "SOFTPLUS" })),
          population("L0", 1, 1, 0.1, "LINEAR"),
        ],
      },
    );
    expect(() => exportSpice(c, { input })).toThrow(/'L0\[0\]' and 'l0\[0\]' both map to the SPICE name/);
  });

  it("rejects bad options with one-line errors", () => {
    const errors = [
      () => exportSpice(chain()),
      () => exportSpice(chain({ rule: "NONE" }), { input, learn: true }),
      () => exportSpice(chain(), { input: { times, columns: new Map([["z[0]", times]]) } }),
      () =>
        exportSpice(chain(), {
          input: {
            times,
            columns: new Map([
              ["x[0]", times],
              ["z[0]", times],
            ]),
          },
        }),
      () => exportSpice(chain(), { input, capacitance: -1 }),
    ];
    const messages = errors.map((f) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(VleError);
        return (err as Error).message;
      }
      return "no error";
    });
    expect(messages[0]).toMatch(/no end time; give --tstop/);
    expect(messages[1]).toMatch(/rule none does not learn online/);
    expect(messages[2]).toMatch(/input CSV has no column 'x\[0\]'/);
    expect(messages[3]).toMatch(/input column 'z\[0\]' matches no input channel/);
    expect(messages[4]).toMatch(/capacitance -1 F must be a positive number/);
    for (const m of messages) expect(m).not.toContain("\n");
  });
});
