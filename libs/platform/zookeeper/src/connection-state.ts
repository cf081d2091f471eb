/**
 * Connection states, as Apache Curator names them:
 * - `CONNECTING`: no session yet (first connect).
 * - `CONNECTED`: the first session is established.
 * - `SUSPENDED`: the TCP connection dropped; the session may still live. Pause
 *   anything that relies on it (a held lock, leadership).
 * - `LOST`: the session is gone (expired, or suspended longer than the session
 *   timeout). Ephemeral nodes, locks and leadership held in it are gone.
 * - `RECONNECTED`: connected again after SUSPENDED or LOST. Re-check state
 *   (`newSession` says whether ephemerals must be recreated).
 * - `CLOSED`: `close()` was called.
 */
export type ConnectionState = 'LATENT' | 'CONNECTING' | 'CONNECTED' | 'SUSPENDED' | 'LOST' | 'RECONNECTED' | 'CLOSED';

export interface ConnectionStateChange {
  from: ConnectionState;
  to: ConnectionState;
  /** For RECONNECTED: true when this is a new session (the old one was lost). */
  newSession: boolean;
  /** Hex session id of the current session, when there is one. */
  sessionId: string | undefined;
}

export type ConnectionStateListener = (change: ConnectionStateChange) => void;

/** True in the states in which the client has a live session and may issue operations. */
export function isConnected(state: ConnectionState): boolean {
  return state === 'CONNECTED' || state === 'RECONNECTED';
}
