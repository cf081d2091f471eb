/** A user name and password a service presents to one server (ZooKeeper, Redis, Kafka...). */
export interface ServerCredentials {
  username: string;
  password: string;
}

/**
 * The identity a service uses on one server: `<PREFIX>_USER` and
 * `<PREFIX>_PASSWORD` from its config when set, else the local stack's
 * identity of `SERVICE_NAME` in `local` (a table from `@dsp/contracts`).
 * Throws, naming both variables, when neither gives a user and a password.
 */
export function serverIdentity(
  server: string,
  prefix: string,
  local: Readonly<Record<string, { user: string; password: string } | undefined>>,
  config: { SERVICE_NAME: string } & Readonly<Record<string, unknown>>,
): ServerCredentials {
  const own = local[config.SERVICE_NAME];
  const fromEnv = (name: string): string | undefined => {
    const v = config[`${prefix}_${name}`];
    return typeof v === 'string' && v.length > 0 ? v : undefined;
  };
  const username = fromEnv('USER') ?? own?.user;
  const password = fromEnv('PASSWORD') ?? own?.password;
  if (!username || !password)
    throw new Error(`no ${server} identity for "${config.SERVICE_NAME}": set ${prefix}_USER and ${prefix}_PASSWORD (docs/security.md)`);
  return { username, password };
}
