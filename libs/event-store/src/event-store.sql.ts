/**
 * The store's statements. Each append is one statement, so it runs as its own transaction
 * in one round trip: the stream's head, the expected-version check, the insert and the
 * idempotency record happen together, and unique violations settle races.
 */

/** Note the text alias of transaction_id: ORDER BY must name events.transaction_id. */
export const EVENT_COLUMNS = `position, transaction_id::text AS transaction_id, event_id,
  stream_id, stream_version, type, data, metadata, recorded_at`;

/**
 * $1 stream, $2 event id, $3 type, $4 data, $5 metadata, $6 key, $7 hash, $8 required
 * version (null: any). Writes nothing when the key exists or the version does not match;
 * the caller tells the two apart from the columns.
 */
export const APPEND_ONE = `
WITH existing AS (
  SELECT content_hash, result FROM idempotency_keys WHERE key = $6::text
),
head AS (
  SELECT coalesce(max(stream_version), 0) AS version FROM events WHERE stream_id = $1::text
),
inserted AS (
  INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
  SELECT $2::uuid, $1::text, head.version + 1, $3::text, $4::jsonb, $5::jsonb
  FROM head
  WHERE ($8::int IS NULL OR head.version = $8::int) AND NOT EXISTS (SELECT FROM existing)
  RETURNING position, stream_version
),
keyed AS (
  INSERT INTO idempotency_keys (key, content_hash, stream_id, result)
  SELECT $6::text, $7::text, $1::text, jsonb_build_object('streamId', $1::text,
    'nextExpectedVersion', stream_version, 'firstPosition', position, 'lastPosition', position)
  FROM inserted WHERE $6::text IS NOT NULL
)
SELECT head.version AS current_version, inserted.stream_version AS next_version,
  inserted.position AS first_position, inserted.position AS last_position,
  existing.content_hash, existing.result
FROM head LEFT JOIN inserted ON true LEFT JOIN existing ON true`;

/**
 * As APPEND_ONE for several events: $2 is one JSON array of {id, type, data, metadata}.
 * One JSON document parses faster than a jsonb[] array, and needs no array escaping.
 * $3 key, $4 hash, $5 required version.
 */
export const APPEND_MANY = `
WITH existing AS (
  SELECT content_hash, result FROM idempotency_keys WHERE key = $3::text
),
head AS (
  SELECT coalesce(max(stream_version), 0) AS version FROM events WHERE stream_id = $1::text
),
inserted AS (
  INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
  SELECT (e.event->>'id')::uuid, $1::text, head.version + e.n::int, e.event->>'type',
    e.event->'data', e.event->'metadata'
  FROM head, jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(event, n)
  WHERE ($5::int IS NULL OR head.version = $5::int) AND NOT EXISTS (SELECT FROM existing)
  ORDER BY e.n
  RETURNING position, stream_version
),
appended AS (
  SELECT max(stream_version) AS next_version, min(position) AS first_position,
    max(position) AS last_position
  FROM inserted
),
keyed AS (
  INSERT INTO idempotency_keys (key, content_hash, stream_id, result)
  SELECT $3::text, $4::text, $1::text, jsonb_build_object('streamId', $1::text,
    'nextExpectedVersion', next_version, 'firstPosition', first_position,
    'lastPosition', last_position)
  FROM appended WHERE $3::text IS NOT NULL AND next_version IS NOT NULL
)
SELECT head.version AS current_version, appended.next_version, appended.first_position,
  appended.last_position, existing.content_hash, existing.result
FROM head CROSS JOIN appended LEFT JOIN existing ON true`;

/** $1 stream ids, $2 keys: what a batch must be judged against. */
export const BATCH_STATE = `
SELECT s.stream_id AS id, NULL::text AS content_hash, NULL::jsonb AS result,
  (SELECT max(stream_version) FROM events e WHERE e.stream_id = s.stream_id) AS version
FROM unnest($1::text[]) AS s(stream_id)
UNION ALL
SELECT key, content_hash, result, NULL FROM idempotency_keys WHERE key = ANY($2::text[])`;

/**
 * All planned events of a batch in one statement. $1 is one JSON array of
 * {id, stream, version, type, data, metadata}; $2..$5 per item (index, stream, first and
 * last version); $6..$8 per key (key, hash, item index). Returns each item's first and
 * last position; the keys store the same result.
 */
export const APPEND_BATCH = `
WITH inserted AS (
  INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata)
  SELECT (e.event->>'id')::uuid, e.event->>'stream', (e.event->>'version')::int,
    e.event->>'type', e.event->'data', e.event->'metadata'
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(event, n)
  ORDER BY e.n
  RETURNING position, stream_id, stream_version
),
appended AS (
  SELECT i.item, i.stream_id, i.last_version AS next_version,
    min(inserted.position) AS first_position, max(inserted.position) AS last_position
  FROM unnest($2::int[], $3::text[], $4::int[], $5::int[])
    AS i(item, stream_id, first_version, last_version)
  JOIN inserted ON inserted.stream_id = i.stream_id
    AND inserted.stream_version BETWEEN i.first_version AND i.last_version
  GROUP BY i.item, i.stream_id, i.last_version
),
keyed AS (
  INSERT INTO idempotency_keys (key, content_hash, stream_id, result)
  SELECT k.key, k.content_hash, a.stream_id, jsonb_build_object('streamId', a.stream_id,
    'nextExpectedVersion', a.next_version, 'firstPosition', a.first_position,
    'lastPosition', a.last_position)
  FROM unnest($6::text[], $7::text[], $8::int[]) AS k(key, content_hash, item)
  JOIN appended a USING (item)
)
SELECT item, first_position, last_position FROM appended`;

export const STREAM_VERSION = `
SELECT coalesce(max(stream_version), 0) AS version FROM events WHERE stream_id = $1`;

export const IDEMPOTENCY_KEY = `
SELECT content_hash, result FROM idempotency_keys WHERE key = $1`;

export const READ_STREAM = `
SELECT ${EVENT_COLUMNS} FROM events
WHERE stream_id = $1 AND stream_version >= $2
ORDER BY stream_version`;

/**
 * Events strictly after the checkpoint ($1 xid8, $2 position), in (transaction, position)
 * order, only from transactions older than every transaction still in flight: those have
 * all committed or aborted, so nothing can later appear before what is returned. The
 * row comparison and the xmin bound are both ranges on the (transaction_id, position)
 * index. `held_back` says committed events exist beyond that horizon (an older transaction
 * is still open), so a tailing reader should look again soon rather than wait for a poll.
 */
export const READ_ALL = `
WITH horizon AS MATERIALIZED (
  SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
)
SELECT h.held_back, e.*
FROM (
  SELECT coalesce((SELECT transaction_id FROM events ORDER BY transaction_id DESC LIMIT 1)
    >= (SELECT xmin FROM horizon), false) AS held_back
) h
LEFT JOIN LATERAL (
  SELECT ${EVENT_COLUMNS} FROM events
  WHERE (events.transaction_id, events.position) > ($1::xid8, $2::bigint)
    AND events.transaction_id < (SELECT xmin FROM horizon)
  ORDER BY events.transaction_id, events.position
  LIMIT $3
) e ON true`;

export const TRANSACTION_OF_POSITION = `
SELECT transaction_id::text AS transaction_id FROM events WHERE position = $1`;

export const HEAD_POSITION = `SELECT coalesce(max(position), 0) AS position FROM events`;

/** The last event in reading order among those committed so far. */
export const HEAD_CHECKPOINT = `
SELECT transaction_id::text AS transaction_id, position FROM events
ORDER BY events.transaction_id DESC, events.position DESC LIMIT 1`;
