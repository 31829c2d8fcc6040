// The one contract every Store implementation passes (ARCHITECTURE.md invariant 9; the aedes-persistence `abstract.js`
// and Hono `common.case.test.ts` pattern). Each implementation has a small *.test.ts that calls
//
//   runStoreContract("sqlite", async () => harness, { skip?: "reason" });
//
// where the harness opens a fresh database per test. The areas live in store-contract-*.ts.
import { describe, test } from "node:test";
import { accessContract } from "./store-contract-access.js";
import { bootstrapContract } from "./store-contract-bootstrap.js";
import { campaignContract } from "./store-contract-campaigns.js";
import { commandContract } from "./store-contract-commands.js";
import { consoleSignInContract } from "./store-contract-console.js";
import { enqueueManyContract } from "./store-contract-enqueue-many.js";
import { contentContract } from "./store-contract-content.js";
import { deliveryContract } from "./store-contract-delivery.js";
import { deviceContract } from "./store-contract-devices.js";
import { importContract } from "./store-contract-import.js";
import { leaseContract } from "./store-contract-leases.js";
import { eventContract } from "./store-contract-events.js";
import { firmwareContract } from "./store-contract-firmware.js";
import { persistenceContract } from "./store-contract-persistence.js";
import { retentionContract } from "./store-contract-retention.js";
import { selectionContract } from "./store-contract-selection.js";
import { sessionContract } from "./store-contract-sessions.js";
import { transactionContract } from "./store-contract-transactions.js";
import { webhookContract } from "./store-contract-webhooks.js";
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
    describe("bulk import", () => {
      importContract(it);
    });
    describe("commands", () => {
      commandContract(it);
      enqueueManyContract(it);
    });
    describe("sessions", () => {
      sessionContract(it);
    });
    describe("delivery policy", () => {
      deliveryContract(it);
    });
    describe("retention", () => {
      retentionContract(it);
    });
    describe("alerts, notifications, repository, UI sessions, API tokens", () => {
      contentContract(it);
    });
    describe("capabilities, audit log, repository usage", () => {
      accessContract(it);
    });
    describe("transactions", () => {
      transactionContract(it);
    });
    describe("bootstrap role", () => {
      bootstrapContract(it);
    });
    describe("device selection and groups", () => {
      selectionContract(it);
    });
    describe("firmware images", () => {
      firmwareContract(it);
    });
    describe("campaigns", () => {
      campaignContract(it);
    });
    describe("console sign-ins", () => {
      consoleSignInContract(it);
    });
    describe("leases", () => {
      leaseContract(it);
    });
    describe("event log", () => {
      eventContract(it);
    });
    describe("webhooks", () => {
      webhookContract(it);
    });
    describe("persistence and lifecycle", () => {
      persistenceContract(it);
    });
  });
}
