// The messages between a bench and its simulator processes (fleet-shards.ts ⇄ fleet-shard.ts), over Node's IPC.
import type { ListeningDevice } from "../src/simulate/register.js";

export type ShardBehaviour =
  | { readonly kind: "standard" }
  | { readonly kind: "fumo"; readonly failRate: number; readonly failResult: number }
  | { readonly kind: "reboot"; readonly delayMs: number };

/** How Package#0 reaches the devices: their own UDP port each, or their own topic on one MQTT connection. */
export type WakeTransport = "udp" | "mqtt";

export interface ShardOptions {
  readonly serverBase: string;
  readonly devIdPattern: string;
  /** The number of the process's first device (1-based, as `createFleet`'s `first`). */
  readonly first: number;
  readonly devices: number;
  readonly wake: WakeTransport;
  readonly mqttUrl: string;
  readonly topicPrefix: string;
  readonly behaviour: ShardBehaviour;
  /** Most HTTP connections this process opens to the DM Server (one keep-alive pool). */
  readonly connections: number;
}

export type ParentToShard = { readonly type: "stats" } | { readonly type: "stop" };

export type ShardToParent =
  | {
      readonly type: "ready";
      readonly rss: number;
      /** Heap per device with every device at rest before its first session (after a full GC), bytes. */
      readonly idleBytesPerDevice: number;
      /** CPU time of the process so far (user + system): what starting its devices took, ms. */
      readonly cpuMs: number;
      readonly devices: readonly ListeningDevice[];
    }
  | { readonly type: "failed"; readonly message: string }
  | {
      readonly type: "progress";
      readonly open: number;
      /** The numbers of the devices whose session completed since the last progress. */
      readonly completed: readonly number[];
      /** Devices whose Package#1 got 503 (admission control) since the last progress. */
      readonly refused: readonly number[];
    }
  | {
      readonly type: "stats";
      readonly errors: number;
      readonly buckets: readonly (readonly [number, number])[];
      readonly rss: number;
      /** Heap per device once every device rests again after its sessions (after a full GC), bytes. */
      readonly idleBytesPerDevice: number;
      /** CPU time of the process so far (user + system), ms. */
      readonly cpuMs: number;
      /** The most devices with a live DmClient at once (in a session or owing one). */
      readonly peakLive: number;
    };
