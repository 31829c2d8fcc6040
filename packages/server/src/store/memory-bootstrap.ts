// The memory store's BootstrapStore (the reference implementation; see memory-store.ts for the conventions: every
// check before the first change, records out as copies).
/* eslint-disable @typescript-eslint/require-await -- an async interface implemented synchronously. */
import type { BootstrapStore } from "./bootstrap-store.js";
import {
  checkCredential,
  checkProvision,
  checkRule,
  checkRemoteTarget,
  credentialConflict,
} from "./bootstrap-rules.js";
import { provisionNotFound, provisionNotPending, ruleNotFound } from "./bootstrap-rules.js";
import { memoryPage, out, type MemoryContext } from "./memory-context.js";
import { invalid, jsonRoundTrip, requireText } from "./rules.js";
import { SortOrder } from "./types.js";
import type { MemoryBootstrapData } from "./memory-bootstrap-data.js";
import {
  ProvisionState,
  type BootstrapCredential,
  type BootstrapProvision,
  type BootstrapRule,
  type RemoteTarget,
} from "./types-bootstrap.js";

export function createMemoryBootstrap(ctx: MemoryContext, data: MemoryBootstrapData): BootstrapStore {
  const dropCapabilities = (provisionId: string): void => {
    for (const [k, c] of data.capabilities) if (c.provisionId === provisionId) data.capabilities.delete(k);
  };
  return {
    importCredentials: async (input) => {
      ctx.check();
      const checked = input.map(checkCredential);
      const identities = new Set<string>();
      const fingerprints = new Set<string>();
      const ids = new Set<string>();
      for (const c of data.credentials.values()) {
        if (c.pskIdentity !== null) identities.add(c.pskIdentity);
        if (c.certFingerprint !== null) fingerprints.add(c.certFingerprint);
        ids.add(c.id);
      }
      const now = ctx.now();
      const records: BootstrapCredential[] = [];
      for (const c of checked) {
        const id = c.id ?? ctx.newId();
        if (ids.has(id)) throw credentialConflict(`the id ${id}`);
        if (c.pskIdentity !== null && identities.has(c.pskIdentity))
          throw credentialConflict(`the PSK identity ${c.pskIdentity}`);
        if (c.certFingerprint !== null && fingerprints.has(c.certFingerprint))
          throw credentialConflict("that certificate");
        ids.add(id);
        if (c.pskIdentity !== null) identities.add(c.pskIdentity);
        if (c.certFingerprint !== null) fingerprints.add(c.certFingerprint);
        records.push({ ...c, id, createdAt: now });
      }
      for (const r of records) data.credentials.set(r.id, r);
      return out(records);
    },
    findCredential: async (key) => {
      ctx.check();
      for (const c of data.credentials.values()) {
        if ("pskIdentity" in key && c.pskIdentity === key.pskIdentity) return out(c);
        if ("certFingerprint" in key && c.certFingerprint === key.certFingerprint.toLowerCase()) return out(c);
      }
      return null;
    },
    getCredential: async (id) => {
      ctx.check();
      const c = data.credentials.get(id);
      return c === undefined ? null : out(c);
    },
    listCredentials: async (query = {}) => {
      ctx.check();
      return memoryPage(data.credentials.values(), query, (c) => [c.id], ["string"]);
    },
    deleteCredential: async (id) => {
      ctx.check();
      return data.credentials.delete(id);
    },
    putRule: async (input) => {
      ctx.check();
      const r = checkRule(input);
      const now = ctx.now();
      const previous = data.rules.get(r.id);
      const rule: BootstrapRule = { ...r, createdAt: previous?.createdAt ?? now, updatedAt: now };
      data.rules.set(rule.id, rule);
      return out(rule);
    },
    getRule: async (id) => {
      ctx.check();
      const rule = data.rules.get(id);
      return rule === undefined ? null : out(rule);
    },
    listRules: async () => {
      ctx.check();
      return out([...data.rules.values()].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1)));
    },
    deleteRule: async (id) => {
      ctx.check();
      if (!data.rules.delete(id)) return false;
      for (const [k, v] of data.assignments) if (v === id) data.assignments.delete(k);
      return true;
    },
    assign: async (deviceId, ruleId) => {
      ctx.check();
      requireText(deviceId, "deviceId");
      if (ruleId === null) {
        data.assignments.delete(deviceId);
        return;
      }
      if (!data.rules.has(ruleId)) throw ruleNotFound(ruleId);
      data.assignments.set(deviceId, ruleId);
    },
    assignment: async (deviceId) => {
      ctx.check();
      return data.assignments.get(deviceId) ?? null;
    },
    openProvision: async (input) => {
      ctx.check();
      checkProvision(input);
      for (const p of data.provisions.values()) {
        if (p.sessionHash === input.sessionHash) throw invalid("session token already in use");
      }
      for (const c of input.capabilities)
        if (data.capabilities.has(c.tokenHash)) throw invalid("capability token already in use");
      const payloads = input.capabilities.map((c) => jsonRoundTrip(c.payload, "capability payload"));
      for (const [k, p] of data.provisions) {
        if (p.rec.deviceId === input.deviceId && p.rec.state === ProvisionState.Pending) {
          data.provisions.set(k, { ...p, rec: { ...p.rec, state: ProvisionState.Superseded } });
          dropCapabilities(k);
        }
      }
      const rec: BootstrapProvision = {
        id: ctx.newId(),
        deviceId: input.deviceId,
        credentialId: input.credentialId,
        ruleId: input.ruleId,
        state: ProvisionState.Pending,
        targets: input.targets.map((t) => ({ srvId: t.srvId, miid: t.miid })),
        createdAt: ctx.now(),
        expiresAt: input.expiresAt,
        completedAt: null,
      };
      data.provisions.set(rec.id, { seq: ctx.nextSeq(), sessionHash: input.sessionHash, rec });
      input.capabilities.forEach((c, i) => {
        data.capabilities.set(c.tokenHash, {
          provisionId: rec.id,
          deviceId: input.deviceId,
          payload: payloads[i] ?? null,
          expiresAt: input.expiresAt,
        });
      });
      return out(rec);
    },
    takeCapability: async (tokenHash, deviceId) => {
      ctx.check();
      const c = data.capabilities.get(tokenHash);
      if (c === undefined || c.payload === null || c.deviceId !== deviceId || c.expiresAt <= ctx.now()) return null;
      if (data.provisions.get(c.provisionId)?.rec.state !== ProvisionState.Pending) return null;
      data.capabilities.set(tokenHash, { ...c, payload: null });
      return out(c.payload);
    },
    findProvisionBySession: async (sessionHash) => {
      ctx.check();
      for (const p of data.provisions.values()) if (p.sessionHash === sessionHash) return out(p.rec);
      return null;
    },
    finishProvision: async (id, state) => {
      ctx.check();
      if ((state as string) !== ProvisionState.Completed && (state as string) !== ProvisionState.Failed)
        throw invalid("state must be completed or failed");
      const p = data.provisions.get(id);
      if (p === undefined) throw provisionNotFound(id);
      if (p.rec.state !== ProvisionState.Pending) throw provisionNotPending(id, p.rec.state);
      const rec: BootstrapProvision = { ...p.rec, state, completedAt: ctx.now() };
      data.provisions.set(id, { ...p, rec });
      dropCapabilities(id);
      return out(rec);
    },
    lastCompleted: async (deviceId) => {
      ctx.check();
      let best: { seq: number; rec: BootstrapProvision } | undefined;
      for (const p of data.provisions.values()) {
        if (
          p.rec.deviceId === deviceId &&
          p.rec.state === ProvisionState.Completed &&
          (best === undefined || p.seq > best.seq)
        )
          best = p;
      }
      return best === undefined ? null : out(best.rec);
    },
    listProvisions: async (query = {}) => {
      ctx.check();
      const rows = [...data.provisions.values()].filter(
        (p) => query.deviceId === undefined || p.rec.deviceId === query.deviceId,
      );
      const page = memoryPage(rows, { ...query, order: SortOrder.Desc }, (p) => [p.seq], ["number"]);
      return { items: page.items.map((p) => p.rec), nextCursor: page.nextCursor };
    },
    putTarget: async (input) => {
      ctx.check();
      const t = checkRemoteTarget(input);
      const now = ctx.now();
      const rec: RemoteTarget = { ...t, createdAt: data.targets.get(t.id)?.createdAt ?? now, updatedAt: now };
      data.targets.set(t.id, rec);
      return out(rec);
    },
    getTarget: async (id) => {
      ctx.check();
      const t = data.targets.get(id);
      return t === undefined ? null : out(t);
    },
    listTargets: async () => {
      ctx.check();
      return out([...data.targets.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
    },
    deleteTarget: async (id) => {
      ctx.check();
      return data.targets.delete(id);
    },
  };
}
