import type { Correction, Retraction } from '@cm/contracts';
import {
  decideCorrection,
  decideRetraction,
  foldReportHistory,
  type ReportDecisionError,
  type ReportHistoryEvent,
} from './report-history';

/**
 * Given / when / then for the report-history decisions (test support; no tests here):
 *
 *   givenReport(['DeploymentReported', filed], ['ReportRetracted', { reason }])
 *     .when({ correct: correction })
 *     .thenRefused({ code: 'REPORT.RETRACTED' });
 *
 * `given` takes the stream's events in order (type and data; versions, positions and times
 * are filled in), `when` a command (`correct` or `retract`), and `then` the decided outcome
 * (matched as toMatchObject) or `thenRefused` the error.
 */
export type GivenEvent = readonly [type: string, data: unknown];
export type ReportCommand = { correct: Correction } | { retract: Retraction };

type Decision = ReturnType<typeof decideCorrection> | ReturnType<typeof decideRetraction>;

export function historyOf(...events: readonly GivenEvent[]): ReportHistoryEvent[] {
  return events.map(([type, data], index) => ({
    type,
    data,
    streamVersion: index + 1,
    position: (index + 1) * 10,
    recordedAt: new Date(Date.UTC(2024, 11, 3, 0, index)),
  }));
}

export function givenReport(...events: readonly GivenEvent[]) {
  return {
    when(command: ReportCommand) {
      const state = foldReportHistory(historyOf(...events));
      if (!state) throw new Error('given no filing: there is no report to decide on');
      const decision: Decision =
        'correct' in command
          ? decideCorrection(state, command.correct)
          : decideRetraction(state, command.retract);
      return {
        decision,
        /** The decision was taken, with (at least) these fields: `event`, `expectedVersion`. */
        then(expected: Record<string, unknown>): void {
          expect(decision).toMatchObject({ ok: true, ...expected });
        },
        /** The command was refused with (at least) these error fields. */
        thenRefused(error: Partial<ReportDecisionError>): void {
          expect(decision).toEqual({ ok: false, error: expect.objectContaining(error) });
        },
      };
    },
  };
}
