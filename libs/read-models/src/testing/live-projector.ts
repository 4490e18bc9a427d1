import type { Pool } from 'pg';
import { startSubscription, type Subscription, type SubscriptionOptions } from '@cm/event-store';
import { ReadModelWriter } from '../postgres/read-model-writer';
import { PROJECTOR_SUBSCRIPTION } from '../postgres/rebuild';

/**
 * The projector as it runs live, without its app: the store subscription of the projector's
 * name applying each batch to the read models, polling every 50 ms.
 */
export function startLiveProjector(
  pool: Pool,
  options: { batchSize: number; onError?: SubscriptionOptions['onError'] },
): Promise<Subscription> {
  const writer = new ReadModelWriter();
  return startSubscription({
    pool,
    name: PROJECTOR_SUBSCRIPTION,
    batchSize: options.batchSize,
    pollIntervalMs: 50,
    handle: async (events, tx) => {
      await writer.apply(tx, events);
    },
    onError: options.onError,
  });
}
