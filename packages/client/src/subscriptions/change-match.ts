// Which SUB a tree change concerns (docs/protocol.md §4.10: "any change occurring in any part of the tree identified by
// the ClientURI"). A change at a node touches a subscription when the changed node is inside one of the subscribed
// subtrees, or is an ancestor of one (replacing or deleting a parent changes the subtree too). The match is made
// on the URI's shape, with x-names taken as wildcards: it may say yes for a change the nv-fields would exclude,
// which only costs one report of unchanged data — never a missed change.
import type { ClientUri } from "@omadm/protocol";
import type { ChangeEvent } from "../tree/change-events.js";

export function changeTouches(uri: ClientUri, change: Pick<ChangeEvent, "moid" | "miid" | "path">): boolean {
  if (uri.moid !== change.moid) return false;
  if (uri.inst.kind === "miid" && uri.inst.miid !== change.miid) return false;
  const n = Math.min(uri.path.length, change.path.length);
  for (let i = 0; i < n; i++) {
    const seg = uri.path[i];
    if (seg?.kind === "name" && seg.name !== change.path[i]) return false;
  }
  return true;
}
