// The value types of the server configuration's keys (config-keys.ts): how a value is checked when it comes from
// the JSON file or the overrides (typed JSON) and from an environment variable (text), how the docs name it, and
// its JSON Schema for editors. Pure: `resolve` of a file path only computes a path.
import { isIP } from "node:net";
import { resolve } from "node:path";

export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** A JSON Schema fragment (draft 2020-12 vocabulary). */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface ValueType {
  /** Checks a value; `fromEnv` means it is the text of an environment variable. */
  parse(raw: unknown, fromEnv: boolean): Parsed;
  /** How docs/server-config.md names the type, e.g. "integer 1–1000". */
  readonly label: string;
  readonly schema: JsonSchema;
}

const good = (value: unknown): Parsed => ({ ok: true, value });
const bad = (message: string): Parsed => ({ ok: false, message });

export function show(v: unknown): string {
  const s = JSON.stringify(v) as string | undefined;
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function int(min: number, max: number): ValueType {
  return {
    parse: (raw, fromEnv) => {
      const n = fromEnv && typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== "number" || !Number.isInteger(n)) return bad(`must be an integer, got ${show(raw)}`);
      return n < min || n > max ? bad(`must be between ${min} and ${max}, got ${n}`) : good(n);
    },
    label: `integer ${min}–${max}`,
    schema: { type: "integer", minimum: min, maximum: max },
  };
}

const TRUE_WORDS = ["1", "true", "yes", "on"];
const FALSE_WORDS = ["0", "false", "no", "off"];

export const bool: ValueType = {
  parse: (raw, fromEnv) => {
    if (typeof raw === "boolean") return good(raw);
    if (fromEnv && typeof raw === "string") {
      const v = raw.trim().toLowerCase();
      if (TRUE_WORDS.includes(v)) return good(true);
      if (FALSE_WORDS.includes(v)) return good(false);
    }
    return bad(`must be true or false, got ${show(raw)}`);
  },
  label: "boolean",
  schema: { type: "boolean" },
};

export const text: ValueType = {
  parse: (raw) =>
    typeof raw === "string" && raw.trim() !== ""
      ? good(raw.trim())
      : bad(`must be a non-empty string, got ${show(raw)}`),
  label: "string",
  schema: { type: "string", minLength: 1 },
};

export function oneOf(values: readonly string[]): ValueType {
  return {
    parse: (raw) =>
      typeof raw === "string" && values.includes(raw)
        ? good(raw)
        : bad(`must be one of ${values.join(", ")}, got ${show(raw)}`),
    label: values.map((v) => `\`${v}\``).join(" | "),
    schema: { enum: [...values] },
  };
}

/** `null` (in the environment: the empty string) or a value of `inner`. */
export function nullable(inner: ValueType): ValueType {
  return {
    parse: (raw, fromEnv) => (raw === null || (fromEnv && raw === "") ? good(null) : inner.parse(raw, fromEnv)),
    label: `${inner.label} or null`,
    schema: { anyOf: [inner.schema, { type: "null" }] },
  };
}

/** An absolute http(s) URL without query or fragment (and, unless `allowPath`, without a path). */
export function httpUrl(allowPath: boolean): ValueType {
  return {
    parse: (raw) => {
      if (typeof raw !== "string") return bad(`must be a URL string, got ${show(raw)}`);
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return bad(`is not an absolute URL: ${show(raw)}`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return bad(`must be http or https, got ${url.protocol}`);
      }
      if (url.search !== "" || url.hash !== "") return bad("must not carry a query or fragment");
      if (!allowPath && url.pathname !== "/") return bad("must not carry a path");
      return good(raw.replace(/\/+$/, ""));
    },
    label: "http(s) URL",
    schema: { type: "string", format: "uri", pattern: "^https?://" },
  };
}

/** Any absolute URL (database and broker URLs have their own schemes). */
export const anyUrl: ValueType = {
  parse: (raw) => {
    if (typeof raw !== "string") return bad(`must be a URL string, got ${show(raw)}`);
    try {
      new URL(raw);
      return good(raw);
    } catch {
      return bad(`is not an absolute URL: ${show(raw)}`);
    }
  },
  label: "URL",
  schema: { type: "string", format: "uri" },
};

/** A file path, resolved against the working directory (readability is checked once it is known to be used). */
export const filePath: ValueType = {
  parse: (raw) => {
    const t = text.parse(raw, false);
    return t.ok ? good(resolve(t.value as string)) : t;
  },
  label: "file path",
  schema: { type: "string", minLength: 1 },
};

/** A secret string: kept as given (not trimmed) and never echoed in a message. */
export const secretText: ValueType = {
  parse: (raw) => (typeof raw === "string" && raw.trim() !== "" ? good(raw) : bad("must be a non-empty string")),
  label: "string (secret)",
  schema: { type: "string", minLength: 1 },
};

/**
 * A non-empty list of distinct values from `values`; `exclusive` may not be combined with others. In the
 * environment: comma-separated.
 */
export function listOf(values: readonly string[], exclusive?: string, noun = "values"): ValueType {
  return {
    parse: (raw, fromEnv) => {
      const list = fromEnv && typeof raw === "string" ? raw.split(",").map((s) => s.trim()) : raw;
      if (!Array.isArray(list) || list.length === 0) return bad(`must be a non-empty list of ${values.join(", ")}`);
      for (const m of list)
        if (typeof m !== "string" || !values.includes(m)) return bad(`${show(m)} is not one of ${values.join(", ")}`);
      if (exclusive !== undefined && list.length > 1 && list.includes(exclusive)) {
        return bad(`"${exclusive}" cannot be combined with other ${noun}`);
      }
      return good([...new Set(list as string[])]);
    },
    label: `list of ${values.map((v) => `\`${v}\``).join(", ")}`,
    schema: { type: "array", items: { enum: [...values] }, minItems: 1, uniqueItems: true },
  };
}

/** A list of IP addresses, possibly empty. In the environment: comma-separated. */
export const ipList: ValueType = {
  parse: (raw, fromEnv) => {
    const list =
      fromEnv && typeof raw === "string"
        ? raw
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "")
        : raw;
    if (!Array.isArray(list)) return bad("must be a list of IP addresses");
    for (const a of list) if (typeof a !== "string" || isIP(a) === 0) return bad(`${show(a)} is not an IP address`);
    return good([...new Set(list as string[])]);
  },
  label: "list of IP addresses",
  schema: { type: "array", items: { type: "string" }, uniqueItems: true },
};
