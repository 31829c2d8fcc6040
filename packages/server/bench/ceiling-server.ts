// The ceiling of `npm run bench:server`: a bare node:http server that reads each POST body whole and answers
// with a canned Package#2 — the first (POST to /dm) with CONT and the three commands, the second (POST to the
// session URL) with END. No parsing, no store, no session: what the same load costs with the DM Server's work
// taken out, on the same machine, in the same kind of process. It imports nothing of the server or protocol.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  benchCommands,
  toArray,
  WIRE_COOKIE_NAME,
  WIRE_DM_PATH,
  WIRE_DM_SESSION_PATH,
  WIRE_MT_P2,
} from "./bench-wire.js";

export interface CeilingServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** A fixed, well-formed session token (the ceiling keeps no sessions). */
const TOKEN = "ceilingceilingceilingcei";
const COOKIE_OPEN = `${WIRE_COOKIE_NAME}=${TOKEN}; Path=${WIRE_DM_PATH}; Max-Age=600; HttpOnly; SameSite=Strict`;
const COOKIE_END = `${WIRE_COOKIE_NAME}=${TOKEN}; Path=${WIRE_DM_PATH}; Max-Age=0; HttpOnly; SameSite=Strict`;
/** The last Package#2: END alone (docs/protocol.md §4.8). */
const END_P2 = Buffer.from(JSON.stringify({ CMD: [["END"]] }), "utf8");

/** The first Package#2: CONT to a session URL, then the three commands (what the DM Server sends). */
function firstP2(base: string): Buffer {
  const cmd = [["CONT", `${base}${WIRE_DM_SESSION_PATH}/${TOKEN}`], ...benchCommands(base).map(toArray)];
  return Buffer.from(JSON.stringify({ CMD: cmd }), "utf8");
}

export async function startCeilingServer(host: string): Promise<CeilingServer> {
  let first: Buffer = Buffer.alloc(0);
  const server: Server = createServer((req, res) => {
    req.on("data", () => {
      // The body is read (and dropped), as the DM Server must read it.
    });
    req.on("end", () => {
      const opening = req.url === WIRE_DM_PATH;
      res.writeHead(200, {
        "content-type": WIRE_MT_P2,
        "cache-control": "no-store",
        "set-cookie": opening ? COOKIE_OPEN : COOKIE_END,
      });
      res.end(opening ? first : END_P2);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port: 0 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${host}:${port}`;
  first = firstP2(baseUrl);
  return {
    baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
