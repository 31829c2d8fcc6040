// The memory store's firmware image metadata (docs/firmware.md): the reference the SQL stores are held to.
/* eslint-disable @typescript-eslint/require-await -- an async interface implemented synchronously (memory-store.ts). */
import { checkNewFirmware, firmwareExists } from "./firmware-rules.js";
import { memoryPage, out, type MemoryContext } from "./memory-context.js";
import type { FirmwareStore } from "./types-firmware.js";

export function createMemoryFirmware(ctx: MemoryContext): FirmwareStore {
  const { data } = ctx;
  return {
    create: async (input) => {
      ctx.check();
      const checked = checkNewFirmware(input);
      if (data.firmware.has(checked.id)) throw firmwareExists(checked.id);
      const image = { ...checked, createdAt: ctx.now() };
      data.firmware.set(image.id, image);
      return out(image);
    },
    get: async (id) => {
      ctx.check();
      const image = data.firmware.get(id);
      return image === undefined ? null : out(image);
    },
    delete: async (id) => {
      ctx.check();
      return data.firmware.delete(id);
    },
    list: async (query = {}) => {
      ctx.check();
      return memoryPage(data.firmware.values(), query, (f) => [f.id], ["string"]);
    },
  };
}
