import { znodePaths } from '@dsp/contracts';
import { SERVICE_INSTANCE_CODEC, type ServiceInstance } from '@dsp/zookeeper';
import type { ZkClientFactory } from './zk-quorum-loss.experiment';

type Reader = Pick<Awaited<ReturnType<ZkClientFactory>>, 'getChildren' | 'getData'>;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The instances of `service` registered now, sorted by id: those whose node
 * holds an instance payload (a node gone between the listing and its read, or
 * another payload, is left out). With `loopbackOnly`, only those advertising a
 * loopback address: the ones an experiment may touch.
 */
export async function registeredInstances(reader: Reader, service: string, loopbackOnly: boolean): Promise<ServiceInstance[]> {
  const ids = await reader.getChildren(znodePaths.service(service)).catch(() => [] as string[]);
  const out: ServiceInstance[] = [];
  for (const id of ids.sort()) {
    const path = znodePaths.serviceInstance(service, id);
    try {
      const inst = SERVICE_INSTANCE_CODEC.decode(path, (await reader.getData(path)).data);
      if (!loopbackOnly || LOOPBACK.has(inst.address)) out.push(inst);
    } catch {
      // gone meanwhile, or not an instance payload
    }
  }
  return out;
}
