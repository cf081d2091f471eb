import { SERVICE_NAMES } from '@dsp/contracts';
import type { ServiceClient } from '@dsp/service-client';

/** The user behind a session no longer exists. Maps to 422. */
export class UnknownUserError extends Error {
  constructor(userId: string) {
    super(`user ${userId} does not exist`);
  }
}

/**
 * order-service's view of users: asks user-service, found through ZooKeeper
 * discovery (never a fixed address, never through the gateway).
 */
export class UserDirectory {
  constructor(private readonly client: ServiceClient) {}

  async requireUser(userId: string, requestId?: string): Promise<void> {
    const res = await this.client.request(SERVICE_NAMES.user, {
      method: 'GET',
      path: `/internal/users/${encodeURIComponent(userId)}`,
      headers: requestId ? { 'x-request-id': requestId } : {},
    });
    if (res.status === 404) throw new UnknownUserError(userId);
    if (res.status !== 200) throw new Error(`user-service answered ${res.status} for user ${userId}`);
  }
}
