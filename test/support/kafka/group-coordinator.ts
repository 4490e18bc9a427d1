/**
 * Consumer group coordinator of the Kafka test broker: membership, generations, rebalances and
 * committed offsets. Protocol metadata and assignments are opaque bytes passed through as-is.
 * TEST HARNESS ONLY — see docs/KAFKA-TEST-BROKER.md.
 *
 * States (as in Kafka): Empty → PreparingRebalance → CompletingRebalance → Stable.
 * - A join by a new member, or a known member changing its protocols, in CompletingRebalance or
 *   Stable starts a rebalance; a member leaving or missing its session timeout does too.
 * - During PreparingRebalance, Heartbeat and SyncGroup answer REBALANCE_IN_PROGRESS (OffsetCommit
 *   is still accepted for the current generation, as in Kafka; it is refused in
 *   CompletingRebalance); the
 *   join completes when every known member has rejoined, or when the rebalance timeout (the
 *   largest of the members') passes — the members that did not rejoin are dropped.
 * - The first member (or the previous leader, if still there) leads and receives every member's
 *   metadata for the chosen protocol; the leader's SyncGroup hands out the assignments, followers'
 *   SyncGroups wait for it.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from './protocol';

type Phase = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface JoinRequest {
  groupId: string;
  memberId: string;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocol: string;
  leaderId: string;
  memberId: string;
  members: { memberId: string; metadata: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  assignment: Buffer;
}

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

interface Member {
  memberId: string;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Buffer }[];
  lastSeen: number;
  /** A JoinGroup waiting for the current rebalance to complete. */
  pendingJoin: ((result: JoinResult) => void) | null;
  /** A follower's SyncGroup waiting for the leader's assignments. */
  pendingSync: ((result: SyncResult) => void) | null;
  assignment: Buffer;
}

class Group {
  phase: Phase = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocol = '';
  leaderId = '';
  readonly members = new Map<string, Member>();
  rebalanceDeadline = 0;
  readonly offsets = new Map<string, { offset: number; metadata: string | null }>();

  constructor(readonly groupId: string) {}
}

const EMPTY = Buffer.alloc(0);
const TICK_MS = 50;

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private ticker: NodeJS.Timeout | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  join(request: JoinRequest): Promise<JoinResult> {
    const group = this.group(request.groupId);
    const fail = (errorCode: number): Promise<JoinResult> =>
      Promise.resolve({
        errorCode,
        generationId: -1,
        protocol: '',
        leaderId: '',
        memberId: request.memberId,
        members: [],
      });

    if (request.protocols.length === 0 || !request.protocolType) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    if (group.members.size > 0 && group.protocolType !== request.protocolType) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    let member = request.memberId ? group.members.get(request.memberId) : undefined;
    if (request.memberId && !member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (
      group.members.size > 0 &&
      !request.protocols.some((p) => this.supportedByAll(group, p.name, member))
    ) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }

    const isNew = !member;
    const protocolsChanged =
      member !== undefined && !sameProtocols(member.protocols, request.protocols);
    if (!member) {
      member = {
        memberId: `${request.clientId || 'member'}-${randomUUID()}`,
        clientId: request.clientId,
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        protocols: request.protocols,
        lastSeen: this.now(),
        pendingJoin: null,
        pendingSync: null,
        assignment: EMPTY,
      };
      group.members.set(member.memberId, member);
    }
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.protocols = request.protocols;
    member.lastSeen = this.now();
    group.protocolType = request.protocolType;

    // A second JoinGroup from the same member replaces the first one.
    member.pendingJoin?.(this.joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    const joined = new Promise<JoinResult>((resolve) => (member.pendingJoin = resolve));

    if (
      group.phase === 'Stable' &&
      !isNew &&
      !protocolsChanged &&
      member.memberId !== group.leaderId
    ) {
      // A follower rejoining a stable group unchanged gets the current generation back.
      this.answerJoin(group, member);
      return joined;
    }
    if (group.phase !== 'PreparingRebalance') this.prepareRebalance(group);
    this.maybeCompleteJoin(group);
    return joined;
  }

  sync(
    groupId: string,
    generationId: number,
    memberId: string,
    assignments: { memberId: string; assignment: Buffer }[],
  ): Promise<SyncResult> {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member)
      return Promise.resolve({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    member.lastSeen = this.now();
    if (generationId !== group.generationId) {
      return Promise.resolve({ errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: EMPTY });
    }
    if (group.phase === 'PreparingRebalance') {
      return Promise.resolve({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
    }
    if (group.phase === 'Stable') {
      return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
    }
    // CompletingRebalance
    const synced = new Promise<SyncResult>((resolve) => (member.pendingSync = resolve));
    if (memberId === group.leaderId) {
      const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
      group.phase = 'Stable';
      for (const m of group.members.values()) {
        m.assignment = byMember.get(m.memberId) ?? EMPTY;
        const resolve = m.pendingSync;
        m.pendingSync = null;
        resolve?.({ errorCode: ErrorCode.NONE, assignment: m.assignment });
      }
    }
    return synced;
  }

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    member.lastSeen = this.now();
    if (group.phase === 'PreparingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  leave(groupId: string, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(group, member);
    return ErrorCode.NONE;
  }

  /** Per-partition error codes, in the order given. */
  commitOffsets(
    groupId: string,
    generationId: number,
    memberId: string,
    entries: OffsetCommitEntry[],
    partitionExists: (topic: string, partition: number) => boolean,
  ): number[] {
    const group = this.group(groupId);
    let errorCode: number = ErrorCode.NONE;
    if (generationId >= 0 || memberId) {
      // A member's commit; generation -1 with no member id is a "simple" commit, always accepted.
      const member = group.members.get(memberId);
      if (!member) errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
      else if (generationId !== group.generationId) errorCode = ErrorCode.ILLEGAL_GENERATION;
      // As in Kafka: a member may still commit for its generation while the group prepares a
      // rebalance (it does so before rejoining), but not between join and sync.
      else if (group.phase === 'CompletingRebalance') errorCode = ErrorCode.REBALANCE_IN_PROGRESS;
      if (member) member.lastSeen = this.now();
    }
    return entries.map((e) => {
      if (errorCode !== ErrorCode.NONE) return errorCode;
      if (!partitionExists(e.topic, e.partition)) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      group.offsets.set(key(e.topic, e.partition), { offset: e.offset, metadata: e.metadata });
      return ErrorCode.NONE;
    });
  }

  fetchOffset(
    groupId: string,
    topic: string,
    partition: number,
  ): { offset: number; metadata: string | null } | undefined {
    return this.groups.get(groupId)?.offsets.get(key(topic, partition));
  }

  /** All committed offsets of a group (OffsetFetch with a null topic list). */
  committed(
    groupId: string,
  ): { topic: string; partition: number; offset: number; metadata: string | null }[] {
    const group = this.groups.get(groupId);
    if (!group) return [];
    return [...group.offsets.entries()].map(([k, v]) => {
      const at = k.lastIndexOf(':');
      return { topic: k.slice(0, at), partition: Number(k.slice(at + 1)), ...v };
    });
  }

  committedOffset(groupId: string, topic: string, partition: number): number | undefined {
    return this.fetchOffset(groupId, topic, partition)?.offset;
  }

  /** Members and phase of a group, for assertions. */
  describe(
    groupId: string,
  ): { phase: Phase; generationId: number; leaderId: string; members: string[] } | undefined {
    const group = this.groups.get(groupId);
    if (!group) return undefined;
    return {
      phase: group.phase,
      generationId: group.generationId,
      leaderId: group.leaderId,
      members: [...group.members.keys()],
    };
  }

  /** Checks session and rebalance timeouts; runs on a timer, exposed for tests. */
  tick(): void {
    const now = this.now();
    for (const group of this.groups.values()) {
      if (group.phase === 'PreparingRebalance' && now >= group.rebalanceDeadline) {
        this.completeJoin(group);
        continue;
      }
      for (const member of [...group.members.values()]) {
        // A member waiting in JoinGroup is governed by the rebalance timeout instead.
        if (member.pendingJoin) continue;
        if (now - member.lastSeen > member.sessionTimeoutMs) this.removeMember(group, member);
      }
    }
  }

  shutdown(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) {
        member.pendingJoin?.(this.joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
        member.pendingSync?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
        member.pendingJoin = null;
        member.pendingSync = null;
      }
    }
  }

  private group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId);
      this.groups.set(groupId, group);
    }
    if (!this.ticker) {
      this.ticker = setInterval(() => this.tick(), TICK_MS);
      this.ticker.unref();
    }
    return group;
  }

  private prepareRebalance(group: Group): void {
    if (group.phase === 'CompletingRebalance') {
      for (const member of group.members.values()) {
        const resolve = member.pendingSync;
        member.pendingSync = null;
        resolve?.({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      }
    }
    group.phase = 'PreparingRebalance';
    const timeout = Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
    group.rebalanceDeadline = this.now() + timeout;
  }

  private maybeCompleteJoin(group: Group): void {
    if (group.phase !== 'PreparingRebalance') return;
    if ([...group.members.values()].every((m) => m.pendingJoin !== null)) this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    for (const member of [...group.members.values()]) {
      if (!member.pendingJoin) group.members.delete(member.memberId);
    }
    group.generationId += 1;
    if (group.members.size === 0) {
      group.phase = 'Empty';
      group.leaderId = '';
      group.protocol = '';
      group.protocolType = null;
      return;
    }
    if (!group.members.has(group.leaderId))
      group.leaderId = group.members.keys().next().value ?? '';
    const leader = group.members.get(group.leaderId);
    const chosen = leader?.protocols.find((p) => this.supportedByAll(group, p.name));
    if (!chosen) {
      for (const member of group.members.values()) {
        const resolve = member.pendingJoin;
        member.pendingJoin = null;
        resolve?.(this.joinError(member.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      }
      group.members.clear();
      group.phase = 'Empty';
      return;
    }
    group.protocol = chosen.name;
    group.phase = 'CompletingRebalance';
    const now = this.now();
    for (const member of group.members.values()) {
      member.lastSeen = now;
      member.assignment = EMPTY;
      this.answerJoin(group, member);
    }
  }

  private answerJoin(group: Group, member: Member): void {
    const resolve = member.pendingJoin;
    member.pendingJoin = null;
    const isLeader = member.memberId === group.leaderId;
    resolve?.({
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocol: group.protocol,
      leaderId: group.leaderId,
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            metadata: m.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY,
          }))
        : [],
    });
  }

  private removeMember(group: Group, member: Member): void {
    group.members.delete(member.memberId);
    member.pendingJoin?.(this.joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    member.pendingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    member.pendingJoin = null;
    member.pendingSync = null;
    if (group.members.size === 0) {
      group.generationId += 1;
      group.phase = 'Empty';
      group.leaderId = '';
      group.protocolType = null;
      return;
    }
    if (group.phase === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else this.prepareRebalance(group);
  }

  private supportedByAll(group: Group, protocol: string, except?: Member): boolean {
    for (const member of group.members.values()) {
      if (member === except) continue;
      if (!member.protocols.some((p) => p.name === protocol)) return false;
    }
    return true;
  }

  private joinError(memberId: string, errorCode: number): JoinResult {
    return { errorCode, generationId: -1, protocol: '', leaderId: '', memberId, members: [] };
  }
}

function key(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

function sameProtocols(
  a: { name: string; metadata: Buffer }[],
  b: { name: string; metadata: Buffer }[],
): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => p.name === b[i].name && p.metadata.equals(b[i].metadata))
  );
}
