// The one DevID rule of the server (docs/protocol.md §1.3, §9.1): a device id is 1..256 characters without control
// characters. Registration (REST API, auto-registration, the store), the DM endpoint's OMADM-DevID check, the
// repository's device paths and every `/api/v1/devices/{id}` route use this rule, so a device the server admits
// can always be viewed, queued, woken and deleted.

/** (omadm's choice) DevInfo/DevID values are short (IMEI:…, UUIDs); a bound keeps logs and keys sane. */
export const MAX_DEVICE_ID_LENGTH = 256;

/**
 * The longest URL path parameter the router takes: a DevID of MAX_DEVICE_ID_LENGTH characters percent-encoded
 * (up to 4 UTF-8 bytes a character, 3 characters a byte). Longer parameters are 414.
 */
export const MAX_PATH_PARAMETER_LENGTH = MAX_DEVICE_ID_LENGTH * 12;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** What is wrong with a device id, or null when it follows the rule. */
export function deviceIdProblem(id: string): string | null {
  if (id === "") return "the device id is empty";
  if (id.length > MAX_DEVICE_ID_LENGTH) return `the device id is longer than ${MAX_DEVICE_ID_LENGTH} characters`;
  if (CONTROL.test(id)) return "the device id contains a control character";
  return null;
}
