/**
 * @module A MariaDB CHECK clause, as `information_schema.CHECK_CONSTRAINTS` prints it, as a DuckDB
 * expression, so that raw rows can be held to MySQL's constraints before they are loaded. MariaDB prints
 * `a = 'x' = (b = 'y')`, which MySQL reads as `(a = 'x') = (b = 'y')` and DuckDB refuses, so the clause is
 * parsed with MySQL's precedence and written back with every operation in parentheses.
 */
import { sqlText } from "../../lib/duckdb.ts";

type Token = { kind: "name" | "column" | "string" | "number" | "op"; text: string };

const OPERATORS = ["<=>", "<>", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", "!"];
const COMPARISONS: Record<string, string> = { "=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "<=>": "IS NOT DISTINCT FROM" };
/** MySQL's binding powers, loosest first; operators of one level associate to the left. */
const POWER: Record<string, number> = { or: 1, and: 2, comparison: 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6 };
/** `NOT` binds looser than a comparison; `!` (MariaDB prints NOT so) and unary minus bind tighter than `*`. */
const NOT_POWER = 3;
const UNARY_POWER = 7;
/** MySQL's backslash escapes in a string literal (MariaDB prints `'it\'s'`). */
const ESCAPES: Record<string, string> = { "0": "\0", n: "\n", r: "\r", t: "\t", b: "\b", Z: "\x1a" };
const own = (table: object, key: string) => Object.hasOwn(table, key);

function tokenize(clause: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < clause.length) {
    const rest = clause.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const column = /^`((?:[^`]|``)*)`/.exec(rest);
    // MySQL 8 prints a string with its character set: _utf8mb4'physical'.
    const string = /^(?:_[A-Za-z0-9]+)?'((?:[^'\\]|''|\\.)*)'/.exec(rest);
    const number = /^\d+(?:\.\d+)?/.exec(rest);
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (column) tokens.push({ kind: "column", text: column[1].replaceAll("``", "`") });
    else if (string) tokens.push({ kind: "string", text: string[1].replace(/''|\\(.)/g, (_, c: string | undefined) => (c === undefined ? "'" : own(ESCAPES, c) ? ESCAPES[c] : c)) });
    else if (number) tokens.push({ kind: "number", text: number[0] });
    else if (name) tokens.push({ kind: "name", text: name[0].toLowerCase() });
    else if (op) tokens.push({ kind: "op", text: op });
    else throw new Error(`CHECK clause ${clause}: cannot read it from "${rest}"`);
    i += (column ?? string ?? number ?? name)?.[0].length ?? op!.length;
  }
  return tokens;
}

/**
 * The clause as a DuckDB expression; `column` gives the expression each column reference becomes
 * (a quoted name, or a cast to the value MySQL would store).
 */
export function checkClauseToDuckDB(clause: string, column: (name: string) => string): string {
  const tokens = tokenize(clause);
  let at = 0;
  const peek = () => tokens[at];
  const fail = (what: string): never => {
    throw new Error(`CHECK clause ${clause}: ${what} at token ${at + 1} (${peek()?.text ?? "end"})`);
  };
  const take = (text?: string) => {
    const token = tokens[at];
    if (!token || (text !== undefined && token.text !== text)) fail(`expected ${text ?? "more"}`);
    at++;
    return token;
  };
  const is = (text: string) => peek()?.text === text && peek()?.kind !== "string" && peek()?.kind !== "column";

  function operand(): string {
    const token = take();
    if (token.kind === "column") return column(token.text);
    if (token.kind === "string") return sqlText(token.text);
    if (token.kind === "number") return token.text;
    if (token.text === "(") {
      const inner = expression(0);
      take(")");
      return inner;
    }
    if (token.text === "-") return `(-${expression(UNARY_POWER)})`;
    if (token.text === "!") return `(NOT ${expression(UNARY_POWER)})`;
    if (token.text === "not") return `(NOT ${expression(NOT_POWER)})`;
    if (token.text === "null" || token.text === "true" || token.text === "false") return token.text.toUpperCase();
    if (token.kind === "name" && is("(")) {
      take("(");
      const args: string[] = [];
      while (!is(")")) {
        args.push(expression(0));
        if (!is(")")) take(",");
      }
      take(")");
      return `${token.text}(${args.join(", ")})`;
    }
    return fail("unexpected token");
  }

  function expression(min: number): string {
    let left = operand();
    for (;;) {
      const token = peek();
      if (!token || token.kind === "string" || token.kind === "column") return left;
      const op = token.text;
      const power = own(COMPARISONS, op) || ["is", "between", "in", "not"].includes(op) ? POWER.comparison : own(POWER, op) ? POWER[op] : undefined;
      if (power === undefined || power <= min) return left;
      take();
      if (own(COMPARISONS, op)) left = `(${left} ${COMPARISONS[op]} ${expression(power)})`;
      else if (op === "is") {
        const negated = is("not") ? (take(), "NOT ") : "";
        const what = take().text;
        if (!["null", "true", "false"].includes(what)) fail("expected NULL, TRUE or FALSE after IS");
        left = `(${left} IS ${negated}${what.toUpperCase()})`;
      } else if (op === "between" || op === "not" || op === "in") {
        const negated = op === "not" ? "NOT " : "";
        const what = op === "not" ? take().text : op;
        if (what === "between") {
          const low = expression(POWER.comparison);
          take("and");
          left = `(${left} ${negated}BETWEEN ${low} AND ${expression(POWER.comparison)})`;
        } else if (what === "in") {
          take("(");
          const items = [expression(0)];
          while (is(",")) items.push((take(), expression(0)));
          take(")");
          left = `(${left} ${negated}IN (${items.join(", ")}))`;
        } else fail("expected BETWEEN or IN after NOT");
      } else left = `(${left} ${op.toUpperCase()} ${expression(power)})`;
    }
  }

  const result = expression(0);
  if (at < tokens.length) fail("unexpected token");
  return result;
}
