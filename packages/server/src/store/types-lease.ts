// What a store gives background jobs that must run once per fleet (the sweep, retention, campaigns) when several
// server nodes share one database: a named lease with a holder and an expiry (docs/operations.md "Several
// nodes"). A node takes the lease before each run; when it dies, another node takes it once it expired.
export interface LeaseStore {
  /** Takes lease `name` for `holder` (or renews it when `holder` holds it) until now + ttlMs. true when `holder`
   *  holds it afterwards; false while another holder's lease has not expired. Atomic across server nodes. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it; otherwise does nothing. */
  release(name: string, holder: string): Promise<void>;
}
