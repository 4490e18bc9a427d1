import { GroupCoordinator, type JoinRequest, type JoinResult } from './group-coordinator';
import { ErrorCode } from './protocol';

describe('GroupCoordinator state machine', () => {
  let now = 1_000_000;
  let coordinator: GroupCoordinator;
  const request = (memberId = '', metadata = 'm'): JoinRequest => ({
    groupId: 'g',
    memberId,
    clientId: 'c',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 20_000,
    protocolType: 'consumer',
    protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from(metadata) }],
  });
  const settled = async <T>(promise: Promise<T>): Promise<T | 'pending'> =>
    Promise.race([promise, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);

  beforeEach(() => {
    now = 1_000_000;
    coordinator = new GroupCoordinator(() => now);
  });
  afterEach(() => coordinator.shutdown());

  async function stableGroupOfOne(): Promise<JoinResult> {
    const joined = await coordinator.join(request('', 'first'));
    const synced = await coordinator.sync('g', joined.generationId, joined.memberId, [
      { memberId: joined.memberId, assignment: Buffer.from('all') },
    ]);
    expect(synced).toEqual({ errorCode: 0, assignment: Buffer.from('all') });
    return joined;
  }

  it('makes the first member leader of generation 1 and passes its metadata through', async () => {
    const joined = await coordinator.join(request('', 'first'));
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocol: 'RoundRobinAssigner' });
    expect(joined.leaderId).toBe(joined.memberId);
    expect(joined.members).toEqual([{ memberId: joined.memberId, metadata: Buffer.from('first') }]);
    expect(coordinator.heartbeat('g', 1, joined.memberId)).toBe(ErrorCode.NONE);
  });

  it('rebalances when a member joins: heartbeat says REBALANCE_IN_PROGRESS, followers wait for the leader', async () => {
    const first = await stableGroupOfOne();
    const secondJoin = coordinator.join(request('', 'second'));
    expect(await settled(secondJoin)).toBe('pending');
    expect(coordinator.heartbeat('g', 1, first.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await coordinator.sync('g', 1, first.memberId, [])).toMatchObject({
      errorCode: ErrorCode.REBALANCE_IN_PROGRESS,
    });

    const firstAgain = await coordinator.join(request(first.memberId, 'first'));
    const second = await secondJoin;
    expect(firstAgain).toMatchObject({ errorCode: 0, generationId: 2, leaderId: first.memberId });
    expect(second).toMatchObject({
      errorCode: 0,
      generationId: 2,
      leaderId: first.memberId,
      members: [],
    });
    expect(firstAgain.members.map((m) => m.metadata.toString()).sort()).toEqual([
      'first',
      'second',
    ]);

    const followerSync = coordinator.sync('g', 2, second.memberId, []);
    expect(await settled(followerSync)).toBe('pending');
    const leaderSync = await coordinator.sync('g', 2, first.memberId, [
      { memberId: first.memberId, assignment: Buffer.from('A') },
      { memberId: second.memberId, assignment: Buffer.from('B') },
    ]);
    expect(leaderSync).toEqual({ errorCode: 0, assignment: Buffer.from('A') });
    expect(await followerSync).toEqual({ errorCode: 0, assignment: Buffer.from('B') });
    expect(coordinator.heartbeat('g', 2, second.memberId)).toBe(ErrorCode.NONE);
    expect(coordinator.heartbeat('g', 1, second.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(coordinator.heartbeat('g', 2, 'nobody')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('drops members that do not rejoin within the rebalance timeout', async () => {
    const first = await stableGroupOfOne();
    const secondJoin = coordinator.join(request('', 'second'));
    // The first member stays alive (heartbeats) but never rejoins.
    for (let i = 0; i < 2; i++) {
      now += 9_000;
      expect(coordinator.heartbeat('g', 1, first.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      coordinator.tick();
      expect(await settled(secondJoin)).toBe('pending');
    }
    now += 3_000; // 21 s > the 20 s rebalance timeout
    coordinator.tick();
    const second = await secondJoin;
    expect(second).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(second.leaderId).toBe(second.memberId);
    expect(coordinator.heartbeat('g', 2, first.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await coordinator.join(request(first.memberId))).toMatchObject({
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
    });
  });

  it('removes a member that misses its session timeout and rebalances the rest', async () => {
    const first = await stableGroupOfOne();
    const secondJoin = coordinator.join(request('', 'second'));
    await coordinator.join(request(first.memberId, 'first'));
    const second = await secondJoin;
    await coordinator.sync('g', 2, first.memberId, []);
    now += 9_000;
    expect(coordinator.heartbeat('g', 2, second.memberId)).toBe(ErrorCode.NONE);
    now += 2_000; // first: 11 s silent, second: 2 s
    coordinator.tick();
    expect(coordinator.describe('g')?.members).toEqual([second.memberId]);
    expect(coordinator.heartbeat('g', 2, second.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoined = await coordinator.join(request(second.memberId, 'second'));
    expect(rejoined).toMatchObject({ errorCode: 0, generationId: 3, leaderId: second.memberId });
  });

  it('rebalances on LeaveGroup and empties the group when the last member leaves', async () => {
    const first = await stableGroupOfOne();
    expect(coordinator.leave('g', 'nobody')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.leave('g', first.memberId)).toBe(ErrorCode.NONE);
    expect(coordinator.describe('g')).toMatchObject({ phase: 'Empty', members: [] });
  });

  it('accepts offset commits only from members of the current, stable generation', async () => {
    const exists = () => true;
    const first = await stableGroupOfOne();
    const entry = [{ topic: 't', partition: 0, offset: 5, metadata: null }];
    expect(coordinator.commitOffsets('g', 0, first.memberId, entry, exists)).toEqual([
      ErrorCode.ILLEGAL_GENERATION,
    ]);
    expect(coordinator.commitOffsets('g', 1, 'nobody', entry, exists)).toEqual([
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    expect(coordinator.commitOffsets('g', 1, first.memberId, entry, () => false)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    expect(coordinator.committedOffset('g', 't', 0)).toBeUndefined();
    expect(coordinator.commitOffsets('g', 1, first.memberId, entry, exists)).toEqual([0]);
    expect(coordinator.committedOffset('g', 't', 0)).toBe(5);
    // While the group prepares a rebalance, the current generation may still commit...
    const secondJoin = coordinator.join(request('', 'second'));
    const during = [{ topic: 't', partition: 0, offset: 7, metadata: null }];
    expect(coordinator.commitOffsets('g', 1, first.memberId, during, exists)).toEqual([0]);
    expect(coordinator.committedOffset('g', 't', 0)).toBe(7);
    // ...but not between JoinGroup and SyncGroup.
    await coordinator.join(request(first.memberId, 'first'));
    await secondJoin;
    const later = [{ topic: 't', partition: 0, offset: 9, metadata: null }];
    expect(coordinator.commitOffsets('g', 2, first.memberId, later, exists)).toEqual([
      ErrorCode.REBALANCE_IN_PROGRESS,
    ]);
    expect(coordinator.committedOffset('g', 't', 0)).toBe(7);
    expect(coordinator.commitOffsets('other', -1, '', later, exists)).toEqual([0]);
    expect(coordinator.committedOffset('other', 't', 0)).toBe(9);
  });
});
