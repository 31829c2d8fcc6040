// A tiny HTTP reverse proxy on 127.0.0.1 for the error-rule tests: it stands where a load balancer would (the
// server's publicBaseUrl points at it, so SrvURI, CONT URLs and repository URLs all pass through it), forwards
// every request to the real server unchanged, records each one with the status it got, and — when told — answers
// one matching request itself with an error status instead of forwarding it (e.g. a 503 for a Package#3).
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createInbox, type Inbox } from "../../../../test-support/async-inbox.js";

export interface ProxiedRequest {
  readonly method: string;
  /** The path as received, without the query (where the server's capability tokens ride). */
  readonly path: string;
  readonly contentType: string | undefined;
  /** The status the client got (forwarded or injected). */
  readonly status: number;
  readonly injected: boolean;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: what the server advertises as its public base URL. */
  readonly origin: string;
  /** Where requests go: set once the server is listening. */
  target: string | undefined;
  /** Every request answered so far, in order of completion. */
  readonly log: readonly ProxiedRequest[];
  /** The same, as they complete. */
  readonly answered: Inbox<ProxiedRequest>;
  /** Answers the next request that `match`es with `status` (a problem body) instead of forwarding it. */
  failNext(match: (method: string, path: string) => boolean, status: number): void;
  close(): Promise<void>;
}

export async function startFaultProxy(): Promise<FaultProxy> {
  const log: ProxiedRequest[] = [];
  const answered = createInbox<ProxiedRequest>();
  const faults: { match: (method: string, path: string) => boolean; status: number }[] = [];
  const state: { target: string | undefined } = { target: undefined };

  const record = (req: IncomingMessage, status: number, injected: boolean): void => {
    const entry = {
      method: req.method ?? "?",
      path: (req.url ?? "").split("?")[0] ?? "",
      contentType: req.headers["content-type"],
      status,
      injected,
    };
    log.push(entry);
    answered.push(entry);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const at = faults.findIndex((f) => f.match(method, path));
    if (at >= 0 || state.target === undefined) {
      const status = at >= 0 ? (faults.splice(at, 1)[0]?.status ?? 503) : 502;
      req.resume();
      req.once("end", () => {
        res.writeHead(status, { "content-type": "application/problem+json", connection: "close" });
        res.end(JSON.stringify({ title: "injected by the test proxy", status }));
        record(req, status, true);
      });
      return;
    }
    const target = new URL(path, state.target);
    const upstream = httpRequest(target, { method, headers: { ...req.headers, host: target.host } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
      upRes.once("end", () => {
        record(req, upRes.statusCode ?? 502, false);
      });
    });
    upstream.once("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy: ${error.message}`);
      record(req, 502, true);
    });
    req.pipe(upstream);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => {
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("the proxy has no TCP address");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    get target() {
      return state.target;
    },
    set target(value) {
      state.target = value;
    },
    log,
    answered,
    failNext(match, status) {
      faults.push({ match, status });
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
