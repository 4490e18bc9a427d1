import type { Log } from '@cm/platform/plumbing';
import { describeEvent } from './parking';
import { describeParked, describeSubscriptionFailure } from './subscription';
import type { SubscriptionOptions } from './subscription';

/**
 * A subscription's notices as log lines, the same for every subscriber: a failure (retried)
 * is a warning, an event parked an error, a retry of a parked event info or a warning.
 */
export function subscriptionLogging(
  log: Log,
): Required<Pick<SubscriptionOptions, 'onError' | 'onParked' | 'onRetried'>> {
  return {
    onError: (error, context) =>
      log('warn', describeSubscriptionFailure(error, context), { err: error }),
    onParked: (parked) => log('error', describeParked(parked), { err: parked.error }),
    onRetried: ({ event, ok, error }) =>
      log(
        ok ? 'info' : 'warn',
        `retry of the parked event at ${describeEvent(event)} ${ok ? 'succeeded' : 'failed'}`,
        ok ? {} : { err: error },
      ),
  };
}
