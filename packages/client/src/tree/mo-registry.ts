// The MOs this client supports: one MoDefinition per MOID (docs/protocol.md §8), with the DDF URL that Package#1
// MOS entries and serialization items advertise (§3.1, §7.1).
import {
  ErrorCode,
  ProtocolError,
  type MoDefinition,
  type NodeDefinition,
  type Result,
  err,
  ok,
} from "@omadm/protocol";
import { definitionAt, validateDefinition } from "./definition.js";

export interface RegisterOptions {
  /** URL of the DDF document, reported in MOS[].DDF and in MO serialization items. */
  readonly ddfUrl?: string;
}

export interface MoRegistry {
  /** Adds a definition; a MOID can be registered once (instances are typed by it). */
  register(definition: MoDefinition, options?: RegisterOptions): Result<MoDefinition>;
  get(moid: string): MoDefinition | undefined;
  ddfUrl(moid: string): string | undefined;
  /** Registered MOIDs in registration order. */
  moids(): readonly string[];
  /** The node definition at `path` below the MO root, even where no node exists yet. */
  definitionAt(moid: string, path: readonly string[]): NodeDefinition | undefined;
}

export function createMoRegistry(): MoRegistry {
  const defs = new Map<string, { definition: MoDefinition; ddfUrl: string | undefined }>();
  return {
    register(definition, options = {}) {
      const checked = validateDefinition(definition);
      if (!checked.ok) return checked;
      if (defs.has(definition.moid)) {
        return err(
          new ProtocolError(ErrorCode.TREE_BAD_DEFINITION, `MO ${definition.moid} is already registered`, {
            status: 500,
          }),
        );
      }
      defs.set(definition.moid, { definition, ddfUrl: options.ddfUrl });
      return ok(definition);
    },
    get: (moid) => defs.get(moid)?.definition,
    ddfUrl: (moid) => defs.get(moid)?.ddfUrl,
    moids: () => [...defs.keys()],
    definitionAt(moid, path) {
      const d = defs.get(moid);
      return d === undefined ? undefined : definitionAt(d.definition, path);
    },
  };
}
