/** The password `seedBuyers` gives every buyer by default (the `login` scenario logs in with it). */
export const LOAD_PASSWORD = 'load-kit-password-1';
