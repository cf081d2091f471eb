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

/** The platform's service names as they appear in ZooKeeper. */
export const SERVICE_NAMES = {
  gateway: 'gateway',
  user: 'user-service',
  order: 'order-service',
} as const;

export type ServiceName = (typeof SERVICE_NAMES)[keyof typeof SERVICE_NAMES];
