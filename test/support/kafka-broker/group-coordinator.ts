import { randomUUID } from 'node:crypto';
import { ErrorCode } from './protocol/error-codes';

/**
 * Consumer-group coordination as Kafka's GroupCoordinator does it, minus persistence:
 *
 * - Empty --join--> PreparingRebalance: a join, a leave or a session timeout moves the group
 *   here. Members learn it from Heartbeat (REBALANCE_IN_PROGRESS) and rejoin.
 * - PreparingRebalance --all known members rejoined, or the rebalance timeout passed (those that
 *   did not are dropped)--> CompletingRebalance: a new generation; the leader gets every
 *   member's metadata, the others none.
 * - CompletingRebalance --the leader's SyncGroup--> Stable: each member gets its assignment.
 *
 * Committed offsets live beside the groups and outlive them, as in __consumer_offsets.
 */
type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinRequest {
  groupId: string;
  memberId: string;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  /**
   * JoinGroup v4+ (KIP-394): a member joining without an id gets one with MEMBER_ID_REQUIRED
   * and must join again with it, as Kafka's coordinator asks.
   */
  requireKnownMemberId?: boolean;
}

export interface JoinResult {
  errorCode: ErrorCode;
  generationId: number;
  protocolName: string;
  leaderId: string;
  memberId: string;
  members: { memberId: string; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: ErrorCode;
  assignment: Buffer;
}

export interface CommittedOffset {
  offset: number;
  metadata: string | null;
}

export interface OffsetToCommit extends CommittedOffset {
  topic: string;
  partition: number;
}

export interface GroupDescription {
  groupId: string;
  /** Kafka's names, and 'Dead' for a group the coordinator does not know. */
  state: GroupState | 'Dead';
  protocolType: string;
  protocolName: string;
  members: {
    memberId: string;
    clientId: string;
    clientHost: string;
    metadata: Buffer;
    assignment: Buffer;
  }[];
}

interface Member {
  memberId: string;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  assignment: Buffer;
  awaitingJoin?: (result: JoinResult) => void;
  awaitingSync?: (result: SyncResult) => void;
  sessionTimer?: NodeJS.Timeout;
}

interface Group {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string;
  protocolName: string;
  leaderId: string;
  members: Map<string, Member>;
  /** Ids handed out with MEMBER_ID_REQUIRED, awaiting the join that uses them. */
  pendingMembers: Map<string, NodeJS.Timeout>;
  rebalanceTimer?: NodeJS.Timeout;
}

const EMPTY = Buffer.alloc(0);

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly offsets = new Map<string, Map<string, CommittedOffset & OffsetToCommit>>();

  join(request: JoinRequest): Promise<JoinResult> {
    const failed = (errorCode: ErrorCode): Promise<JoinResult> =>
      Promise.resolve({
        errorCode,
        generationId: -1,
        protocolName: '',
        leaderId: '',
        memberId: request.memberId,
        members: [],
      });
    if (request.groupId === '') return failed(ErrorCode.INVALID_GROUP_ID);
    if (request.sessionTimeoutMs <= 0) return failed(ErrorCode.INVALID_SESSION_TIMEOUT);
    const group = this.group(request.groupId);
    const pending = group.pendingMembers.get(request.memberId);
    if (request.memberId !== '' && !group.members.has(request.memberId) && !pending) {
      return failed(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    if (!this.acceptsProtocols(group, request)) {
      return failed(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    if (request.memberId === '' && request.requireKnownMemberId) {
      // Kafka remembers the id for a session timeout; a join with it then makes the member.
      const memberId = `${request.clientId}-${randomUUID()}`;
      const expiry = setTimeout(
        () => group.pendingMembers.delete(memberId),
        request.sessionTimeoutMs,
      );
      expiry.unref();
      group.pendingMembers.set(memberId, expiry);
      return Promise.resolve({
        errorCode: ErrorCode.MEMBER_ID_REQUIRED,
        generationId: -1,
        protocolName: '',
        leaderId: '',
        memberId,
        members: [],
      });
    }
    if (pending) {
      clearTimeout(pending);
      group.pendingMembers.delete(request.memberId);
    }

    const memberId = request.memberId || `${request.clientId}-${randomUUID()}`;
    const member: Member = group.members.get(memberId) ?? {
      memberId,
      clientId: request.clientId,
      clientHost: request.clientHost,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols,
      assignment: EMPTY,
    };
    Object.assign(member, {
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols,
    });
    group.members.set(memberId, member);
    if (group.members.size === 1) group.protocolType = request.protocolType;

    return new Promise((resolve) => {
      // A member waiting in JoinGroup is not expected to heartbeat.
      clearTimeout(member.sessionTimer);
      // A second join of the same member (say, from a new connection) supersedes the first,
      // whose connection would otherwise wait forever for its answer.
      member.awaitingJoin?.({
        errorCode: ErrorCode.REBALANCE_IN_PROGRESS,
        generationId: -1,
        protocolName: '',
        leaderId: '',
        memberId,
        members: [],
      });
      member.awaitingJoin = resolve;
      if (group.state !== 'PreparingRebalance') this.prepareRebalance(group);
      this.tryCompleteJoin(group);
    });
  }

  sync(
    groupId: string,
    generationId: number,
    memberId: string,
    assignments: ReadonlyMap<string, Buffer>,
  ): Promise<SyncResult> {
    const failed = (errorCode: ErrorCode): Promise<SyncResult> =>
      Promise.resolve({ errorCode, assignment: EMPTY });
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return failed(ErrorCode.UNKNOWN_MEMBER_ID);
    if (generationId !== group.generationId) return failed(ErrorCode.ILLEGAL_GENERATION);
    if (group.state === 'PreparingRebalance') return failed(ErrorCode.REBALANCE_IN_PROGRESS);
    this.touch(group, member);
    if (group.state === 'Stable')
      return Promise.resolve({ errorCode: 0, assignment: member.assignment });

    return new Promise((resolve) => {
      member.awaitingSync = resolve;
      if (memberId !== group.leaderId) return;
      for (const each of group.members.values()) {
        each.assignment = assignments.get(each.memberId) ?? EMPTY;
      }
      group.state = 'Stable';
      for (const each of group.members.values()) {
        each.awaitingSync?.({ errorCode: ErrorCode.NONE, assignment: each.assignment });
        each.awaitingSync = undefined;
      }
    });
  }

  heartbeat(groupId: string, generationId: number, memberId: string): ErrorCode {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.touch(group, member);
    if (group.state === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  leave(groupId: string, memberId: string): ErrorCode {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(group, member);
    return ErrorCode.NONE;
  }

  /**
   * Kafka's rules: a commit with no generation is for groups without members (admin tools,
   * manual assignment); a member's commit needs the current generation and is refused only
   * while the group waits for the leader's assignment.
   */
  commit(
    groupId: string,
    generationId: number,
    memberId: string,
    offsets: readonly OffsetToCommit[],
  ): ErrorCode {
    const group = this.groups.get(groupId);
    if (generationId >= 0 || (group && group.members.size > 0)) {
      const member = group?.members.get(memberId);
      if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
      this.touch(group, member);
    }
    const committed = this.offsets.get(groupId) ?? new Map();
    for (const offset of offsets) committed.set(offsetKey(offset.topic, offset.partition), offset);
    this.offsets.set(groupId, committed);
    return ErrorCode.NONE;
  }

  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId)?.get(offsetKey(topic, partition));
  }

  committedOffsets(groupId: string): OffsetToCommit[] {
    return [...(this.offsets.get(groupId)?.values() ?? [])];
  }

  describe(groupId: string): GroupDescription | undefined {
    const group = this.groups.get(groupId);
    if (!group) return undefined;
    return {
      groupId,
      state: group.state,
      protocolType: group.protocolType,
      protocolName: group.state === 'Stable' ? group.protocolName : '',
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        metadata: member.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
        assignment: member.assignment,
      })),
    };
  }

  groupIds(): string[] {
    return [...new Set([...this.groups.keys(), ...this.offsets.keys()])];
  }

  /** Stops every timer; groups and offsets stay for inspection. */
  close(): void {
    for (const group of this.groups.values()) {
      clearTimeout(group.rebalanceTimer);
      for (const member of group.members.values()) clearTimeout(member.sessionTimer);
      for (const expiry of group.pendingMembers.values()) clearTimeout(expiry);
    }
  }

  private group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = {
        groupId,
        state: 'Empty',
        generationId: 0,
        protocolType: '',
        protocolName: '',
        leaderId: '',
        members: new Map(),
        pendingMembers: new Map(),
      };
      this.groups.set(groupId, group);
    }
    return group;
  }

  private acceptsProtocols(group: Group, request: JoinRequest): boolean {
    if (request.protocols.length === 0) return false;
    const others = [...group.members.values()].filter((m) => m.memberId !== request.memberId);
    if (others.length === 0) return true;
    if (request.protocolType !== group.protocolType) return false;
    return request.protocols.some((protocol) =>
      others.every((member) => member.protocols.some((p) => p.name === protocol.name)),
    );
  }

  private prepareRebalance(group: Group): void {
    for (const member of group.members.values()) {
      member.awaitingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      member.awaitingSync = undefined;
    }
    group.state = 'PreparingRebalance';
    const timeoutMs = Math.max(...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
    clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = setTimeout(() => this.completeJoin(group), timeoutMs);
    group.rebalanceTimer.unref();
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    if ([...group.members.values()].every((member) => member.awaitingJoin)) {
      this.completeJoin(group);
    }
  }

  /** Starts the next generation with the members that rejoined; the rest are dropped. */
  private completeJoin(group: Group): void {
    clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = undefined;
    for (const member of [...group.members.values()]) {
      if (!member.awaitingJoin) {
        clearTimeout(member.sessionTimer);
        group.members.delete(member.memberId);
      }
    }
    group.generationId += 1;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocolName = '';
      group.leaderId = '';
      return;
    }
    const members = [...group.members.values()];
    if (!group.members.has(group.leaderId)) group.leaderId = members[0].memberId;
    group.protocolName = chooseProtocol(members);
    group.state = 'CompletingRebalance';
    const metadata = members.map((member) => ({
      memberId: member.memberId,
      metadata: member.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY,
    }));
    for (const member of members) {
      const answer = member.awaitingJoin;
      member.awaitingJoin = undefined;
      member.assignment = EMPTY;
      this.touch(group, member);
      answer?.({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolName: group.protocolName,
        leaderId: group.leaderId,
        memberId: member.memberId,
        members: member.memberId === group.leaderId ? metadata : [],
      });
    }
  }

  private removeMember(group: Group, member: Member): void {
    clearTimeout(member.sessionTimer);
    group.members.delete(member.memberId);
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') {
      if (group.members.size === 0) this.completeJoin(group);
      else this.prepareRebalance(group);
    } else if (group.state === 'PreparingRebalance') {
      this.tryCompleteJoin(group);
    }
  }

  /** Restarts the member's session timeout: it proved alive. */
  private touch(group: Group, member: Member): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = setTimeout(() => {
      if (group.members.get(member.memberId) === member && !member.awaitingJoin) {
        this.removeMember(group, member);
      }
    }, member.sessionTimeoutMs);
    member.sessionTimer.unref();
  }
}

/** Each member votes for its most preferred protocol that every member supports. */
function chooseProtocol(members: readonly Member[]): string {
  const common = members[0].protocols
    .map((p) => p.name)
    .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
  const votes = new Map<string, number>(common.map((name) => [name, 0]));
  for (const member of members) {
    const choice = member.protocols.find((p) => votes.has(p.name));
    if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
  }
  let best = common[0] ?? '';
  for (const [name, count] of votes) if (count > (votes.get(best) ?? 0)) best = name;
  return best;
}

function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
