// Media types and HTTP header names — docs/protocol.md §1.3, §7.2, §16.

/** Package#1, client → server (session initiation). */
export const MT_P1 = "application/vnd.oma.dm.initiation+json";
/** Package#2, server → client (commands). */
export const MT_P2 = "application/vnd.oma.dm.request+json";
/** Package#3, client → server (statuses and alerts). */
export const MT_P3 = "application/vnd.oma.dm.response+json";
/** JSON MO serialization (§7.1) (omadm's choice, the type another DM 2.0 client uses). */
export const MT_MO_JSON = "application/dmmo+json";
/** Aliases accepted on input for JSON MO data (§7.2). */
export const MT_MO_JSON_ALIASES: readonly string[] = ["application/json", "application/vnd.oma.dm.mo+json"];
/** TNDS XML (DM 1.3), optional alternative MO format. */
export const MT_TNDS_XML = "application/vnd.syncml.dmtnds+xml";

/** DM 2.0 §5.5: the DevInfo/DevID of the device, on every Package#1 and #3. */
export const HDR_DEVID = "OMADM-DevID";
/** DM 2.0 §5.5: media types the server accepts in later PUT/POST requests. */
export const HDR_ACCEPT = "OMADM-Accept";
