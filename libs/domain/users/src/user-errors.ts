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
