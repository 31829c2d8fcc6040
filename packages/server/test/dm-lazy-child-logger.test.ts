// The DM request's child logger (dm/lazy-child-logger.ts), on a real pino logger: lines logged through it carry
// the bindings, exactly as pino's own child's do; no child is made for a request that logs nothing, nor for a line
// at a level the parent does not log; one child serves every line of the request.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import type { FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import { lazyChildLogger } from "../src/dm/lazy-child-logger.js";

function capturingPino(level: string): {
  logger: FastifyBaseLogger;
  lines: Record<string, unknown>[];
  made: () => number;
} {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  // pino writes synchronously to a plain stream (no worker, no buffering): a line is in `lines` once logged.
  const logger = pino({ level, base: null, timestamp: false }, sink);
  // Children of the root only: pino's children inherit this method (their prototype is the root).
  const original = Reflect.get(logger, "child") as (...args: unknown[]) => unknown;
  let children = 0;
  Reflect.set(logger, "child", function (this: unknown, ...args: unknown[]) {
    if (this === logger) children += 1;
    return Reflect.apply(original, this, args);
  });

  return { logger, lines, made: () => children };
}

test("no line logged: no child is made", () => {
  const { logger, made } = capturingPino("info");
  const lazy = lazyChildLogger(logger, { deviceId: "IMEI:1" });
  assert.equal(lazy.level, "info");
  assert.equal(made(), 0);
});

test("lines carry the bindings, with one child for all of them, in pino's two call forms", () => {
  const { logger, lines, made } = capturingPino("info");
  const lazy = lazyChildLogger(logger, { deviceId: "IMEI:2" });
  lazy.warn({ sessionId: "s1" }, "first %s", "line");
  lazy.error("second");
  assert.equal(made(), 1);
  assert.deepEqual(
    lines.map((l) => [l["deviceId"], l["msg"], l["sessionId"], l["level"]]),
    [
      ["IMEI:2", "first line", "s1", 40],
      ["IMEI:2", "second", undefined, 50],
    ],
  );
});

test("a line below the parent's level makes no child and writes nothing; a child of it keeps both bindings", () => {
  const { logger, lines, made } = capturingPino("warn");
  const lazy = lazyChildLogger(logger, { deviceId: "IMEI:3" });
  lazy.info("not logged at warn");
  lazy.debug({ x: 1 }, "nor this");
  assert.equal(made(), 0);
  assert.equal(lines.length, 0);
  lazy.child({ step: "p3" }).warn("nested");
  assert.equal(made(), 1);
  assert.deepEqual(
    lines.map((l) => [l["deviceId"], l["step"], l["msg"]]),
    [["IMEI:3", "p3", "nested"]],
  );
});

test("its level follows the parent until set, and setting it sets the child's", () => {
  const { logger, lines } = capturingPino("info");
  const lazy = lazyChildLogger(logger, { deviceId: "IMEI:4" });
  lazy.level = "debug";
  lazy.debug("now logged");
  assert.equal(lazy.level, "debug");
  assert.equal(logger.level, "info");
  assert.deepEqual(
    lines.map((l) => [l["deviceId"], l["msg"]]),
    [["IMEI:4", "now logged"]],
  );
});
