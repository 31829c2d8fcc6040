// A real webhook receiver for the tests: an HTTP server on 127.0.0.1 (port 0) that records every request
// (headers and raw body) and answers each with the next status of a script (then `fallback`), and a way to wait
// for the requests a test expects, with a deadline.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The status this request was answered with. */
  readonly status: number;
}

export interface Receiver {
  readonly url: string;
  readonly received: readonly Received[];
  /** Statuses for the next requests, in order; then `fallback`. */
  script(statuses: readonly number[], fallback?: number): void;
  /** Resolves when `check(received)` holds; rejects after `ms`. */
  waitFor(check: (received: readonly Received[]) => boolean, what: string, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let queue: number[] = [];
  let fallback = 200;
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const status = queue.shift() ?? fallback;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), status });
      res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "no");
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    script(statuses, fb = 200) {
      queue = [...statuses];
      fallback = fb;
    },
    waitFor(check, what, ms = 5000) {
      if (check(received)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(onRequest);
          reject(new Error(`timed out waiting for ${what} (${received.length} requests received)`));
        }, ms);
        const onRequest = () => {
          if (!check(received)) return;
          clearTimeout(timer);
          waiters.delete(onRequest);
          resolve();
        };
        waiters.add(onRequest);
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

export function eventIdOf(r: Received): number {
  return (JSON.parse(r.body) as { id: number }).id;
}
