import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { ServiceClient } from '@dsp/service-client';
import type { OrderIds } from './order-ids';

/** Takes the instance's snowflake worker id at boot and gives it back (and closes the user-service client) at shutdown. */
export class OrderIdsLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly ids: OrderIds,
    private readonly client: ServiceClient,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ids.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.client.close();
    await this.ids.close();
  }
}
