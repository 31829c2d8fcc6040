// What every store checks of a firmware image's metadata before it writes it (docs/firmware.md).
import { ServerError, ServerErrorCode } from "../errors.js";
import { invalid, requireInt, requireText } from "./rules.js";
import type { NewFirmwareImage } from "./types-firmware.js";

const FIRMWARE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Longest name, version, manufacturer or model. */
export const FIRMWARE_TEXT_MAX = 256;

export function checkFirmwareId(id: unknown): string {
  if (typeof id !== "string" || !FIRMWARE_ID.test(id)) {
    throw invalid(`firmware id ${JSON.stringify(id)} must be 1–64 lower-case letters, digits or "-"`);
  }
  return id;
}

function text(value: unknown, what: string): string {
  const s = requireText(value, what);
  if (s.length > FIRMWARE_TEXT_MAX) throw invalid(`${what} must be at most ${FIRMWARE_TEXT_MAX} characters`);
  return s;
}

function optionalText(value: unknown, what: string): string | null {
  return value === undefined || value === null ? null : text(value, what);
}

export function checkNewFirmware(input: NewFirmwareImage): Required<{
  [K in keyof NewFirmwareImage]: Exclude<NewFirmwareImage[K], undefined>;
}> {
  const sha256 = input.sha256;
  if (typeof sha256 !== "string" || !SHA256_HEX.test(sha256)) throw invalid("sha256 must be 64 lower-case hex digits");
  return {
    id: checkFirmwareId(input.id),
    name: text(input.name, "name"),
    version: text(input.version, "version"),
    manufacturer: optionalText(input.manufacturer, "manufacturer"),
    model: optionalText(input.model, "model"),
    sha256,
    size: requireInt(input.size, "size", 0),
  };
}

export function firmwareExists(id: string): ServerError {
  return new ServerError(ServerErrorCode.FIRMWARE_EXISTS, `firmware image ${id} already exists`);
}

export function firmwareNotFound(id: string): ServerError {
  return new ServerError(ServerErrorCode.FIRMWARE_NOT_FOUND, `no firmware image ${JSON.stringify(id)}`);
}
