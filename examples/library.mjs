// vle as a library: compile a description, train it on a task, score it, price the training run, verify it.
// Run it after `npm run build` with `node examples/library.mjs [trained.json]` (in a project that installed vle, the
// import below works the same).
import { fileURLToPath } from "node:url";
import { compile, energy, evaluate, save, train, verify } from "vle";

const example = (name) => fileURLToPath(new URL(name, import.meta.url));

// 1. compile: the lagline teacher-student chain, and the same network for the analog-65nm chip
const ideal = compile(example("lagline.yaml"));
const chip = compile(example("lagline.yaml"), { chip: "analog-65nm" });
console.log(`compiled '${ideal.name}': ${ideal.populations.length} populations, ${ideal.crossbars.length} crossbars`);

// 2. train: two epochs of the lagline task with the circuit's own rule (VLE)
const { summary, circuit: trained } = await train(ideal, { task: "lagline", epochs: 2 });
console.log(`trained ${summary.epochs} epochs: test MSE ${summary.initial.testMse.toExponential(2)} -> ${summary.final.testMse.toExponential(2)}`);
const file = process.argv[2] ?? "lagline-trained.json";
save(file, trained);

// 3. evaluate: the saved circuit on the task's test set, learning off
const scored = await evaluate(file, { task: "lagline" });
console.log(`evaluated ${file}: test MSE ${scored.metrics.testMse.toExponential(2)}`);

// 4. energy: on-chip learning of the task against BPTT on a digital accelerator
const doc = energy(chip, { task: "lagline", vs: "bptt" });
const bptt = doc.vs.bptt.fp32.perSample.energy;
console.log(
  `energy per training sample on ${doc.card.name}: ${doc.perSample.energy.toExponential(3)} J (BPTT fp32: ${bptt.toExponential(3)} J)`,
);

// 5. verify: two properties, a few random cases each
const report = verify(example("lagline.yaml"), { properties: ["bounded", "deterministic"], runs: 5, outDir: "." });
for (const r of report.results) console.log(`verify ${r.property}: ${r.status}`);
if (!report.passed) process.exitCode = 1;
