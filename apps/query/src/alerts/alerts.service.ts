import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { alertView, findAlert, listAlerts, recordUserAction } from '@cm/alerts';
import type { AlertView, UserAction } from '@cm/alerts';
import { isStorableText, parseStorableDateTime, STORABLE_TEXT_MESSAGE } from '@cm/contracts';
import { CLOCK, PG_POOL, ProblemError, withTransaction } from '@cm/platform';
import type { Clock, FieldProblem } from '@cm/platform';
import { KeysetCursor } from '../http/keyset-cursor';
import type { AlertListQueryDto } from './alert-query.dto';
import { ALERT_LIST_LIMIT, ALERT_NOTE_MAX } from './alert-query.dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The sort key of the alert list: (raisedAt, alertId), newest first; both fixed per alert. */
interface AlertListKey {
  [field: string]: string;
  t: string;
  a: string;
}

const cursor = new KeysetCursor<AlertListKey>(
  'alerts',
  (key): key is AlertListKey =>
    Object.keys(key).length === 2 &&
    typeof key.t === 'string' &&
    // Not Date.parse: it takes forms ('0', 'Tuesday 1 BC') PostgreSQL refuses with an error.
    parseStorableDateTime(key.t) !== undefined &&
    typeof key.a === 'string' &&
    UUID.test(key.a),
);

/** Reads alerts and applies users' acknowledge and resolve (the lifecycle of @cm/alerts). */
@Injectable()
export class AlertsService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(query: AlertListQueryDto): Promise<{ items: AlertView[]; nextCursor: string | null }> {
    const key = query.cursor !== undefined ? cursor.decode(query.cursor) : undefined;
    const limit = query.limit ?? ALERT_LIST_LIMIT.default;
    // One more than the page: whether there is a next one.
    const rows = await listAlerts(
      this.pool,
      query,
      key && { raisedAt: key.t, alertId: key.a },
      limit + 1,
    );
    const page = rows.slice(0, limit).map(alertView);
    const last = page[page.length - 1];
    return {
      items: page,
      nextCursor:
        rows.length > limit && last ? cursor.encode({ t: last.raisedAt, a: last.alertId }) : null,
    };
  }

  async get(alertId: string): Promise<AlertView> {
    const alert = UUID.test(alertId) ? await findAlert(this.pool, alertId) : undefined;
    if (!alert) throw notFound(alertId);
    return alertView(alert);
  }

  /**
   * Acknowledge or resolve in one transaction with the journal entry and the open counts.
   * `recordedBy`: the name of the key that does it.
   */
  async act(
    alertId: string,
    action: UserAction,
    body: unknown,
    recordedBy: string,
  ): Promise<AlertView> {
    const note = readNote(body);
    if (!UUID.test(alertId)) throw notFound(alertId);
    return withTransaction(this.pool, async (client) => {
      const now = this.clock.now().toISOString();
      const outcome = await recordUserAction(client, alertId, action, note, now, recordedBy);
      if (!outcome) throw notFound(alertId);
      if (!outcome.ok) {
        throw ProblemError.conflict(
          'ALERT.ILLEGAL_TRANSITION',
          `The alert is ${outcome.from}; it cannot be ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}. ` +
            'Allowed: open -> acknowledged, open or acknowledged -> resolved.',
        );
      }
      return alertView(outcome.step.alert);
    });
  }
}

function notFound(alertId: string): ProblemError {
  return ProblemError.notFound('ALERT.NOT_FOUND', `No alert has the id ${alertId}.`);
}

/** `{ note? }`: an absent body is no note; anything else is refused with its path. */
function readNote(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  const problems: FieldProblem[] = [];
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw ProblemError.validation([{ path: '', message: 'must be an object { note? }' }]);
  }
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key !== 'note') problems.push({ path: key, message: 'is not a known field' });
  }
  const note = fields.note;
  if (note !== undefined && note !== null) {
    if (typeof note !== 'string') problems.push({ path: 'note', message: 'must be a string' });
    else if (note.length > ALERT_NOTE_MAX) {
      problems.push({ path: 'note', message: `must be at most ${ALERT_NOTE_MAX} characters` });
    } else if (!isStorableText(note)) {
      problems.push({ path: 'note', message: STORABLE_TEXT_MESSAGE });
    }
  }
  if (problems.length) throw ProblemError.validation(problems);
  return typeof note === 'string' ? note : null;
}
