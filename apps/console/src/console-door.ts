import type { ConsoleIdentity } from '@dsp/contracts';
import { identifyBasic, parseBasicAuth } from '@dsp/service-defaults';

/** Routes anyone may call: liveness, and readiness (each panel's name and whether it has read yet). */
export const CONSOLE_OPEN_ROUTES: readonly string[] = ['/health/live', '/health/ready'];

/** Who is at the door, or why they may not come in. */
export type DoorAnswer = { readonly identity: ConsoleIdentity } | { readonly refused: string };

/**
 * The console's door (ADR 0023). Guarantees: every route but
 * {@link CONSOLE_OPEN_ROUTES} answers only a caller whose HTTP basic
 * credentials are one of the console's identities, compared in constant time;
 * anyone else gets a 401 before any handler runs, so nothing is collected or
 * shown for them.
 */
export class ConsoleDoor {
  constructor(private readonly identities: readonly ConsoleIdentity[]) {
    if (identities.length === 0) throw new Error('the console needs at least one identity at its door');
  }

  /** The identity these headers carry, or the reason for a 401. */
  identify(authorization: string | undefined): DoorAnswer {
    const creds = parseBasicAuth(authorization);
    if ('malformed' in creds) return { refused: creds.malformed };
    const identity = identifyBasic(creds, this.identities);
    return identity ? { identity } : { refused: 'unknown user or wrong password' };
  }
}
