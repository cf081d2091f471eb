/** The JSON stored in `/services/<name>/<instance-id>` (schema version 1). */
export interface ServiceInstanceV1 {
  id: string;
  name: string;
  address: string;
  port: number;
  zone: string;
  tags: string[];
  registeredAt: string;
  version: string;
}

/**
 * The platform's service names as they appear in ZooKeeper: the one list of
 * them. Every per-service table (identities on each server, rights, the
 * instance plan) is a `Record<ServiceName, ...>`, so a name added here does not
 * typecheck until each table has its entry (`npx nx g @dsp/workspace:service`
 * adds them all; lines marked `@dsp/workspace:service` are where it inserts).
 */
export const SERVICE_NAMES = {
  gateway: 'gateway',
  user: 'user-service',
  order: 'order-service',
  // @dsp/workspace:service service-names
} as const;

export type ServiceName = (typeof SERVICE_NAMES)[keyof typeof SERVICE_NAMES];

/**
 * How many instances of each service `npm start` runs (docker-compose.yml runs
 * the same plan): two of each backend service, so discovery, load balancing and
 * failover have somewhere to go; one gateway, on the public port.
 */
export const LOCAL_INSTANCES: Readonly<Record<ServiceName, number>> = {
  [SERVICE_NAMES.gateway]: 1,
  [SERVICE_NAMES.user]: 2,
  [SERVICE_NAMES.order]: 2,
  // @dsp/workspace:service local-instances
};
