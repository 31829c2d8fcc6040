// DevIDs of simulated devices from one pattern: `{n}` is the device's number, `{n:07}` the number padded with
// zeros to 7 digits. `IMEI:35900000{n:07}` gives IMEI:359000000000001, IMEI:359000000000002, …
import { UsageError } from "../cli-errors.js";

const PLACEHOLDER = /\{n(?::0(\d+))?\}/g;

/** The function from a device number to its DevID. UsageError when the pattern has no `{n}`. */
export function devIdPattern(pattern: string): (n: number) => string {
  if (!/\{n(?::0\d+)?\}/.test(pattern)) {
    throw new UsageError(`the DevID pattern ${JSON.stringify(pattern)} needs {n} or {n:0W} (e.g. IMEI:35900000{n:07})`);
  }
  const rest = pattern.replace(PLACEHOLDER, "");
  if (/[{}]/.test(rest)) throw new UsageError(`the DevID pattern ${JSON.stringify(pattern)} has an unknown {…} part`);
  return (n) =>
    pattern.replace(PLACEHOLDER, (_m, width: string | undefined) => String(n).padStart(Number(width ?? 0), "0"));
}
