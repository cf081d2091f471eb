/** Every name the generator derives from a service name, in one place (`inventory-service` below). */
export interface ServiceNames {
  /** `inventory-service`: the ZooKeeper name, the app's project and directory, the identities' user names. */
  name: string;
  /** `inventory`: the domain's name, the gateway prefix, the Redis key space, the tags' scope. */
  short: string;
  /** `inventory`: the key in `SERVICE_NAMES` and `DB_USERS`. */
  key: string;
  /** `Inventory`: class prefix of the domain's types (`InventoryItemView`). */
  className: string;
  /** `InventoryService`: class prefix of the app's module. */
  appClass: string;
  /** `INVENTORY_SERVICE`: prefix of the app's constants. */
  constName: string;
  /** `INVENTORY`: prefix of its database variables (`INVENTORY_DB_PRIMARY`). */
  dbEnv: string;
  /** `inventory_db` */
  dbName: string;
  /** `inventory_svc` */
  dbAccount: string;
  /** `/api/inventory/` */
  gatewayPrefix: string;
  /** `api/inventory/items` */
  controllerPath: string;
  /** `domain-inventory`, in `libs/domain/inventory`, imported as `@dsp/inventory`. */
  domainProject: string;
  domainRoot: string;
  domainAlias: string;
  /** `inventory-e2e` */
  e2eProject: string;
  /** `CreateInventoryItems<timestamp>` */
  migrationClass: string;
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Names the platform already uses for something else: a gateway prefix, an identity, a project. */
const RESERVED = new Set([
  'gateway',
  'operator',
  'users',
  'user',
  'sessions',
  'orders',
  'order',
  'flash-sales',
  'admin',
  'docs',
  'openapi',
  'contracts',
  'platform',
  'workspace',
  'support',
  'stack',
  'ops',
  'load',
  'testing',
]);

const pascal = (kebab: string): string =>
  kebab
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');

/**
 * Derives every name of a new service from `name` (kebab-case; a trailing
 * `-service` is dropped for the short name), or throws saying what is wrong
 * with it. `now` stamps the migration's class name, as migrations are ordered.
 */
export function serviceNames(name: string, now = Date.now()): ServiceNames {
  if (!KEBAB.test(name) || name.length > 40)
    throw new Error(`invalid service name "${name}": use kebab-case letters and digits (e.g. inventory-service), at most 40 characters`);
  const short = name.endsWith('-service') ? name.slice(0, -'-service'.length) : name;
  if (short.length === 0 || RESERVED.has(short) || RESERVED.has(name))
    throw new Error(`"${name}" is taken by the platform (${[...RESERVED].join(', ')}): choose another name`);
  const snake = short.replace(/-/g, '_');
  const className = pascal(short);
  return {
    name,
    short,
    key: className.charAt(0).toLowerCase() + className.slice(1),
    className,
    appClass: pascal(name),
    constName: name.toUpperCase().replace(/-/g, '_'),
    dbEnv: snake.toUpperCase(),
    dbName: `${snake}_db`,
    dbAccount: `${snake}_svc`,
    gatewayPrefix: `/api/${short}/`,
    controllerPath: `api/${short}/items`,
    domainProject: `domain-${short}`,
    domainRoot: `libs/domain/${short}`,
    domainAlias: `@dsp/${short}`,
    e2eProject: `${short}-e2e`,
    migrationClass: `Create${className}Items${now}`,
  };
}
