/**
 * A message that breaks its contract and can never be processed (bad JSON,
 * unknown schema version, missing fields): consumers send it straight to the
 * topic's `.dlq` with this message as the reason, without retries.
 */
export class PoisonMessageError extends Error {}
