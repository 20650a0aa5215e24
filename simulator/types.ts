/** Public types of the simulator; see `startSimulator` in `index.ts`. */

/** Options of `startSimulator`; every field is optional. */
export interface SimulatorOptions {
  /** Port on 127.0.0.1; default 0 (a random free port). */
  port?: number;
  /** OAuth client id; default random per start. */
  clientId?: string;
  /** OAuth client secret; default random per start (never a constant in code). */
  clientSecret?: string;
  /** Known agents; default one active service agent with id `DEFAULT_AGENT_ID`. */
  agents?: SimulatedAgent[];
  /** Per-turn latency in ms, fixed or uniformly random in `[min, max]`; default 0. */
  latencyMs?: number | { min: number; max: number };
  /** Access token lifetime; default 1800 (JWT `exp = iat + ttl`, agent-api.md §3.4). */
  tokenTtlSeconds?: number;
  /** Idle time after which a session answers 404 `NotFoundException`; default 10 min (§5.4, unverified). */
  idleSessionExpiryMs?: number;
  /** `lenient` (default) accepts any sequenceId; `strict` answers 400 to a non-increasing one (§2.3.3). */
  sequenceIdMode?: 'lenient' | 'strict';
  /** Answer to a missing/malformed/unknown bearer: `empty-404` (default, §2.7, §6) or `json-401`. */
  unauthorizedStyle?: 'empty-404' | 'json-401';
  /** Live sessions allowed; default Infinity; one more answers 400 with an empty body (§2.7 anecdote). */
  maxLiveSessions?: number;
  /** Default true; false omits `TEXT_CHUNK` events (§2.3.1: they may be absent). */
  streamTextChunks?: boolean;
  /**
   * `rich` (default): the docs' stream, PROGRESS_INDICATOR, TEXT_CHUNKs, the message events,
   * END_OF_TURN. `inform-only`: the one real recording, the message events then END_OF_TURN
   * (docs/agent-api-notes.md, "Streams").
   */
  streamShape?: 'rich' | 'inform-only';
  /**
   * `reference` (default): Escalate targets `{type, value}`; `mulesoft`: `{id, type: "Flow", label}`
   * as in the MuleSoft connector's mocks (docs/agent-api-notes.md, "Escalate targets").
   */
  escalateTargetShape?: 'reference' | 'mulesoft';
  /**
   * The token response's `scope` (and the JWT's `scope` claim); default `TOKEN_SCOPE`. `null`
   * omits the field, as an opaque-token response may (docs/agent-api-notes.md, "Token scopes").
   */
  tokenScope?: string | null;
  /** Access log: method, path, status, duration. Never bodies or tokens. */
  log?: (line: string) => void;
  /** Told each streamed event's name (`PROGRESS_INDICATOR`, …) as it is written: for timing. */
  onStreamEvent?: (event: string) => void;
}

/** An agent the simulated org knows. */
export interface SimulatedAgent {
  /** 18-character BotDefinition id starting with `0Xx`. */
  id: string;
  /** `inactive`: start session answers 404 "No valid version available"; default `active`. */
  state?: 'active' | 'inactive';
  /** `employee`: `bypassUser: true` answers 400 "Invalid user ID"; default `service`. */
  kind?: 'service' | 'employee';
}

/** A scripted failure, applied before any other handling of a matching request. */
export interface FaultRule {
  /** `any-api` matches every Agent API route (not the token endpoint). */
  route: 'token' | 'start' | 'message' | 'stream' | 'end' | 'feedback' | 'any-api';
  /** `network` destroys the socket without answering. */
  status: 429 | 500 | 503 | 'network';
  /** How many matching requests fail; then the rule is used up. */
  times: number;
  /** Adds `Retry-After` on 429/503. */
  retryAfterSeconds?: number;
}

/**
 * What the simulator saw. `…Requests`/`…Received` count every request routed to that endpoint
 * whatever its outcome (faults, auth failures and 423s included); `tokensIssued`,
 * `sessionsStarted` and `sessionsEnded` count successes only.
 */
export interface SimulatorCounters {
  tokenRequests: number;
  tokensIssued: number;
  sessionsStarted: number;
  sessionsEnded: number;
  /** Started, not ended, not idle-expired. */
  readonly liveSessions: number;
  /** Sync and streaming message requests. */
  messagesReceived: number;
  /** Session starts that asked for plain text (`x-attributed-client: no-builder`). */
  plainTextSessions: number;
  /** Requests answered 423 because the session was busy. */
  refusedBusy: number;
  feedbackReceived: number;
  /** Per live sessionId, every parsed sequenceId in arrival order (accepted or not). */
  sequenceIds: Map<string, number[]>;
}

/** Knobs `configure` can change on a running simulator. */
export type SimulatorPatch = Partial<SimulatorOptions> & {
  /** true: the token endpoint answers 503. */
  tokenEndpointDown?: boolean;
  /** true: the token endpoint answers 400 `invalid_grant` "no client credentials user enabled". */
  runAsUserDisabled?: boolean;
};

/** A running simulator. */
export interface Simulator {
  /** `http://127.0.0.1:PORT`: both the "My Domain" and the Agent API host. */
  readonly url: string;
  readonly credentials: { clientId: string; clientSecret: string };
  /** The default agent's id (the first configured agent). */
  readonly agentId: string;
  readonly counters: SimulatorCounters;
  /**
   * Live-tunable knobs: latencyMs, tokenTtlSeconds, idleSessionExpiryMs, sequenceIdMode,
   * unauthorizedStyle, maxLiveSessions, streamTextChunks, streamShape, escalateTargetShape,
   * tokenScope, agents, clientId, clientSecret, log, onStreamEvent,
   * plus tokenEndpointDown and runAsUserDisabled. `port` cannot change; `undefined` values are ignored.
   */
  configure(patch: SimulatorPatch): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Every token issued so far now gets 401 on the Agent API. */
  expireAllTokens(): void;
  /** As if the session idled out upstream: it answers 404 `NotFoundException` from now on. */
  expireSession(sessionId: string): void;
  /** Zeroes the counters (in place) and clears `sequenceIds`; `liveSessions` reflects state. */
  resetCounters(): void;
  /** Closes the server and any open sockets promptly; pending turns are abandoned. */
  close(): Promise<void>;
}
