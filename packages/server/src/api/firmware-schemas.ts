// Schemas of firmware images in the REST API (docs/firmware.md).
import { Type, type Static } from "typebox";
import type { FirmwareService } from "../firmware/firmware-service.js";
import { FIRMWARE_TEXT_MAX } from "../store/firmware-rules.js";
import type { FirmwareImage } from "../store/types-firmware.js";
import { iso, Time } from "./common-schemas.js";

const Text = (description: string) =>
  Type.String({ minLength: 1, maxLength: FIRMWARE_TEXT_MAX, pattern: "^[^\\u0000]*$", description });

export const FirmwareUploadQuery = Type.Object({
  name: Text("Name of the package (the FUMO PkgName)"),
  version: Text("Version the device reports after the update (the FUMO PkgVersion, then DevInfo/FwV)"),
  manufacturer: Type.Optional(Text("Manufacturer the image is for (informational)")),
  model: Type.Optional(Text("Model the image is for (informational)")),
});

export const FirmwareIdParams = Type.Object({
  firmwareId: Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,63}$", description: "The image id the upload answered" }),
});

export const FirmwareView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.String(),
  manufacturer: Type.Union([Type.String(), Type.Null()]),
  model: Type.Union([Type.String(), Type.Null()]),
  sha256: Type.String({ description: "SHA-256 of the image, lower-case hex; the download's ETag" }),
  size: Type.Integer({ minimum: 0, description: "Bytes" }),
  createdAt: Time,
  downloadUrl: Type.String({ description: "Where devices download the image (Range and If-Range supported)" }),
  pkgUrl: Type.String({ description: "The FUMO PkgURL to give devices: downloadUrl with `#sha256=<digest>`" }),
  fumoDataUrl: Type.String({
    description: "HGET source: queue `HGET <fumoDataUrl>` to set the device's FUMO PkgName, PkgVersion and PkgURLs",
  }),
});
export type FirmwareView = Static<typeof FirmwareView>;

export function firmwareView(image: FirmwareImage, service: FirmwareService): FirmwareView {
  return {
    ...image,
    createdAt: iso(image.createdAt),
    downloadUrl: service.downloadUrl(image.id),
    pkgUrl: service.pkgUrl(image),
    fumoDataUrl: service.fumoDataUrl(image.id),
  };
}
