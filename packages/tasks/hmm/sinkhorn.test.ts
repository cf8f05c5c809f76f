import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Random } from "../../../circuits/random.js";
import { entropicTransport, sinkhornDivergence, type Cloud } from "./sinkhorn.js";

const cloud = (random: Random, count: number, dim: number, shift = 0): Cloud => {
  const points = new Float64Array(count * dim);
  for (let k = 0; k < points.length; k++) points[k] = random.normal() + shift;
  return { points, count, dim };
};

/** Debian's python3 with POT (python3-pot), the independent solver; the pyenv python on PATH lacks it. */
const python = "/usr/bin/python3";
const hasPot =
  existsSync(python) &&
  (() => {
    try {
      execFileSync(python, ["-c", "import ot"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

describe("Sinkhorn divergence", () => {
  it.skipIf(!hasPot)("matches POT's log-domain Sinkhorn: plan and entropic value (python3-pot)", () => {
    const random = new Random(4);
    const x = cloud(random, 7, 3),
      y = cloud(random, 5, 3, 0.5);
    for (const eps of [0.3, 1]) {
      const ours = entropicTransport(x, y, eps, 1e-13);
      const script = `
import json, sys, numpy as np, ot
d = json.load(sys.stdin)
x = np.array(d["x"]).reshape(7, 3); y = np.array(d["y"]).reshape(5, 3)
C = ot.dist(x, y, metric="sqeuclidean") / 2
a = np.full(7, 1 / 7); b = np.full(5, 1 / 5)
P = ot.sinkhorn(a, b, C, d["eps"], method="sinkhorn_log", numItermax=100000, stopThr=1e-13)
value = (P * C).sum() + d["eps"] * (P * np.log(P / np.outer(a, b))).sum()
print(json.dumps({"plan": P.ravel().tolist(), "value": value}))`;
      const pot = JSON.parse(
        execFileSync(python, ["-c", script], {
          input: JSON.stringify({ x: [...x.points], y: [...y.points], eps }),
        }).toString(),
      );
      ours.plan.forEach((p, k) => expect(p).toBeCloseTo(pot.plan[k], 10));
      expect(ours.value).toBeCloseTo(pot.value, 9);
    }
  });

  it("is zero between a cloud and itself and grows as clouds move apart", () => {
    const random = new Random(2);
    const x = cloud(random, 20, 4);
    expect(Math.abs(sinkhornDivergence(x, x, 0.5).value)).toBeLessThan(1e-9);
    const near = sinkhornDivergence(x, cloud(random, 20, 4, 0.2), 0.5).value,
      far = sinkhornDivergence(x, cloud(random, 20, 4, 1.5), 0.5).value;
    expect(near).toBeGreaterThan(0);
    expect(far).toBeGreaterThan(near);
  });

  it("has the gradient finite differences give", () => {
    const random = new Random(9);
    const x = cloud(random, 6, 2),
      y = cloud(random, 8, 2, 0.7),
      eps = 0.5,
      h = 1e-5;
    const { gradient } = sinkhornDivergence(x, y, eps, 1e-13);
    for (let k = 0; k < x.points.length; k++) {
      const at = (v: number) => {
        const p = Float64Array.from(x.points);
        p[k] = v;
        return sinkhornDivergence({ ...x, points: p }, y, eps, 1e-13).value;
      };
      const fd = (at(x.points[k] + h) - at(x.points[k] - h)) / (2 * h);
      expect(gradient[k]).toBeCloseTo(fd, 7);
    }
  });
});
