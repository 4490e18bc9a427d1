import { parseRules } from './rule.validation';

const threshold = {
  id: 'ceasefire-breakdown',
  kind: 'threshold',
  description: 'violations by both sides',
  severity: 'critical',
  cooldown: '72h',
  match: { type: 'ceasefire_violation' },
  window: { duration: '72h' },
  require: { count: { atLeast: 3 }, distinct: { field: 'details.accusedParty', atLeast: 2 } },
  summary: '{{count}} violations: {{evidence}}',
};

const errorsOf = (rules: unknown) => {
  const result = parseRules(rules);
  return result.ok ? [] : result.errors;
};

describe('parseRules', () => {
  it('given valid rules, then they are normalised and survive a JSON round trip', () => {
    const result = parseRules([threshold]);
    expect(result).toEqual({
      ok: true,
      rules: [{ ...threshold, match: { type: ['ceasefire_violation'] } }],
    });
    const again = parseRules(JSON.parse(JSON.stringify(result.ok && result.rules)));
    expect(again).toEqual(result);
  });

  it('given a body that is not a list, then the error is at the root', () => {
    expect(errorsOf({ rules: [] })).toEqual([{ path: '', message: 'must be a list of rules' }]);
  });

  it('given a bad duration, then the error names the rule and the field from the list', () => {
    expect(errorsOf([{ ...threshold, window: { duration: '3 days' } }])).toEqual([
      {
        rule: 'ceasefire-breakdown',
        path: '0.window.duration',
        message: 'must be a duration such as 30m, 72h, 7d or 2w',
      },
    ]);
  });

  it('given duplicate ids, then the second is an error', () => {
    expect(errorsOf([threshold, threshold])).toEqual([
      { rule: 'ceasefire-breakdown', path: '1.id', message: 'duplicates the id of rule 0' },
    ]);
  });

  it.each([
    [{ severity: 'urgent' }, 'severity', 'must be one of low, medium, high, critical'],
    [{ cooldown: '0h' }, 'cooldown', 'must be longer than zero'],
    [{ cooldown: '400d' }, 'cooldown', 'must be at most 366d'],
    [{ kind: 'trend' }, 'kind', 'must be one of threshold, spike, co-occurrence'],
    [{ id: 'Bad Id' }, 'id', 'must be a slug of [a-z0-9-], 2-64 chars'],
    [{ description: ' ' }, 'description', 'must be a non-blank string of at most 1000 characters'],
    [{ windw: { duration: '1h' } }, 'windw', 'is not a field of a threshold rule'],
    [{ require: {} }, 'require', 'needs at least one of count, sum, distinct'],
    [{ require: { count: { atLeast: 0 } } }, 'require.count.atLeast', 'must be at least 1'],
    [
      { require: { sum: { field: 'details.accusedParty', atLeast: 1 } } },
      'require.sum.field',
      'details.accusedParty is a string; expected number',
    ],
    [
      { match: { type: 'ceasefire_violation', where: [{ field: 'details.accusedParty' }] } },
      'match.where.0',
      'needs an operator',
    ],
    [
      { match: { type: 'deployment', where: [{ field: 'details.personel.best', gte: 1 }] } },
      'match.where.0.field',
      'details.personel.best is not a field of a deployment report',
    ],
    [
      {
        match: {
          type: 'deployment',
          where: [{ field: 'details.movement', in: ['arrival', 'arival'] }],
        },
      },
      'match.where.0.in.1',
      'must be one of arrival, buildup, withdrawal',
    ],
    [
      { match: { type: 'deployment', where: [{ field: 'details.actor', gte: 3 }] } },
      'match.where.0.gte',
      'details.actor is not a number',
    ],
    [
      { match: { type: 'deployment', where: [{ field: 'details.equipment', equals: 'srbm' }] } },
      'match.where.0.equals',
      'only exists applies',
    ],
    [
      { match: { type: 'deployment', where: [{ anyOf: [] }] } },
      'match.where.0.anyOf',
      'must hold at least one condition',
    ],
    [{ match: { type: 'battle' } }, 'match.type', 'must be a report type'],
    [
      { summary: '{{total}} violations' },
      'summary',
      '{{total}} is not a variable of a threshold rule',
    ],
    [{ summary: '{{sum}}' }, 'summary', '{{sum}} needs a field'],
    [{ summary: '{{values:details.nothing}}' }, 'summary', 'details.nothing is not a field'],
    [{ summary: 'open {{count' }, 'summary', 'malformed placeholder'],
  ])('given %j, then %s is rejected', (change, path, message) => {
    const errors = errorsOf([{ ...threshold, ...change }]);
    expect(errors).toContainEqual(
      expect.objectContaining({ path: `0.${path}`, message: expect.stringContaining(message) }),
    );
  });

  it('given a spike rule, then its fields are checked', () => {
    const errors = errorsOf([
      {
        id: 'casualty-spike',
        kind: 'spike',
        description: 'spike',
        severity: 'high',
        cooldown: '7d',
        match: { type: 'casualty' },
        measure: { sum: 'details.party' },
        window: { recent: '7d' },
        ratio: 0,
        minimum: -1,
        summary: '{{recent}} vs {{baselineMean}}',
      },
    ]);
    expect(errors.map((error) => [error.path, error.message])).toEqual([
      ['0.measure.sum', 'details.party is a string; expected number'],
      ['0.window.baseline', 'is required'],
      ['0.ratio', 'must be above 0'],
      ['0.minimum', 'must be at least 0'],
    ]);
  });

  it('given a co-occurrence rule, then order, constraints and roles are checked', () => {
    const errors = errorsOf([
      {
        id: 'sanctions-precondition',
        kind: 'co-occurrence',
        description: 'demand near a violation',
        severity: 'medium',
        cooldown: '14d',
        a: { type: 'sanction_demand' },
        b: { type: 'ceasefire_violation' },
        within: '14d',
        order: 'b-before-a',
        constraints: [{ a: 'details.ceasefire', b: 'details.ceasefire', relation: 'equal' }],
        summary: '{{a}} / {{b}} / {{recent}}',
      },
    ]);
    expect(errors.map((error) => [error.path, error.message])).toEqual([
      ['0.order', 'must be any or a-before-b'],
      ['0.constraints.0.a', 'details.ceasefire is not a field of a sanction_demand report'],
      ['0.constraints.0.relation', 'must be same or different'],
      [
        '0.summary',
        '{{recent}} is not a variable of a co-occurrence rule; use one of rule, theatre, count, evidence, windowStart, windowEnd, a, b',
      ],
    ]);
  });
});
