// Fuzzing the executor with hostile commands (bad input gets a status code and changes nothing,
// nothing crashes: ARCHITECTURE.md invariant 7): arbitrary and mutated ClientURIs, ServerURIs and MOIDs for every command. execute() must
// resolve with a legal sc; read-only commands must leave the tree as it was; a refused write must change nothing.
// The HttpClient here is a small fake that refuses every request, so random ServerURIs never reach a network.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Command, isValidStatusCode } from "@omadm/protocol";
import { createCommandExecutor } from "../src/commands/command-executor.js";
import { createDefaultUriStore } from "../src/commands/default-uri-store.js";
import { createRecordingBrowserLauncher } from "../src/commands/browser-launcher.js";
import { createExecRegistry } from "../src/commands/exec-registry.js";
import { HttpErrorCode, HttpTransportError, type HttpClient, type HttpRequest } from "../src/http/http-client.js";
import { createAlertOutbox } from "../src/session/alert-outbox.js";
import { createSubscriptionRegistry } from "../src/subscriptions/subscription-registry.js";
import { APP, FW, SENSOR, context, device, recordingLogger } from "./commands-fixtures.js";

const URI_SEEDS = [
  `${SENSOR}/left/`,
  `${SENSOR}//`,
  `${SENSOR}/*/Data/*/Value`,
  `${SENSOR}/(x)/Data/(y)/Value?nv=(x)/ID:GPS&nv=(y)/Date:12.2`,
  `${SENSOR}/left/Secret?cv=1`,
  `${SENSOR}/right/Data/1`,
  `${FW}/fw1/Update`,
  `${FW}/fw1/Ops/*/Run`,
  `${APP}//`,
];
const SERVER_SEEDS = ["http://127.0.0.1:9/repo", "https://127.0.0.1:9/x?ui=1", "ftp://127.0.0.1/", "/relative"];
const MOID_SEEDS = [SENSOR, FW, APP, "urn:oma:mo:", "urn:oma:mo:a/b"];

/** A seed with random characters spliced in, or a wholly random string. */
function mutated(seeds: readonly string[]): fc.Arbitrary<string> {
  const splice = fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(3), fc.string({ maxLength: 4 }))
    .map(([s, at, cut, ins]) => {
      const i = at % (s.length + 1);
      return s.slice(0, i) + ins + s.slice(i + cut);
    });
  return fc.oneof(fc.constantFrom(...seeds), splice, fc.string({ maxLength: 40 }));
}

const clientUri = mutated(URI_SEEDS);
const serverUri = mutated(SERVER_SEEDS);
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ name: fc.constant("HGET" as const), serverUri }),
  fc.record({ name: fc.constant("HGET" as const), serverUri, clientUri }),
  fc.record({ name: fc.constant("HPUT" as const), serverUri, clientUris: fc.array(clientUri, { maxLength: 3 }) }),
  fc.record({ name: fc.constant("HPOST" as const), serverUri, clientUris: fc.array(clientUri, { maxLength: 3 }) }),
  fc.record({ name: fc.constant("DELETE" as const), clientUri }),
  fc.record({ name: fc.constant("EXEC" as const), clientUri }),
  fc.record({ name: fc.constant("EXEC" as const), clientUri, serverUri }),
  fc.record({ name: fc.constant("GET" as const), clientUri }),
  fc.record({ name: fc.constant("SHOW" as const), serverUri }),
  fc.record({ name: fc.constant("DEFAULT" as const), serverUri, moid: mutated(MOID_SEEDS) }),
  fc.record({ name: fc.constant("SUB" as const), serverUri, clientUri }),
  fc.record({ name: fc.constant("UNSUB" as const), clientUri }),
);

const READ_ONLY = new Set(["HPUT", "HPOST", "GET", "SHOW", "DEFAULT", "SUB", "UNSUB", "EXEC", "HGET"]);

test("execute() answers every command with a legal status and read-only commands change nothing", async () => {
  const dev = device();
  const requests: HttpRequest[] = [];
  const http: HttpClient = {
    request(req) {
      requests.push(req);
      return Promise.reject(new HttpTransportError(HttpErrorCode.NETWORK, "fuzz: no network"));
    },
  };
  const outbox = createAlertOutbox();
  const executor = createCommandExecutor(
    {
      ...dev,
      http,
      outbox,
      execHandlers: createExecRegistry(),
      browser: createRecordingBrowserLauncher(),
      subscriptions: createSubscriptionRegistry({ clock: { now: () => 0 } }),
      defaults: createDefaultUriStore(),
      devId: "IMEI:1",
      clock: { now: () => 0 },
      logger: recordingLogger(),
    },
    { allowHttp: true },
  );
  await fc.assert(
    fc.asyncProperty(command, fc.constantFrom("srvA", "srvB", "nobody"), async (cmd, serverId) => {
      const before = JSON.stringify(dev.tree.snapshot());
      const { status } = await executor.execute(cmd, context(serverId));
      assert.ok(isValidStatusCode(status.sc), `sc ${status.sc} for ${JSON.stringify(cmd)}`);
      const after = JSON.stringify(dev.tree.snapshot());
      // Every command but DELETE is read-only here: HGET downloads nothing, EXEC has no handlers.
      if (READ_ONLY.has(cmd.name) || status.sc >= 300) assert.equal(after, before, JSON.stringify(cmd));
      if (status.sc >= 400) assert.equal(status.Data, undefined);
    }),
    { numRuns: 400 },
  );
  assert.equal(outbox.size, 0);
  assert.ok(requests.length > 0, "some transfers were attempted (and refused by the fake)");
});
