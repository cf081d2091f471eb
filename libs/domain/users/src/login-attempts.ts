/**
 * Where failed credential checks are counted, per account. `account` is the
 * id of the account the lookup found (so every spelling the collation folds to
 * it shares one counter), or `name:<canonical lower-case name>` when no account
 * matched (so an unknown name is throttled like a known one and the limit does
 * not reveal which names exist).
 */
export interface LoginAttempts {
  /** Throws {@link TooManyLoginFailuresError} when the account is over its limit. */
  admit(account: string, username: string): Promise<void>;
  /** Counts one failed check against the account. */
  failed(account: string): Promise<void>;
  /** A check passed: the account's failures are forgotten. */
  succeeded(account: string): Promise<void>;
}
