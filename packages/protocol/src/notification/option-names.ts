// Spec names of the standard Package#0 options, for error messages (docs/protocol.md §2.3, Table 1).
import { P0Option } from "./constants.js";

const NAMES: Readonly<Record<number, string>> = {
  [P0Option.SERVER_ID]: "SERVER-ID",
  [P0Option.PREFERRED_CON_TYPE]: "PREFERRED-CON-TYPE",
  [P0Option.NOTIFICATION_ID]: "NOTIFICATION-ID",
  [P0Option.SHA256_DIGEST]: "SHA256-DIGEST",
  [P0Option.TIMESTAMP]: "TIMESTAMP",
  [P0Option.REQ_MOS]: "REQ-MOS",
};

/** "NOTIFICATION-ID (3)" for a standard option, "option 9" for any other number. */
export function optionName(number: number): string {
  const name = NAMES[number];
  return name === undefined ? `option ${number}` : `${name} (${number})`;
}
