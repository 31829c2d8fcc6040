// Node adapter for parseDeviceConfig: reads the config file and the files it names (DDFs, TLS PEMs, PSK key)
// from disk, relative paths resolving against the config file's directory. Only when called.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { errorMessage, type Result, err } from "@omadm/protocol";
import { type DeviceConfig, DeviceConfigError, DeviceConfigErrorCode, parseDeviceConfig } from "./device-config.js";

const readBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/** Reads and checks a device config file. Never throws: a missing file is OMADM_CONFIG_FILE. */
export function loadDeviceConfig(file: string): Result<DeviceConfig, DeviceConfigError> {
  const path = resolve(file);
  let text: Uint8Array;
  try {
    text = readBytes(path);
  } catch (error) {
    const why = errorMessage(error);
    return err(new DeviceConfigError(DeviceConfigErrorCode.FILE, "", `cannot read config ${path} (${why})`, error));
  }
  return parseDeviceConfig(text, { baseDir: dirname(path), readFile: readBytes });
}
