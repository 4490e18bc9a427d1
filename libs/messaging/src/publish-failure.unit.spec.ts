import { isTransientFailure } from '@cm/event-store';
import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { isMessageFault, publishFailure } from './publish-failure';

describe('publishFailure', () => {
  const tooLarge = () =>
    new KafkaJSProtocolError({
      type: 'MESSAGE_TOO_LARGE',
      code: 10,
      retriable: false,
      message:
        'The request included a message larger than the max message size the server will accept',
    } as never);

  it("keeps a message the broker refuses as the message's fault (it gets parked)", () => {
    expect(isMessageFault(tooLarge())).toBe(true);
    expect(isTransientFailure(publishFailure(tooLarge()))).toBe(false);
  });

  it('makes an unreachable or slow cluster transient (retried, never parked)', () => {
    const down = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
    expect(isTransientFailure(publishFailure(down))).toBe(true);
    const exhausted = new KafkaJSNumberOfRetriesExceeded(down, {
      retryCount: 5,
      retryTime: 100,
    } as never);
    expect(isTransientFailure(publishFailure(exhausted))).toBe(true);
  });
});
