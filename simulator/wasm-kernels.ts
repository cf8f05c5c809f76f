// The WebAssembly SIMD kernel set: one module instance per engine over a memory that holds the engine's arrays.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Phi } from "../circuits/model.js";
import type { Kernels } from "./kernel-set.js";

/** The compiled module's exports (simulator/wasm/kernels.ts); pointers are byte offsets. */
interface Exports {
  crossbarRead(...args: number[]): void;
  transposedRead(...args: number[]): void;
  accumulateOuterProduct(...args: number[]): void;
  errorCellStep(B: number, n: number, dt: number, prospective: number, ...ptrs: number[]): void;
  fillBias(B: number, n: number, bias: number, out: number): void;
  membraneStep(...args: number[]): void;
  accumulateBias(B: number, n: number, e: number, db: number): void;
  accumulateTau(B: number, n: number, e: number, udot: number, dtau: number): void;
  applySgd(count: number, values: number, delta: number, scalars: number): void;
  applyAdam(count: number, values: number, delta: number, m: number, s: number, scalars: number): void;
}

const wasmPath = ["simulator", "wasm", "build", "kernels.wasm"];

/** The module, compiled once per process from the nearest simulator/wasm/build above this file (source or dist). */
let compiled: WebAssembly.Module | undefined;
function kernelModule(): WebAssembly.Module {
  if (compiled) return compiled;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, ...wasmPath);
    if (existsSync(file)) return (compiled = new WebAssembly.Module(readFileSync(file)));
    if (dirname(dir) === dir)
      throw new Error(`the WebAssembly kernels are not built (no ${wasmPath.join("/")}); run npm run build`);
  }
}

/** The kernels' own numbers of the transfer functions (simulator/wasm/kernels.ts), independent of the IR's enum. */
function transferCode(phi: Phi): number {
  switch (phi) {
    case Phi.LINEAR:
      return 0;
    case Phi.TANH:
      return 1;
    case Phi.SOFTPLUS:
      return 2;
    case Phi.SIGMOID:
      return 3;
    case Phi.RELU:
      return 4;
    default:
      throw new Error(`membraneStep: transfer function ${phi} has no kernel`);
  }
}

/** Bytes below this offset belong to the module's own data (its math tables); the arena starts above. */
const RESERVED = 65536;
const PAGE = 65536;

/**
 * A fixed-size memory for an engine's arrays and the module instance that computes on it. The engine lists its
 * arrays once (`adopt` copies each into the memory, keeping arrays that were one array one array); after that the
 * kernels run in WebAssembly whenever every array they touch lives here, and fall back to the reference otherwise.
 */
export class KernelArena {
  readonly memory: WebAssembly.Memory;
  readonly exports: Exports;
  private readonly buffer: ArrayBufferLike;
  private top = RESERVED;
  private readonly moved = new Map<Float64Array, Float64Array>();

  /** `bytes`: the arrays' total size (each rounds up to 16 bytes) */
  constructor(bytes: number) {
    const pages = Math.ceil((RESERVED + bytes) / PAGE);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.exports = new WebAssembly.Instance(kernelModule(), {
      env: { memory: this.memory },
      kernels: { exp: Math.exp, log1p: Math.log1p },
    }).exports as unknown as Exports;
    this.buffer = this.memory.buffer;
  }

  /** Bytes an array takes in an arena. */
  static size(length: number, bytesPerElement = 8): number {
    return Math.ceil((length * bytesPerElement) / 16) * 16;
  }

  private take(bytes: number): number {
    const at = this.top;
    this.top += KernelArena.size(bytes, 1);
    if (this.top > this.buffer.byteLength)
      throw new Error(`kernel arena overflow: ${this.top} > ${this.buffer.byteLength}`);
    return at;
  }

  f64(length: number): Float64Array {
    return new Float64Array(this.buffer, this.take(length * 8), length);
  }

  i32(length: number): Int32Array {
    return new Int32Array(this.buffer, this.take(length * 4), length);
  }

  /** The arena's copy of a (the same copy for the same array). */
  adopt(a: Float64Array): Float64Array {
    let copy = this.moved.get(a);
    if (!copy) {
      copy = this.f64(a.length);
      copy.set(a);
      this.moved.set(a, copy);
    }
    return copy;
  }

  owns(a: ArrayBufferView): boolean {
    return a.buffer === this.buffer;
  }
}

/**
 * Kernels over an arena; every array passed must live in it (the engine moved all of its arrays there). `maxCols`
 * and `maxLive` bound the crossbars' columns and the larger of batch and rows (the reads' scratch). No checks per
 * call: a wrapper this small is inlined where it is called, so numbers reach WebAssembly without being boxed.
 */
export function wasmKernels(arena: KernelArena, maxCols: number, maxLive: number): Kernels {
  const x = arena.exports,
    pack = arena.f64(4 * maxCols).byteOffset,
    live = arena.i32(maxLive).byteOffset;
  return {
    crossbarRead: (B, W, cols, r, row0, rows, col0, nCols, out, outWidth, outFirst) =>
      x.crossbarRead(
        B,
        W.byteOffset,
        cols,
        r.byteOffset,
        row0,
        rows,
        col0,
        nCols,
        out.byteOffset,
        outWidth,
        outFirst,
        pack,
      ),
    transposedRead: (B, F, cols, e, postSize, row0, rows, col0, nCols, out, outWidth, outFirst) =>
      x.transposedRead(
        B,
        F.byteOffset,
        cols,
        e.byteOffset,
        postSize,
        row0,
        rows,
        col0,
        nCols,
        out.byteOffset,
        outWidth,
        outFirst,
        live,
      ),
    accumulateOuterProduct: (B, n, cols, e, r, dW, row0 = 0, rows = n, col0 = 0, nCols = cols) =>
      x.accumulateOuterProduct(B, n, cols, e.byteOffset, r.byteOffset, dW.byteOffset, row0, rows, col0, nCols, live),
    errorCellStep: (size, n, dt, prospective, tauM, tauR, dphi, errorIn, v, vNext, eNext) =>
      x.errorCellStep(
        size / n,
        n,
        dt,
        prospective ? 1 : 0,
        tauM.byteOffset,
        tauR.byteOffset,
        dphi.byteOffset,
        errorIn.byteOffset,
        v.byteOffset,
        vNext.byteOffset,
        eNext.byteOffset,
      ),
    fillBias: (B, n, bias, out) => x.fillBias(B, n, bias.byteOffset, out.byteOffset),
    membraneStep: (size, n, dt, tauM, tauR, phi, I, gamma, e, u, out) =>
      x.membraneStep(
        size / n,
        n,
        dt,
        tauM.byteOffset,
        tauR.byteOffset,
        transferCode(phi),
        I.byteOffset,
        gamma,
        e ? e.byteOffset : 0,
        u.byteOffset,
        out.u.byteOffset,
        out.udot.byteOffset,
        out.uProsp.byteOffset,
        out.r.byteOffset,
        out.dphi.byteOffset,
      ),
    accumulateBias: (size, n, B, e, db) => x.accumulateBias(B, n, e.byteOffset, db.byteOffset),
    accumulateTau: (size, n, B, e, udot, dtau) => x.accumulateTau(B, n, e.byteOffset, udot.byteOffset, dtau.byteOffset),
  };
}
