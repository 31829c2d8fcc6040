// Finds where and why a JSON text is invalid (RFC 8259 grammar). Only called after JSON.parse refused the text,
// because V8's messages vary between versions and some carry no position; an error that names the offending
// offset is what a peer's developer needs. A flat state machine with an explicit stack: no input can exhaust
// the call stack.

export interface JsonSyntaxLocation {
  readonly position: number;
  readonly reason: string;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

const Expect = {
  Value: 0, // any value
  ValueOrClose: 1, // first element of an array, or "]"
  KeyOrClose: 2, // first member of an object, or "}"
  Key: 3, // a member name after ","
  After: 4, // "," or the container's closing bracket, or end of text at top level
} as const;
type Expect = (typeof Expect)[keyof typeof Expect];

/** Where `text` stops being JSON. For valid JSON returns position = text.length, reason "no error found". */
export function locateJsonSyntaxError(text: string): JsonSyntaxLocation {
  const n = text.length;
  const stack: ("[" | "{")[] = [];
  let i = 0;
  let expect: Expect = Expect.Value;
  const fail = (reason: string): JsonSyntaxLocation => ({
    position: i,
    reason: i >= n ? "unexpected end of input" : reason,
  });

  for (;;) {
    while (i < n && isWs(text.charCodeAt(i))) i++;
    const c = text[i];
    if (expect === Expect.After) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        return i >= n ? { position: n, reason: "no error found" } : fail("unexpected data after the JSON value");
      }
      const close = top === "[" ? "]" : "}";
      if (c === close) {
        stack.pop();
        i++;
      } else if (c === ",") {
        i++;
        expect = top === "[" ? Expect.Value : Expect.Key;
      } else return fail(`expected ',' or '${close}'`);
      continue;
    }
    if ((expect === Expect.ValueOrClose && c === "]") || (expect === Expect.KeyOrClose && c === "}")) {
      stack.pop();
      i++;
      expect = Expect.After;
      continue;
    }
    if (expect === Expect.KeyOrClose || expect === Expect.Key) {
      if (c !== '"') return fail("expected a property name in double quotes");
      const e = scanString();
      if (e !== undefined) return e;
      while (i < n && isWs(text.charCodeAt(i))) i++;
      if (text[i] !== ":") return fail("expected ':' after the property name");
      i++;
      expect = Expect.Value;
      continue;
    }
    // A value.
    if (c === "[" || c === "{") {
      stack.push(c);
      i++;
      expect = c === "[" ? Expect.ValueOrClose : Expect.KeyOrClose;
      continue;
    }
    if (c === '"') {
      const e = scanString();
      if (e !== undefined) return e;
    } else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (m === null) return fail("bad number");
      i += m[0].length;
      const next = text[i];
      if (next !== undefined && /[0-9.eE+-]/.test(next)) return fail("bad number");
    } else if (text.startsWith("true", i)) i += 4;
    else if (text.startsWith("false", i)) i += 5;
    else if (text.startsWith("null", i)) i += 4;
    else return fail(`unexpected character ${JSON.stringify(c)}`);
    expect = Expect.After;
  }

  function scanString(): JsonSyntaxLocation | undefined {
    i++;
    for (;;) {
      if (i >= n) return fail("unterminated string");
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        return undefined;
      }
      if (ch < 0x20) return fail("control character in string");
      if (ch !== 0x5c) {
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === "u") {
        HEX4.lastIndex = i + 2;
        if (!HEX4.test(text)) return fail("bad \\u escape");
        i += 6;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
      else return fail("bad escape sequence");
    }
  }
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
