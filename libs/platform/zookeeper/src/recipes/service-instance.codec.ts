import { z } from 'zod';
import type { ServiceInstanceV1 } from '@dsp/contracts';
import { ZnodeCodec } from '../znode-codec';

const SERVICE_INSTANCE_V1 = z.object({
  schemaVersion: z.literal(1),
  id: z.string().min(1),
  name: z.string().min(1),
  address: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  zone: z.string().min(1),
  tags: z.array(z.string()),
  registeredAt: z.string(),
  version: z.string(),
});

export type ServiceInstance = ServiceInstanceV1;

/** The codec of `/services/<name>/<id>` payloads (schema version 1). */
export const SERVICE_INSTANCE_CODEC = new ZnodeCodec<ServiceInstanceV1 & { schemaVersion?: number }>(
  'service instance',
  { 1: SERVICE_INSTANCE_V1 },
  1,
);
