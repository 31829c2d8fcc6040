// The server log's form: `auto` is readable on a terminal and JSON otherwise, `json` and `pretty` force it; the
// readable line carries time, level, message and every field (a request as "METHOD url", an error with its
// stack), without colours when NO_COLOR is set or the output is not a terminal.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseLogFormat, prettyLine, serverLogger, type LogOutput } from "../src/log-format.js";

test("the choice: auto follows the terminal, json and pretty are kept", () => {
  assert.equal(chooseLogFormat("auto", true), "pretty");
  assert.equal(chooseLogFormat("auto", false), "json");
  assert.equal(chooseLogFormat("json", true), "json");
  assert.equal(chooseLogFormat("pretty", false), "pretty");
});

function capture(isTTY: boolean): LogOutput & { text: () => string } {
  let text = "";
  return {
    isTTY,
    write: (s: string) => (text += s),
    text: () => text,
  };
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));

test("serverLogger writes JSON to a pipe and readable lines to a terminal", async () => {
  const pipe = capture(false);
  serverLogger({ level: "info", format: "auto" }, pipe).info(
    { deviceId: "IMEI:1", sessionId: "s1" },
    "DM session started",
  );
  await flushed();
  const record = JSON.parse(pipe.text()) as Record<string, unknown>;
  assert.equal(record["msg"], "DM session started");
  assert.equal(record["deviceId"], "IMEI:1");

  const tty = capture(true);
  serverLogger({ level: "info", format: "auto" }, tty, {}).info({ deviceId: "IMEI:1", n: 3 }, "DM session started");
  await flushed();
  assert.ok(tty.text().includes("\u001b[32mINFO"), "colours on a terminal");
  assert.match(tty.text(), /DM session started.*deviceId=IMEI:1 n=3/);

  const noColour = capture(true);
  serverLogger({ level: "info", format: "auto" }, noColour, { NO_COLOR: "1" }).warn("careful");
  await flushed();
  assert.match(noColour.text(), /^\d\d:\d\d:\d\d\.\d{3} WARN {2}careful\n$/);

  const forced = capture(true);
  serverLogger({ level: "info", format: "json" }, forced, {}).info("x");
  await flushed();
  assert.equal((JSON.parse(forced.text()) as { msg: string }).msg, "x");
});

test("a readable line: fields as key=value, requests and responses short, errors with their stack", () => {
  const time = Date.UTC(2026, 11, 6, 14, 0, 1, 234);
  assert.equal(
    prettyLine(
      {
        level: 30,
        time,
        pid: 1,
        hostname: "h",
        service: "omadm",
        msg: "request completed",
        reqId: "req-1",
        res: { statusCode: 201 },
        responseTime: 2.5,
      },
      false,
    ),
    "14:00:01.234 INFO  request completed  reqId=req-1 status=201 responseTime=2.5",
  );
  assert.equal(
    prettyLine({ level: 30, time, msg: "incoming request", request: { method: "GET", url: "/api/v1/devices" } }, false),
    "14:00:01.234 INFO  incoming request  GET /api/v1/devices",
  );
  const line = prettyLine(
    {
      level: 50,
      time,
      msg: "failed",
      err: { type: "Error", message: "boom here", stack: "Error: boom here\n    at f (x.ts:1:1)" },
      note: "two words",
    },
    false,
  );
  assert.equal(line, '14:00:01.234 ERROR failed  err="Error: boom here" note="two words"\n    at f (x.ts:1:1)');
});
