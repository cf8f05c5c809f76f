import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/index.js";
import { readStimulus } from "../../simulator/stimulus.js";
import { exportTask } from "./export.js";
import { createTask } from "./index.js";

describe("exportTask", () => {
  const dir = mkdtempSync(join(tmpdir(), "vle-task-export-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes tables that vle simulate reads back as the task's sequences, targets only where the mask is on", () => {
    const circuit = compileFile("examples/delayed-xor.yaml");
    const task = createTask("delayed-xor", { seed: 3, circuit });
    const out = exportTask(task, circuit, "test", 2, 3, join(dir, "x.csv"), join(dir, "y.csv"));
    expect(out).toMatchObject({ sequences: 3, steps: task.steps });
    const input = readStimulus(out.input, circuit, "input");
    const target = readStimulus(out.target, circuit, "target");
    expect(input.samples).toBe(3);
    expect(target.steps).toEqual([task.steps, task.steps, task.steps]);
    for (let k = 0; k < 3; k++) {
      const seq = task.test.sequence(2 + k);
      const rows = (g: { values: Float64Array; size: number }) =>
        g.values.subarray(input.offsets[k] * g.size, (input.offsets[k] + task.steps) * g.size);
      expect(Array.from(rows(input.groups[0]))).toEqual(Array.from(seq.input));
      const present = target.groups[0].present.subarray(target.offsets[k], target.offsets[k] + task.steps);
      expect(Array.from(present)).toEqual(Array.from(seq.mask));
      const y = rows(target.groups[0]);
      for (let s = 0; s < task.steps; s++)
        if (seq.mask[s])
          for (let c = 0; c < task.outputChannels; c++)
            expect(y[s * task.outputChannels + c]).toBe(seq.target[s * task.outputChannels + c]);
    }
  });
});
