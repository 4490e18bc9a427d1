import { reportHistory, VARIED_REPORTS } from '@cm/contracts/testing';
import { AGGREGATE_KINDS } from './aggregates';
import { projectEvents } from './project-events';
import type { ProjectedEvent, ReportRow } from './report-row';
import { evolveReportRow } from './report-row';

function historyEvents(count: number): ProjectedEvent[] {
  const versions = new Map<string, number>();
  return [...reportHistory({ ...VARIED_REPORTS, seed: 3, events: count, theatres: 3 })].map(
    (event, index) => {
      const version = (versions.get(event.streamId) ?? 0) + 1;
      versions.set(event.streamId, version);
      return { type: event.type, data: event.data, position: index + 1, streamVersion: version };
    },
  );
}

describe('projectEvents', () => {
  it('gives the same rows and sums in batches, from the rows before each batch, as in one run', () => {
    const events = historyEvents(3000);
    const whole = projectEvents(new Map(), events);

    // As the writer does: each batch starts from the rows the batches before it left.
    const rows = new Map<string, ReportRow>();
    const sums = new Map<string, number[]>();
    for (let i = 0; i < events.length; i += 113) {
      const changes = projectEvents(rows, events.slice(i, i + 113));
      for (const [reportId, row] of changes.rows) {
        if (row.next) rows.set(reportId, row.next);
        else rows.delete(reportId);
      }
      for (const kind of AGGREGATE_KINDS) {
        for (const entry of changes.sums.ofKind(kind)) {
          const id = `${kind}|${entry.key.join('|')}`;
          const current = sums.get(id) ?? entry.values.map(() => 0);
          sums.set(
            id,
            current.map((value, index) => value + entry.values[index]),
          );
        }
      }
    }

    const wholeRows = new Map(
      [...whole.rows].flatMap(([id, row]) => (row.next ? [[id, row.next] as const] : [])),
    );
    expect(rows).toEqual(wholeRows);
    for (const kind of AGGREGATE_KINDS) {
      for (const entry of whole.sums.ofKind(kind)) {
        expect(sums.get(`${kind}|${entry.key.join('|')}`)).toEqual(entry.values);
      }
    }
  });

  it('ignores events that are not report events, and changes to reports never seen', () => {
    expect(
      evolveReportRow(undefined, {
        type: 'SomethingElse',
        data: {},
        position: 1,
        streamVersion: 1,
      }),
    ).toBeNull();
    const correction = historyEvents(400).find((event) => event.type === 'ReportCorrected')!;
    expect(evolveReportRow(undefined, correction)).toBeNull();
    expect(projectEvents(new Map(), [correction]).rows.size).toBe(0);
  });
});
