// The persistent form of the DM Tree (docs/protocol.md §7.1 JSON per instance), part of the client state document.
import type { Actor } from "./actor.js";
import type { MoDataValue } from "./leaf-value.js";

export interface InstanceSnapshot {
  readonly moid: string;
  readonly miid: string;
  /** Cache validator (§6.3), kept across restarts so a server's cached copy stays valid. */
  readonly cv: string;
  readonly creator: Actor;
  /** The instance root's content as typed MOData JSON (an object of the root's children). */
  readonly data: MoDataValue;
}

export interface TreeSnapshot {
  /** Last cache-validator counter used; validators never repeat across restarts. */
  readonly validatorCounter: number;
  /** Next candidate of the built-in MIID counter. */
  readonly miidCounter: number;
  readonly instances: readonly InstanceSnapshot[];
}
