// fast-check generator of valid circuits (every one passes validate), for property tests of the codec, the simulator and verify.
import fc from "fast-check";
import { Feedback, IR_VERSION, Loss, Optimizer, Phi, Rule, type Circuit, type Crossbar } from "../../circuits/model.js";
import { MAX_SIZE } from "../../circuits/limits.js";

/** An enum's declared values (never its *_UNSPECIFIED zero). */
const enumValues = (e: Record<string, string | number>) =>
  Object.values(e).filter((v): v is number => typeof v === "number" && v !== 0);
/** Finite doubles without -0, which JSON (and so a .json circuit file) cannot carry. */
const real = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((x) => (x === 0 ? 0 : x));
const values = (n: number, min: number, max: number) => fc.array(real(min, max), { minLength: n, maxLength: n });
/** Records as plain objects (fast-check's default null prototype would differ from decoded circuits). */
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { noNullPrototype: true });
/** A declared [lo, hi] (lo < hi) or none (undefined): input ranges. */
const interval = fc.option(
  fc
    .tuple(real(-100, 100), real(-100, 100))
    .filter(([a, b]) => a !== b)
    .map(([a, b]) => (a < b ? [a, b] : [b, a])),
  { nil: undefined },
);
/** Declared rails around the rest state 0, or none. */
const rails = fc.option(
  fc.tuple(real(-100, 0), real(0, 100)).filter(([a, b]) => a < b),
  { nil: undefined },
);
/** An optional field as decoding gives it: the key only where the value is declared. */
const declared = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });
/** Element names: a unique prefix per index and kind, then any text of the IR's safe name set (circuits/limits.ts). */
const named = (prefix: string, i: number) =>
  fc.stringMatching(/^[A-Za-z0-9_.-]{0,6}$/).map((s) => `${prefix}${i}_${s}`);

export interface CircuitLimits {
  maxInputs?: number;
  maxPopulations?: number;
  maxSize?: number;
  maxCrossbars?: number;
}

/** Valid ideal circuits (no hardware section), in the complete form decoding produces. */
export function arbitraryCircuit(limits: CircuitLimits = {}): fc.Arbitrary<Circuit> {
  const { maxInputs = 2, maxPopulations = 4, maxSize = 5, maxCrossbars = 5 } = limits;
  const dt = real(1e-4, 1);
  const shape = record({
    dt,
    inputSizes: fc.array(fc.integer({ min: 1, max: maxSize }), { maxLength: maxInputs }),
    populationSizes: fc.array(fc.integer({ min: 1, max: maxSize }), { minLength: 1, maxLength: maxPopulations }),
  });
  return shape.chain(({ dt, inputSizes, populationSizes }) => {
    const inputs = fc.tuple(
      ...inputSizes.map((size, i) =>
        fc
          .tuple(named("in", i), interval)
          .map(([name, range]) => ({ name, size, ...declared("lo", range?.[0]), ...declared("hi", range?.[1]) })),
      ),
    );
    const populations = fc.tuple(
      ...populationSizes.map((size, i) =>
        record({
          name: named("pop", i),
          size: fc.constant(size),
          tauM: values(size, dt, dt * 1000),
          tauR: values(size, dt, dt * 1000),
          bias: values(size, -10, 10),
          phi: fc.constantFrom(...(enumValues(Phi) as Phi[])),
          plasticBias: fc.boolean(),
          plasticTauM: fc.boolean(),
        }),
      ),
    );
    const hasError = fc.array(fc.boolean(), { minLength: populationSizes.length, maxLength: populationSizes.length });
    return fc.tuple(inputs, populations, hasError).chain(([inputs, populations, hasError]) => {
      const errorPopulations = populations.flatMap((p, i) =>
        hasError[i] ? [{ name: `err${i}_${p.name}`, population: p.name }] : [],
      );
      const errorCurrents = fc
        .tuple(
          ...errorPopulations.map((e) =>
            fc
              .option(real(-5, 5), { nil: undefined })
              .map((gamma) =>
                gamma === undefined ? undefined : { errorPopulation: e.name, population: e.population, gamma },
              ),
          ),
        )
        .map((links) => links.filter((l) => l !== undefined));
      const sources = [
        ...inputs.map((p) => ({ name: p.name, size: p.size, input: true })),
        ...populations.map((p) => ({ name: p.name, size: p.size, input: false })),
      ];
      const learns = new Set(errorPopulations.map((e) => e.population));
      const crossbar = (k: number) =>
        record({ pre: fc.constantFrom(...sources), post: fc.constantFrom(...populations) }).chain(({ pre, post }) => {
          const n = post.size * pre.size;
          const feedbacks = pre.input ? [Feedback.NO_FEEDBACK] : (enumValues(Feedback) as Feedback[]);
          return record({
            name: named("x", k),
            pre: fc.constant(pre.name),
            post: fc.constant(post.name),
            rows: fc.constant(post.size),
            cols: fc.constant(pre.size),
            weights: values(n, -10, 10),
            plastic: learns.has(post.name) ? fc.boolean() : fc.constant(false),
            feedback: fc.constantFrom(...feedbacks),
          }).chain((x) => {
            const own = x.feedback === Feedback.RANDOM || x.feedback === Feedback.LEARNED;
            return (own ? values(n, -10, 10) : fc.constant([] as number[])).map(
              (feedbackWeights): Crossbar => ({ ...x, feedbackWeights }),
            );
          });
        });
      const crossbars = fc
        .integer({ min: 0, max: maxCrossbars })
        .chain((m) => fc.tuple(...Array.from({ length: m }, (_, k) => crossbar(k))));
      const outputs = fc.subarray(populations).chain((outs) =>
        fc.tuple(
          ...outs.map((p, k) =>
            record({
              name: named("out", k),
              population: fc.constant(p.name),
              loss: p.phi === Phi.LINEAR ? fc.constantFrom(Loss.MSE, Loss.CROSS_ENTROPY) : fc.constant(Loss.MSE),
              beta: real(0, 10),
            }).chain((o) =>
              fc
                .option(real(0, 1), { nil: undefined })
                .map((tolerance) => ({ ...o, ...declared("tolerance", tolerance) })),
            ),
          ),
        ),
      );
      const learning = record({
        rule: fc.constantFrom(...(enumValues(Rule) as Rule[])),
        optimizer: fc.constantFrom(...(enumValues(Optimizer) as Optimizer[])),
      }).chain(({ rule, optimizer }) =>
        record({
          rule: fc.constant(rule),
          eta: real(0, 1),
          etaTau: real(0, 1),
          prospectiveErrors: fc.boolean(),
          optimizer: fc.constant(optimizer),
          adamBeta1: real(0, 0.999),
          adamBeta2: real(0, 0.9999),
          adamEpsilon: real(1e-12, 1e-3),
          window: rule === Rule.TBPTT ? fc.integer({ min: 1, max: 1000 }) : fc.integer({ min: 0, max: MAX_SIZE }),
        }),
      );
      const provenance = record({
        source: fc.string(),
        sourceSha256: fc.stringMatching(/^[0-9a-f]{64}$/),
        compilerVersion: fc.string({ maxLength: 12 }),
        cardSha256: fc.constantFrom("", "0".repeat(64)),
      });
      return fc
        .tuple(
          errorCurrents,
          crossbars,
          outputs,
          learning,
          provenance,
          fc.stringMatching(/^([A-Za-z0-9_][A-Za-z0-9_.-]{0,11})?$/),
          rails,
          fc.option(fc.constantFrom(1, 1e-3, 1e-6, 2.5e-5), { nil: undefined }),
        )
        .chain(([errorCurrents, crossbars, outputs, learning, provenance, name, railPair, timeUnitS]) => {
          const outputNames = new Set(outputs.map((o) => o.population));
          const targets = populations.filter((p) => learns.has(p.name));
          const broadcasts =
            outputs.length === 0 || targets.length === 0
              ? fc.constant([] as Circuit["broadcasts"])
              : fc.array(
                  record({
                    from: fc.constantFrom(...populations.filter((p) => outputNames.has(p.name))),
                    to: fc.constantFrom(...targets),
                  }).chain(({ from, to }) =>
                    values(to.size * from.size, -10, 10).map((weights) => ({ from: from.name, to: to.name, weights })),
                  ),
                  { maxLength: 3 },
                );
          return broadcasts.map(
            (broadcasts): Circuit => ({
              version: IR_VERSION,
              name,
              dt,
              inputs,
              populations,
              errorPopulations,
              errorCurrents,
              crossbars,
              broadcasts,
              outputs,
              learning,
              provenance,
              ...declared("railLo", railPair?.[0]),
              ...declared("railHi", railPair?.[1]),
              ...declared("timeUnitS", timeUnitS),
              hardware: null,
            }),
          );
        });
    });
  });
}
