import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PostgresEventStore, StoredEvent, UnknownPositionError } from '@cm/event-store';
import { ProblemError, RequiresRole } from '@cm/platform';
import { QueryParamsPipe } from '../http/query-params.pipe';
import { EVENT_FEED_LIMIT, EventFeedQueryDto } from './event-feed-query.dto';
import { EVENT_FEED_PAGE_SCHEMA } from './event-feed.schema';

/** A stored event as clients see it: the Kafka message's shape, without internal columns. */
export interface FeedEvent {
  eventId: string;
  type: string;
  streamId: string;
  streamVersion: number;
  position: number;
  recordedAt: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export interface EventFeedPage {
  items: FeedEvent[];
  nextPosition: number;
}

const problem = { description: 'problem+json (RFC 9457)' };

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventFeedController {
  constructor(private readonly store: PostgresEventStore) {}

  @Get()
  @RequiresRole('read')
  @ApiOperation({
    summary: 'The stored events, for clients that sync incrementally',
    description:
      'Pass the nextPosition of each page as `after` for the next one. Pages never skip an event that commits late: the store reads only below the oldest transaction still in flight, so an event can arrive later than others of higher position but is never passed over. An empty page returns `after` again as nextPosition.',
  })
  @ApiOkResponse({ description: 'A page of the feed', schema: EVENT_FEED_PAGE_SCHEMA })
  @ApiResponse({ status: 400, ...problem })
  @ApiResponse({ status: 401, ...problem })
  @ApiResponse({ status: 403, ...problem })
  async list(@Query(QueryParamsPipe) query: EventFeedQueryDto): Promise<EventFeedPage> {
    try {
      const page = await this.store.readAllAfterPosition(
        query.after ?? 0,
        query.limit ?? EVENT_FEED_LIMIT.default,
      );
      return { items: page.events.map(toFeedEvent), nextPosition: page.nextPosition };
    } catch (error) {
      if (error instanceof UnknownPositionError) {
        throw ProblemError.validation(
          [{ path: 'after', message: 'is not the position of a stored event' }],
          'Resume from 0 or from a nextPosition this feed returned.',
        );
      }
      throw error;
    }
  }
}

function toFeedEvent(event: StoredEvent): FeedEvent {
  return {
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    position: event.position,
    recordedAt: event.recordedAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  };
}
