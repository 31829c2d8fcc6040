// The daemon's control socket (docs/client-state.md): a Unix socket in the state directory, mode 0600 inside the
// 0700 directory, over which `omadm client set|alert|tree` ask a running daemon to act on its live state instead
// of editing the file under it. Newline-delimited JSON: one request per line, one answer per line, in order.
//   request  {"id": 1, "op": "set", "args": {…}}
//   answer   {"id": 1, "ok": true, "result": …}  or  {"id": 1, "ok": false, "error": {"code": "OMADM_…", "message": "…"}}
// A line that is not such a request is answered with CONTROL_REQUEST and changes nothing; a line longer than
// MAX_REQUEST_BYTES closes the connection after that answer.
import { chmod, rm } from "node:fs/promises";
import { type Server, type Socket, createConnection, createServer } from "node:net";
import { OmadmError, errorMessage } from "@omadm/protocol";
import { DmClientError, DmClientErrorCode } from "../dm-client/dm-client-error.js";

/** Longest request line accepted (bytes, newline excluded). */
export const MAX_REQUEST_BYTES = 64 * 1024;

export type ControlHandler = (op: string, args: Record<string, unknown>) => Promise<unknown>;

export interface ControlAnswerError {
  readonly code: string;
  readonly message: string;
}

export type ControlAnswer =
  | { readonly id: unknown; readonly ok: true; readonly result: unknown }
  | { readonly id: unknown; readonly ok: false; readonly error: ControlAnswerError };

export interface ControlServer {
  /** Stops accepting, ends open connections and removes the socket file. */
  close(): Promise<void>;
}

function requestError(message: string): DmClientError {
  return new DmClientError(DmClientErrorCode.CONTROL_REQUEST, message);
}

/** Parses one request line (total: a bad line gives the error to answer). */
export function parseControlRequest(
  line: string,
): { ok: true; id: unknown; op: string; args: Record<string, unknown> } | { ok: false; id: unknown; error: Error } {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return { ok: false, id: null, error: requestError("the request is not valid JSON") };
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    return { ok: false, id: null, error: requestError("the request must be a JSON object") };
  }
  const r = o as Record<string, unknown>;
  const id: unknown = r.id ?? null;
  if (typeof r.op !== "string" || r.op === "") return { ok: false, id, error: requestError('"op" must be a string') };
  const args: unknown = r.args ?? {};
  if (typeof args !== "object" || Array.isArray(args)) {
    return { ok: false, id, error: requestError('"args" must be an object') };
  }
  return { ok: true, id, op: r.op, args: args as Record<string, unknown> };
}

function errorAnswer(id: unknown, error: unknown): ControlAnswer {
  const code: string = error instanceof OmadmError ? (error as OmadmError).code : DmClientErrorCode.CONTROL_FAILED;
  return { id, ok: false, error: { code, message: errorMessage(error) } };
}

/** Listens on `path` (a stale socket file there is removed first: the caller holds the state lock). */
export async function listenControlSocket(path: string, handle: ControlHandler): Promise<ControlServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined); // a client that goes away mid-answer is not the daemon's problem
    serveConnection(socket, handle);
  });
  await rm(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  let closing: Promise<void> | undefined;
  return {
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        for (const s of sockets) s.end();
      }).then(() => rm(path, { force: true }))),
  };
}

function serveConnection(socket: Socket, handle: ControlHandler): void {
  let buffered = "";
  // Answers go out in request order even when handlers finish out of order.
  let chain: Promise<void> = Promise.resolve();
  const answer = (a: ControlAnswer): void => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(a)}\n`);
  };
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim() === "") continue;
      const req = parseControlRequest(line);
      chain = chain.then(async () => {
        if (!req.ok) {
          answer(errorAnswer(req.id, req.error));
          return;
        }
        try {
          answer({ id: req.id, ok: true, result: (await handle(req.op, req.args)) ?? null });
        } catch (error) {
          answer(errorAnswer(req.id, error));
        }
      });
    }
    if (Buffer.byteLength(buffered) > MAX_REQUEST_BYTES) {
      buffered = "";
      const tooLong = requestError(`a request line is longer than ${MAX_REQUEST_BYTES} bytes`);
      void chain.then(() => {
        answer(errorAnswer(null, tooLong));
        socket.end();
      });
    }
  });
}

function isCode(e: unknown, ...codes: string[]): boolean {
  const c = typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof c === "string" && codes.includes(c);
}

/** True for the connect errors that mean "no daemon listens here" (no socket file, or a stale one). */
export function isNoDaemon(error: unknown): boolean {
  return error instanceof ControlUnavailable && error.noDaemon;
}

class ControlUnavailable extends DmClientError {
  readonly noDaemon: boolean;

  constructor(message: string, noDaemon: boolean, cause?: unknown) {
    super(DmClientErrorCode.CONTROL_UNAVAILABLE, message, cause);
    this.noDaemon = noDaemon;
  }
}

/**
 * Sends one request to the daemon listening on `path` and returns its result. Rejects with CONTROL_UNAVAILABLE
 * (noDaemon true when nothing listens there) or with the daemon's error (its code and message).
 */
export function controlRequest(
  path: string,
  op: string,
  args: Record<string, unknown>,
  options: { readonly timeoutMs?: number } = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buffered = "";
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      f();
    };
    socket.setTimeout(options.timeoutMs ?? 60_000, () => {
      finish(() => {
        reject(new ControlUnavailable(`the daemon did not answer on ${path}`, false));
      });
    });
    socket.on("connect", () => {
      socket.write(`${JSON.stringify({ id: 1, op, args })}\n`);
    });
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      const nl = buffered.indexOf("\n");
      if (nl < 0) return;
      finish(() => {
        const a = parseAnswer(buffered.slice(0, nl));
        if (a === undefined)
          reject(new ControlUnavailable(`the daemon on ${path} sent an answer that is not JSON`, false));
        else if (a.ok) resolve(a.result);
        else reject(new RemoteError(a.error));
      });
    });
    socket.on("error", (e) => {
      finish(() => {
        const none = isCode(e, "ENOENT", "ECONNREFUSED");
        reject(new ControlUnavailable(`cannot reach the daemon on ${path}: ${errorMessage(e)}`, none, e));
      });
    });
    socket.on("close", () => {
      finish(() => {
        reject(new ControlUnavailable(`the daemon on ${path} closed the connection before answering`, false));
      });
    });
  });
}

/** The daemon's error, with its code kept when it is one of the client's codes. */
class RemoteError extends DmClientError {
  readonly remoteCode: string;

  constructor(e: ControlAnswerError) {
    const known = (Object.values(DmClientErrorCode) as string[]).includes(e.code);
    super(known ? (e.code as DmClientErrorCode) : DmClientErrorCode.CONTROL_FAILED, e.message);
    this.remoteCode = e.code;
  }
}

function parseAnswer(line: string): ControlAnswer | undefined {
  try {
    const o = JSON.parse(line) as Partial<ControlAnswer> | null;
    if (typeof o !== "object" || o === null || typeof o.ok !== "boolean") return undefined;
    if (o.ok) return o as ControlAnswer;
    const e = (o as { error?: Partial<ControlAnswerError> }).error;
    if (typeof e?.code !== "string" || typeof e.message !== "string") return undefined;
    return o as ControlAnswer;
  } catch {
    return undefined;
  }
}
