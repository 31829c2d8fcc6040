// `npm run bench:server -- --heap-prof <dir>`: what the target allocates inside the measured window. V8's
// sampling heap profiler, asked to keep the samples of objects the collector has already freed, records about
// one allocation per `SAMPLE_BYTES` with its stack, so the profile shows where the garbage comes from, not only
// what is still alive at the end. Read it with heapprofile-summary.ts (or Chrome DevTools, Memory tab).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const SAMPLE_BYTES = 32 * 1024;

export interface HeapSampler {
  /** Stops sampling and writes the profile; returns its path. */
  stop(): Promise<string>;
}

export async function startHeapSampler(dir: string, label: string): Promise<HeapSampler> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => {
      session.post(method, params ?? {}, (error, result) => {
        if (error) reject(error);
        else resolve(result);
      });
    });
  await post("HeapProfiler.enable");
  await post("HeapProfiler.startSampling", {
    samplingInterval: SAMPLE_BYTES,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return {
    async stop() {
      const { profile } = (await post("HeapProfiler.stopSampling")) as { profile: unknown };
      session.disconnect();
      const file = join(dir, `${label}-${process.pid}.heapprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
