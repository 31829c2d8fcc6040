// The memory store's capability tokens (hashes only) and audit log; the reference for sql-store-access.ts.
/* eslint-disable @typescript-eslint/require-await -- an async interface implemented synchronously */
import { checkAuditRecord, checkCapability } from "./content-rules.js";
import { memoryPage, out, requireDevice, type MemoryContext } from "./memory-context.js";
import { invalid } from "./rules.js";
import type { AuditStore, CapabilityStore } from "./store.js";
import { SortOrder } from "./types.js";
import type { AuditRecord, Capability } from "./types-content.js";

export function createMemoryCapabilities(ctx: MemoryContext): CapabilityStore {
  const { data } = ctx;
  return {
    issue: async (input) => {
      ctx.check();
      const c = checkCapability(input);
      requireDevice(ctx, c.deviceId);
      if (data.capabilities.has(c.tokenHash)) throw invalid("a capability with this hash exists");
      const rec: Capability = { ...c, createdAt: ctx.now() };
      data.capabilities.set(rec.tokenHash, rec);
      return out(rec);
    },
    find: async (tokenHash) => {
      ctx.check();
      const rec = data.capabilities.get(tokenHash);
      return rec === undefined ? null : out(rec);
    },
  };
}

export function createMemoryAudit(ctx: MemoryContext): AuditStore {
  const { data } = ctx;
  return {
    record: async (input) => {
      ctx.check();
      const a = checkAuditRecord(input);
      const rec: AuditRecord = { id: ctx.newId(), at: ctx.now(), ...a, tokenId: a.tokenId, tokenName: a.tokenName };
      data.audit.set(rec.id, { seq: ctx.nextSeq(), rec });
      return out(rec);
    },
    list: async (query = {}) => {
      ctx.check();
      const rows = [...data.audit.values()].filter(
        ({ rec }) =>
          (query.tokenId === undefined || rec.tokenId === query.tokenId) &&
          (query.action === undefined || rec.action === query.action) &&
          (query.since === undefined || rec.at >= query.since) &&
          (query.until === undefined || rec.at < query.until),
      );
      const page = memoryPage(rows, { ...query, order: query.order ?? SortOrder.Desc }, (r) => [r.seq], ["number"]);
      return { items: page.items.map((r) => r.rec), nextCursor: page.nextCursor };
    },
  };
}
