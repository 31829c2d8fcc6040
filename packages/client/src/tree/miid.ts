// MO instance identifiers (docs/protocol.md §4.1, §6.1). The DM Client assigns the MIID when an instance is
// created (DM 2.0 §5.3.1); a MIID the server asks for is kept when it is free and valid.

// Candidates are checked with isValidMiid (@omadm/protocol, the §6.1 charset, omadm's choice) before use.

/** Produces MIID candidates; the tree asks again while a candidate is taken or invalid. */
export type MiidSource = (moid: string) => string;

/** Candidates `${prefix}${n}` for n = start, start+1, … (deterministic; good for tests and small devices). */
export function counterMiidSource(start = 1, prefix = "m"): MiidSource {
  let n = start;
  return () => `${prefix}${n++}`;
}

/** Random hex candidates from an injected byte source (e.g. node:crypto randomBytes). */
export function randomMiidSource(randomBytes: (size: number) => Uint8Array, size = 8): MiidSource {
  return () => Array.from(randomBytes(size), (b) => b.toString(16).padStart(2, "0")).join("");
}
