// The ceiling of `npm run bench:server`: a bare node:http server that reads each POST body whole and answers
// with a canned Package#2 — the first (POST to /dm) with CONT and the three commands, the second (POST to the
// session URL) with END. No parsing, no store, no session: what the same load costs with the DM Server's work
// taken out, on the same machine, in the same kind of process.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MT_P2 } from "@omadm/protocol";
import { CANNED_END_P2, CEILING_COOKIE_END, CEILING_COOKIE_OPEN, cannedFirstP2, DM_PATH } from "./bench-packages.js";

export interface CeilingServer {
  readonly baseUrl: string;
  close(): Promise<void>;
}

export async function startCeilingServer(host: string): Promise<CeilingServer> {
  let first: Buffer = Buffer.alloc(0);
  const server: Server = createServer((req, res) => {
    req.on("data", () => {
      // The body is read (and dropped), as the DM Server must read it.
    });
    req.on("end", () => {
      const opening = req.url === DM_PATH;
      res.writeHead(200, {
        "content-type": MT_P2,
        "cache-control": "no-store",
        "set-cookie": opening ? CEILING_COOKIE_OPEN : CEILING_COOKIE_END,
      });
      res.end(opening ? first : CANNED_END_P2);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port: 0 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${host}:${port}`;
  first = cannedFirstP2(baseUrl);
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
