// The set of kernels a population step runs on: the plain TypeScript ones (the reference) or a faster set with the same signatures.
import * as reference from "./kernels.js";

export interface Kernels {
  errorCellStep: typeof reference.errorCellStep;
  fillBias: typeof reference.fillBias;
  membraneStep: typeof reference.membraneStep;
  crossbarRead: typeof reference.crossbarRead;
  transposedRead: typeof reference.transposedRead;
  accumulateOuterProduct: typeof reference.accumulateOuterProduct;
  accumulateBias: typeof reference.accumulateBias;
  accumulateTau: typeof reference.accumulateTau;
}

export const referenceKernels: Kernels = reference;
