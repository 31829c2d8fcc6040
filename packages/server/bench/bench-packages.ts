// What the simulated devices send and what they expect back, shared by both targets of `npm run bench:server`
// (the DM Server and the bare node:http ceiling), so that both see byte-identical Package#1 and #3 bodies and
// the same request sequence. The three queued commands are cheap ones a real fleet job would send: read a
// leaf (GET), upload it to the Data Repository (HPUT), run an operation (EXEC) — seed CR §7.3.2, §7.3.5, §7.3.6.
import { MT_P1, MT_P2, MT_P3, serializePackage1, serializePackage3, serverInitiatedAlert } from "@omadm/protocol";
import { DM_PATH, DM_SESSION_PATH } from "../src/dm/dm-endpoint.js";
import { DM_COOKIE_NAME } from "../src/dm/session-cookie.js";

export { DM_PATH, DM_SESSION_PATH };

/** One queued command as the store keeps it and as Package#2 carries it (`[name, ...params]`). */
export interface BenchCommand {
  readonly name: string;
  readonly params: readonly string[];
}

/** The three commands queued before every session, in queue order. `base` is the target's public base URL. */
export function benchCommands(base: string): readonly BenchCommand[] {
  return [
    { name: "GET", params: ["./DevDetail/SwV"] },
    { name: "HPUT", params: [`${base}/repo/bench/swv`, "./DevDetail/SwV"] },
    { name: "EXEC", params: ["./DevDetail/Ext/Bench/Ping"] },
  ];
}

/** Seed CR §7.2.2: a session started by a Package#0 opens with the ServerInitiatedMgmt alert. */
export const P1_BODY = Buffer.from(serializePackage1({ Alert: [serverInitiatedAlert(1)] }), "utf8");

/**
 * Seed CR §7.2.4: one status per command of the previous Package#2, in order, CONT included (dm2-reference
 * §4.7 [PROPOSED]). The GET answers with its data, as a device would.
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

// ------------------------------------------------------------------------------------- the ceiling's answers

/** A fixed, well-formed session token for the ceiling (it keeps no sessions). */
const CEILING_TOKEN = "ceilingceilingceilingcei";

/** The canned first Package#2: CONT to a session URL, then the three commands (what the DM Server sends). */
export function cannedFirstP2(base: string): Buffer {
  const cmd = [["CONT", `${base}${DM_SESSION_PATH}/${CEILING_TOKEN}`], ...benchCommands(base).map(toArray)];
  return Buffer.from(JSON.stringify({ CMD: cmd }), "utf8");
}

/** The canned last Package#2: END alone (seed CR §7.3.9). */
export const CANNED_END_P2 = Buffer.from(JSON.stringify({ CMD: [["END"]] }), "utf8");

/** The Set-Cookie lines the ceiling sends, shaped like the DM Server's. */
export const CEILING_COOKIE_OPEN = `${DM_COOKIE_NAME}=${CEILING_TOKEN}; Path=${DM_PATH}; Max-Age=600; HttpOnly; SameSite=Strict`;
export const CEILING_COOKIE_END = `${DM_COOKIE_NAME}=${CEILING_TOKEN}; Path=${DM_PATH}; Max-Age=0; HttpOnly; SameSite=Strict`;

export function toArray(c: BenchCommand): string[] {
  return [c.name, ...c.params];
}
