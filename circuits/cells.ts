// The cell library: transfer functions phi of leaky-integrator cells and their derivatives.
import { Phi } from "./model.js";

export interface Transfer {
  phi(x: number): number;
  dphi(x: number): number;
}

// linear above 20, as torch.nn.Softplus (the GLE reference) does
export const softplus = (x: number) => (x > 20 ? x : Math.log1p(Math.exp(x)));
export const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** The validator rejects PHI_UNSPECIFIED, so only an unvalidated circuit reaches this. */
const undeclared = () => {
  throw new Error("phi is PHI_UNSPECIFIED: validate the circuit before running it");
};

export const transfers: Record<Phi, Transfer> = {
  [Phi.PHI_UNSPECIFIED]: { phi: undeclared, dphi: undeclared },
  [Phi.LINEAR]: { phi: (x) => x, dphi: () => 1 },
  [Phi.TANH]: {
    phi: Math.tanh,
    dphi: (x) => {
      const t = Math.tanh(x);
      return 1 - t * t;
    },
  },
  [Phi.SOFTPLUS]: { phi: softplus, dphi: sigmoid },
  [Phi.SIGMOID]: {
    phi: sigmoid,
    dphi: (x) => {
      const s = sigmoid(x);
      return s * (1 - s);
    },
  },
  [Phi.RELU]: { phi: (x) => (x > 0 ? x : 0), dphi: (x) => (x > 0 ? 1 : 0) },
};
