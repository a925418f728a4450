import type { ArithmeticOp, ComparisonOp, Node } from './ast.js';
import type { SelectorSubject } from './subject.js';
import { and3, normalize, not3, type Truth, truthOf, type Value } from './values.js';

// The tree is turned into closures once, so evaluating a message is plain function calls
// with no allocation, no string building and no RegExp compilation.

export type Condition = (subject: SelectorSubject) => Truth;
type Operand = (subject: SelectorSubject) => Value;

export function compileCondition(node: Node): Condition {
  switch (node.kind) {
    case 'and': {
      const operands = node.operands.map(compileCondition);
      return (s) => {
        let unknown = false;
        for (let i = 0; i < operands.length; i++) {
          const value = operands[i]!(s);
          if (value === false) return false;
          if (value === null) unknown = true;
        }
        return unknown ? null : true;
      };
    }
    case 'or': {
      const operands = node.operands.map(compileCondition);
      return (s) => {
        let unknown = false;
        for (let i = 0; i < operands.length; i++) {
          const value = operands[i]!(s);
          if (value === true) return true;
          if (value === null) unknown = true;
        }
        return unknown ? null : false;
      };
    }
    case 'not': {
      const operand = compileCondition(node.operand);
      return (s) => not3(operand(s));
    }
    case 'comparison':
      return compileComparison(node.op, compileOperand(node.left), compileOperand(node.right));
    case 'between':
      return negatedIf(
        node.negated,
        compileBetween(compileOperand(node.value), compileOperand(node.low), compileOperand(node.high)),
      );
    case 'like': {
      const value = compileOperand(node.value);
      const match = node.match;
      return negatedIf(node.negated, (s) => {
        const v = value(s);
        return typeof v === 'string' ? match(v) : null;
      });
    }
    case 'in': {
      const value = compileOperand(node.value);
      const members: ReadonlySet<string> = new Set(node.list);
      return negatedIf(node.negated, (s) => {
        const v = value(s);
        return typeof v === 'string' ? members.has(v) : null;
      });
    }
    case 'isNull': {
      const value = compileOperand(node.value);
      return node.negated ? (s) => value(s) !== null : (s) => value(s) === null;
    }
    default: {
      // Boolean literals, NULL and identifiers holding booleans.
      const value = compileOperand(node);
      return (s) => truthOf(value(s));
    }
  }
}

function compileOperand(node: Node): Operand {
  switch (node.kind) {
    case 'literal': {
      const constant = node.value;
      return () => constant;
    }
    case 'identifier': {
      const name = node.name;
      return (s) => normalize(s.lookup(name));
    }
    case 'sign': {
      const operand = compileOperand(node.operand);
      const negate = node.op === '-';
      return (s) => {
        const v = operand(s);
        if (typeof v !== 'number') return null;
        return negate ? -v : v;
      };
    }
    case 'arithmetic':
      return compileArithmetic(node.op, compileOperand(node.left), compileOperand(node.right));
    default:
      // A parenthesised condition compared with '=' / '<>'.
      return compileCondition(node);
  }
}

function negatedIf(negated: boolean, condition: Condition): Condition {
  return negated ? (s) => not3(condition(s)) : condition;
}

function compileComparison(op: ComparisonOp, left: Operand, right: Operand): Condition {
  switch (op) {
    case '=':
      return (s) => equals(left(s), right(s));
    case '<>':
      return (s) => not3(equals(left(s), right(s)));
    case '<':
      return (s) => {
        const l = left(s),
          r = right(s);
        return typeof l === 'number' && typeof r === 'number' ? l < r : null;
      };
    case '<=':
      return (s) => {
        const l = left(s),
          r = right(s);
        return typeof l === 'number' && typeof r === 'number' ? l <= r : null;
      };
    case '>':
      return (s) => {
        const l = left(s),
          r = right(s);
        return typeof l === 'number' && typeof r === 'number' ? l > r : null;
      };
    default:
      return (s) => {
        const l = left(s),
          r = right(s);
        return typeof l === 'number' && typeof r === 'number' ? l >= r : null;
      };
  }
}

/** Only like types compare; anything else (including NULL) is UNKNOWN. */
function equals(l: Value, r: Value): Truth {
  if (l === null || r === null || typeof l === 'symbol' || typeof l !== typeof r) return null;
  return l === r;
}

function compileBetween(value: Operand, low: Operand, high: Operand): Condition {
  // Same truth table as "value >= low AND value <= high", so a missing bound can still give FALSE.
  return (s) => {
    const v = value(s),
      lo = low(s),
      hi = high(s);
    if (typeof v !== 'number') return null;
    return and3(typeof lo === 'number' ? v >= lo : null, typeof hi === 'number' ? v <= hi : null);
  };
}

function compileArithmetic(op: ArithmeticOp, left: Operand, right: Operand): Operand {
  switch (op) {
    case '+':
      return (s) => {
        const l = left(s),
          r = right(s);
        return typeof l === 'number' && typeof r === 'number' ? l + r : null;
      };
    case '-':
      return (s) => {
        const l = left(s),
          r = right(s);
        return typeof l === 'number' && typeof r === 'number' ? l - r : null;
      };
    case '*':
      return (s) => {
        const l = left(s),
          r = right(s);
        return typeof l === 'number' && typeof r === 'number' ? l * r : null;
      };
    default:
      return (s) => {
        const l = left(s),
          r = right(s);
        // Division by zero is UNKNOWN rather than an exception or Infinity.
        return typeof l === 'number' && typeof r === 'number' && r !== 0 ? l / r : null;
      };
  }
}
