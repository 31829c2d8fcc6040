// The memory store runs the shared store contract. A "restart" reopens a store over the same MemoryStoreData.
import { MemoryStoreData } from "../src/store/memory-context.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { runStoreContract } from "./store-contract.js";

runStoreContract("memory", () => {
  const data = new MemoryStoreData();
  return Promise.resolve({
    open: (deps) => Promise.resolve(createMemoryStore(deps, { data })),
    setNotificationCounter: (value) => {
      data.notificationCounter = value;
      return Promise.resolve();
    },
    concurrentNodes: true,
    dispose: () => Promise.resolve(),
  });
});
