// Helpers for the observability tests: a Server-Sent Events reader over a real socket (node:http), and a pino
// logger whose JSON lines a test can read.
import { request, type IncomingMessage } from "node:http";
import { Writable } from "node:stream";
import pino from "pino";

export interface SseMessage {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
}

export interface SseStream {
  readonly status: number;
  /** Resolves with the next message (not comments); rejects after `ms`. */
  next(ms?: number): Promise<SseMessage>;
  /** Comment lines seen so far (without the leading colon). */
  readonly comments: readonly string[];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: "text/event-stream", ...headers } }, (res: IncomingMessage) => {
      const messages: SseMessage[] = [];
      const waiters: ((m: SseMessage) => void)[] = [];
      const comments: string[] = [];
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else {
              const i = line.indexOf(":");
              if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trimStart();
            }
          }
          if (fields["data"] === undefined) continue;
          const m = { id: fields["id"], event: fields["event"], data: fields["data"] };
          const w = waiters.shift();
          if (w === undefined) messages.push(m);
          else w(m);
        }
      });
      const ended = new Promise<void>((done) => {
        res.on("end", done);
        res.on("close", done);
      });
      resolve({
        status: res.statusCode ?? 0,
        comments,
        ended,
        next(ms = 5000) {
          const m = messages.shift();
          if (m !== undefined) return Promise.resolve(m);
          return new Promise<SseMessage>((ok, fail) => {
            const timer = setTimeout(() => {
              fail(new Error(`no SSE message within ${ms} ms`));
            }, ms);
            waiters.push((msg) => {
              clearTimeout(timer);
              ok(msg);
            });
          });
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** A pino logger at `level` whose lines are kept as parsed JSON objects. */
export function capturedLogger(level = "debug"): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

/** Polls `read` until `check` holds, at most `ms` (fails the test with `what` otherwise). */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (v: T) => boolean,
  what: string,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
