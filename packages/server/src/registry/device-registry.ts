// The device registry as the DM endpoint sees it: who may open a session, when a
// device was last heard from, which MOs it reports (Package#1 MOS, docs/protocol.md §3.1) and its DevInfo when read.
// Devices are registered on their first Package#1 (`autoRegister`), or only pre-provisioned ones are admitted.
import { err, ok, type MosEntry, type MoItem, type Result } from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Store, StoreParts } from "../store/store.js";
import { DeviceState, type Command, type Device } from "../store/types.js";
import { devInfoFromItems } from "./devinfo-capture.js";

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
   * A Package#3: the device must still be enabled (DM_DEVICE_NOT_ADMITTED otherwise), judged on the state read
   * with its session (`sessions.findWithDevice`; null: the device is gone). Read-only: the last contact is the last
   * Package#1 (one write fewer per package; a session lasts seconds).
   */
  activeState(deviceId: string, state: DeviceState | null): Result<DeviceState, ServerError>;
  /** Stores DevInfo values carried by GET results (a nice-to-have: never fails the session). true: some were
   *  stored; false: the results carried none, or the device is gone. */
  captureDevInfo(deviceId: string, results: readonly Command[], via?: DeviceParts): Promise<boolean>;
  /** Stores DevInfo values from MO data the device uploaded elsewhere (e.g. an HPOST to the repository). */
  captureDevInfoItems(deviceId: string, items: readonly MoItem[]): Promise<boolean>;
}

export function createDeviceRegistry(deps: { readonly store: Store }, options: DeviceRegistryOptions): DeviceRegistry {
  const { store } = deps;
  const captureItems = async (deviceId: string, items: readonly unknown[], via: DeviceParts = store) => {
    const values = devInfoFromItems(items);
    // One store call: the stored DevInfo is read and merged under the device's lock (no read of its own here).
    return values === undefined ? false : via.devices.mergeDevInfo(deviceId, values);
  };
  const notAdmitted = (deviceId: string, why: string) =>
    err(new ServerError(ServerErrorCode.DM_DEVICE_NOT_ADMITTED, `device ${JSON.stringify(deviceId)} is ${why}`));
  const activeState = (deviceId: string, state: DeviceState | null): Result<DeviceState, ServerError> => {
    if (state === null) return notAdmitted(deviceId, "no longer known to this server");
    if (state === DeviceState.Disabled) return notAdmitted(deviceId, "disabled");
    return ok(state);
  };
  return {
    async admit(deviceId, mos, via = store) {
      // The MOS inventory rides in the contact's own write (one device read and one UPDATE per Package#1).
      const inventory = mos?.map((m) => ({ ...m, MIID: [...m.MIID] }));
      const device = await via.devices.recordContact(deviceId, { autoRegister: options.autoRegister, mos: inventory });
      if (device === null) {
        return notAdmitted(deviceId, "not known to this server and only pre-provisioned devices are admitted");
      }
      if (device.state === DeviceState.Disabled) return notAdmitted(deviceId, "disabled");
      return ok(device);
    },
    activeState: (deviceId, state) => activeState(deviceId, state),
    async captureDevInfo(deviceId, results, via) {
      const items: unknown[] = [];
      for (const c of results) {
        const data: unknown = c.result?.data;
        if (c.name === "GET" && Array.isArray(data)) items.push(...(data as readonly unknown[]));
      }
      return items.length === 0 ? false : captureItems(deviceId, items, via);
    },
    captureDevInfoItems: (deviceId, items) => captureItems(deviceId, items),
  };
}
