// Web console sign-ins in the store (docs/console.md "Signing in"), so that a cookie made on one server node is
// known on every other and survives a restart. The store holds only the SHA-256 of the cookie's secret (the
// browser alone holds the secret), and for a sign-in made with an API token that token's id and hash: the hash is
// the one `api_tokens` already keeps, through which every request made with the cookie is authenticated again
// (so a revoked token is refused at once). An ordinary `StoreParts` member, so that a token's revocation and the
// end of its sign-ins commit in one transaction. Ended sign-ins are deleted by retention (kind `consoleSignIns`).

/** One console sign-in as stored. */
export interface ConsoleSignIn {
  /** Hex SHA-256 of the cookie's secret: the key. */
  readonly secretHash: string;
  /** The API token signed in with; null: a loopback sign-in without one (api.loopbackWithoutToken). */
  readonly tokenId: string | null;
  /** That token's hash, as `api_tokens` keeps it; null with `tokenId`. */
  readonly tokenHash: string | null;
  readonly createdAt: number;
  /** The last request that moved `endsAt` (the service writes it at most once in a while, console-sessions.ts). */
  readonly lastSeenAt: number;
  /** The absolute end: `createdAt` + console.sessionTtlMs. */
  readonly expiresAt: number;
  /** When it ends unless used again: min(`expiresAt`, `lastSeenAt` + console.idleTimeoutMs). */
  readonly endsAt: number;
}

export interface NewConsoleSignIn {
  readonly secretHash: string;
  readonly tokenId: string | null;
  readonly tokenHash: string | null;
  /** Absolute end (epoch ms), after now. */
  readonly expiresAt: number;
  /** First idle end (epoch ms), after now and not after `expiresAt`. */
  readonly endsAt: number;
}

export interface ConsoleSignInStore {
  /** Records a sign-in made now. INVALID_INPUT for a hash in use or ends not after now. */
  create(input: NewConsoleSignIn): Promise<ConsoleSignIn>;
  /** The sign-in with this hash if it has not ended (now < `endsAt`); else null. */
  find(secretHash: string): Promise<ConsoleSignIn | null>;
  /**
   * Marks a use now: `endsAt` moves to `endsAt` given (never past `expiresAt`, never back); the updated sign-in,
   * or null when it is unknown or has ended.
   */
  touch(secretHash: string, endsAt: number): Promise<ConsoleSignIn | null>;
  /** Sign-out: removes it; whether it was there. */
  end(secretHash: string): Promise<boolean>;
  /** Removes every sign-in made with this API token (its revocation); how many. */
  endForToken(tokenId: string): Promise<number>;
}
