// HGET (docs/protocol.md §4.1 and omadm's rules there): GET the ServerURI with `Accept` = the MO
// formats we read, then add or replace the received data in the DM Tree.
// - With a ClientURI: exactly one item, stored at that ClientURI replacing everything there; the item's own
//   ClientURI only has to name the same MOID.
// - Without: each item at its own ClientURI; an empty mo-inst with no instance, or a MIID that does not exist,
//   creates an instance whose MIID the client assigns (keeping the requested one when free and valid).
// - The concrete ClientURIs written go in `URI`. Wildcards or x-names in a target → 400; MOID not provisioned →
//   403; permanent or not writable → 405 (the tree's DDF checks); repository HTTP error → its code; no
//   response → 503; unreadable format → 415.
// - All-or-nothing: one bad item leaves the tree unchanged (several items are tried on a scratch copy first).
// The same procedure serves the DEFAULT fallback (§4.9), which sends no status anywhere.
import { type ClientUri, concreteClientUri, parseServerUri, Status } from "@omadm/protocol";
import { serverActor, type Actor } from "../tree/actor.js";
import { createDmTree, type DmTree } from "../tree/dm-tree.js";
import { storeMoData } from "../tree/mo-items.js";
import type { CommandEnv } from "./command-env.js";
import { type Targeted, fail, hasWildcard, parseTarget } from "./targets.js";
import { fetchMoData } from "./transfer.js";

export interface HgetRequest {
  readonly serverUri: string;
  readonly clientUri?: string;
  /** The DM Server the data is stored for: access control (§10) and the creator of new instances. */
  readonly serverId: string;
  readonly signal?: AbortSignal;
  /** DEFAULT fallback: the data must belong to this MOID (400 otherwise). */
  readonly onlyMoid?: string;
}

export interface HgetOutcome {
  readonly sc: number;
  /** Concrete ClientURIs where data was stored (on 200). */
  readonly uris: readonly string[];
  /** What went wrong, for logs (absent on 200). */
  readonly message?: string;
}

/** Where one item goes: an instance (by MIID, or the only one) and a path below its root. */
interface Placement {
  readonly moid: string;
  readonly miid: string | undefined; // undefined: the only instance (mo-inst "")
  readonly path: readonly string[];
}

interface Write {
  readonly placement: Placement;
  readonly moData: unknown;
}

function placementOf(uri: ClientUri, what: string): Targeted<Placement> {
  if (hasWildcard(uri)) {
    return fail(Status.BAD_REQUEST, `${what} uses a wildcard or an x-name; HGET needs one target (§4.1)`);
  }
  const path = uri.path.flatMap((s) => (s.kind === "name" ? [s.name] : []));
  return { ok: true, value: { moid: uri.moid, miid: uri.inst.kind === "miid" ? uri.inst.miid : undefined, path } };
}

/** The existing instance a placement writes into, undefined when it creates one; 404 for an ambiguous "". */
function existingMiid(tree: DmTree, p: Placement): Targeted<string | undefined> {
  if (p.miid !== undefined) return { ok: true, value: tree.root(p.moid, p.miid) === undefined ? undefined : p.miid };
  const list = tree.instances(p.moid);
  if (list.length > 1) {
    return fail(Status.NOT_FOUND, `mo-inst "" is ambiguous: ${p.moid} has ${list.length} instances (§6.1)`);
  }
  return { ok: true, value: list[0] };
}

function apply(
  tree: DmTree,
  w: Write,
  actor: Actor,
  chosenMiid?: string,
): Targeted<{ miid: string; created: boolean }> {
  const existing = existingMiid(tree, w.placement);
  if (!existing.ok) return existing;
  const miid = existing.value ?? chosenMiid ?? w.placement.miid;
  const r = storeMoData(tree, { moid: w.placement.moid, miid, path: w.placement.path }, w.moData, actor);
  if (!r.ok) return fail(r.error.status, r.error.message);
  return { ok: true, value: { miid: r.value.miid, created: r.value.created } };
}

function checkAccess(env: CommandEnv, serverId: string, p: Placement): Targeted<true> {
  const existing = existingMiid(env.tree, p);
  if (!existing.ok) return existing;
  const target =
    existing.value === undefined
      ? { moid: p.moid, path: p.path }
      : { moid: p.moid, miid: existing.value, path: p.path };
  const r = env.access.checkTarget(serverId, "HGET", target);
  return r.ok ? r : fail(r.error.status, r.error.message);
}

/** Stores every write or none; returns the concrete ClientURIs written. */
function storeAll(env: CommandEnv, writes: readonly Write[], actor: Actor): Targeted<string[]> {
  const uriOf = (w: Write, miid: string): string => concreteClientUri(w.placement.moid, miid, w.placement.path);
  const [only] = writes;
  if (writes.length === 1 && only !== undefined) {
    const r = apply(env.tree, only, actor);
    return r.ok ? { ok: true, value: [uriOf(only, r.value.miid)] } : r;
  }
  // A scratch copy takes every write first; the real tree is touched only when all of them succeeded, with the
  // MIIDs the copy chose (so a random MIID source cannot make the two runs differ).
  const scratch = createDmTree({ registry: env.tree.registry });
  const copied = scratch.restore(env.tree.snapshot());
  if (!copied.ok) return fail(Status.COMMAND_FAILED, `HGET could not stage its writes: ${copied.error.message}`);
  const chosen: (string | undefined)[] = [];
  for (const w of writes) {
    const r = apply(scratch, w, actor);
    if (!r.ok) return r;
    chosen.push(r.value.created ? r.value.miid : undefined);
  }
  const before = env.tree.snapshot();
  const uris: string[] = [];
  for (const [i, w] of writes.entries()) {
    const r = apply(env.tree, w, actor, chosen[i]);
    if (!r.ok) {
      // Unreachable unless the tree changed between the two runs; undo rather than leave half the data.
      env.tree.restore(before);
      env.logger.warn({ message: r.message }, "HGET: the staged writes failed on the real tree; rolled back");
      return fail(Status.COMMAND_FAILED, r.message);
    }
    const uri = uriOf(w, r.value.miid);
    if (!uris.includes(uri)) uris.push(uri);
  }
  return { ok: true, value: uris };
}

/** Runs the HGET procedure; never rejects. */
export async function performHget(env: CommandEnv, req: HgetRequest): Promise<HgetOutcome> {
  const failed = (sc: number, message: string): HgetOutcome => ({ sc, uris: [], message });
  const url = parseServerUri(req.serverUri, { allowHttp: env.allowHttp });
  if (!url.ok) return failed(Status.BAD_REQUEST, url.error.message);
  let target: Placement | undefined;
  if (req.clientUri !== undefined) {
    const parsed = parseTarget(req.clientUri);
    if (!parsed.ok) return failed(parsed.sc, parsed.message);
    const p = placementOf(parsed.value, "the ClientURI");
    if (!p.ok) return failed(p.sc, p.message);
    if (req.onlyMoid !== undefined && p.value.moid !== req.onlyMoid) {
      return failed(Status.BAD_REQUEST, `the ClientURI names ${p.value.moid}, not ${req.onlyMoid}`);
    }
    // Refuse before downloading anything when the target itself is not ours to write (§10).
    const access = checkAccess(env, req.serverId, p.value);
    if (!access.ok) return failed(access.sc, access.message);
    target = p.value;
  }
  const fetched = await fetchMoData(env, req.serverUri, req.signal, req.serverId);
  if (fetched.kind === "failed") return failed(fetched.sc, fetched.message);
  const items = fetched.items;
  const writes: Write[] = [];
  if (target !== undefined) {
    const [item] = items;
    if (items.length !== 1 || item === undefined) {
      return failed(Status.BAD_REQUEST, `with a ClientURI the data must hold exactly one item, got ${items.length}`);
    }
    const slash = item.ClientURI.indexOf("/");
    const itemMoid = slash < 0 ? item.ClientURI : item.ClientURI.slice(0, slash);
    if (itemMoid !== target.moid) {
      return failed(Status.BAD_REQUEST, `the item is for ${JSON.stringify(itemMoid.slice(0, 80))}, not ${target.moid}`);
    }
    writes.push({ placement: target, moData: item.MOData });
  } else {
    if (items.length === 0) return failed(Status.BAD_REQUEST, "the MO data holds no item");
    for (const [i, item] of items.entries()) {
      const parsed = parseTarget(item.ClientURI);
      if (!parsed.ok) return failed(parsed.sc, `item ${i}: ${parsed.message}`);
      const p = placementOf(parsed.value, `item ${i}'s ClientURI`);
      if (!p.ok) return failed(p.sc, p.message);
      if (req.onlyMoid !== undefined && p.value.moid !== req.onlyMoid) {
        return failed(Status.BAD_REQUEST, `item ${i} is for ${p.value.moid}, not ${req.onlyMoid}`);
      }
      const access = checkAccess(env, req.serverId, p.value);
      if (!access.ok) return failed(access.sc, `item ${i}: ${access.message}`);
      writes.push({ placement: p.value, moData: item.MOData });
    }
  }
  const stored = storeAll(env, writes, serverActor(req.serverId));
  if (!stored.ok) return failed(stored.sc, stored.message);
  return { sc: Status.OK, uris: stored.value };
}
