// What the memory store keeps for the bootstrap role (memory-bootstrap.ts works on it); MemoryStoreData holds one
// and includes its maps in its snapshot, so a rolled-back transaction undoes bootstrap changes too.
import type {
  BootstrapCredential,
  BootstrapProvision,
  BootstrapRule,
  CapabilityPayload,
  RemoteTarget,
} from "./types-bootstrap.js";

export interface MemoryCapability {
  readonly provisionId: string;
  readonly deviceId: string;
  readonly payload: CapabilityPayload | null;
  readonly expiresAt: number;
}

export class MemoryBootstrapData {
  readonly credentials = new Map<string, BootstrapCredential>();
  readonly rules = new Map<string, BootstrapRule>();
  readonly assignments = new Map<string, string>();
  readonly provisions = new Map<
    string,
    { readonly seq: number; readonly sessionHash: string; readonly rec: BootstrapProvision }
  >();
  readonly capabilities = new Map<string, MemoryCapability>();
  readonly targets = new Map<string, RemoteTarget>();

  maps(): Map<string, unknown>[] {
    return [this.credentials, this.rules, this.assignments, this.provisions, this.capabilities, this.targets];
  }
}
