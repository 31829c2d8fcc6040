// The one contract every Store implementation passes (ARCHITECTURE.md invariant 9; the aedes-persistence `abstract.js`
// and Hono `common.case.test.ts` pattern). Each implementation has a small *.test.ts that calls
//
//   runStoreContract("sqlite", async () => harness, { skip?: "reason" });
//
// where the harness opens a fresh database per test. The areas live in store-contract-*.ts.
import { describe, test } from "node:test";
import { commandContract } from "./store-contract-commands.js";
import { contentContract } from "./store-contract-content.js";
import { deviceContract } from "./store-contract-devices.js";
import { eventContract } from "./store-contract-events.js";
import { persistenceContract } from "./store-contract-persistence.js";
import { sessionContract } from "./store-contract-sessions.js";
import { transactionContract } from "./store-contract-transactions.js";
import { withStore, type ContractTest, type MakeHarness } from "./store-contract-support.js";

export type { MakeHarness, StoreHarness } from "./store-contract-support.js";

export interface ContractOptions {
  /** A reason to skip the whole suite (a service is absent and CI is not set). */
  readonly skip?: string | false | undefined;
}

export function runStoreContract(name: string, makeHarness: MakeHarness, options: ContractOptions = {}): void {
  describe(`store contract: ${name}`, { skip: options.skip ?? false }, () => {
    const it: ContractTest = (title, body) => {
      test(title, () => withStore(makeHarness, body));
    };
    describe("devices", () => {
      deviceContract(it);
    });
    describe("commands", () => {
      commandContract(it);
    });
    describe("sessions", () => {
      sessionContract(it);
    });
    describe("alerts, notifications, repository, UI sessions, API tokens", () => {
      contentContract(it);
    });
    describe("transactions", () => {
      transactionContract(it);
    });
    describe("event log", () => {
      eventContract(it);
    });
    describe("persistence and lifecycle", () => {
      persistenceContract(it);
    });
  });
}
