// Who may touch which repository item (docs/protocol.md §1.3 `OMADM-DevID` on repository requests, §6.2, §11.2).
// With device authentication on, the authenticated device is the actor: it reads shared items and its own
// items, and uploads only as itself. Without authentication the URL is the capability (the server put the
// DevID into the ServerURI); `OMADM-DevID`, when sent, must still agree with the URL, so a confused or
// misconfigured device is refused instead of writing into another device's space.
import type { FastifyRequest } from "fastify";
import { HDR_DEVID } from "@omadm/protocol";

export interface AccessInput {
  /** The DevID in the URL for a per-device item; null for a shared item or an upload read-back. */
  readonly urlDeviceId: string | null;
  /** The `OMADM-DevID` request header, if sent (and not blank). */
  readonly headerDeviceId: string | null;
  /** The authenticated device; undefined when authentication is off. */
  readonly authenticatedDeviceId: string | undefined;
}

export type AccessDecision =
  /** `actor` is the device the request acts for (null: unknown — allowed to read, not to upload). */
  { readonly ok: true; readonly actor: string | null } | { readonly ok: false; readonly message: string };

/** Decides whether a request may address its item, and for which device it acts. Pure. */
export function decideAccess(input: AccessInput): AccessDecision {
  const { urlDeviceId, headerDeviceId, authenticatedDeviceId } = input;
  if (authenticatedDeviceId !== undefined) {
    if (headerDeviceId !== null && headerDeviceId !== authenticatedDeviceId) {
      return refuse(
        `${HDR_DEVID} ${show(headerDeviceId)} is not the authenticated device ${show(authenticatedDeviceId)}`,
      );
    }
    if (urlDeviceId !== null && urlDeviceId !== authenticatedDeviceId) {
      return refuse(`device ${show(authenticatedDeviceId)} may not use the items of device ${show(urlDeviceId)}`);
    }
    return { ok: true, actor: authenticatedDeviceId };
  }
  if (urlDeviceId !== null && headerDeviceId !== null && headerDeviceId !== urlDeviceId) {
    return refuse(`${HDR_DEVID} ${show(headerDeviceId)} does not match the device ${show(urlDeviceId)} in the URL`);
  }
  return { ok: true, actor: urlDeviceId ?? headerDeviceId };
}

/** The `OMADM-DevID` header of a request, or null when absent or blank. */
export function headerDeviceId(request: FastifyRequest): string | null {
  const value = request.headers[HDR_DEVID.toLowerCase()];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === "" ? null : text.trim();
}

function refuse(message: string): AccessDecision {
  return { ok: false, message };
}

function show(id: string): string {
  return JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);
}
