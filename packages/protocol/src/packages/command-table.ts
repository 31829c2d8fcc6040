// The twelve DM commands and their parameter tables (docs/protocol.md §4, §4.1–§4.11; DM 2.0 §5.3). A Package#2
// item is `[name, ...parameters]` with the parameters in the order of the command's table. The tables are also
// what docs/commands.md and `omadm commands queue --help` print, so each parameter says what it means.

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
  /** What the parameter means for this command, in one sentence. */
  readonly meaning: string;
}

const p = (kind: ParamKind, occurrence: ParamOccurrence, field: string, meaning: string): ParameterSpec => ({
  kind,
  occurrence,
  field,
  meaning,
});
const { ServerURI, ClientURI, MOID } = ParamKind;
const { One, ZeroOrOne, OneOrMore } = ParamOccurrence;

/**
 * Each command's parameters in wire order (docs/protocol.md §4.x tables). Optional and repeated parameters only ever
 * come last, so positional assignment is unambiguous.
 */
export const COMMAND_PARAMETERS: { readonly [N in CommandName]: readonly ParameterSpec[] } = {
  // §4.1
  HGET: [
    p(ServerURI, One, "serverUri", "Where the client fetches the MO data (a Data Repository item)"),
    p(
      ClientURI,
      ZeroOrOne,
      "clientUri",
      "Where the data goes, replacing what is there; absent: the ClientURIs in the data",
    ),
  ],
  // §4.2
  HPUT: [
    p(ServerURI, One, "serverUri", "Where the client PUTs the data"),
    p(ClientURI, OneOrMore, "clientUris", "The tree data to send; wildcards and x-names allowed"),
  ],
  // §4.2: as HPUT, with POST
  HPOST: [
    p(ServerURI, One, "serverUri", "Where the client POSTs the data"),
    p(ClientURI, OneOrMore, "clientUris", "The tree data to send; wildcards and x-names allowed"),
  ],
  // §4.3
  DELETE: [p(ClientURI, One, "clientUri", "The node to delete, with everything below it")],
  // §4.4
  EXEC: [
    p(ClientURI, One, "clientUri", "The one executable node to run"),
    p(
      ServerURI,
      ZeroOrOne,
      "serverUri",
      "Where the final result goes as a Generic Alert; given: reporting is asynchronous",
    ),
  ],
  // §4.5
  GET: [p(ClientURI, One, "clientUri", "The tree data to return in the status; wildcards and x-names allowed")],
  // §4.6
  SHOW: [
    p(
      ServerURI,
      One,
      "serverUri",
      "The web page the device's browser opens (a UI session of the Web Server Component)",
    ),
  ],
  // §4.7
  CONT: [p(ServerURI, One, "serverUri", "Where the client sends the rest of the session's Package#3s")],
  // §4.8
  END: [],
  // §4.9
  DEFAULT: [
    p(ServerURI, One, "serverUri", "Where the client fetches the MO's configuration when the device lacks it"),
    p(MOID, One, "moid", "The MO the address is for"),
  ],
  // §4.10
  SUB: [
    p(ServerURI, One, "serverUri", "Where the client PUTs the subtree after each change"),
    p(ClientURI, One, "clientUri", "The part of the tree to watch"),
  ],
  // §4.11
  UNSUB: [p(ClientURI, One, "clientUri", "The ClientURI of an earlier SUB, exactly as it was sent")],
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
