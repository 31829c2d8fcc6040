// The few wire facts both targets of `npm run bench:server` share, with no imports: the ceiling process loads
// only this and node:http, so its memory figure is that of a bare server. bench-packages.ts checks at start
// that every value here still equals the real one in @omadm/protocol and the DM endpoint.

/** The DM Server URI path and the prefix of session-specific (CONT) URLs (dm-endpoint.ts). */
export const WIRE_DM_PATH = "/dm";
export const WIRE_DM_SESSION_PATH = "/dm/s";
/** The session cookie's name (session-cookie.ts). */
export const WIRE_COOKIE_NAME = "omadm_session";
/** Package#2 media type (docs/protocol.md §1.3). */
export const WIRE_MT_P2 = "application/vnd.oma.dm.request+json";

/** One queued command as the store keeps it and as Package#2 carries it (`[name, ...params]`). */
export interface BenchCommand {
  readonly name: string;
  readonly params: readonly string[];
}

/**
 * The three commands queued before every session, in queue order: read a leaf (GET), upload it to the Data
 * Repository (HPUT), run an operation (EXEC) — docs/protocol.md §4.5, §4.2, §4.4. `base`: the target's base URL.
 */
export function benchCommands(base: string): readonly BenchCommand[] {
  return [
    { name: "GET", params: ["./DevDetail/SwV"] },
    { name: "HPUT", params: [`${base}/repo/bench/swv`, "./DevDetail/SwV"] },
    { name: "EXEC", params: ["./DevDetail/Ext/Bench/Ping"] },
  ];
}

export function toArray(c: BenchCommand): string[] {
  return [c.name, ...c.params];
}
