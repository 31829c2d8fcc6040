// The twelve DM commands and their parameter tables (DM 2.0 §5.3, docs/protocol.md §4.1–§4.11, docs/protocol.md §4).
// A Package#2 item is `[name, ...parameters]` with the parameters in the order of the command's table.

/** docs/protocol.md §4 command table, in the spec's order. */
export const COMMANDS = [
  "HGET",
  "HPUT",
  "HPOST",
  "DELETE",
  "EXEC",
  "GET",
  "SHOW",
  "CONT",
  "END",
  "DEFAULT",
  "SUB",
  "UNSUB",
] as const;
export type CommandName = (typeof COMMANDS)[number];

/** What a parameter holds: the "Format" column of the parameter tables of docs/protocol.md §4. */
export const ParamKind = {
  /** An absolute http(s) URI on the DM Server or a Data Repository (§6.2). */
  ServerURI: "ServerURI",
  /** An address in the DM Tree (§6.1). */
  ClientURI: "ClientURI",
  /** An MO identifier, `urn:oma:mo:…` (§6.1). */
  MOID: "MOID",
} as const;
export type ParamKind = (typeof ParamKind)[keyof typeof ParamKind];

/** The "Occurrence" column of the parameter tables of docs/protocol.md §4. */
export const ParamOccurrence = {
  One: "One",
  ZeroOrOne: "ZeroOrOne",
  OneOrMore: "OneOrMore",
} as const;
export type ParamOccurrence = (typeof ParamOccurrence)[keyof typeof ParamOccurrence];

export interface ParameterSpec {
  readonly kind: ParamKind;
  readonly occurrence: ParamOccurrence;
  /** The property of the typed Command that carries this parameter. */
  readonly field: string;
}

const p = (kind: ParamKind, occurrence: ParamOccurrence, field: string): ParameterSpec => ({
  kind,
  occurrence,
  field,
});
const { ServerURI, ClientURI, MOID } = ParamKind;
const { One, ZeroOrOne, OneOrMore } = ParamOccurrence;

/**
 * Each command's parameters in wire order (docs/protocol.md §4.x tables). Optional and repeated parameters only ever
 * come last, so positional assignment is unambiguous.
 */
export const COMMAND_PARAMETERS: { readonly [N in CommandName]: readonly ParameterSpec[] } = {
  HGET: [p(ServerURI, One, "serverUri"), p(ClientURI, ZeroOrOne, "clientUri")], // §7.3.1
  HPUT: [p(ServerURI, One, "serverUri"), p(ClientURI, OneOrMore, "clientUris")], // §7.3.2
  HPOST: [p(ServerURI, One, "serverUri"), p(ClientURI, OneOrMore, "clientUris")], // §7.3.3: as HPUT
  DELETE: [p(ClientURI, One, "clientUri")], // §7.3.4
  EXEC: [p(ClientURI, One, "clientUri"), p(ServerURI, ZeroOrOne, "serverUri")], // §7.3.5
  GET: [p(ClientURI, One, "clientUri")], // §7.3.6
  SHOW: [p(ServerURI, One, "serverUri")], // §7.3.7
  CONT: [p(ServerURI, One, "serverUri")], // §7.3.8
  END: [], // §7.3.9
  DEFAULT: [p(ServerURI, One, "serverUri"), p(MOID, One, "moid")], // §7.3.10
  SUB: [p(ServerURI, One, "serverUri"), p(ClientURI, One, "clientUri")], // §7.3.11
  UNSUB: [p(ClientURI, One, "clientUri")], // §7.3.12
};

/** Fewest and most parameters a command takes (`max` is Infinity for a OneOrMore parameter). */
export function commandArity(name: CommandName): { readonly min: number; readonly max: number } {
  let min = 0;
  let max = 0;
  for (const spec of COMMAND_PARAMETERS[name]) {
    if (spec.occurrence !== ParamOccurrence.ZeroOrOne) min++;
    max = spec.occurrence === ParamOccurrence.OneOrMore ? Infinity : max + 1;
  }
  return { min, max };
}

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === "string" && (COMMANDS as readonly string[]).includes(value);
}

/** The typed form of each command; property names are the `field`s of COMMAND_PARAMETERS. */
export type Command =
  | { readonly name: "HGET"; readonly serverUri: string; readonly clientUri?: string }
  | { readonly name: "HPUT"; readonly serverUri: string; readonly clientUris: readonly string[] }
  | { readonly name: "HPOST"; readonly serverUri: string; readonly clientUris: readonly string[] }
  | { readonly name: "DELETE"; readonly clientUri: string }
  | { readonly name: "EXEC"; readonly clientUri: string; readonly serverUri?: string }
  | { readonly name: "GET"; readonly clientUri: string }
  | { readonly name: "SHOW"; readonly serverUri: string }
  | { readonly name: "CONT"; readonly serverUri: string }
  | { readonly name: "END" }
  | { readonly name: "DEFAULT"; readonly serverUri: string; readonly moid: string }
  | { readonly name: "SUB"; readonly serverUri: string; readonly clientUri: string }
  | { readonly name: "UNSUB"; readonly clientUri: string };
