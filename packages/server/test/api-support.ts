// Shared fixtures of the REST API and command-service tests (api-*.test.ts, services-*.test.ts): an API app
// over a store, problem assertions, and one table of operator commands — every form of the ten commands an
// operator may queue, each with a good and a bad parameter.
import assert from "node:assert/strict";
import { type FastifyInstance, type LightMyRequestResponse } from "fastify";
import { apiPlugin, type ApiPluginOptions } from "../src/api/api-plugin.js";
import { PROBLEM_MEDIA_TYPE } from "../src/edge/problem.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { sequentialIds, TestClock } from "./store-contract-support.js";
import { edgeApp } from "./edge-support.js";

export const S = "https://repo.example.com/content/1"; // a ServerURI
export const S2 = "https://dm.example.com/alerts"; // another ServerURI
export const C = "urn:oma:mo:oma-dm-devinfo:1.0//"; // a ClientURI
export const C2 = "urn:oma:mo:acme-sensor:1.0/left/Setting"; // another ClientURI
export const M = "urn:oma:mo:oma-dm-devinfo:1.0"; // a MOID

export interface CommandCase {
  readonly title: string;
  /** P2 array form. */
  readonly array: readonly string[];
  /** The same command in the named form. */
  readonly named: Readonly<Record<string, unknown>>;
}

/** Every parameter form of the ten operator commands (docs/protocol.md §4; END and CONT are the server's). */
export const GOOD_COMMANDS: readonly CommandCase[] = [
  { title: "HGET ServerURI", array: ["HGET", S], named: { name: "HGET", serverUri: S } },
  { title: "HGET ServerURI ClientURI", array: ["HGET", S, C], named: { name: "HGET", serverUri: S, clientUri: C } },
  { title: "HPUT one ClientURI", array: ["HPUT", S, C], named: { name: "HPUT", serverUri: S, clientUris: [C] } },
  {
    title: "HPUT two ClientURIs",
    array: ["HPUT", S, C, C2],
    named: { name: "HPUT", serverUri: S, clientUris: [C, C2] },
  },
  { title: "HPOST", array: ["HPOST", S, C, C2], named: { name: "HPOST", serverUri: S, clientUris: [C, C2] } },
  { title: "DELETE", array: ["DELETE", C2], named: { name: "DELETE", clientUri: C2 } },
  { title: "EXEC ClientURI", array: ["EXEC", C2], named: { name: "EXEC", clientUri: C2 } },
  { title: "EXEC ClientURI ServerURI", array: ["EXEC", C2, S2], named: { name: "EXEC", clientUri: C2, serverUri: S2 } },
  { title: "GET", array: ["GET", C], named: { name: "GET", clientUri: C } },
  { title: "SHOW", array: ["SHOW", S], named: { name: "SHOW", serverUri: S } },
  { title: "DEFAULT", array: ["DEFAULT", S, M], named: { name: "DEFAULT", serverUri: S, moid: M } },
  { title: "SUB", array: ["SUB", S, C], named: { name: "SUB", serverUri: S, clientUri: C } },
  { title: "UNSUB", array: ["UNSUB", C], named: { name: "UNSUB", clientUri: C } },
];

export interface BadCommandCase {
  readonly title: string;
  readonly command: unknown;
  /** Substrings the problem detail must contain: the parameter and the rule. */
  readonly detail: readonly string[];
}

/** One bad parameter per command (and per form), each refused with COMMAND_INVALID naming it. */
export const BAD_COMMANDS: readonly BadCommandCase[] = [
  { title: "HGET ServerURI not http(s)", command: ["HGET", "ftp://x/y"], detail: ['parameter 1 "serverUri"', "ftp"] },
  {
    title: "HGET ServerURI plain http (https required)",
    command: ["HGET", "http://repo.example.com/x"],
    detail: ['parameter 1 "serverUri"', "https is required"],
  },
  { title: "HGET bad ClientURI", command: ["HGET", S, "DevInfo/x"], detail: ['parameter 2 "clientUri"', "ClientURI"] },
  { title: "HPUT second ClientURI bad", command: ["HPUT", S, C, "bad"], detail: ['parameter 3 "clientUris"'] },
  { title: "HPOST ServerURI relative", command: ["HPOST", "/upload", C], detail: ['parameter 1 "serverUri"'] },
  { title: "DELETE bad ClientURI", command: ["DELETE", "./Vendor/x"], detail: ['parameter 1 "clientUri"'] },
  { title: "EXEC bad ServerURI", command: ["EXEC", C2, "mailto:x@y"], detail: ['parameter 2 "serverUri"'] },
  { title: "GET bad ClientURI", command: { name: "GET", clientUri: "x" }, detail: ['parameter 1 "clientUri"'] },
  { title: "SHOW bad ServerURI", command: { name: "SHOW", serverUri: "nope" }, detail: ['parameter 1 "serverUri"'] },
  {
    title: "DEFAULT bad MOID",
    command: ["DEFAULT", S, "devinfo"],
    detail: ['parameter 2 "moid" (MOID)', "is not a MOID"],
  },
  { title: "SUB bad ClientURI", command: ["SUB", S, "urn:oma:mo:x"], detail: ['parameter 2 "clientUri"'] },
  { title: "UNSUB bad ClientURI", command: { name: "UNSUB", clientUri: "" }, detail: ['parameter 1 "clientUri"'] },
  { title: "DELETE without its parameter", command: ["DELETE"], detail: ["DELETE takes exactly 1 parameter"] },
  { title: "GET with two parameters", command: ["GET", C, C2], detail: ["GET takes exactly 1 parameter", "got 2"] },
  { title: "named form missing a field", command: { name: "SUB", serverUri: S }, detail: ['SUB needs "clientUri"'] },
  {
    title: "named form with an unknown field",
    command: { name: "GET", clientUri: C, clienturi: C },
    detail: ['GET has no field "clienturi"', "clientUri (ClientURI)"],
  },
  { title: "unknown command name", command: ["FETCH", C], detail: ['unknown command "FETCH"', "HGET"] },
  { title: "lowercase command name", command: { name: "get", clientUri: C }, detail: ['unknown command "get"'] },
];

export interface ApiRig {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly clock: TestClock;
  close(): Promise<void>;
}

/** A fastify app with only the API plugin, over a fresh memory store (or the given one). */
export async function apiRig(options: Partial<ApiPluginOptions> = {}): Promise<ApiRig> {
  const clock = new TestClock();
  const store = options.store ?? createMemoryStore({ clock, newId: sequentialIds("id") });
  const app = edgeApp();
  await app.register(apiPlugin, { clock, allowHttp: false, ...options, store });
  await app.ready();
  return {
    app,
    store,
    clock,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** The parsed JSON body of a response (typed loosely: tests assert on it). */
export function body(res: LightMyRequestResponse): Record<string, unknown> & { items?: Record<string, unknown>[] } {
  return res.json();
}

/** Asserts an RFC 9457 problem response with our code, and that the detail names each expected part. */
export function assertProblem(
  res: LightMyRequestResponse,
  status: number,
  code: string,
  detailParts: readonly string[] = [],
): Record<string, unknown> {
  assert.equal(res.statusCode, status, `status (body: ${res.body})`);
  assert.match(String(res.headers["content-type"]), new RegExp(`^${PROBLEM_MEDIA_TYPE.replace("+", "\\+")}`));
  const problem = body(res);
  assert.equal(problem["code"], code, `code (body: ${res.body})`);
  assert.equal(problem["status"], status);
  assert.equal(problem["type"], `urn:omadm:error:${code}`);
  assert.equal(typeof problem["title"], "string");
  assert.equal(typeof problem["detail"], "string");
  for (const part of detailParts)
    assert.ok(String(problem["detail"]).includes(part), `detail names ${part}: ${res.body}`);
  assert.ok(!res.body.includes("    at "), "no stack trace");
  return problem;
}
