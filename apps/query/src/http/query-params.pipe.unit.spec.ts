import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { ProblemError } from '@cm/platform';
import { EventFeedQueryDto } from '../events/event-feed-query.dto';
import { ActorListQueryDto, PartyListQueryDto } from './list-query.dto';
import { QueryParamsPipe } from './query-params.pipe';

const pipe = new QueryParamsPipe();
const asQuery = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
  type: 'query',
  metatype,
});

function parse<T>(type: new () => T, query: Record<string, unknown>): T {
  return pipe.transform(query, asQuery(type)) as T;
}

function problemsOf(type: new () => unknown, query: Record<string, unknown>) {
  try {
    parse(type, query);
  } catch (error) {
    if (error instanceof ProblemError) {
      expect(error.status).toBe(400);
      return error.errors;
    }
    throw error;
  }
  throw new Error('expected a 400');
}

describe('list query parameters', () => {
  it('takes none: the defaults', () => {
    const query = parse(ActorListQueryDto, {});
    expect(query.pageSize).toBe(100);
    expect(query.fromDate).toBeUndefined();
    expect(query.toDate).toBeUndefined();
    expect(query.actor).toBeUndefined();
  });

  it('takes every filter, converting limit and the dates', () => {
    const query = parse(ActorListQueryDto, {
      from: '2026-03-01T00:00:00Z',
      to: '2026-03-01T02:00:00+01:00',
      actor: 'wagner-group',
      limit: '500',
      cursor: 'abc',
    });
    expect(query.fromDate?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(query.toDate?.toISOString()).toBe('2026-03-01T01:00:00.000Z');
    expect(query.pageSize).toBe(500);
    expect(query.actor).toBe('wagner-group');
    expect(query.cursor).toBe('abc');
  });

  it('allows from equal to to', () => {
    const at = '2026-03-01T00:00:00Z';
    expect(parse(PartyListQueryDto, { from: at, to: at }).party).toBeUndefined();
  });

  it.each([
    ['limit', { limit: '0' }],
    ['limit', { limit: '501' }],
    ['limit', { limit: '-1' }],
    ['limit', { limit: '1.5' }],
    ['limit', { limit: '1e2' }],
    ['limit', { limit: 'ten' }],
    ['limit', { limit: ['10', '20'] }],
    ['from', { from: '2026-03-01' }],
    ['from', { from: 'yesterday' }],
    ['from', { from: '2026-02-30T00:00:00Z' }],
    ['to', { to: '2026-03-01T00:00:00' }],
    ['from', { from: '0000-01-01T00:00:00Z' }],
    ['to', { to: '1899-12-31T23:59:59Z' }],
    ['to', { from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' }],
    ['actor', { actor: 'Not A Slug' }],
    ['actor', { actor: ['RU', 'UA'] }],
    ['cursor', { cursor: ['a', 'b'] }],
    ['party', { party: 'UA' }],
  ])('refuses a bad %s with its path', (path, query) => {
    expect(problemsOf(ActorListQueryDto, query)).toEqual([{ path, message: expect.any(String) }]);
  });

  it('names the earliest instant when a date is before it', () => {
    expect(problemsOf(ActorListQueryDto, { from: '0000-01-01T00:00:00Z' })).toEqual([
      { path: 'from', message: 'must not be before 1900-01-01T00:00:00Z' },
    ]);
    expect(parse(ActorListQueryDto, { from: '1900-01-01T00:00:00Z' }).fromDate?.toISOString()).toBe(
      '1900-01-01T00:00:00.000Z',
    );
  });

  it('names an unknown parameter as such', () => {
    expect(problemsOf(PartyListQueryDto, { actor: 'RU' })).toEqual([
      { path: 'actor', message: 'is not a known parameter' },
    ]);
  });

  it('reports every bad parameter at once', () => {
    const paths = problemsOf(PartyListQueryDto, { limit: '0', from: 'x', party: '!' })?.map(
      (problem) => problem.path,
    );
    expect(paths?.sort()).toEqual(['from', 'limit', 'party']);
  });
});

describe('event feed parameters', () => {
  it('defaults after to the start', () => {
    const query = parse(EventFeedQueryDto, {});
    expect(query.after).toBeUndefined();
    expect(query.limit).toBeUndefined();
  });

  it('takes a position and a page size up to 1000', () => {
    expect(parse(EventFeedQueryDto, { after: '42', limit: '1000' })).toMatchObject({
      after: 42,
      limit: 1000,
    });
  });

  it.each([
    ['after', { after: '-1' }],
    ['after', { after: 'x' }],
    ['after', { after: '99999999999999999' }],
    ['limit', { limit: '1001' }],
  ])('refuses a bad %s', (path, query) => {
    expect(problemsOf(EventFeedQueryDto, query)).toEqual([{ path, message: expect.any(String) }]);
  });
});
