import { validateBacktestRequest } from './backtest-request';

const aRule = {
  id: 'two-violations',
  kind: 'threshold',
  description: 'Two violations within a day.',
  severity: 'high',
  cooldown: '1d',
  match: { type: 'ceasefire_violation' },
  window: { duration: '24h' },
  require: { count: { atLeast: 2 } },
  summary: '{{count}} violations: {{evidence}}',
};

const errorsOf = (body: unknown) => {
  const result = validateBacktestRequest(body);
  if (result.ok) throw new Error('expected the request to be invalid');
  return result.errors;
};

describe('validateBacktestRequest', () => {
  it('takes an empty body, or none, as the active rules over all history', () => {
    expect(validateBacktestRequest({})).toEqual({ ok: true, value: {} });
    expect(validateBacktestRequest(undefined)).toEqual({ ok: true, value: {} });
  });

  it('returns the rules normalised by the engine, the theatre and the window as instants', () => {
    const result = validateBacktestRequest({
      rules: [aRule],
      theatre: 'russia-ukraine',
      from: '2025-03-01T00:00:00+01:00',
      to: '2025-04-01T00:00:00Z',
    });
    expect(result).toEqual({
      ok: true,
      value: {
        rules: [expect.objectContaining({ id: 'two-violations', kind: 'threshold' })],
        theatre: 'russia-ukraine',
        from: '2025-02-28T23:00:00.000Z',
        to: '2025-04-01T00:00:00.000Z',
      },
    });
  });

  it('names the field of an invalid rule from the body: rules.<index>.<path>', () => {
    const errors = errorsOf({ rules: [aRule, { ...aRule, id: 'bad', window: { duration: 'x' } }] });
    expect(errors).toEqual([
      { path: 'rules.1.window.duration', message: expect.stringMatching(/duration/) },
    ]);
  });

  it('rejects duplicate rule ids, an empty list and a list that is not one', () => {
    expect(errorsOf({ rules: [aRule, aRule] })).toEqual([
      { path: 'rules.1.id', message: expect.stringMatching(/duplicates/) },
    ]);
    expect(errorsOf({ rules: [] })).toEqual([
      { path: 'rules', message: expect.stringMatching(/at least one rule/) },
    ]);
    expect(errorsOf({ rules: aRule })).toEqual([
      { path: 'rules', message: 'must be a list of rules' },
    ]);
  });

  it('rejects unknown fields, bad theatres and dates, and a window that ends before it starts', () => {
    expect(errorsOf({ rule: [aRule] })).toEqual([
      { path: 'rule', message: expect.stringMatching(/not a field.*rules, theatre, from, to/) },
    ]);
    expect(errorsOf({ theatre: 'Russia Ukraine' })).toEqual([
      { path: 'theatre', message: expect.stringMatching(/slug/) },
    ]);
    expect(errorsOf({ from: '2025-03-01' })).toEqual([
      { path: 'from', message: expect.stringMatching(/RFC 3339/) },
    ]);
    expect(errorsOf({ to: '2025-02-30T00:00:00Z' })).toEqual([
      { path: 'to', message: expect.stringMatching(/RFC 3339/) },
    ]);
    expect(errorsOf({ from: '2025-03-02T00:00:00Z', to: '2025-03-01T00:00:00Z' })).toEqual([
      { path: 'to', message: 'must not be before from' },
    ]);
  });

  it('rejects a window before 1900 (year 0 is no PostgreSQL timestamp), naming the bound', () => {
    expect(errorsOf({ from: '0000-01-01T00:00:00Z' })).toEqual([
      { path: 'from', message: 'must be an RFC 3339 date-time from 1900-01-01T00:00:00Z on' },
    ]);
    expect(errorsOf({ to: '1899-12-31T23:59:59Z' })).toEqual([
      { path: 'to', message: expect.stringContaining('1900-01-01T00:00:00Z') },
    ]);
    expect(validateBacktestRequest({ from: '1900-01-01T00:00:00Z' }).ok).toBe(true);
  });

  it('rejects a body that is not an object', () => {
    for (const body of [[aRule], 'rules', 42]) {
      expect(errorsOf(body)).toEqual([{ path: '', message: 'must be a JSON object' }]);
    }
  });
});
