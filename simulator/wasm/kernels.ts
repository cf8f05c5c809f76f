// The population step's kernels in AssemblyScript with 128-bit SIMD (float64, two lanes); simulator/kernels.ts is their reference.
//
// Every pointer is a byte offset into the engine's memory; arrays are sample-major (b * n + i) like the reference.
// Each kernel adds in the reference's order, so it rounds as the reference does: a lane never sums what the
// reference sums in another order. The forward read puts samples in the lanes (each lane is one sample's
// in-order sum over j), reading each weight once per block of four samples; the transposed read and the outer
// product put consecutive columns j in the lanes, which the reference already adds element by element.

const LANES: i32 = 2;
/** samples per block of the forward read: two vectors */
const BLOCK: i32 = 4;

function at(base: usize, k: i32): usize {
  return base + ((<usize>k) << 3);
}

/**
 * out[b * outWidth + outFirst + i] += sum_j W[row0 + i, j] r[b * cols + j] over the block's columns, j in order.
 * `pack` is scratch of BLOCK * nCols values: the block's rates transposed (j-major), so one vector load gives
 * one column's rate of two samples.
 */
export function crossbarRead(
  B: i32,
  W: usize,
  cols: i32,
  r: usize,
  row0: i32,
  rows: i32,
  col0: i32,
  nCols: i32,
  out: usize,
  outWidth: i32,
  outFirst: i32,
  pack: usize,
): void {
  for (let b0 = 0; b0 < B; b0 += BLOCK) {
    const m = min(BLOCK, B - b0);
    // the block's rates, j-major; missing samples of a last partial block read zeros
    for (let j = 0; j < nCols; j++)
      for (let s = 0; s < BLOCK; s++)
        store<f64>(at(pack, j * BLOCK + s), s < m ? load<f64>(at(r, (b0 + s) * cols + col0 + j)) : 0);
    let i = 0;
    for (; i + 4 <= rows; i += 4) {
      const w0 = at(W, (row0 + i) * cols + col0),
        w1 = w0 + ((<usize>cols) << 3),
        w2 = w1 + ((<usize>cols) << 3),
        w3 = w2 + ((<usize>cols) << 3);
      let a0 = f64x2.splat(0),
        b0v = f64x2.splat(0),
        a1 = f64x2.splat(0),
        b1v = f64x2.splat(0),
        a2 = f64x2.splat(0),
        b2v = f64x2.splat(0),
        a3 = f64x2.splat(0),
        b3v = f64x2.splat(0);
      for (let j = 0; j < nCols; j++) {
        const p = pack + ((<usize>(j * BLOCK)) << 3);
        const x01 = v128.load(p),
          x23 = v128.load(p, 16);
        const o = (<usize>j) << 3;
        const v0 = f64x2.splat(load<f64>(w0 + o)),
          v1 = f64x2.splat(load<f64>(w1 + o)),
          v2 = f64x2.splat(load<f64>(w2 + o)),
          v3 = f64x2.splat(load<f64>(w3 + o));
        a0 = f64x2.add(a0, f64x2.mul(v0, x01));
        b0v = f64x2.add(b0v, f64x2.mul(v0, x23));
        a1 = f64x2.add(a1, f64x2.mul(v1, x01));
        b1v = f64x2.add(b1v, f64x2.mul(v1, x23));
        a2 = f64x2.add(a2, f64x2.mul(v2, x01));
        b2v = f64x2.add(b2v, f64x2.mul(v2, x23));
        a3 = f64x2.add(a3, f64x2.mul(v3, x01));
        b3v = f64x2.add(b3v, f64x2.mul(v3, x23));
      }
      addLanes(out, b0, m, outWidth, outFirst + i, a0, b0v);
      addLanes(out, b0, m, outWidth, outFirst + i + 1, a1, b1v);
      addLanes(out, b0, m, outWidth, outFirst + i + 2, a2, b2v);
      addLanes(out, b0, m, outWidth, outFirst + i + 3, a3, b3v);
    }
    for (; i < rows; i++) {
      const w0 = at(W, (row0 + i) * cols + col0);
      let a0 = f64x2.splat(0),
        b0v = f64x2.splat(0);
      for (let j = 0; j < nCols; j++) {
        const p = pack + ((<usize>(j * BLOCK)) << 3);
        const v0 = f64x2.splat(load<f64>(w0 + ((<usize>j) << 3)));
        a0 = f64x2.add(a0, f64x2.mul(v0, v128.load(p)));
        b0v = f64x2.add(b0v, f64x2.mul(v0, v128.load(p, 16)));
      }
      addLanes(out, b0, m, outWidth, outFirst + i, a0, b0v);
    }
  }
}

/** out[(b0 + s) * width + col] += lane s of (lo, hi), for the block's m samples. */
function addLanes(out: usize, b0: i32, m: i32, width: i32, col: i32, lo: v128, hi: v128): void {
  const p0 = at(out, b0 * width + col),
    step = (<usize>width) << 3;
  store<f64>(p0, load<f64>(p0) + f64x2.extract_lane(lo, 0));
  if (m > 1) store<f64>(p0 + step, load<f64>(p0 + step) + f64x2.extract_lane(lo, 1));
  if (m > 2) store<f64>(p0 + 2 * step, load<f64>(p0 + 2 * step) + f64x2.extract_lane(hi, 0));
  if (m > 3) store<f64>(p0 + 3 * step, load<f64>(p0 + 3 * step) + f64x2.extract_lane(hi, 1));
}

/**
 * out[b * outWidth + outFirst + (j - col0)] += sum_i F[i, j] e[b * postSize + i] over the block's rows in order,
 * skipping rows whose error is exactly 0 (as the reference does); columns in the lanes, four rows per pass.
 * `live` is scratch of `rows` i32 row indices.
 */
export function transposedRead(
  B: i32,
  F: usize,
  cols: i32,
  e: usize,
  postSize: i32,
  row0: i32,
  rows: i32,
  col0: i32,
  nCols: i32,
  out: usize,
  outWidth: i32,
  outFirst: i32,
  live: usize,
): void {
  let b = 0;
  while (b < B) {
    const eb = at(e, b * postSize),
      ob = at(out, b * outWidth + outFirst);
    // two samples with no zero error share each load of F (the rows they add are then the same, in order)
    if (b + 1 < B && dense(eb, row0, rows) && dense(eb + ((<usize>postSize) << 3), row0, rows)) {
      transposedPair(
        F,
        cols,
        eb,
        eb + ((<usize>postSize) << 3),
        row0,
        rows,
        col0,
        nCols,
        ob,
        ob + ((<usize>outWidth) << 3),
      );
      b += 2;
    } else {
      transposedSample(F, cols, eb, row0, rows, col0, nCols, ob, live);
      b++;
    }
  }
}

/** Whether no error in rows [row0, row0 + rows) of one sample is 0. */
function dense(eb: usize, row0: i32, rows: i32): bool {
  for (let i = row0; i < row0 + rows; i++) if (load<f64>(at(eb, i)) == 0) return false;
  return true;
}

/** The transposed read of two samples (a, b) whose errors are all non-zero: rows four at a time, in order. */
function transposedPair(
  F: usize,
  cols: i32,
  ea: usize,
  eb: usize,
  row0: i32,
  rows: i32,
  col0: i32,
  nCols: i32,
  oa: usize,
  ob: usize,
): void {
  const vEnd = nCols & ~(LANES - 1);
  let i = row0;
  for (; i + 4 <= row0 + rows; i += 4) {
    const a0 = load<f64>(at(ea, i)),
      a1 = load<f64>(at(ea, i + 1)),
      a2 = load<f64>(at(ea, i + 2)),
      a3 = load<f64>(at(ea, i + 3)),
      b0 = load<f64>(at(eb, i)),
      b1 = load<f64>(at(eb, i + 1)),
      b2 = load<f64>(at(eb, i + 2)),
      b3 = load<f64>(at(eb, i + 3));
    const va0 = f64x2.splat(a0),
      va1 = f64x2.splat(a1),
      va2 = f64x2.splat(a2),
      va3 = f64x2.splat(a3),
      vb0 = f64x2.splat(b0),
      vb1 = f64x2.splat(b1),
      vb2 = f64x2.splat(b2),
      vb3 = f64x2.splat(b3);
    const f0 = at(F, i * cols + col0),
      f1 = f0 + ((<usize>cols) << 3),
      f2 = f1 + ((<usize>cols) << 3),
      f3 = f2 + ((<usize>cols) << 3);
    let j = 0;
    for (; j < vEnd; j += LANES) {
      const o = (<usize>j) << 3;
      const w0 = v128.load(f0 + o),
        w1 = v128.load(f1 + o),
        w2 = v128.load(f2 + o),
        w3 = v128.load(f3 + o);
      let sa = v128.load(oa + o),
        sb = v128.load(ob + o);
      sa = f64x2.add(sa, f64x2.mul(w0, va0));
      sb = f64x2.add(sb, f64x2.mul(w0, vb0));
      sa = f64x2.add(sa, f64x2.mul(w1, va1));
      sb = f64x2.add(sb, f64x2.mul(w1, vb1));
      sa = f64x2.add(sa, f64x2.mul(w2, va2));
      sb = f64x2.add(sb, f64x2.mul(w2, vb2));
      sa = f64x2.add(sa, f64x2.mul(w3, va3));
      sb = f64x2.add(sb, f64x2.mul(w3, vb3));
      v128.store(oa + o, sa);
      v128.store(ob + o, sb);
    }
    for (; j < nCols; j++) {
      const o = (<usize>j) << 3;
      let sa = load<f64>(oa + o),
        sb = load<f64>(ob + o);
      const w0 = load<f64>(f0 + o),
        w1 = load<f64>(f1 + o),
        w2 = load<f64>(f2 + o),
        w3 = load<f64>(f3 + o);
      sa += w0 * a0;
      sb += w0 * b0;
      sa += w1 * a1;
      sb += w1 * b1;
      sa += w2 * a2;
      sb += w2 * b2;
      sa += w3 * a3;
      sb += w3 * b3;
      store<f64>(oa + o, sa);
      store<f64>(ob + o, sb);
    }
  }
  for (; i < row0 + rows; i++) {
    const a0 = load<f64>(at(ea, i)),
      b0 = load<f64>(at(eb, i)),
      va0 = f64x2.splat(a0),
      vb0 = f64x2.splat(b0),
      f0 = at(F, i * cols + col0);
    let j = 0;
    for (; j < vEnd; j += LANES) {
      const o = (<usize>j) << 3,
        w0 = v128.load(f0 + o);
      v128.store(oa + o, f64x2.add(v128.load(oa + o), f64x2.mul(w0, va0)));
      v128.store(ob + o, f64x2.add(v128.load(ob + o), f64x2.mul(w0, vb0)));
    }
    for (; j < nCols; j++) {
      const o = (<usize>j) << 3,
        w0 = load<f64>(f0 + o);
      store<f64>(oa + o, load<f64>(oa + o) + w0 * a0);
      store<f64>(ob + o, load<f64>(ob + o) + w0 * b0);
    }
  }
}

/** The transposed read of one sample: its rows with a non-zero error, four per pass over out. */
function transposedSample(
  F: usize,
  cols: i32,
  eb: usize,
  row0: i32,
  rows: i32,
  col0: i32,
  nCols: i32,
  ob: usize,
  live: usize,
): void {
  const vEnd = nCols & ~(LANES - 1);
  let m = 0;
  for (let i = row0; i < row0 + rows; i++)
    if (load<f64>(at(eb, i)) != 0) {
      store<i32>(live + ((<usize>m) << 2), i);
      m++;
    }
  let k = 0;
  for (; k + 4 <= m; k += 4) {
    const i0 = load<i32>(live + ((<usize>k) << 2)),
      i1 = load<i32>(live + ((<usize>(k + 1)) << 2)),
      i2 = load<i32>(live + ((<usize>(k + 2)) << 2)),
      i3 = load<i32>(live + ((<usize>(k + 3)) << 2));
    const e0 = load<f64>(at(eb, i0)),
      e1 = load<f64>(at(eb, i1)),
      e2 = load<f64>(at(eb, i2)),
      e3 = load<f64>(at(eb, i3));
    const v0 = f64x2.splat(e0),
      v1 = f64x2.splat(e1),
      v2 = f64x2.splat(e2),
      v3 = f64x2.splat(e3);
    const f0 = at(F, i0 * cols + col0),
      f1 = at(F, i1 * cols + col0),
      f2 = at(F, i2 * cols + col0),
      f3 = at(F, i3 * cols + col0);
    let j = 0;
    for (; j < vEnd; j += LANES) {
      const o = (<usize>j) << 3;
      let s = v128.load(ob + o);
      s = f64x2.add(s, f64x2.mul(v128.load(f0 + o), v0));
      s = f64x2.add(s, f64x2.mul(v128.load(f1 + o), v1));
      s = f64x2.add(s, f64x2.mul(v128.load(f2 + o), v2));
      s = f64x2.add(s, f64x2.mul(v128.load(f3 + o), v3));
      v128.store(ob + o, s);
    }
    for (; j < nCols; j++) {
      const o = (<usize>j) << 3;
      let s = load<f64>(ob + o);
      s += load<f64>(f0 + o) * e0;
      s += load<f64>(f1 + o) * e1;
      s += load<f64>(f2 + o) * e2;
      s += load<f64>(f3 + o) * e3;
      store<f64>(ob + o, s);
    }
  }
  for (; k < m; k++) {
    const i0 = load<i32>(live + ((<usize>k) << 2)),
      e0 = load<f64>(at(eb, i0)),
      v0 = f64x2.splat(e0),
      f0 = at(F, i0 * cols + col0);
    let j = 0;
    for (; j < vEnd; j += LANES) {
      const o = (<usize>j) << 3;
      v128.store(ob + o, f64x2.add(v128.load(ob + o), f64x2.mul(v128.load(f0 + o), v0)));
    }
    for (; j < nCols; j++) {
      const o = (<usize>j) << 3;
      store<f64>(ob + o, load<f64>(ob + o) + load<f64>(f0 + o) * e0);
    }
  }
}

/**
 * dW[i, j] += (1/B) sum_b e[b, i] r[b, j] over the block rows x cols of the n x cols matrix: per row the samples
 * with a non-zero scaled error, four per pass over the row, each element adding them in sample order; columns in
 * the lanes. `live` is scratch of B i32 sample indices.
 */
export function accumulateOuterProduct(
  B: i32,
  n: i32,
  cols: i32,
  e: usize,
  r: usize,
  dW: usize,
  row0: i32,
  rows: i32,
  col0: i32,
  nCols: i32,
  live: usize,
): void {
  const inv = 1 / <f64>B,
    vEnd = nCols & ~(LANES - 1);
  let i = row0;
  while (i < row0 + rows) {
    // two rows whose scaled errors are all non-zero share each load of r (the same samples, in order)
    if (i + 1 < row0 + rows && B % 4 == 0 && denseColumn(e, B, n, i, inv) && denseColumn(e, B, n, i + 1, inv)) {
      outerPair(B, n, cols, e, r, at(dW, i * cols + col0), i, col0, nCols, inv);
      i += 2;
      continue;
    }
    let m = 0;
    for (let b = 0; b < B; b++)
      if (load<f64>(at(e, b * n + i)) * inv != 0) {
        store<i32>(live + ((<usize>m) << 2), b);
        m++;
      }
    const wr = at(dW, i * cols + col0);
    let k = 0;
    for (; k + 4 <= m; k += 4) {
      const s0 = load<i32>(live + ((<usize>k) << 2)),
        s1 = load<i32>(live + ((<usize>(k + 1)) << 2)),
        s2 = load<i32>(live + ((<usize>(k + 2)) << 2)),
        s3 = load<i32>(live + ((<usize>(k + 3)) << 2));
      const e0 = load<f64>(at(e, s0 * n + i)) * inv,
        e1 = load<f64>(at(e, s1 * n + i)) * inv,
        e2 = load<f64>(at(e, s2 * n + i)) * inv,
        e3 = load<f64>(at(e, s3 * n + i)) * inv;
      const v0 = f64x2.splat(e0),
        v1 = f64x2.splat(e1),
        v2 = f64x2.splat(e2),
        v3 = f64x2.splat(e3);
      const q0 = at(r, s0 * cols + col0),
        q1 = at(r, s1 * cols + col0),
        q2 = at(r, s2 * cols + col0),
        q3 = at(r, s3 * cols + col0);
      let j = 0;
      for (; j < vEnd; j += LANES) {
        const o = (<usize>j) << 3;
        let w = v128.load(wr + o);
        w = f64x2.add(w, f64x2.mul(v0, v128.load(q0 + o)));
        w = f64x2.add(w, f64x2.mul(v1, v128.load(q1 + o)));
        w = f64x2.add(w, f64x2.mul(v2, v128.load(q2 + o)));
        w = f64x2.add(w, f64x2.mul(v3, v128.load(q3 + o)));
        v128.store(wr + o, w);
      }
      for (; j < nCols; j++) {
        const o = (<usize>j) << 3;
        let w = load<f64>(wr + o);
        w += e0 * load<f64>(q0 + o);
        w += e1 * load<f64>(q1 + o);
        w += e2 * load<f64>(q2 + o);
        w += e3 * load<f64>(q3 + o);
        store<f64>(wr + o, w);
      }
    }
    for (; k < m; k++) {
      const s0 = load<i32>(live + ((<usize>k) << 2)),
        e0 = load<f64>(at(e, s0 * n + i)) * inv,
        v0 = f64x2.splat(e0),
        q0 = at(r, s0 * cols + col0);
      let j = 0;
      for (; j < vEnd; j += LANES) {
        const o = (<usize>j) << 3;
        v128.store(wr + o, f64x2.add(v128.load(wr + o), f64x2.mul(v0, v128.load(q0 + o))));
      }
      for (; j < nCols; j++) {
        const o = (<usize>j) << 3;
        store<f64>(wr + o, load<f64>(wr + o) + e0 * load<f64>(q0 + o));
      }
    }
    i++;
  }
}

/** Whether no scaled error e[b, i] / B of column i is 0. */
function denseColumn(e: usize, B: i32, n: i32, i: i32, inv: f64): bool {
  for (let b = 0; b < B; b++) if (load<f64>(at(e, b * n + i)) * inv == 0) return false;
  return true;
}

/** The outer-product update of rows i and i + 1 (starting at dW row pointer w0), every sample, four per pass. */
function outerPair(
  B: i32,
  n: i32,
  cols: i32,
  e: usize,
  r: usize,
  w0: usize,
  i: i32,
  col0: i32,
  nCols: i32,
  inv: f64,
): void {
  const vEnd = nCols & ~(LANES - 1),
    w1 = w0 + ((<usize>cols) << 3);
  for (let b = 0; b < B; b += 4) {
    const a0 = load<f64>(at(e, b * n + i)) * inv,
      a1 = load<f64>(at(e, (b + 1) * n + i)) * inv,
      a2 = load<f64>(at(e, (b + 2) * n + i)) * inv,
      a3 = load<f64>(at(e, (b + 3) * n + i)) * inv,
      c0 = load<f64>(at(e, b * n + i + 1)) * inv,
      c1 = load<f64>(at(e, (b + 1) * n + i + 1)) * inv,
      c2 = load<f64>(at(e, (b + 2) * n + i + 1)) * inv,
      c3 = load<f64>(at(e, (b + 3) * n + i + 1)) * inv;
    const va0 = f64x2.splat(a0),
      va1 = f64x2.splat(a1),
      va2 = f64x2.splat(a2),
      va3 = f64x2.splat(a3),
      vc0 = f64x2.splat(c0),
      vc1 = f64x2.splat(c1),
      vc2 = f64x2.splat(c2),
      vc3 = f64x2.splat(c3);
    const q0 = at(r, b * cols + col0),
      q1 = q0 + ((<usize>cols) << 3),
      q2 = q1 + ((<usize>cols) << 3),
      q3 = q2 + ((<usize>cols) << 3);
    let j = 0;
    for (; j < vEnd; j += LANES) {
      const o = (<usize>j) << 3;
      const x0 = v128.load(q0 + o),
        x1 = v128.load(q1 + o),
        x2 = v128.load(q2 + o),
        x3 = v128.load(q3 + o);
      let u = v128.load(w0 + o),
        v = v128.load(w1 + o);
      u = f64x2.add(u, f64x2.mul(va0, x0));
      v = f64x2.add(v, f64x2.mul(vc0, x0));
      u = f64x2.add(u, f64x2.mul(va1, x1));
      v = f64x2.add(v, f64x2.mul(vc1, x1));
      u = f64x2.add(u, f64x2.mul(va2, x2));
      v = f64x2.add(v, f64x2.mul(vc2, x2));
      u = f64x2.add(u, f64x2.mul(va3, x3));
      v = f64x2.add(v, f64x2.mul(vc3, x3));
      v128.store(w0 + o, u);
      v128.store(w1 + o, v);
    }
    for (; j < nCols; j++) {
      const o = (<usize>j) << 3;
      const x0 = load<f64>(q0 + o),
        x1 = load<f64>(q1 + o),
        x2 = load<f64>(q2 + o),
        x3 = load<f64>(q3 + o);
      let u = load<f64>(w0 + o),
        v = load<f64>(w1 + o);
      u += a0 * x0;
      v += c0 * x0;
      u += a1 * x1;
      v += c1 * x1;
      u += a2 * x2;
      v += c2 * x2;
      u += a3 * x3;
      v += c3 * x3;
      store<f64>(w0 + o, u);
      store<f64>(w1 + o, v);
    }
  }
}

/** e: v' = v + dt (d - v) / tau_r, e = v + tau_m (d - v) / tau_r with d = phi' errorIn; without prospective errors v' = e = d. */
export function errorCellStep(
  B: i32,
  n: i32,
  dt: f64,
  prospective: bool,
  tauM: usize,
  tauR: usize,
  dphi: usize,
  errorIn: usize,
  v: usize,
  vNext: usize,
  eNext: usize,
): void {
  const vEnd = n & ~(LANES - 1),
    dtv = f64x2.splat(dt);
  for (let b = 0; b < B; b++) {
    const o = (<usize>(b * n)) << 3;
    let i = 0;
    for (; i < vEnd; i += LANES) {
      const k = o + ((<usize>i) << 3),
        t = (<usize>i) << 3;
      const d = f64x2.mul(v128.load(dphi + k), v128.load(errorIn + k));
      if (prospective) {
        const vk = v128.load(v + k),
          vdot = f64x2.div(f64x2.sub(d, vk), v128.load(tauR + t));
        v128.store(vNext + k, f64x2.add(vk, f64x2.mul(dtv, vdot)));
        v128.store(eNext + k, f64x2.add(vk, f64x2.mul(v128.load(tauM + t), vdot)));
      } else {
        v128.store(vNext + k, d);
        v128.store(eNext + k, d);
      }
    }
    for (; i < n; i++) {
      const k = o + ((<usize>i) << 3),
        t = (<usize>i) << 3;
      const d = load<f64>(dphi + k) * load<f64>(errorIn + k);
      if (prospective) {
        const vk = load<f64>(v + k),
          vdot = (d - vk) / load<f64>(tauR + t);
        store<f64>(vNext + k, vk + dt * vdot);
        store<f64>(eNext + k, vk + load<f64>(tauM + t) * vdot);
      } else {
        store<f64>(vNext + k, d);
        store<f64>(eNext + k, d);
      }
    }
  }
}

/** out[b, i] = bias[i] for every sample. */
export function fillBias(B: i32, n: i32, bias: usize, out: usize): void {
  for (let b = 0; b < B; b++) memory.copy(at(out, b * n), bias, (<usize>n) << 3);
}

// transfer functions, numbered by the host (simulator/wasm-kernels.ts transferCode)
const LINEAR: i32 = 0,
  TANH: i32 = 1,
  SOFTPLUS: i32 = 2,
  SIGMOID: i32 = 3,
  RELU: i32 = 4;

/**
 * exp(x) - 1 as fdlibm's s_expm1.c computes it (the port behind V8's Math.expm1; AssemblyScript's own follows
 * musl, which regroups the polynomial and rounds differently).
 */
function expm1(x: f64): f64 {
  const ln2Hi = 6.9314718036912381649e-1,
    ln2Lo = 1.90821492927058770002e-10,
    invln2 = 1.442695040888963387,
    Q1 = -3.33333333333331316428e-2,
    Q2 = 1.58730158725481460165e-3,
    Q3 = -7.93650757867487942473e-5,
    Q4 = 4.00821782732936239552e-6,
    Q5 = -2.01099218183624371326e-7;
  const bits = reinterpret<u64>(x),
    negative = bits >> 63 != 0,
    hx = <u32>(bits >> 32) & 0x7fffffff;
  if (hx >= 0x4043687a) {
    // |x| >= 56 ln2
    if (hx >= 0x40862e42) {
      if (x != x) return x;
      if (hx >= 0x7ff00000) return negative ? -1 : x;
      if (x > 7.09782712893383973096e2) return Infinity;
    }
    if (negative) return -1;
  }
  let k: i32 = 0,
    c: f64 = 0;
  if (hx > 0x3fd62e42) {
    // |x| > ln2 / 2: x = k ln2 + r
    let hi: f64, lo: f64;
    if (hx < 0x3ff0a2b2) {
      hi = negative ? x + ln2Hi : x - ln2Hi;
      lo = negative ? -ln2Lo : ln2Lo;
      k = negative ? -1 : 1;
    } else {
      k = <i32>(invln2 * x + (negative ? -0.5 : 0.5));
      const t = <f64>k;
      hi = x - t * ln2Hi;
      lo = t * ln2Lo;
    }
    x = hi - lo;
    c = hi - x - lo;
  } else if (hx < 0x3c900000) return x;
  const hfx = 0.5 * x,
    hxs = x * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  let t = 3 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6 - x * t));
  if (k == 0) return x - (x * e - hxs);
  const twopk = reinterpret<f64>((<u64>(0x3ff + k)) << 52);
  e = x * (e - c) - c;
  e -= hxs;
  if (k == -1) return 0.5 * (x - e) - 0.5;
  if (k == 1) return x < -0.25 ? -2 * (e - (x + 0.5)) : 1 + 2 * (x - e);
  let y: f64;
  if (k <= -2 || k > 56) {
    y = 1 - (e - x);
    y = k == 1024 ? y * 2 * 8.98846567431158e307 : y * twopk;
    return y - 1;
  }
  if (k < 20) {
    t = reinterpret<f64>((<u64>(0x3ff00000 - (0x200000 >> k))) << 32); // 1 - 2^-k
    y = (t - (e - x)) * twopk;
  } else {
    t = reinterpret<f64>((<u64>((0x3ff - k) << 20)) << 32); // 2^-k
    y = x - (e + t);
    y += 1;
    y = y * twopk;
  }
  return y;
}

/** tanh as fdlibm's s_tanh.c computes it (V8's Math.tanh), so rates round as in the reference kernels. */
function tanh(x: f64): f64 {
  const hx = <u32>(reinterpret<u64>(x) >> 32) & 0x7fffffff;
  if (hx >= 0x7ff00000) return x != x ? x : x > 0 ? 1 : -1;
  let z: f64;
  if (hx < 0x40360000) {
    // |x| < 22
    if (hx < 0x3e300000) return x; // |x| < 2^-28
    const a = Math.abs(x);
    if (hx >= 0x3ff00000) {
      z = 1 - 2 / (expm1(2 * a) + 2);
    } else {
      const t = expm1(-2 * a);
      z = -t / (t + 2);
    }
  } else z = 1;
  return x >= 0 ? z : -z;
}

// exp and log1p are the host's (Math.exp, Math.log1p), so softplus and sigmoid round as the reference's do
declare function exp(x: f64): f64;
declare function log1p(x: f64): f64;

function sigmoid(x: f64): f64 {
  return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
}

/**
 * du/dt = (I + gamma e - u) / tau_m, u' = u + dt du/dt, u~ = u + tau_r du/dt, r = phi(u~) and phi'(u~), from the
 * rate where exact. `e` is 0 for a population without an error current; I may be uProsp (read before written).
 */
export function membraneStep(
  B: i32,
  n: i32,
  dt: f64,
  tauM: usize,
  tauR: usize,
  phi: i32,
  I: usize,
  gamma: f64,
  e: usize,
  u: usize,
  uN: usize,
  udot: usize,
  uP: usize,
  rN: usize,
  dphiN: usize,
): void {
  const vEnd = n & ~(LANES - 1),
    dtv = f64x2.splat(dt),
    g = f64x2.splat(gamma);
  for (let b = 0; b < B; b++) {
    const o = (<usize>(b * n)) << 3;
    let i = 0;
    for (; i < vEnd; i += LANES) {
      const k = o + ((<usize>i) << 3),
        t = (<usize>i) << 3,
        uk = v128.load(u + k);
      let x = v128.load(I + k);
      if (e) x = f64x2.add(x, f64x2.mul(g, v128.load(e + k)));
      const du = f64x2.div(f64x2.sub(x, uk), v128.load(tauM + t));
      v128.store(udot + k, du);
      v128.store(uN + k, f64x2.add(uk, f64x2.mul(dtv, du)));
      v128.store(uP + k, f64x2.add(uk, f64x2.mul(v128.load(tauR + t), du)));
    }
    for (; i < n; i++) {
      const k = o + ((<usize>i) << 3),
        t = (<usize>i) << 3,
        uk = load<f64>(u + k);
      const du = (load<f64>(I + k) + (e ? gamma * load<f64>(e + k) : 0) - uk) / load<f64>(tauM + t);
      store<f64>(udot + k, du);
      store<f64>(uN + k, uk + dt * du);
      store<f64>(uP + k, uk + load<f64>(tauR + t) * du);
    }
  }
  const size = (<usize>(B * n)) << 3;
  for (let k: usize = 0; k < size; k += 8) {
    const x = load<f64>(uP + k);
    let r: f64, d: f64;
    if (phi == TANH) {
      r = tanh(x);
      d = 1 - r * r;
    } else if (phi == SIGMOID) {
      r = sigmoid(x);
      d = r * (1 - r);
    } else if (phi == SOFTPLUS) {
      r = x > 20 ? x : log1p(exp(x));
      d = sigmoid(x);
    } else if (phi == RELU) {
      r = x > 0 ? x : 0;
      d = x > 0 ? 1 : 0;
    } else {
      r = x;
      d = 1;
    }
    store<f64>(rN + k, r);
    store<f64>(dphiN + k, d);
  }
}

/** db[i] += (1/B) sum_b e[b, i], samples in order. */
export function accumulateBias(B: i32, n: i32, e: usize, db: usize): void {
  const inv = 1 / <f64>B;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < n; i++) {
      const t = at(db, i);
      store<f64>(t, load<f64>(t) + load<f64>(at(e, b * n + i)) * inv);
    }
}

/** dtau[i] -= (1/B) sum_b e[b, i] du/dt[b, i], samples in order. */
export function accumulateTau(B: i32, n: i32, e: usize, udot: usize, dtau: usize): void {
  const inv = 1 / <f64>B;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < n; i++) {
      const t = at(dtau, i),
        k = b * n + i;
      store<f64>(t, load<f64>(t) - load<f64>(at(e, k)) * load<f64>(at(udot, k)) * inv);
    }
}

/** SGD: x = max(floor, x + rate delta); delta = 0. `scalars`: rate, floor. */
export function applySgd(count: i32, values: usize, delta: usize, scalars: usize): void {
  const rate = load<f64>(scalars),
    floor = load<f64>(scalars, 8);
  for (let k = 0; k < count; k++) {
    const x = load<f64>(at(values, k)) + rate * load<f64>(at(delta, k));
    store<f64>(at(values, k), x < floor ? floor : x);
    store<f64>(at(delta, k), 0);
  }
}

/**
 * Adam (torch semantics) on g = -delta; delta = 0. `scalars`: rate, floor, beta1, beta2, epsilon and the bias
 * corrections 1 - beta1^t and sqrt(1 - beta2^t) (numbers in memory: passing them as arguments would box them in JS).
 */
export function applyAdam(count: i32, values: usize, delta: usize, m: usize, s: usize, scalars: usize): void {
  const rate = load<f64>(scalars),
    floor = load<f64>(scalars, 8),
    b1 = load<f64>(scalars, 16),
    b2 = load<f64>(scalars, 24),
    eps = load<f64>(scalars, 32),
    c1 = load<f64>(scalars, 40),
    c2Sqrt = load<f64>(scalars, 48);
  for (let k = 0; k < count; k++) {
    const g = -load<f64>(at(delta, k));
    const mk = b1 * load<f64>(at(m, k)) + (1 - b1) * g;
    const sk = b2 * load<f64>(at(s, k)) + (1 - b2) * g * g;
    store<f64>(at(m, k), mk);
    store<f64>(at(s, k), sk);
    const x = load<f64>(at(values, k)) + ((-rate / c1) * mk) / (Math.sqrt(sk) / c2Sqrt + eps);
    store<f64>(at(values, k), x < floor ? floor : x);
    store<f64>(at(delta, k), 0);
  }
}
