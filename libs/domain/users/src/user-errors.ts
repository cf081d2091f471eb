/** The username is already registered (case-insensitively). Maps to 409. */
export class UsernameTakenError extends Error {
  constructor(readonly username: string) {
    super(`username "${username}" is already taken`);
  }
}

/** Wrong username or password; deliberately does not say which. Maps to 401. */
export class InvalidCredentialsError extends Error {
  constructor() {
    super('invalid username or password');
  }
}

/** A username that cannot be canonical (a control, invisible or bidi character). Maps to 400. */
export class InvalidUsernameError extends Error {
  constructor(readonly problem: string) {
    super(problem);
  }
}

/** Too many failed credential checks for one account in the window. Maps to 429 with `Retry-After`. */
export class TooManyLoginFailuresError extends Error {
  constructor(
    readonly username: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`too many failed logins for "${username}"`);
  }
}
