// What the simulated devices send, shared by both targets of `npm run bench:server` (the DM Server and the
// bare node:http ceiling), so that both see byte-identical Package#1 and #3 bodies and the same request
// sequence.
import { MT_P1, MT_P2, MT_P3, serializePackage1, serializePackage3, serverInitiatedAlert } from "@omadm/protocol";
import { DM_PATH, DM_SESSION_PATH } from "../src/dm/dm-endpoint.js";
import { DM_COOKIE_NAME } from "../src/dm/session-cookie.js";
import { WIRE_COOKIE_NAME, WIRE_DM_PATH, WIRE_DM_SESSION_PATH, WIRE_MT_P2 } from "./bench-wire.js";

/** docs/protocol.md §3.1: a session started by a Package#0 opens with the ServerInitiatedMgmt alert. */
export const P1_BODY = Buffer.from(serializePackage1({ Alert: [serverInitiatedAlert(1)] }), "utf8");

/**
 * docs/protocol.md §3.3: one status per command of the previous Package#2, in order, CONT included (docs/protocol.md §4.7, omadm's choice). The GET answers with its data, as a device would.
 */
export const P3_BODY = Buffer.from(
  serializePackage3({
    Status: [
      { sc: 200 },
      { sc: 200, Data: [{ ClientURI: "./DevDetail/SwV", MOData: { SwV: "1.0.0" } }] },
      { sc: 200 },
      { sc: 200 },
    ],
  }),
  "utf8",
);

export function p1Headers(deviceId: string): Record<string, string> {
  return { "content-type": MT_P1, accept: MT_P2, "omadm-devid": deviceId };
}

export function p3Headers(deviceId: string, cookie: string): Record<string, string> {
  return { "content-type": MT_P3, accept: MT_P2, "omadm-devid": deviceId, cookie };
}

/** bench-wire.ts copies a few constants so the ceiling can stay bare; they must not drift from the real ones. */
export function checkWireConstants(): void {
  const pairs: [string, string, string][] = [
    ["DM_PATH", WIRE_DM_PATH, DM_PATH],
    ["DM_SESSION_PATH", WIRE_DM_SESSION_PATH, DM_SESSION_PATH],
    ["DM_COOKIE_NAME", WIRE_COOKIE_NAME, DM_COOKIE_NAME],
    ["MT_P2", WIRE_MT_P2, MT_P2],
  ];
  for (const [name, copy, real] of pairs) {
    if (copy !== real)
      throw new Error(`bench-wire.ts: ${name} is ${JSON.stringify(copy)}, the server's is ${JSON.stringify(real)}`);
  }
}
