// The twelve DM commands (docs/protocol.md §4): parameter tables, arity and parameter checks with
// the DM status a client answers (501 unknown command, 400 wrong count or malformed parameter), the typed
// result, and the commandToArray round trip.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode } from "../src/errors.js";
import type { Result } from "../src/result.js";
import {
  COMMANDS,
  COMMAND_PARAMETERS,
  commandArity,
  isCommandName,
  type Command,
  type CommandName,
} from "../src/packages/command-table.js";
import { commandToArray, validateCommand, validateCommands } from "../src/packages/command-validate.js";
import { parsePackage2 } from "../src/packages/package2.js";

const SRV = "https://dm.example/repo/IMEI:493005100592800";
const SRV2 = "https://dm.example/dm20/s/7f3a?uiid=1234";
const CLI = "urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate/PkgURL";
const CLI2 = "urn:oma:mo:oma-dm-devinfo:1.2//";
const MOID = "urn:oma:mo:oma-fumo:1.0";

function value(r: Result<Command>): Command {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function failure(r: Result<Command>, code: string, status: number, path: string, message?: RegExp): void {
  assert.equal(r.ok, false, "expected an error");
  assert.equal(r.error.code, code, r.error.message);
  assert.equal(r.error.status, status);
  assert.equal(r.error.path, path);
  if (message !== undefined) assert.match(r.error.message, message);
}

test("COMMANDS lists the twelve commands in the spec's order", () => {
  assert.deepEqual(COMMANDS, [
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
  ]);
  assert.deepEqual(Object.keys(COMMAND_PARAMETERS).sort(), [...COMMANDS].sort());
});

test("parameter tables match docs/protocol.md §4.1–§4.11 (kind and occurrence, in order)", () => {
  const table = (name: CommandName): string[] => COMMAND_PARAMETERS[name].map((p) => `${p.kind}:${p.occurrence}`);
  assert.deepEqual(table("HGET"), ["ServerURI:One", "ClientURI:ZeroOrOne"]);
  assert.deepEqual(table("HPUT"), ["ServerURI:One", "ClientURI:OneOrMore"]);
  assert.deepEqual(table("HPOST"), ["ServerURI:One", "ClientURI:OneOrMore"]);
  assert.deepEqual(table("DELETE"), ["ClientURI:One"]);
  assert.deepEqual(table("EXEC"), ["ClientURI:One", "ServerURI:ZeroOrOne"]);
  assert.deepEqual(table("GET"), ["ClientURI:One"]);
  assert.deepEqual(table("SHOW"), ["ServerURI:One"]);
  assert.deepEqual(table("CONT"), ["ServerURI:One"]);
  assert.deepEqual(table("END"), []);
  assert.deepEqual(table("DEFAULT"), ["ServerURI:One", "MOID:One"]);
  assert.deepEqual(table("SUB"), ["ServerURI:One", "ClientURI:One"]);
  assert.deepEqual(table("UNSUB"), ["ClientURI:One"]);
});

test("commandArity follows from the tables", () => {
  assert.deepEqual(commandArity("HGET"), { min: 1, max: 2 });
  assert.deepEqual(commandArity("HPUT"), { min: 2, max: Infinity });
  assert.deepEqual(commandArity("EXEC"), { min: 1, max: 2 });
  assert.deepEqual(commandArity("END"), { min: 0, max: 0 });
  assert.deepEqual(commandArity("DEFAULT"), { min: 2, max: 2 });
  assert.equal(isCommandName("GET"), true);
  assert.equal(isCommandName("get"), false);
  assert.equal(isCommandName(1), false);
});

test("each command's valid forms give the typed command", () => {
  const cases: [unknown[], Command][] = [
    [["HGET", SRV], { name: "HGET", serverUri: SRV }],
    [["HGET", SRV, CLI], { name: "HGET", serverUri: SRV, clientUri: CLI }],
    [["HPUT", SRV, CLI], { name: "HPUT", serverUri: SRV, clientUris: [CLI] }],
    [["HPUT", SRV, CLI, CLI2, CLI], { name: "HPUT", serverUri: SRV, clientUris: [CLI, CLI2, CLI] }],
    [["HPOST", SRV, CLI2], { name: "HPOST", serverUri: SRV, clientUris: [CLI2] }],
    [["DELETE", CLI], { name: "DELETE", clientUri: CLI }],
    [["EXEC", CLI], { name: "EXEC", clientUri: CLI }],
    [["EXEC", CLI, SRV2], { name: "EXEC", clientUri: CLI, serverUri: SRV2 }],
    [
      ["GET", "urn:oma:mo:oma-sessioninfomo:1.0//CBT"],
      { name: "GET", clientUri: "urn:oma:mo:oma-sessioninfomo:1.0//CBT" },
    ],
    [["SHOW", SRV2], { name: "SHOW", serverUri: SRV2 }],
    [["CONT", SRV2], { name: "CONT", serverUri: SRV2 }],
    [["END"], { name: "END" }],
    [["DEFAULT", SRV, MOID], { name: "DEFAULT", serverUri: SRV, moid: MOID }],
    [["SUB", SRV, CLI], { name: "SUB", serverUri: SRV, clientUri: CLI }],
    [["UNSUB", CLI], { name: "UNSUB", clientUri: CLI }],
  ];
  for (const [item, expected] of cases) assert.deepEqual(value(validateCommand(item)), expected, JSON.stringify(item));
  // ClientURIs with wildcards, x-names and queries are syntactically valid parameters (§6.1).
  const wild = "urn:oma:mo:acme-sensor:1.0/(x)/Data/*/Value?nv=(x)/ID:GPS";
  assert.deepEqual(value(validateCommand(["GET", wild])), { name: "GET", clientUri: wild });
});

test("unknown command names are CMD_UNKNOWN with status 501 (matching is case-sensitive)", () => {
  for (const name of ["FOO", "hget", "Get", "", " GET", "REPLACE", 42, null, ["GET"]]) {
    failure(validateCommand([name, SRV]), ErrorCode.CMD_UNKNOWN, 501, "$[0]", /unknown command/);
  }
});

test("an empty item is CMD_ARITY (400)", () => {
  failure(validateCommand([]), ErrorCode.CMD_ARITY, 400, "$", /empty command item/);
});

test("every command rejects too few and too many parameters with CMD_ARITY (400)", () => {
  const good: { readonly [N in CommandName]: readonly string[] } = {
    HGET: [SRV],
    HPUT: [SRV, CLI],
    HPOST: [SRV, CLI],
    DELETE: [CLI],
    EXEC: [CLI],
    GET: [CLI],
    SHOW: [SRV],
    CONT: [SRV],
    END: [],
    DEFAULT: [SRV, MOID],
    SUB: [SRV, CLI],
    UNSUB: [CLI],
  };
  for (const name of COMMANDS) {
    const { min, max } = commandArity(name);
    if (min > 0) {
      failure(
        validateCommand([name, ...good[name].slice(0, min - 1)]),
        ErrorCode.CMD_ARITY,
        400,
        "$",
        new RegExp(name),
      );
    }
    if (max !== Infinity) {
      const tooMany = [name, ...good[name], ...Array<string>(max + 1 - good[name].length).fill(CLI)];
      failure(validateCommand(tooMany), ErrorCode.CMD_ARITY, 400, "$", new RegExp(`got ${max + 1}`));
    }
  }
});

test("arity messages name the expected signature", () => {
  failure(
    validateCommand(["HGET"]),
    ErrorCode.CMD_ARITY,
    400,
    "$",
    /HGET takes 1 to 2 parameters \(ServerURI, ClientURI\?\), got 0/,
  );
  failure(
    validateCommand(["HPUT", SRV]),
    ErrorCode.CMD_ARITY,
    400,
    "$",
    /at least 2 parameters \(ServerURI, ClientURI\+\)/,
  );
  failure(validateCommand(["END", "x"]), ErrorCode.CMD_ARITY, 400, "$", /END takes no parameters/);
  failure(
    validateCommand(["GET", CLI, CLI]),
    ErrorCode.CMD_ARITY,
    400,
    "$",
    /exactly 1 parameter \(ClientURI\), got 2/,
  );
});

test("a malformed ServerURI parameter is CMD_BAD_PARAMETER (400) naming which one and why", () => {
  const bad = ["/relative/path", "ftp://dm.example/x", "https://", "not a uri", "https://dm.example/#frag"];
  for (const uri of bad) {
    failure(validateCommand(["HGET", uri]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[1]", /HGET parameter 1 \(ServerURI\)/);
    failure(validateCommand(["EXEC", CLI, uri]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[2]", /parameter 2 \(ServerURI\)/);
    failure(validateCommand(["DEFAULT", uri, MOID]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[1]");
    failure(validateCommand(["SUB", uri, CLI]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[1]");
    failure(validateCommand(["SHOW", uri]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[1]");
    failure(validateCommand(["CONT", uri]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[1]");
    failure(validateCommand(["HPUT", uri, CLI]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[1]");
    failure(validateCommand(["HPOST", uri, CLI]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[1]");
  }
});

test("plain http ServerURIs are refused unless allowHttp is set (docs/protocol.md §6.2)", () => {
  const http = "http://127.0.0.1:8080/repo/x";
  const r = validateCommand(["HGET", http]);
  failure(r, ErrorCode.CMD_BAD_PARAMETER, 400, "$[1]");
  assert.equal(!r.ok && (r.error.cause as { code?: string }).code, ErrorCode.SERVER_URI_INSECURE);
  assert.deepEqual(value(validateCommand(["HGET", http], { allowHttp: true })), { name: "HGET", serverUri: http });
  assert.deepEqual(value(validateCommand(["EXEC", CLI, http], { allowHttp: true })), {
    name: "EXEC",
    clientUri: CLI,
    serverUri: http,
  });
});

test("a malformed ClientURI parameter is CMD_BAD_PARAMETER (400) with the URI error as cause", () => {
  const bad = ["", "fumo/apps", "urn:oma:mo:oma-fumo:1.0", "urn:oma:mo:x:1.0/a b/", "https://dm.example/x"];
  for (const uri of bad) {
    for (const [item, path] of [
      [["HGET", SRV, uri], "$[2]"],
      [["HPUT", SRV, CLI, uri], "$[3]"],
      [["HPOST", SRV, uri, CLI], "$[2]"],
      [["DELETE", uri], "$[1]"],
      [["EXEC", uri], "$[1]"],
      [["GET", uri], "$[1]"],
      [["SUB", SRV, uri], "$[2]"],
      [["UNSUB", uri], "$[1]"],
    ] as const) {
      const r = validateCommand(item);
      failure(r, ErrorCode.CMD_BAD_PARAMETER, 400, path, /\(ClientURI\)/);
      assert.equal(!r.ok && (r.error.cause as { code?: string }).code, ErrorCode.URI_SYNTAX, JSON.stringify(item));
    }
  }
});

test("a malformed MOID in DEFAULT is CMD_BAD_PARAMETER (400)", () => {
  for (const moid of ["", "oma-fumo:1.0", "urn:oma:mo:", "urn:oma:mo:oma-fumo:1.0/", "urn:oma:at:x"]) {
    failure(validateCommand(["DEFAULT", SRV, moid]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[2]", /\(MOID\)/);
  }
});

test("non-string parameters are CMD_BAD_PARAMETER (400)", () => {
  failure(validateCommand(["GET", 5]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[1]", /must be a string, got number/);
  failure(validateCommand(["HGET", SRV, null]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[2]", /got null/);
  failure(validateCommand(["DEFAULT", SRV, {}]), ErrorCode.CMD_BAD_PARAMETER, 400, "$[2]", /got object/);
});

test("the path option locates the item inside its package", () => {
  failure(validateCommand(["GET", 5], { path: "$.CMD[3]" }), ErrorCode.CMD_BAD_PARAMETER, 400, "$.CMD[3][1]");
});

test("validateCommands checks every item of the §3.2 example package, and a bad item does not stop the rest", () => {
  const p2 = parsePackage2(`{"CMD": [
    ["CONT",  "https://dm.example/dm20/s/7f3a"],
    ["HPOST", "https://dm.example/repo/IMEI:493005100592800", "urn:oma:mo:oma-dm-devinfo:1.2//", "urn:oma:mo:oma-sessioninfomo:1.0//"],
    ["HGET",  "https://dm.example/repo/new-fumo"],
    ["GET",   "urn:oma:mo:oma-sessioninfomo:1.0//CBT"]
  ]}`);
  assert.ok(p2.ok);
  const results = validateCommands(p2.value);
  assert.deepEqual(
    results.map((r) => (r.ok ? r.value.name : r.error.code)),
    ["CONT", "HPOST", "HGET", "GET"],
  );
  const mixed = validateCommands({ CMD: [["FOO"], ["GET"], [], ["END"]] });
  assert.deepEqual(
    mixed.map((r) => (r.ok ? r.value.name : `${r.error.status}@${r.error.path ?? ""}`)),
    ["501@$.CMD[0][0]", "400@$.CMD[1]", "400@$.CMD[2]", "END"],
  );
});

// Valid parameter values for the round-trip property.
const serverUriArb = fc
  .tuple(fc.constantFrom("dm.example", "repo.example.org", "127.0.0.1:8443"), fc.stringMatching(/^[a-z0-9/_-]{0,12}$/))
  .map(([host, path]) => `https://${host}/${path}`);
const nameArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
const clientUriArb = fc
  .tuple(
    fc.constantFrom("urn:oma:mo:oma-fumo:1.0", "urn:oma:mo:acme-sensor:1.0"),
    fc.constantFrom("", "apps", "*", "(x)"),
    fc.array(nameArb, { maxLength: 3 }),
  )
  .map(([moid, inst, path]) => {
    const base = `${moid}/${inst}/${path.join("/")}`;
    return inst === "(x)" ? `${base}?nv=(x)/ID:GPS` : base;
  });
const moidArb = fc.stringMatching(/^urn:oma:mo:[a-z0-9.:-]{1,16}$/);

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record(
    { name: fc.constant("HGET" as const), serverUri: serverUriArb, clientUri: clientUriArb },
    { requiredKeys: ["name", "serverUri"], noNullPrototype: true },
  ),
  fc.record(
    {
      name: fc.constantFrom("HPUT" as const, "HPOST" as const),
      serverUri: serverUriArb,
      clientUris: fc.array(clientUriArb, { minLength: 1, maxLength: 4 }),
    },
    { noNullPrototype: true },
  ),
  fc.record(
    { name: fc.constant("EXEC" as const), clientUri: clientUriArb, serverUri: serverUriArb },
    { requiredKeys: ["name", "clientUri"], noNullPrototype: true },
  ),
  fc.record(
    { name: fc.constantFrom("DELETE" as const, "GET" as const, "UNSUB" as const), clientUri: clientUriArb },
    { noNullPrototype: true },
  ),
  fc.record(
    { name: fc.constantFrom("SHOW" as const, "CONT" as const), serverUri: serverUriArb },
    { noNullPrototype: true },
  ),
  fc.constant({ name: "END" as const }),
  fc.record(
    { name: fc.constant("DEFAULT" as const), serverUri: serverUriArb, moid: moidArb },
    { noNullPrototype: true },
  ),
  fc.record(
    { name: fc.constant("SUB" as const), serverUri: serverUriArb, clientUri: clientUriArb },
    { noNullPrototype: true },
  ),
);

test("validateCommand(commandToArray(c)) = c for every command", () => {
  fc.assert(
    fc.property(commandArb, (cmd) => {
      const item = commandToArray(cmd);
      assert.equal(item[0], cmd.name);
      assert.deepEqual(value(validateCommand(item)), cmd);
    }),
    { numRuns: 500 },
  );
});

test("commandToArray puts parameters in table order and omits absent optional ones", () => {
  assert.deepEqual(commandToArray({ name: "HGET", serverUri: SRV }), ["HGET", SRV]);
  assert.deepEqual(commandToArray({ name: "EXEC", clientUri: CLI, serverUri: SRV }), ["EXEC", CLI, SRV]);
  assert.deepEqual(commandToArray({ name: "DEFAULT", serverUri: SRV, moid: MOID }), ["DEFAULT", SRV, MOID]);
  assert.deepEqual(commandToArray({ name: "HPUT", serverUri: SRV, clientUris: [CLI, CLI2] }), ["HPUT", SRV, CLI, CLI2]);
  assert.deepEqual(commandToArray({ name: "END" }), ["END"]);
});
