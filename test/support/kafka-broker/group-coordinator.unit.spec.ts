import { GroupCoordinator, type JoinRequest } from './group-coordinator';
import { ErrorCode } from './protocol/error-codes';

const SESSION_MS = 10_000;
const REBALANCE_MS = 20_000;

function joinRequest(memberId = '', clientId = 'consumer'): JoinRequest {
  return {
    groupId: 'projector',
    memberId,
    clientId,
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs: REBALANCE_MS,
    protocolType: 'consumer',
    protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from(clientId) }],
  };
}

describe('GroupCoordinator', () => {
  let groups: GroupCoordinator;

  beforeEach(() => {
    jest.useFakeTimers();
    groups = new GroupCoordinator();
  });

  afterEach(() => {
    groups.close();
    jest.useRealTimers();
  });

  /** Joins two members into a stable generation; returns their ids and the generation. */
  async function stableGroupOfTwo(): Promise<{ a: string; b: string; generation: number }> {
    const first = await groups.join(joinRequest('', 'a'));
    const secondJoin = groups.join(joinRequest('', 'b'));
    expect(groups.heartbeat('projector', first.generationId, first.memberId)).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    );
    const [a, b] = await Promise.all([groups.join(joinRequest(first.memberId, 'a')), secondJoin]);
    const assignments = new Map([
      [a.memberId, Buffer.from('partitions 0,1')],
      [b.memberId, Buffer.from('partitions 2,3')],
    ]);
    const [syncA, syncB] = await Promise.all([
      groups.sync('projector', a.generationId, a.memberId, assignments),
      groups.sync('projector', b.generationId, b.memberId, new Map()),
    ]);
    expect(syncA.assignment.toString()).toBe('partitions 0,1');
    expect(syncB.assignment.toString()).toBe('partitions 2,3');
    return { a: a.memberId, b: b.memberId, generation: a.generationId };
  }

  it('makes the first member leader of generation 1 with every member’s metadata', async () => {
    const joined = await groups.join(joinRequest('', 'a'));

    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, generationId: 1 });
    expect(joined.leaderId).toBe(joined.memberId);
    expect(joined.members.map((m) => m.metadata.toString())).toEqual(['a']);
  });

  it('gives the leader all members and the follower none when a second member joins', async () => {
    const first = await groups.join(joinRequest('', 'a'));
    const secondJoin = groups.join(joinRequest('', 'b'));

    const [leader, follower] = await Promise.all([
      groups.join(joinRequest(first.memberId, 'a')),
      secondJoin,
    ]);

    expect(leader.generationId).toBe(2);
    expect(follower.generationId).toBe(2);
    expect(follower.leaderId).toBe(leader.memberId);
    expect(leader.members.map((m) => m.memberId).sort()).toEqual(
      [leader.memberId, follower.memberId].sort(),
    );
    expect(follower.members).toEqual([]);
  });

  it('rebalances when a member leaves, and the other learns it from its heartbeat', async () => {
    const { a, b, generation } = await stableGroupOfTwo();

    expect(groups.leave('projector', b)).toBe(ErrorCode.NONE);

    expect(groups.heartbeat('projector', generation, a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoined = await groups.join(joinRequest(a, 'a'));
    expect(rejoined).toMatchObject({ generationId: generation + 1, leaderId: a });
    expect(rejoined.members.map((m) => m.memberId)).toEqual([a]);
    expect(groups.heartbeat('projector', generation + 1, b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('drops a member whose session times out, and rebalances the rest', async () => {
    const { a, b, generation } = await stableGroupOfTwo();

    jest.advanceTimersByTime(SESSION_MS / 2);
    expect(groups.heartbeat('projector', generation, a)).toBe(ErrorCode.NONE);
    jest.advanceTimersByTime(SESSION_MS / 2 + 1);

    expect(groups.describe('projector')?.members.map((m) => m.memberId)).toEqual([a]);
    expect(groups.heartbeat('projector', generation, a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(groups.heartbeat('projector', generation, b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('completes a join without the members that did not rejoin within the rebalance timeout', async () => {
    const { a, b, generation } = await stableGroupOfTwo();
    const thirdJoin = groups.join(joinRequest('', 'c'));
    const rejoinA = groups.join(joinRequest(a, 'a'));

    // b keeps heartbeating (so its session holds) but never rejoins.
    for (let elapsed = 0; elapsed <= REBALANCE_MS; elapsed += SESSION_MS / 4) {
      groups.heartbeat('projector', generation, b);
      jest.advanceTimersByTime(SESSION_MS / 4);
    }

    const [joinedA, joinedC] = await Promise.all([rejoinA, thirdJoin]);
    expect(joinedA.generationId).toBe(generation + 1);
    expect(joinedA.members.map((m) => m.memberId).sort()).toEqual([a, joinedC.memberId].sort());
    expect(groups.heartbeat('projector', joinedA.generationId, b)).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
  });

  it('answers a superseded join of the same member instead of leaving it waiting', async () => {
    const { a, b } = await stableGroupOfTwo();
    const firstTry = groups.join(joinRequest(a, 'a'));
    const secondTry = groups.join(joinRequest(a, 'a'));

    await expect(firstTry).resolves.toMatchObject({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    const [joinedA, joinedB] = await Promise.all([secondTry, groups.join(joinRequest(b, 'b'))]);
    expect(joinedA.errorCode).toBe(ErrorCode.NONE);
    expect(joinedB.generationId).toBe(joinedA.generationId);
  });

  it('refuses a stale generation and an unknown member', async () => {
    const { a, generation } = await stableGroupOfTwo();

    expect(groups.heartbeat('projector', generation - 1, a)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(groups.heartbeat('projector', generation, 'nobody')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    await expect(groups.join(joinRequest('nobody'))).resolves.toMatchObject({
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
    });
    await expect(groups.sync('projector', generation - 1, a, new Map())).resolves.toMatchObject({
      errorCode: ErrorCode.ILLEGAL_GENERATION,
    });
  });

  it('commits a member’s offsets only in its current generation, and keeps them after it leaves', async () => {
    const { a, b, generation } = await stableGroupOfTwo();
    const offset = { topic: 'reports', partition: 0, offset: 42, metadata: null };

    expect(groups.commit('projector', generation - 1, a, [offset])).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    expect(groups.commit('projector', generation, a, [offset])).toBe(ErrorCode.NONE);
    groups.leave('projector', a);
    groups.leave('projector', b);

    expect(groups.committed('projector', 'reports', 0)).toEqual(offset);
    expect(groups.describe('projector')?.state).toBe('Empty');
  });

  it('asks a v4+ member joining without an id to join again with one (MEMBER_ID_REQUIRED)', async () => {
    const asked = await groups.join({ ...joinRequest(), requireKnownMemberId: true });
    expect(asked.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(asked.memberId).toMatch(/^consumer-/);
    expect(groups.describe('projector')?.members).toEqual([]);

    const joined = await groups.join({
      ...joinRequest(asked.memberId),
      requireKnownMemberId: true,
    });
    expect(joined).toMatchObject({ errorCode: ErrorCode.NONE, memberId: asked.memberId });
    expect(joined.leaderId).toBe(asked.memberId);

    // An id handed out and not used within the session timeout is forgotten.
    const unused = await groups.join({ ...joinRequest('', 'late'), requireKnownMemberId: true });
    jest.advanceTimersByTime(SESSION_MS + 1);
    const stale = await groups.join({ ...joinRequest(unused.memberId, 'late') });
    expect(stale.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
