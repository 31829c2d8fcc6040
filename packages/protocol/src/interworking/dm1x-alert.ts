// The DM 1.x Generic Alert (OMA DM 1.2/1.3 Protocol §8.7, alert code 1226) as a typed value: what a DM 1.x
// client sends inside a SyncML <Alert>, and what docs/protocol.md §13.1 maps to and from a DM 2.0 Generic Alert.

/** SyncML alert code of a DM 1.x Generic Alert. */
export const DM1X_GENERIC_ALERT_CODE = 1226;

/** One <Item> of a DM 1.x alert. Field names follow the SyncML element each comes from. */
export interface Dm1xAlertItem {
  /** Item/Source/LocURI: the tree path the alert relates to, e.g. `./FUMO/apps/DownloadAndUpdate`. */
  readonly source?: string;
  /** Item/Target/LocURI. */
  readonly target?: string;
  /** Item/Meta/Type: the alert type (`urn:oma:at:…` or reverse-domain `org.openmobilealliance.dm.…`). */
  readonly type?: string;
  /** Item/Meta/Format: the format of Data (`int`, `chr`, `xml`, `b64`, …). */
  readonly format?: string;
  /** Item/Meta/Mark: importance, same vocabulary as DM 2.0's Mark. */
  readonly mark?: string;
  /** Item/Data, as text (XML markup inside Data is kept verbatim as a string). */
  readonly data?: string;
}

/** One SyncML <Alert> command. */
export interface Dm1xAlert {
  /** Alert/CmdID. */
  readonly cmdId: string;
  /** Alert/Data: the alert code; 1226 for a Generic Alert. */
  readonly code: number;
  /** Alert/Correlator: ties the alert to the Exec that caused it. */
  readonly correlator?: string;
  readonly items: readonly Dm1xAlertItem[];
}
