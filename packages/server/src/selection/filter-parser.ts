// The device filter parser (grammar in docs/filters.md): text from an operator → a typed `DeviceFilter`, or a
// `FilterSyntaxError` naming the position and what was expected there. Total (ARCHITECTURE.md invariant 3): it
// never throws, and it bounds the input's length, nesting and term count, so no text can exhaust the stack or
// build a query too large for the database.
import { err, ok, type Result } from "@omadm/protocol";
import { DEVICE_STATES, DEVINFO_FIELDS, type DeviceFilter, type TimeBound, type TimeOp } from "./filter-ast.js";
import type { DeviceState } from "../store/types.js";

export const FILTER_MAX_LENGTH = 4096;
export const FILTER_MAX_DEPTH = 32;
export const FILTER_MAX_TERMS = 64;

export interface FilterSyntaxError {
  /** 0-based character offset into the filter text. */
  readonly position: number;
  /** What the parser expected there, e.g. `an operator (=, !=)`. */
  readonly expected: string;
  /** One line for a person: position, expectation and what was found. */
  readonly message: string;
}

const WORD_CHAR = /[A-Za-z0-9_.:/+@-]/;
const DURATION = /^(\d{1,7})(s|m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const FIELDS = new Map<string, (typeof DEVINFO_FIELDS)[number]>(DEVINFO_FIELDS.map((f) => [f.toLowerCase(), f]));
const NAMED = ["state", "lastContact", "id", ...DEVINFO_FIELDS];

/** Unwinds the descent to `parseFilter`, which returns its error; never escapes this module. */
class Stop extends Error {
  readonly error: FilterSyntaxError;
  constructor(error: FilterSyntaxError) {
    super(error.message);
    this.error = error;
  }
}

/** Parses filter text; never throws. */
export function parseFilter(text: string): Result<DeviceFilter, FilterSyntaxError> {
  if (text.length > FILTER_MAX_LENGTH) {
    return err(fail(FILTER_MAX_LENGTH, `at most ${FILTER_MAX_LENGTH} characters`, "more"));
  }
  const p = new Parser(text);
  try {
    p.space();
    if (p.atEnd()) throw p.stop("a filter term");
    const filter = p.or(0);
    p.space();
    if (!p.atEnd()) throw p.stop('"and", "or" or the end of the filter');
    return ok(filter);
  } catch (e) {
    if (e instanceof Stop) return err(e.error);
    throw e;
  }
}

function fail(position: number, expected: string, found: string): FilterSyntaxError {
  return { position, expected, message: `filter: at position ${position}: expected ${expected}, found ${found}` };
}

class Parser {
  #pos = 0;
  #terms = 0;
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  atEnd(): boolean {
    return this.#pos >= this.text.length;
  }

  space(): void {
    while (/\s/.test(this.text.charAt(this.#pos))) this.#pos++;
  }

  stop(expected: string, at = this.#pos): Stop {
    const rest = this.text.slice(at);
    const found = rest.length === 0 ? "the end" : JSON.stringify(rest.length > 20 ? `${rest.slice(0, 20)}…` : rest);
    return new Stop(fail(at, expected, found));
  }

  /** A keyword (case-insensitive) followed by something that cannot continue a word. */
  keyword(word: string): boolean {
    const end = this.#pos + word.length;
    if (this.text.slice(this.#pos, end).toLowerCase() !== word) return false;
    if (WORD_CHAR.test(this.text.charAt(end)) || this.text.charAt(end) === '"') return false;
    this.#pos = end;
    return true;
  }

  or(depth: number): DeviceFilter {
    const items = [this.and(depth)];
    for (;;) {
      this.space();
      if (!this.keyword("or")) break;
      this.space();
      items.push(this.and(depth));
    }
    return items.length === 1 ? (items[0] as DeviceFilter) : { kind: "or", items };
  }

  and(depth: number): DeviceFilter {
    const items = [this.unary(depth)];
    for (;;) {
      const save = this.#pos;
      this.space();
      if (!this.keyword("and")) {
        this.#pos = save;
        break;
      }
      this.space();
      items.push(this.unary(depth));
    }
    return items.length === 1 ? (items[0] as DeviceFilter) : { kind: "and", items };
  }

  unary(depth: number): DeviceFilter {
    if (depth >= FILTER_MAX_DEPTH) throw this.stop(`at most ${FILTER_MAX_DEPTH} levels of "not" and parentheses`);
    if (this.keyword("not")) {
      this.space();
      return { kind: "not", item: this.unary(depth + 1) };
    }
    if (this.text.charAt(this.#pos) === "(") {
      this.#pos++;
      this.space();
      const inner = this.or(depth + 1);
      this.space();
      if (this.text.charAt(this.#pos) !== ")") throw this.stop('")", "and" or "or"');
      this.#pos++;
      return inner;
    }
    if (++this.#terms > FILTER_MAX_TERMS) throw this.stop(`at most ${FILTER_MAX_TERMS} terms`);
    return this.term();
  }

  /** A run of word characters (may be empty). */
  word(): string {
    const start = this.#pos;
    while (WORD_CHAR.test(this.text.charAt(this.#pos))) this.#pos++;
    return this.text.slice(start, this.#pos);
  }

  /** A bare word or a double-quoted string with \" and \\ escapes. */
  value(what: string): string {
    if (this.text.charAt(this.#pos) !== '"') {
      const start = this.#pos;
      const w = this.word();
      if (w.length === 0) throw this.stop(what, start);
      return w;
    }
    const start = this.#pos++;
    let out = "";
    for (;;) {
      const c = this.text.charAt(this.#pos);
      if (c === "") throw this.stop('a closing "', start);
      // Control characters (NUL above all, which PostgreSQL text cannot hold) are in no label, DevInfo or MOID.
      if (c < " ") throw this.stop('a printable character or a closing "', this.#pos);
      this.#pos++;
      if (c === '"') return out;
      if (c === "\\") {
        const next = this.text.charAt(this.#pos);
        if (next !== '"' && next !== "\\") throw this.stop('\\" or \\\\ after a backslash', this.#pos);
        this.#pos++;
        out += next;
      } else {
        out += c;
      }
    }
  }

  /** `=`/`!=` (and `<`, `<=`, `>`, `>=` when `ordered`), with optional space around. */
  op(ordered: boolean, after: string): string {
    this.space();
    const two = this.text.slice(this.#pos, this.#pos + 2);
    const one = this.text.charAt(this.#pos);
    // Two-character operators first, so that "<=" is not read as "<".
    const allowed = ordered ? ["<=", ">=", "<", ">"] : ["!=", "="];
    const found = allowed.find((o) => (o.length === 2 ? two === o : one === o));
    if (found === undefined) {
      throw this.stop(`an operator (${ordered ? "<, <=, >, >=" : "=, !="}) after ${after}`);
    }
    this.#pos += found.length;
    this.space();
    return found;
  }

  term(): DeviceFilter {
    const start = this.#pos;
    if (this.text.startsWith("label:", start)) {
      this.#pos += 6;
      const name = this.value("a label name after label:");
      const save = this.#pos;
      this.space();
      const c = this.text.charAt(this.#pos);
      if (c !== "=" && !(c === "!" && this.text.charAt(this.#pos + 1) === "=")) {
        this.#pos = save;
        return { kind: "label", name };
      }
      const op = this.op(false, `label:${name}`);
      const value = this.value(`a value for label ${name}`);
      return negate(op, { kind: "label", name, value });
    }
    if (this.text.startsWith("mo:", start)) {
      this.#pos += 3;
      return { kind: "mo", moid: this.value("a MOID after mo:, e.g. urn:oma:mo:oma-dm-devinfo:1.2") };
    }
    const name = this.word();
    if (name.length === 0) throw this.stop('a filter term (label:…, mo:…, a field, "not" or "(")', start);
    if (name === "lastContact") {
      const op = this.op(true, "lastContact") as TimeOp;
      const at = this.#pos;
      return { kind: "lastContact", op, bound: this.timeBound(this.value("an age (7d) or a date"), at) };
    }
    const field = name === "state" || name === "id" ? name : FIELDS.get(name.toLowerCase());
    if (field === undefined) {
      throw this.stop(`a field (${NAMED.join(", ")}), label:NAME or mo:MOID`, start);
    }
    const op = this.op(false, name);
    const at = this.#pos;
    const value = this.value(`a value for ${name}`);
    if (field === "state") {
      if (!DEVICE_STATES.includes(value as DeviceState)) throw this.stop(`a state (${DEVICE_STATES.join(", ")})`, at);
      return negate(op, { kind: "state", state: value as DeviceState });
    }
    if (field === "id") return negate(op, { kind: "id", id: value });
    return negate(op, { kind: "devinfo", field, value });
  }

  timeBound(text: string, at: number): TimeBound {
    const d = DURATION.exec(text);
    if (d !== null) return { ago: Number(d[1]) * (UNIT_MS[d[2] as string] as number), text };
    const ms = DATE.test(text) ? Date.parse(text) : NaN;
    if (Number.isNaN(ms)) {
      throw this.stop("an age (a number and s, m, h, d or w, e.g. 7d) or a date (2026-01-01, 2026-01-01T12:00Z)", at);
    }
    return { at: ms, text };
  }
}

function negate(op: string, term: DeviceFilter): DeviceFilter {
  return op === "!=" ? { kind: "not", item: term } : term;
}
