// The memory store's console sign-ins (types-console.ts); the reference for sql/sql-console-sign-ins.ts.
/* eslint-disable @typescript-eslint/require-await -- an async interface implemented synchronously */
import { checkNewConsoleSignIn, checkSecretHash, touchedEnd } from "./console-rules.js";
import { out, type MemoryContext } from "./memory-context.js";
import { invalid } from "./rules.js";
import type { ConsoleSignIn, ConsoleSignInStore } from "./types-console.js";

export function createMemoryConsoleSignIns(ctx: MemoryContext): ConsoleSignInStore {
  const { data } = ctx;
  const live = (secretHash: string): ConsoleSignIn | undefined => {
    const rec = data.consoleSignIns.get(secretHash);
    return rec !== undefined && ctx.now() < rec.endsAt ? rec : undefined;
  };
  return {
    create: async (input) => {
      ctx.check();
      const now = ctx.now();
      const s = checkNewConsoleSignIn(input, now);
      if (data.consoleSignIns.has(s.secretHash)) throw invalid("a console sign-in with this hash exists");
      const rec: ConsoleSignIn = { ...s, createdAt: now, lastSeenAt: now };
      data.consoleSignIns.set(rec.secretHash, rec);
      return out(rec);
    },
    find: async (secretHash) => {
      ctx.check();
      const rec = live(checkSecretHash(secretHash));
      return rec === undefined ? null : out(rec);
    },
    touch: async (secretHash, endsAt) => {
      ctx.check();
      const rec = live(checkSecretHash(secretHash));
      if (rec === undefined) return null;
      const next: ConsoleSignIn = { ...rec, lastSeenAt: ctx.now(), endsAt: touchedEnd(rec, endsAt) };
      data.consoleSignIns.set(next.secretHash, next);
      return out(next);
    },
    end: async (secretHash) => {
      ctx.check();
      return data.consoleSignIns.delete(checkSecretHash(secretHash));
    },
    endForToken: async (tokenId) => {
      ctx.check();
      let n = 0;
      for (const [k, rec] of data.consoleSignIns) {
        if (rec.tokenId === tokenId) {
          data.consoleSignIns.delete(k);
          n++;
        }
      }
      return n;
    },
  };
}
