// Quantities and expressions in descriptions ("10 ms", "2*dt", "0.9/sqrt(32)"), evaluated by mathjs in a restricted scope.
import type { MathNode, Unit } from "mathjs";
import { math } from "../circuits/mathjs.js";

/** A value in an expression: a plain number or a quantity with a unit. */
export type Value = number | Unit;

/** What expressions may reference: dt, the description's constants, and which unit model time is in. */
export interface Scope {
  /** the unit of dt ("us"), which all times are converted to; undefined when dt is a plain number */
  timeUnit?: string;
  values: Map<string, Value>;
}

/** Thrown for a bad expression; the caller adds the file, line and field. */
export class QuantityError extends Error {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(problem);
  }
}

const functions = new Set([
  "sqrt",
  "exp",
  "log",
  "log10",
  "log2",
  "abs",
  "min",
  "max",
  "pow",
  "sin",
  "cos",
  "tan",
  "tanh",
  "floor",
  "ceil",
  "round",
]);
const operators = new Set(["add", "subtract", "multiply", "divide", "pow", "unaryMinus", "unaryPlus"]);
const mathConstants = new Set(["pi", "e"]);
const allowed = `numbers, units, + - * / ^, parentheses, dt, constants, pi, e and ${[...functions].join(", ")}`;

/** Whether `name` is a unit mathjs knows ("ms", "MHz", "pF"). */
export function isUnitName(name: string): boolean {
  return math().Unit.isValuelessUnit(name);
}

/** Whether a value carries a unit. */
export function isQuantity(value: Value): value is Unit {
  return typeof value !== "number";
}

/** Whether a quantity is a time. */
export function isTime(value: Unit): boolean {
  return value.equalBase(new (math().Unit)(1, "s"));
}

const plainNumber = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Rejects everything but arithmetic on numbers, units and named values, so descriptions cannot run code. */
function checkNode(node: MathNode, scope: Scope, text: string): void {
  node.traverse((n, _path, parent) => {
    switch (n.type) {
      case "ConstantNode":
        if (typeof (n as unknown as { value: unknown }).value !== "number")
          throw new QuantityError(`'${text}' contains a non-numeric literal`, `use only ${allowed}`);
        return;
      case "ParenthesisNode":
        return;
      case "OperatorNode": {
        const fn = (n as unknown as { fn: string }).fn;
        if (!operators.has(fn))
          throw new QuantityError(
            `'${text}': operator '${(n as unknown as { op: string }).op}' is not allowed`,
            `use only ${allowed}`,
          );
        return;
      }
      case "FunctionNode": {
        const name = (n as unknown as { fn: { name?: string } }).fn.name ?? "";
        if (!functions.has(name))
          throw new QuantityError(`'${text}': function '${name}' is not allowed`, `use only ${allowed}`);
        return;
      }
      case "SymbolNode": {
        const name = (n as unknown as { name: string }).name;
        if (parent?.type === "FunctionNode" && (parent as unknown as { fn: MathNode }).fn === n) return;
        if (scope.values.has(name) || mathConstants.has(name) || isUnitName(name)) return;
        const names = [...scope.values.keys()].join(", ");
        throw new QuantityError(
          `'${text}': unknown unit or name '${name}'`,
          `use a unit such as ms, us or Hz, or one of: ${names}${names ? ", " : ""}pi, e`,
        );
      }
      default:
        throw new QuantityError(
          `'${text}': ${n.type.replace(/Node$/, "").toLowerCase()} expressions are not allowed`,
          `use only ${allowed}`,
        );
    }
  });
}

/** Evaluates a number or an expression string to a number or a quantity. */
export function evaluate(raw: number | string, scope: Scope): Value {
  if (typeof raw === "number") return raw;
  // the micro sign (U+00B5) and Greek mu (U+03BC) as people type them ("10 µs"): mathjs spells the prefix "u"
  const text = raw.trim().replace(/[\u00b5\u03bc]/g, "u");
  if (text === "")
    throw new QuantityError("the value is an empty string", "write a number or an expression such as '2*dt'");
  if (plainNumber.test(text)) return Number(text);
  let node: MathNode;
  try {
    node = math().parse(text);
  } catch (err) {
    throw new QuantityError(`'${text}' is not a valid expression (${(err as Error).message})`, `use ${allowed}`);
  }
  checkNode(node, scope, text);
  let value: unknown;
  try {
    value = node.compile().evaluate(new Map(scope.values));
  } catch (err) {
    throw new QuantityError(
      `'${text}' cannot be evaluated (${(err as Error).message})`,
      "check the units: only like quantities add, and times need dt to have a unit",
    );
  }
  if (typeof value === "number") return value;
  if (math().isUnit(value)) return value;
  throw new QuantityError(`'${text}' does not evaluate to a number or a quantity`, `use ${allowed}`);
}

/** A dimensionless number: plain numbers pass, quantities are refused. */
export function toPlain(value: Value, text: string): number {
  if (typeof value === "number") return value;
  throw new QuantityError(
    `'${text}' has unit ${value.formatUnits()} but this field is a plain number`,
    "remove the unit",
  );
}

/** Seconds in one `unit` (dt's unit, such as "ms"): the circuit's time base. */
export function unitSeconds(unit: string): number {
  return new (math().Unit)(1, unit).toNumber("s");
}

/** A time in model time units: plain numbers already are; quantities convert to dt's unit. */
export function toModelTime(value: Value, text: string, scope: Scope): number {
  if (typeof value === "number") return value;
  if (!isTime(value))
    throw new QuantityError(
      `'${text}' has unit ${value.formatUnits()}, which is not a time`,
      "give a time such as '10 ms' or a plain number of model time units",
    );
  if (scope.timeUnit === undefined)
    throw new QuantityError(
      `'${text}' has a unit but dt is a plain number, so the model time unit is undefined`,
      "give dt a unit (e.g. dt: 10 us) or write this time as a plain number",
    );
  return convert(value, scope.timeUnit);
}

/** A quantity in `unit` (e.g. "Hz", "pF"); plain numbers are taken as already in `unit`. For sections beyond the network (hardware). */
export function toUnit(value: Value, text: string, unit: string): number {
  if (typeof value === "number") return value;
  const target = new (math().Unit)(1, unit);
  if (!value.equalBase(target))
    throw new QuantityError(
      `'${text}' has unit ${value.formatUnits()}, expected a quantity like ${unit}`,
      `give the value in ${unit} or a compatible unit`,
    );
  // mathjs converts only to a unit without a number: "1/s" is written "s^-1"
  return convert(value, target.formatUnits());
}

/** Converts through mathjs, then rounds to 15 significant digits: removes binary artefacts of the SI scaling ("1 ms" in us is 1000, not 1000.0000000000001). */
function convert(value: Unit, unit: string): number {
  return Number(value.toNumber(unit).toPrecision(15));
}
