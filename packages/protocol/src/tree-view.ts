// The small read-only tree interface the ClientURI resolver walks (docs/protocol.md §6.1). The client's DM Tree
// and the server's mirror of a device both implement it, so that one resolver serves both sides.

export interface TreeNodeView {
  /** Node name; for an instance root, the DDF root NodeName (or the MIID for an unnamed root). */
  readonly name: string;
  /** True for a leaf (has a value, no children). */
  readonly isLeaf: boolean;
  /** Children in a stable order; empty for a leaf. */
  children(): Iterable<TreeNodeView>;
  /** The child with exactly this name, or undefined. */
  child(name: string): TreeNodeView | undefined;
  /** A leaf's value as a string (for nv= comparison); undefined for interior nodes or leaves with no value. */
  value(): string | undefined;
}

export interface TreeView {
  /** MIIDs of every instance of `moid`, in a stable order; empty when there is none. */
  instances(moid: string): readonly string[];
  /** The root node of one instance, or undefined. */
  root(moid: string, miid: string): TreeNodeView | undefined;
}
