// `npm run bench:protocol`: operations per second of the @omadm/protocol hot paths, measured with mitata,
// plus — in the same run, on the same bytes — the ratio of Package#0 encode+sign against a bare SHA-256 of
// the same input with node:crypto (the floor the codec cannot beat: the digest must hash those bytes).
import { measure } from "mitata";
import { createNotificationCases } from "./notification-cases.js";
import { createPackagesCases } from "./packages-cases.js";
import { createUriCases, URI_BENCH_CASES } from "./uri-cases.js";

interface Row {
  readonly name: string;
  readonly unit: number; // operations per call of the closure
  readonly avgNs: number;
  readonly p99Ns: number;
}

async function time(name: string, fn: () => unknown, unit = 1): Promise<Row> {
  const stats = await measure(fn, { min_cpu_time: 400e6 });
  return { name, unit, avgNs: stats.avg / unit, p99Ns: stats.p99 / unit };
}

function fmt(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(2)} µs` : `${n.toFixed(0)} ns`;
}

async function main(): Promise<void> {
  const p0 = createNotificationCases();
  const pk = createPackagesCases();
  const uri = createUriCases();
  const uriCount = URI_BENCH_CASES.length; // URIs per parse()/resolve() call

  const rows: Row[] = [];
  rows.push(await time("Package#0 encode+sign", () => p0.encodeSign()));
  rows.push(
    await time("Package#0 decode+verify", () => {
      p0.decodeVerify();
    }),
  );
  rows.push(await time("SHA-256 of the same input (node:crypto)", () => p0.bareSha256()));
  rows.push(await time("Package#2 parse (10 commands)", () => pk.parseP2()));
  rows.push(await time("Package#2 parse+validate", () => pk.parseValidateP2()));
  rows.push(await time("Package#2 serialize", () => pk.serializeP2()));
  rows.push(await time("Package#3 parse (10 statuses, GET data)", () => pk.parseP3()));
  rows.push(await time("Package#3 serialize", () => pk.serializeP3()));
  rows.push(
    await time(
      "ClientURI parse (per URI)",
      () => {
        uri.parse();
      },
      uriCount,
    ),
  );
  rows.push(
    await time(
      `ClientURI resolve over ${uri.tree.nodeCount} nodes (per URI)`,
      () => {
        uri.resolve();
      },
      uriCount,
    ),
  );

  console.log(`omadm protocol benchmarks — node ${process.version}, ${process.arch}`);
  console.log("operation".padEnd(52) + "avg".padStart(11) + "p99".padStart(11) + "ops/s".padStart(14));
  for (const r of rows) {
    const ops = Math.round(1e9 / r.avgNs).toLocaleString("en-US");
    console.log(r.name.padEnd(52) + fmt(r.avgNs).padStart(11) + fmt(r.p99Ns).padStart(11) + ops.padStart(14));
  }
  const sign = rows[0];
  const verify = rows[1];
  const floor = rows[2];
  if (sign && verify && floor) {
    console.log(`ratio encode+sign / bare SHA-256:   ${(sign.avgNs / floor.avgNs).toFixed(2)}x`);
    console.log(`ratio decode+verify / bare SHA-256: ${(verify.avgNs / floor.avgNs).toFixed(2)}x`);
  }
}

await main();
