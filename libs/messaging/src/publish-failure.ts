import { TransientError } from '@cm/event-store';

/**
 * Broker answers that mean the message itself can never be published (too large, refused as a
 * record): the relay parks it. Every other failure to publish (brokers unreachable, leaders
 * moving, timeouts, retries exhausted) is the cluster's, and is retried without using a try.
 */
const MESSAGE_FAULTS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_REQUIRED_ACKS',
]);

/** Whether a failed publish is the messages' fault rather than the cluster's. */
export function isMessageFault(error: unknown): boolean {
  for (let at: unknown = error, depth = 0; at && depth < 5; depth++) {
    const { type, message, cause } = at as { type?: unknown; message?: unknown; cause?: unknown };
    if (typeof type === 'string' && MESSAGE_FAULTS.has(type)) return true;
    if (typeof message === 'string' && /larger than the max message size/i.test(message)) {
      return true;
    }
    at = cause;
  }
  return false;
}

/** The error to throw for a failed publish: as it is when the messages' fault, else transient. */
export function publishFailure(error: unknown): unknown {
  if (isMessageFault(error)) return error;
  const transient = new TransientError(
    `publishing to Kafka failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  (transient as { cause?: unknown }).cause = error;
  return transient;
}
