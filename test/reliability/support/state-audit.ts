import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { NO_AUTH_TENANT } from '../../../lambda/auth/index.js';
import { createDocumentClient } from '../../../lambda/state/dynamodb-session-store.js';
import { SESSION_TABLE, sessionKey } from '../../../lambda/state/table-schema.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '../../../local/dynamodb-local.js';
import type { Simulator } from '../../../simulator/index.js';
import type { UpstreamObserver } from './upstream-observer.js';

/** A session item exactly as stored, lease attributes included. */
export interface StoredItem {
  readonly clientEmail: string;
  readonly owner: string;
  readonly sessionId?: string;
  readonly lastSequenceId: number;
  readonly leaseId?: string;
  readonly leaseExpiresAt?: number;
  readonly [attribute: string]: unknown;
}

/**
 * Reads every client record of `tableName` in the shared DynamoDB Local (all pages, strongly
 * consistent); tenants' rosters (`tenantKey` items) with `rosters: true` instead.
 */
export async function scanTable(
  tableName: string,
  options: { rosters?: boolean } = {}
): Promise<StoredItem[]> {
  const client: DynamoDBDocumentClient = createDocumentClient({
    endpoint: inject('dynamoDbEndpoint'),
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
    requestTimeoutMs: 10_000,
  });
  const items: StoredItem[] = [];
  try {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey })
      );
      items.push(...((page.Items ?? []) as StoredItem[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  } finally {
    client.destroy();
  }
  const isRecord = (item: StoredItem) => typeof item.clientEmail === 'string';
  return items.filter((item) => (options.rosters ? !isRecord(item) : isRecord(item)));
}

/** One successful turn as a tool result reported it. */
export interface AnsweredTurn {
  readonly sessionId: string;
  readonly sequenceId: number;
}

export interface AuditInput {
  readonly items: readonly StoredItem[];
  readonly simulator: Simulator;
  readonly upstream: UpstreamObserver;
  /** Successful tool results; `undefined` skips the lost/duplicated accounting. */
  readonly answered?: readonly AnsweredTurn[];
  /**
   * `exact`: every stored `lastSequenceId` equals the last id the simulator saw (no turn failed
   * after taking its id). `no-reuse`: it is at least that (ids may be skipped, never reused).
   */
  readonly sequence: 'exact' | 'no-reuse';
  /** Sessions the test expired in the simulator: neither live nor leaked, whatever is stored. */
  readonly expired?: ReadonlySet<string>;
  /**
   * Sessions the lost/duplicated accounting covers (default: all). Other traffic on the same
   * server (another test's callers) is still held to every state invariant.
   */
  readonly scope?: ReadonlySet<string>;
}

/**
 * Cross-checks the table, the simulator and the bridge's own view of Salesforce. Returns one line
 * per violated invariant (empty when consistent) so a failure says exactly what is wrong.
 */
export function auditConsistency(input: AuditInput): string[] {
  const { items, simulator, upstream, answered, sequence } = input;
  const expired = input.expired ?? new Set<string>();
  const problems: string[] = [];
  const seen = simulator.counters.sequenceIds;

  for (const [sessionId, ids] of seen) {
    for (let i = 1; i < ids.length; i++) {
      if ((ids[i] as number) <= (ids[i - 1] as number)) {
        problems.push(
          `session ${sessionId}: sequence ids not strictly increasing: ${ids.join(',')}`
        );
        break;
      }
    }
  }
  if (simulator.counters.refusedBusy !== 0) {
    problems.push(`simulator refused ${simulator.counters.refusedBusy} request(s) with 423`);
  }

  for (const item of items) {
    // A released lease keeps `leaseExpiresAt` (its release time, a fence); only a held id is a lease.
    if (item.leaseId !== undefined) {
      problems.push(`${item.clientEmail}: lease left behind (${item.leaseId})`);
    }
    if (item.sessionId === undefined) continue;
    const last = seen.get(item.sessionId)?.at(-1);
    const stored = item.lastSequenceId;
    if (last === undefined) {
      if (stored !== 0) problems.push(`${item.clientEmail}: stored id ${stored} but no turn seen`);
    } else if (sequence === 'exact' ? stored !== last : stored < last) {
      problems.push(
        `${item.clientEmail}: stored lastSequenceId ${stored}, simulator's last is ${last} (${sequence})`
      );
    }
  }

  const stored = new Set(items.flatMap((item) => (item.sessionId ? [item.sessionId] : [])));
  const open = upstream.openSessions();
  for (const sessionId of open) {
    if (!stored.has(sessionId) && !expired.has(sessionId)) {
      problems.push(`session ${sessionId} is open upstream but not stored (leaked)`);
    }
  }
  for (const sessionId of stored) {
    if (!open.has(sessionId))
      problems.push(`stored session ${sessionId} was never started or was ended`);
  }
  const storedLive = [...stored].filter((sessionId) => !expired.has(sessionId)).length;
  if (simulator.counters.liveSessions !== storedLive) {
    problems.push(
      `simulator has ${simulator.counters.liveSessions} live session(s), table stores ${storedLive}`
    );
  }

  if (answered !== undefined) {
    const key = (sessionId: string, sequenceId: number) => `${sessionId}#${sequenceId}`;
    const processed = new Map<string, number>();
    for (const [sessionId, ids] of seen) {
      if (input.scope && !input.scope.has(sessionId)) continue;
      for (const id of ids)
        processed.set(key(sessionId, id), (processed.get(key(sessionId, id)) ?? 0) + 1);
    }
    const reported = new Map<string, number>();
    for (const turn of answered) {
      const k = key(turn.sessionId, turn.sequenceId);
      reported.set(k, (reported.get(k) ?? 0) + 1);
    }
    for (const [k, count] of reported) {
      if (count > 1) problems.push(`turn ${k} answered ${count} times (duplicated)`);
      if (!processed.has(k)) problems.push(`turn ${k} answered but never processed upstream`);
    }
    for (const [k, count] of processed) {
      if (count > 1) problems.push(`turn ${k} processed ${count} times upstream (duplicated)`);
      if (!reported.has(k)) problems.push(`turn ${k} processed upstream but never answered (lost)`);
    }
  }
  return problems;
}

/** The stored record of one email (normalised as the store does) in one tenant, or `undefined`. */
export async function storedItem(
  tableName: string,
  email: string,
  tenant: string = NO_AUTH_TENANT
): Promise<StoredItem | undefined> {
  const key = sessionKey(tenant, email)[SESSION_TABLE.partitionKey];
  return (await scanTable(tableName)).find((item) => item[SESSION_TABLE.partitionKey] === key);
}
