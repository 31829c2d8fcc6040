// Who changes the tree: a DM Server (identified by its SrvID, docs/protocol.md §9.2) or the device itself. Server
// changes obey the DDF (Scope, AccessType, required nodes, §8.1–§8.2); local applications are trusted.
export type Actor =
  { readonly kind: "local"; readonly app?: string } | { readonly kind: "server"; readonly srvId: string };

export const LOCAL: Actor = { kind: "local" };

export function serverActor(srvId: string): Actor {
  return { kind: "server", srvId };
}

export function sameActor(a: Actor, b: Actor): boolean {
  if (a.kind === "server") return b.kind === "server" && a.srvId === b.srvId;
  return b.kind === "local" && a.app === b.app;
}
