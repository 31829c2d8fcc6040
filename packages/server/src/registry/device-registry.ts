// The device registry as the DM endpoint sees it: who may open a session, when a
// device was last heard from, which MOs it reports (Package#1 MOS, docs/protocol.md §3.1) and its DevInfo when read.
// Devices are registered on their first Package#1 (`autoRegister`), or only pre-provisioned ones are admitted.
import { err, ok, type MosEntry, type MoItem, type Result } from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Store, StoreParts } from "../store/store.js";
import { DeviceState, type Command, type Device } from "../store/types.js";
import { devInfoFromItems, mergeDevInfo } from "./devinfo-capture.js";

export interface DeviceRegistryOptions {
  /** Register unknown devices on their first Package#1 (default true); false admits only pre-provisioned ones. */
  readonly autoRegister: boolean;
}

/** Where a call reads and writes devices: a store transaction's parts (to join it), else the store itself. */
export type DeviceParts = Pick<StoreParts, "devices">;

export interface DeviceRegistry {
  /**
   * A Package#1 from `deviceId`: stamps contact (registering the device when allowed) and stores its MOS
   * inventory when the package carried one. DM_DEVICE_NOT_ADMITTED (403) for an unknown device without
   * auto-registration (nothing changes) and for a disabled device (its contact time is recorded).
   */
  admit(
    deviceId: string,
    mos: readonly MosEntry[] | undefined,
    via?: DeviceParts,
  ): Promise<Result<Device, ServerError>>;
  /**
   * A Package#3: the device must still be enabled (DM_DEVICE_NOT_ADMITTED otherwise). Read-only: the last
   * contact is the last Package#1 (one write fewer per package; a session lasts seconds).
   */
  checkActive(deviceId: string, via?: DeviceParts): Promise<Result<Device, ServerError>>;
  /** Stores DevInfo values carried by GET results (a nice-to-have: never fails the session). */
  captureDevInfo(deviceId: string, results: readonly Command[], via?: DeviceParts): Promise<Device | null>;
  /** Stores DevInfo values from MO data the device uploaded elsewhere (e.g. an HPOST to the repository). */
  captureDevInfoItems(deviceId: string, items: readonly MoItem[]): Promise<Device | null>;
}

export function createDeviceRegistry(deps: { readonly store: Store }, options: DeviceRegistryOptions): DeviceRegistry {
  const { store } = deps;
  const captureItems = async (
    deviceId: string,
    items: readonly unknown[],
    via: DeviceParts = store,
  ): Promise<Device | null> => {
    const values = devInfoFromItems(items);
    if (values === undefined) return null;
    const device = await via.devices.get(deviceId);
    if (device === null) return null;
    return via.devices.update(deviceId, { devInfo: mergeDevInfo(device.devInfo, values) });
  };
  return {
    async admit(deviceId, mos, via = store) {
      const device = await via.devices.recordContact(deviceId, { autoRegister: options.autoRegister });
      if (device === null) {
        return err(
          new ServerError(
            ServerErrorCode.DM_DEVICE_NOT_ADMITTED,
            `device ${JSON.stringify(deviceId)} is not known to this server and only pre-provisioned devices ` +
              "are admitted",
          ),
        );
      }
      if (device.state === DeviceState.Disabled) {
        return err(
          new ServerError(ServerErrorCode.DM_DEVICE_NOT_ADMITTED, `device ${JSON.stringify(deviceId)} is disabled`),
        );
      }
      if (mos === undefined) return ok(device);
      return ok(await via.devices.update(deviceId, { mos: mos.map((m) => ({ ...m, MIID: [...m.MIID] })) }));
    },
    async checkActive(deviceId, via = store) {
      const device = await via.devices.get(deviceId);
      if (device === null || device.state === DeviceState.Disabled) {
        const why = device === null ? "no longer known to this server" : "disabled";
        return err(
          new ServerError(ServerErrorCode.DM_DEVICE_NOT_ADMITTED, `device ${JSON.stringify(deviceId)} is ${why}`),
        );
      }
      return ok(device);
    },
    async captureDevInfo(deviceId, results, via) {
      const items: unknown[] = [];
      for (const c of results) {
        const data: unknown = c.result?.data;
        if (c.name === "GET" && Array.isArray(data)) items.push(...(data as readonly unknown[]));
      }
      return items.length === 0 ? null : captureItems(deviceId, items, via);
    },
    captureDevInfoItems: (deviceId, items) => captureItems(deviceId, items),
  };
}
