// The circuit's hardware section, assembled from what the hardware passes decided (target, grids, layout, routes, timing).
import { completeHardware } from "../circuits/hardware.js";
import { PlasticityMode, type Circuit, type Hardware, type Route } from "../circuits/model.js";
import type { Grids, Layout, Timing } from "./stages.js";
import type { Target } from "./target.js";

/** Boltzmann constant (exact in SI since 2019). */
const BOLTZMANN = 1.380649e-23;

/** Stationary kT/C noise of an integrator capacitor, in model units of u. */
export function thermalStd(target: Target): number {
  return (
    Math.sqrt((target.noise.excess * BOLTZMANN * target.physical.temperature) / target.physical.cM) /
    target.physical.vUnit
  );
}

/** The chip of `c` as the IR describes it. */
export function assembleChip(
  c: Circuit,
  target: Target,
  grids: Grids,
  layout: Layout,
  routes: Route[],
  timing: Timing,
): Hardware {
  const cells = c.inputs.reduce((a, p) => a + p.size, 0) + c.populations.reduce((a, p) => a + p.size, 0);
  return completeHardware({
    card: target.card.name,
    clockHz: target.clockHz,
    acceleration: timing.acceleration,
    seed: target.seed,
    effects: {
      weightQuantization: target.effects.weights,
      dacQuantization: target.effects.dac,
      adcQuantization: target.effects.adc,
      railSaturation: target.effects.rails,
      thermalNoise: target.effects.noise,
      mismatch: target.effects.mismatch,
      drift: target.effects.drift,
      plasticitySchedule: target.effects.schedule,
      latency: target.effects.latency,
      plasticityCircuit: target.effects.plasticity,
    },
    physical: {
      cMF: target.physical.cM,
      gLS: timing.gLS,
      vUnitV: target.physical.vUnit,
      railLoV: -target.physical.supply / 2,
      railHiV: target.physical.supply / 2,
      vddV: target.physical.supply,
      iUnitA: timing.iUnitA,
      iBiasA: timing.iBiasA,
      temperatureK: target.physical.temperature,
    },
    // a packet carries one converted value and the address of its destination cell
    noc: {
      width: layout.width,
      height: layout.height,
      cyclesPerHop: target.cyclesPerHop,
      packetBits: target.adc.bits + Math.ceil(Math.log2(Math.max(2, cells))),
    },
    cores: layout.cores,
    placements: [...layout.inputs, ...layout.neurons],
    tiles: layout.tiles,
    routes,
    dac: { bits: target.dac.bits, conversionCycles: target.dac.cycles },
    adc: { bits: target.adc.bits, conversionCycles: target.adc.cycles },
    ranges: grids.ranges,
    weights: grids.weights,
    plasticity: {
      mode: target.plasticity.every > 1 ? PlasticityMode.EVERY_K : PlasticityMode.CONTINUOUS,
      everyK: target.plasticity.every,
      writeCycles: target.plasticity.writeCycles,
      rule: target.plasticity.rule,
      // by default wide enough to hold an update 2^8 times finer than a weight level
      accumulatorBits: target.plasticity.accumulatorBits || target.weights.bits + 8,
      roundingBits: target.plasticity.roundingBits,
      ternaryThreshold: target.plasticity.ternaryThreshold,
    },
    noise: target.noise.thermal
      ? {
          membraneStd: thermalStd(target),
          errorStd: thermalStd(target),
          otaExcessFactor: target.noise.excess,
          flickerStd: target.noise.flicker,
        }
      : {
          membraneStd: target.noise.membrane,
          errorStd: target.noise.error,
          otaExcessFactor: 0,
          flickerStd: target.noise.flicker,
        },
    mismatch: {
      tauRelStd: target.mismatch.tau,
      gainRelStd: target.mismatch.gain,
      offsetStd: target.mismatch.offset,
      synapseGainRelStd: target.mismatch.synapse,
      stuckOffProb: target.mismatch.stuckOff,
      errorTauRelStd: target.mismatch.errorTau,
      dacGainRelStd: target.mismatch.dacGain,
      dacOffsetLsbStd: target.mismatch.dacOffset,
      adcGainRelStd: target.mismatch.adcGain,
      adcOffsetLsbStd: target.mismatch.adcOffset,
    },
    pipeline: { crossbarSettleCycles: target.pipeline.settle, integrateCycles: target.pipeline.integrate },
  } as Hardware);
}
