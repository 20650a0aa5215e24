import { randomBytes, randomUUID } from 'node:crypto';
import { SimulatorOptionsError } from './errors.js';
import { salesforceId } from './ids.js';
import { TokenSigner } from './jwt.js';
import { TOKEN_SCOPE } from './token-endpoint.js';
import type {
  FaultRule,
  SimulatedAgent,
  SimulatorCounters,
  SimulatorOptions,
  SimulatorPatch,
} from './types.js';

/** Id of the agent a simulator knows when no `agents` option is given (18 chars, `0Xx` prefix). */
export const DEFAULT_AGENT_ID = '0XxSIM000000001CAI';

/** Routes a fault rule can target, minus the `any-api` wildcard. */
export type RouteKind = Exclude<FaultRule['route'], 'any-api'>;

/** Resolved, validated knobs. */
export interface Settings {
  latencyMs: number | { min: number; max: number };
  tokenTtlSeconds: number;
  idleSessionExpiryMs: number;
  sequenceIdMode: 'lenient' | 'strict';
  unauthorizedStyle: 'empty-404' | 'json-401';
  maxLiveSessions: number;
  streamTextChunks: boolean;
  streamShape: 'rich' | 'inform-only';
  escalateTargetShape: 'reference' | 'mulesoft';
  tokenScope: string | null;
  tokenEndpointDown: boolean;
  runAsUserDisabled: boolean;
  clientId: string;
  clientSecret: string;
  agents: ReadonlyMap<string, Required<SimulatedAgent>>;
  log: ((line: string) => void) | undefined;
  onStreamEvent: ((event: string) => void) | undefined;
}

/** One Agent API session as the simulated runtime tracks it. */
export interface SessionState {
  readonly id: string;
  readonly agentId: string;
  /** Epoch ms of the last accepted request or completed turn; idle expiry counts from here. */
  lastActivityAt: number;
  /** A turn is running: every other request for the session gets 423. */
  busy: boolean;
  /** Set by `expireSession`; the session answers 404 once any running turn is done. */
  expired: boolean;
  lastAcceptedSequenceId: number | undefined;
  /** Feedback ids issued by this session's turns; feedback for any other id answers 404. */
  readonly feedbackIds: Set<string>;
  /** Started with `x-attributed-client: no-builder`: replies carry no markdown. */
  readonly plainText: boolean;
  /** Variables given at start and with later messages, by name (a later value replaces). */
  readonly variables: Map<string, { readonly type: string; readonly value: unknown }>;
}

/** Identity that every minted token describes (one org, one run-as user, one app). */
export interface OrgIdentity {
  readonly orgId: string;
  readonly userId: string;
  readonly appId: string;
}

/**
 * Mutable state of one simulator: settings, sessions, tokens, faults and counters. Owned by the
 * server; request handlers read and update it synchronously so no two requests interleave inside
 * one check-and-set.
 */
export class SimulatorState {
  readonly settings: Settings;
  readonly sessions = new Map<string, SessionState>();
  readonly signer = new TokenSigner();
  readonly identity: OrgIdentity = {
    orgId: salesforceId('00D'),
    userId: salesforceId('005'),
    appId: salesforceId('0H4'),
  };
  readonly counters: SimulatorCounters;
  readonly #issuedTokenIds = new Set<string>();
  readonly #revokedTokenIds = new Set<string>();
  readonly #faults: FaultRule[] = [];

  constructor(options: SimulatorOptions) {
    this.settings = {
      latencyMs: 0,
      tokenTtlSeconds: 1800,
      idleSessionExpiryMs: 10 * 60_000,
      sequenceIdMode: 'lenient',
      unauthorizedStyle: 'empty-404',
      maxLiveSessions: Number.POSITIVE_INFINITY,
      streamTextChunks: true,
      streamShape: 'rich',
      escalateTargetShape: 'reference',
      tokenScope: TOKEN_SCOPE,
      tokenEndpointDown: false,
      runAsUserDisabled: false,
      clientId: `3MVG9SIM${randomUUID().replaceAll('-', '')}`,
      clientSecret: randomBytes(32).toString('hex').toUpperCase(),
      agents: agentMap([{ id: DEFAULT_AGENT_ID }]),
      log: undefined,
      onStreamEvent: undefined,
    };
    if (options.port !== undefined) validatePort(options.port);
    this.applyPatch(options);
    const sessions = this.sessions;
    const settings = this.settings;
    this.counters = {
      tokenRequests: 0,
      tokensIssued: 0,
      sessionsStarted: 0,
      sessionsEnded: 0,
      get liveSessions() {
        return countLive(sessions, settings.idleSessionExpiryMs, Date.now());
      },
      messagesReceived: 0,
      plainTextSessions: 0,
      refusedBusy: 0,
      feedbackReceived: 0,
      sequenceIds: new Map(),
    };
  }

  /** Applies a validated patch; `undefined` values leave a knob unchanged. */
  applyPatch(patch: SimulatorPatch): void {
    const s = this.settings;
    if (patch.latencyMs !== undefined) s.latencyMs = validateLatency(patch.latencyMs);
    if (patch.tokenTtlSeconds !== undefined) {
      s.tokenTtlSeconds = positive('tokenTtlSeconds', patch.tokenTtlSeconds);
    }
    if (patch.idleSessionExpiryMs !== undefined) {
      s.idleSessionExpiryMs = positive('idleSessionExpiryMs', patch.idleSessionExpiryMs);
    }
    if (patch.sequenceIdMode !== undefined) {
      s.sequenceIdMode = oneOf('sequenceIdMode', patch.sequenceIdMode, ['lenient', 'strict']);
    }
    if (patch.unauthorizedStyle !== undefined) {
      s.unauthorizedStyle = oneOf('unauthorizedStyle', patch.unauthorizedStyle, [
        'empty-404',
        'json-401',
      ]);
    }
    if (patch.maxLiveSessions !== undefined) {
      if (!(patch.maxLiveSessions >= 0)) {
        throw new SimulatorOptionsError('maxLiveSessions', 'must be a number >= 0');
      }
      s.maxLiveSessions = patch.maxLiveSessions;
    }
    if (patch.streamTextChunks !== undefined) s.streamTextChunks = patch.streamTextChunks;
    if (patch.streamShape !== undefined) {
      s.streamShape = oneOf('streamShape', patch.streamShape, ['rich', 'inform-only']);
    }
    if (patch.escalateTargetShape !== undefined) {
      s.escalateTargetShape = oneOf('escalateTargetShape', patch.escalateTargetShape, [
        'reference',
        'mulesoft',
      ]);
    }
    if (patch.tokenScope !== undefined) s.tokenScope = patch.tokenScope;
    if (patch.tokenEndpointDown !== undefined) s.tokenEndpointDown = patch.tokenEndpointDown;
    if (patch.runAsUserDisabled !== undefined) s.runAsUserDisabled = patch.runAsUserDisabled;
    if (patch.clientId !== undefined) s.clientId = nonEmpty('clientId', patch.clientId);
    if (patch.clientSecret !== undefined) {
      s.clientSecret = nonEmpty('clientSecret', patch.clientSecret);
    }
    if (patch.agents !== undefined) s.agents = agentMap(patch.agents);
    if (patch.log !== undefined) s.log = patch.log;
    if (patch.onStreamEvent !== undefined) s.onStreamEvent = patch.onStreamEvent;
  }

  /** The first configured agent, or `DEFAULT_AGENT_ID` when the org has none. */
  get defaultAgentId(): string {
    return this.settings.agents.keys().next().value ?? DEFAULT_AGENT_ID;
  }

  /** The session if it is live; drops it when it was expired or has idled out. */
  findLiveSession(sessionId: string, now: number = Date.now()): SessionState | undefined {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return undefined;
    if (isLive(session, this.settings.idleSessionExpiryMs, now)) return session;
    if (!session.busy) this.sessions.delete(sessionId);
    return undefined;
  }

  /** Live sessions; also forgets sessions that idled out or were expired (keeps the map small). */
  liveSessionCount(now: number = Date.now()): number {
    for (const session of this.sessions.values()) {
      if (!session.busy && !isLive(session, this.settings.idleSessionExpiryMs, now)) {
        this.sessions.delete(session.id);
      }
    }
    return countLive(this.sessions, this.settings.idleSessionExpiryMs, now);
  }

  expireSession(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (session !== undefined) session.expired = true;
  }

  recordSequenceId(sessionId: string, sequenceId: number): void {
    const seen = this.counters.sequenceIds.get(sessionId);
    if (seen === undefined) this.counters.sequenceIds.set(sessionId, [sequenceId]);
    else seen.push(sequenceId);
  }

  noteTokenIssued(tokenId: string): void {
    this.#issuedTokenIds.add(tokenId);
  }

  isTokenRevoked(tokenId: string): boolean {
    return this.#revokedTokenIds.has(tokenId);
  }

  /** Revokes every token issued so far; tokens issued later stay valid. */
  revokeIssuedTokens(): void {
    for (const id of this.#issuedTokenIds) this.#revokedTokenIds.add(id);
    this.#issuedTokenIds.clear();
  }

  addFault(rule: FaultRule): void {
    if (!Number.isInteger(rule.times) || rule.times < 1) {
      throw new SimulatorOptionsError('times', 'a fault rule must fail at least one request');
    }
    this.#faults.push({ ...rule });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Consumes one use of the first rule matching `route`, if any. */
  takeFault(route: RouteKind): FaultRule | undefined {
    const index = this.#faults.findIndex(
      (rule) => rule.route === route || (rule.route === 'any-api' && route !== 'token')
    );
    const rule = this.#faults[index];
    if (rule === undefined) return undefined;
    rule.times -= 1;
    if (rule.times === 0) this.#faults.splice(index, 1);
    return rule;
  }

  resetCounters(): void {
    const c = this.counters;
    c.tokenRequests = 0;
    c.tokensIssued = 0;
    c.sessionsStarted = 0;
    c.sessionsEnded = 0;
    c.messagesReceived = 0;
    c.plainTextSessions = 0;
    c.refusedBusy = 0;
    c.feedbackReceived = 0;
    c.sequenceIds.clear();
  }

  /** A latency in ms for one turn, before the script's factor. */
  pickLatency(random: () => number = Math.random): number {
    const latency = this.settings.latencyMs;
    if (typeof latency === 'number') return latency;
    return latency.min + Math.floor(random() * (latency.max - latency.min + 1));
  }
}

function isLive(session: SessionState, idleMs: number, now: number): boolean {
  if (session.expired) return false;
  return session.busy || now - session.lastActivityAt < idleMs;
}

function countLive(sessions: Map<string, SessionState>, idleMs: number, now: number): number {
  let live = 0;
  for (const session of sessions.values()) if (isLive(session, idleMs, now)) live += 1;
  return live;
}

function agentMap(agents: readonly SimulatedAgent[]): Map<string, Required<SimulatedAgent>> {
  const map = new Map<string, Required<SimulatedAgent>>();
  for (const agent of agents) {
    if (typeof agent.id !== 'string' || !/^[A-Za-z0-9]+$/.test(agent.id)) {
      throw new SimulatorOptionsError(
        'agents',
        'every agent id must be a non-empty alphanumeric id'
      );
    }
    map.set(agent.id, {
      id: agent.id,
      state: agent.state ?? 'active',
      kind: agent.kind ?? 'service',
    });
  }
  return map;
}

function validatePort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new SimulatorOptionsError('port', 'must be an integer between 0 and 65535');
  }
}

function validateLatency(
  latency: number | { min: number; max: number }
): number | { min: number; max: number } {
  if (typeof latency === 'number') {
    if (!(latency >= 0)) throw new SimulatorOptionsError('latencyMs', 'must be >= 0');
    return latency;
  }
  if (!(latency.min >= 0) || !(latency.max >= latency.min)) {
    throw new SimulatorOptionsError('latencyMs', 'needs 0 <= min <= max');
  }
  return { min: latency.min, max: latency.max };
}

function positive(option: string, value: number): number {
  if (!(value > 0)) throw new SimulatorOptionsError(option, 'must be a number > 0');
  return value;
}

function nonEmpty(option: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new SimulatorOptionsError(option, 'must be a non-empty string');
  }
  return value;
}

function oneOf<T extends string>(option: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new SimulatorOptionsError(option, `must be one of ${allowed.join(', ')}`);
  }
  return value;
}
