// The device registry's public surface (re-exported by ../index.ts).
export { createDeviceRegistry, type DeviceRegistry, type DeviceRegistryOptions } from "./device-registry.js";
export { devInfoFromItems, mergeDevInfo } from "./devinfo-capture.js";
