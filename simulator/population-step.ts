// One population's step of the reference discretization (design section 2), written once for ideal and hardware mode.
//
// Per population, from the state at t (p.now) into p.next:
//   d   = phi'(u~(t)) * (back-projected errors of t + output error)          the error arriving (route.error)
//   v'  = v + dt (d - v) / tau_r,  e = v + tau_m (d - v) / tau_r              the error cell
//   I   = bias + sum_j W_ij r_j(t)                                             the synaptic input (route.input)
//   du  = (I + gamma e - u) / tau_m,  u' = u + dt du,  u~' = u + tau_r du,  r' = phi(u~'),  phi'(u~')
// and the local rule: dW += e r_pre(t)^T, db += e, dtau_m -= e du (batch means, applied by the optimizer).
//
// Where the signals come from is a route (ideal: crossbar reads of the state at t; hardware: the registers its
// pipeline filled). What a chip adds is a set of optional effects, each called at one point of the step:
//   timeConstants  the time constants this step integrates with (hardware: programmed x mismatch factor; the
//                  error cell's may differ from the membrane's, being devices of their own)
//   inputOffset    added to I after the bias (hardware: per-cell offsets)
//   errorCell      after the error cell wrote v', e (hardware: thermal noise on v)
//   membrane       after u', u~', r', phi' were written (hardware: noise, rails, gain)
// With no effects the step is exactly design section 2; the hardware engine with every effect off equals the ideal one.
import type { PopulationState } from "./state.js";
import type { Kernels } from "./kernel-set.js";

/** Where a population's error and synaptic input come from this step. */
export interface PopulationRoute {
  /** adds the error arriving at p (before phi') into d (B x n, zeroed by the caller) */
  error(p: PopulationState, d: Float64Array): void;
  /** adds the synaptic input sum_j W_ij r_j into I (B x n, holding the bias) */
  input(p: PopulationState, I: Float64Array): void;
}

/** A chip's effects on the step; every member optional (absent: ideal). */
export interface PopulationEffects {
  timeConstants?(p: PopulationState): {
    tauM: Float64Array;
    tauR: Float64Array;
    errorTauM?: Float64Array;
    errorTauR?: Float64Array;
  };
  inputOffset?(p: PopulationState, I: Float64Array): void;
  errorCell?(p: PopulationState, tauR: Float64Array): void;
  membrane?(p: PopulationState, tauM: Float64Array): void;
}

/** No effects: the ideal step (one object, so a call allocates nothing). */
const ideal: PopulationEffects = {};

export interface StepContext {
  readonly batch: number;
  readonly dt: number;
  readonly prospectiveErrors: boolean;
  kernels: Kernels;
}

/** Advances p one step dt from p.now into p.next. */
export function stepPopulation(
  ctx: StepContext,
  p: PopulationState,
  route: PopulationRoute,
  effects: PopulationEffects = ideal,
): void {
  const { batch: B, dt, kernels: k } = ctx,
    n = p.size,
    now = p.now,
    next = p.next;
  const taus = effects.timeConstants ? effects.timeConstants(p) : p;
  const { tauM, tauR } = taus;
  if (p.learns) {
    const d = p.errorIn;
    d.fill(0);
    route.error(p, d);
    const eTauM = ("errorTauM" in taus && taus.errorTauM) || tauM,
      eTauR = ("errorTauR" in taus && taus.errorTauR) || tauR;
    k.errorCellStep(B * n, n, dt, ctx.prospectiveErrors, eTauM, eTauR, now.dphi, d, now.v, next.v, next.e);
    effects.errorCell?.(p, eTauR);
  }
  // the synaptic input is summed in next.uProsp, which the membrane step reads before it writes it
  const I = next.uProsp;
  k.fillBias(B, n, p.bias, I);
  effects.inputOffset?.(p, I);
  route.input(p, I);
  k.membraneStep(B * n, n, dt, tauM, tauR, p.spec.phi, I, p.gamma, p.learns ? next.e : undefined, now.u, next);
  effects.membrane?.(p, tauM);
}

/** Adds the weight update of p's afferent crossbar xi (its post errors e times the pre rates it read) into weightDelta. */
export type SynapseUpdate = (p: PopulationState, e: Float64Array, weightDelta: Float64Array, xi: number) => void;

/**
 * The local rule's updates of p after its step: each plastic afferent crossbar through `synapses` (ideal: e_post
 * r_pre(t)^T), a learned feedback matrix the same as its weights, bias e, tau_m -e du/dt; batch means.
 */
export function accumulateLocalUpdates(
  ctx: StepContext,
  p: PopulationState,
  synapses: SynapseUpdate,
  eSynapse: Float64Array = p.next.e,
): void {
  const B = ctx.batch,
    n = p.size,
    e = p.next.e;
  for (let xi = 0; xi < p.afferent.length; xi++) {
    const x = p.afferent[xi];
    if (!x.weightParam) continue;
    synapses(p, eSynapse, x.weightParam.delta, xi);
    if (x.feedbackParam) x.feedbackParam.delta.set(x.weightParam.delta);
  }
  if (p.biasParam) ctx.kernels.accumulateBias(B * n, n, B, e, p.biasParam.delta);
  if (p.tauParam) ctx.kernels.accumulateTau(B * n, n, B, e, p.next.udot, p.tauParam.delta);
}
