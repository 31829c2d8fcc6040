// `npm run bench:overload`: the DM Server under more Package#1s than it can take. The server runs in its own
// process (overload-server.ts, memory store, dm.maxOpenSessions 16, Retry-After base 1 s); devices run here.
//   1. capacity: 16 devices in a closed loop for 3 s; complete sessions per second is the measured capacity.
//   2. open-loop arrivals of new sessions at 1×, 2× and 5× that rate for 3 s each. Each session is
//      Package#1 → Package#3 → END; a 503 with Retry-After is "shed" (the device would come back later).
// Prints, per load: admitted sessions and their p50/p99, shed, errors (any other answer or a failed connection),
// timeouts (no answer within 10 s), and the server's peak RSS. The last line is the 5× figure:
//   overload: at 5x capacity: admitted p99 P ms, shed S (503 + Retry-After), errors E, timeouts T, peak RSS R MB
// Bounded: about 15 s of load plus start and drain (every request has a 10 s time-out).
import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MT_P1, MT_P2, MT_P3 } from "@omadm/protocol";

const HERE = dirname(fileURLToPath(import.meta.url));
const PHASE_MS = 3000;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_ARRIVALS_PER_PHASE = 3000;
/** The calibration's concurrency, and the server's dm.maxOpenSessions: the measured capacity is this many
 *  sessions in flight. */
const CAPACITY_SESSIONS = 16;

type Outcome =
  { kind: "admitted"; ms: number } | { kind: "shed" } | { kind: "error"; why: string } | { kind: "timeout" };

interface Tally {
  readonly admitted: number[];
  shed: number;
  errors: number;
  timeouts: number;
  firstError: string | null;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

async function post(url: string, type: string, devId: string, body: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": type, accept: MT_P2, "omadm-devid": devId },
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

/** One complete session of `devId`: Package#1, the Package#3 of its one command, END. */
async function session(base: string, devId: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const p1 = await post(
      `${base}/dm`,
      MT_P1,
      devId,
      JSON.stringify({ Alert: [{ AlertType: "urn:oma:at:dm:2.0:ClientInitiatedMgmt" }] }),
    );
    const p2 = await p1.text();
    if (p1.status === 503 && p1.headers.get("retry-after") !== null) return { kind: "shed" };
    if (p1.status !== 200) return { kind: "error", why: `Package#1 answered ${p1.status}: ${p2.slice(0, 200)}` };
    const cmd = (JSON.parse(p2) as { CMD: string[][] }).CMD;
    const cont = cmd[0]?.[0] === "CONT" ? (cmd[0][1] ?? "") : "";
    if (cont === "") return { kind: "error", why: `no CONT in ${p2.slice(0, 200)}` };
    const p3 = await post(cont, MT_P3, devId, JSON.stringify({ Status: cmd.map(() => ({ sc: 404 })) }));
    const end = await p3.text();
    if (p3.status !== 200 || !end.includes("END"))
      return { kind: "error", why: `Package#3 answered ${p3.status}: ${end.slice(0, 200)}` };
    return { kind: "admitted", ms: performance.now() - started };
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") return { kind: "timeout" };
    return { kind: "error", why: String(error) };
  }
}

function record(tally: Tally, outcome: Outcome): void {
  if (outcome.kind === "admitted") tally.admitted.push(outcome.ms);
  else if (outcome.kind === "shed") tally.shed++;
  else if (outcome.kind === "timeout") tally.timeouts++;
  else {
    tally.errors++;
    tally.firstError ??= outcome.why;
  }
}

const newTally = (): Tally => ({ admitted: [], shed: 0, errors: 0, timeouts: 0, firstError: null });

async function main(): Promise<void> {
  // Devices: calibration plus every phase's arrivals, each used once (one queued command each).
  const devices = 2000 + 8 * MAX_ARRIVALS_PER_PHASE;
  const child = fork(join(HERE, "overload-server.ts"), [String(devices), String(CAPACITY_SESSIONS)], {
    cwd: HERE,
    execArgv: ["--import", "tsx", "--conditions=@omadm/source"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const base = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { baseUrl: string }) => {
      resolve(m.baseUrl);
    });
    child.once("exit", (code) => {
      reject(new Error(`the server process exited (${code ?? "signal"})`));
    });
  });
  let next = 0;
  const device = () => `bench-${next++}`;

  // 1. Capacity: a closed loop of 16 devices.
  const calibration = newTally();
  const until = performance.now() + PHASE_MS;
  await Promise.all(
    Array.from({ length: CAPACITY_SESSIONS }, async () => {
      while (performance.now() < until && next < 2000) record(calibration, await session(base, device()));
    }),
  );
  const capacity = calibration.admitted.length / (PHASE_MS / 1000);
  console.log(
    `capacity: ${capacity.toFixed(0)} sessions/s (${CAPACITY_SESSIONS} devices, closed loop; errors ${calibration.errors})`,
  );
  if (calibration.errors > 0) console.log(`  first error: ${calibration.firstError ?? ""}`);
  next = 2000;

  // 2. Open loop at 1×, 2×, 5×.
  const lines: string[] = [];
  for (const factor of [1, 2, 5]) {
    const rate = capacity * factor;
    const tally = newTally();
    const inFlight: Promise<void>[] = [];
    const started = performance.now();
    let launched = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = performance.now() - started;
        const due = Math.min(MAX_ARRIVALS_PER_PHASE, Math.floor((rate * Math.min(elapsed, PHASE_MS)) / 1000));
        for (; launched < due; launched++)
          inFlight.push(
            session(base, device()).then((o) => {
              record(tally, o);
            }),
          );
        if (elapsed >= PHASE_MS || launched >= MAX_ARRIVALS_PER_PHASE) {
          clearInterval(tick);
          resolve();
        }
      }, 10);
    });
    await Promise.all(inFlight);
    const sorted = [...tally.admitted].sort((a, b) => a - b);
    const line =
      `${factor}x capacity (${rate.toFixed(0)}/s, ${launched} sessions): admitted ${sorted.length}, ` +
      `p50 ${percentile(sorted, 0.5).toFixed(0)} ms, p99 ${percentile(sorted, 0.99).toFixed(0)} ms, shed ${tally.shed}, ` +
      `errors ${tally.errors}, timeouts ${tally.timeouts}`;
    console.log(line);
    if (tally.firstError !== null) console.log(`  first error: ${tally.firstError}`);
    lines.push(
      `admitted p99 ${percentile(sorted, 0.99).toFixed(0)} ms, shed ${tally.shed} (503 + Retry-After), errors ${tally.errors}, timeouts ${tally.timeouts}`,
    );
  }

  const peak = await new Promise<number>((resolve) => {
    child.once("message", (m: { peakRssMb: number }) => {
      resolve(m.peakRssMb);
    });
    child.send("stop");
  });
  console.log(
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(`overload: at 5x capacity: ${lines[2] ?? ""}, peak RSS ${peak.toFixed(0)} MB`);
}

await main();
