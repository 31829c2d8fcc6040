// The live line `omadm simulate` keeps redrawing on a terminal (sessions/s over the last second, errors, p99),
// and the summary it prints at the end. Formatting only; the caller owns the timer and the stream.
import type { FleetStatsSnapshot } from "./stats.js";

export function statusLine(now: FleetStatsSnapshot, before: FleetStatsSnapshot, seconds: number): string {
  const rate = seconds > 0 ? (now.sessions - before.sessions) / seconds : 0;
  return (
    `sessions ${now.sessions} (${rate.toFixed(0)}/s) · open ${now.open} · errors ${now.errors} · ` +
    `p99 ${now.p99Ms} ms · notifications ${now.notificationsAccepted}` +
    (now.notificationsRejected > 0 ? ` (${now.notificationsRejected} rejected)` : "")
  );
}

export function summaryLine(devices: number, s: FleetStatsSnapshot, seconds: number, rssBytes: number): string {
  const rate = seconds > 0 ? s.sessions / seconds : 0;
  return (
    `simulate: ${devices} devices, ${s.sessions} sessions in ${seconds.toFixed(1)} s (${rate.toFixed(1)}/s), ` +
    `${s.errors} errors, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, ${s.notificationsAccepted} notifications accepted` +
    `${s.notificationsRejected > 0 ? ` (${s.notificationsRejected} rejected)` : ""}, RSS ${Math.round(rssBytes / 1048576)} MB`
  );
}
