import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A `fetch` for `DependencyOverrides.fetch` that watches every request the bridge sends to
 * Salesforce (the simulator): which sessions it started and ended, which sequence ids it sent, and
 * every access token it was issued. Optionally it can make one request hang forever, as if the
 * Lambda froze mid-turn, or answer late, as a slow Salesforce would.
 */

/** One message request the bridge sent, in send order. */
export interface SentTurn {
  readonly sessionId: string;
  readonly sequenceId: number;
  readonly text: string;
  /** HTTP status the simulator answered, or `undefined` if no answer reached the bridge. */
  status?: number;
}

/** Decides whether one outgoing request should never get its answer back to the bridge. */
export type HangRule = (request: { method: string; url: URL; body: string }) => boolean;

/** How long (ms) the answer to one outgoing request reaches the bridge late; 0 for on time. */
export type DelayRule = (request: { method: string; url: URL; body: string }) => number;

export interface UpstreamObserver {
  readonly fetch: typeof fetch;
  /** Sessions the simulator reported as started (200 to POST …/sessions), in order. */
  readonly started: string[];
  /** Sessions the simulator reported as ended (200 to DELETE /sessions/{id}). */
  readonly ended: Set<string>;
  /** Every message request sent (including retries of the same turn). */
  readonly sent: SentTurn[];
  /** Every access token the token endpoint issued to the bridge. */
  readonly accessTokens: Set<string>;
  /** Requests answered by the token endpoint, by status. */
  readonly tokenStatuses: number[];
  /** Requests currently held by a hang rule. */
  readonly hung: number;
  /** Answers a delay rule held back. */
  readonly delayed: number;
  /** Started and not ended: what the bridge may still hold upstream. */
  openSessions(): Set<string>;
  /** Makes matching requests reach the simulator but never answer the bridge. */
  hangWhen(rule: HangRule | undefined): void;
  /** Makes matching requests reach the simulator at once but answer the bridge late. */
  delayWhen(rule: DelayRule | undefined): void;
}

const SESSION_START = /\/agents\/[^/]+\/sessions$/;
const SESSION_END = /\/sessions\/([^/]+)$/;
const MESSAGE = /\/sessions\/([^/]+)\/messages(?:\/stream)?$/;

/**
 * Wraps `base` (the global `fetch` by default).
 *
 * @example
 * const upstream = observeUpstream();
 * const harness = await startHarness({ overrides: { fetch: upstream.fetch } });
 */
export function observeUpstream(base: typeof fetch = globalThis.fetch): UpstreamObserver {
  const started: string[] = [];
  const ended = new Set<string>();
  const sent: SentTurn[] = [];
  const accessTokens = new Set<string>();
  const tokenStatuses: number[] = [];
  let hangRule: HangRule | undefined;
  let delayRule: DelayRule | undefined;
  let hung = 0;
  let delayed = 0;

  const observed: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = request.method === 'GET' ? '' : await request.clone().text();
    let turn: SentTurn | undefined;
    const message = MESSAGE.exec(url.pathname);
    if (message?.[1] !== undefined && request.method === 'POST') {
      const parsed = JSON.parse(body) as { message: { sequenceId: number; text: string } };
      turn = {
        sessionId: decodeURIComponent(message[1]),
        sequenceId: parsed.message.sequenceId,
        text: parsed.message.text,
      };
      sent.push(turn);
    }
    const hang = hangRule?.({ method: request.method, url, body }) ?? false;
    const delayMs = hang ? 0 : (delayRule?.({ method: request.method, url, body }) ?? 0);
    // Sent without the caller's signal when held back: the simulator must get the whole request.
    const held = hang || delayMs > 0;
    const response = await base(held ? new Request(request, { signal: null }) : request);
    if (turn) turn.status = response.status;

    // Recorded before any hold: what Salesforce did is a fact whether or not the bridge hears of it.
    if (url.pathname.endsWith('/services/oauth2/token')) {
      tokenStatuses.push(response.status);
      if (response.ok) {
        const token = (await response.clone().json()) as { access_token?: string };
        if (token.access_token) accessTokens.add(token.access_token);
      }
    } else if (request.method === 'POST' && SESSION_START.test(url.pathname) && response.ok) {
      const session = (await response.clone().json()) as { sessionId?: string };
      if (session.sessionId) started.push(session.sessionId);
    } else if (request.method === 'DELETE' && response.ok) {
      const end = SESSION_END.exec(url.pathname);
      if (end?.[1] !== undefined) ended.add(decodeURIComponent(end[1]));
    }
    if (hang) {
      hung++;
      if (turn) turn.status = undefined;
      await response.arrayBuffer().catch(() => undefined);
      return new Promise<Response>(() => undefined);
    }
    if (delayMs > 0) {
      delayed++;
      // The caller may give up meanwhile, exactly as it would on a slow network.
      await sleep(delayMs, undefined, { signal: request.signal }).catch(async (err: unknown) => {
        if (turn) turn.status = undefined;
        await response.arrayBuffer().catch(() => undefined);
        throw request.signal.reason ?? err;
      });
    }
    return response;
  };

  return {
    fetch: observed,
    started,
    ended,
    sent,
    accessTokens,
    tokenStatuses,
    get hung() {
      return hung;
    },
    get delayed() {
      return delayed;
    },
    openSessions: () => new Set(started.filter((id) => !ended.has(id))),
    hangWhen(rule) {
      hangRule = rule;
    },
    delayWhen(rule) {
      delayRule = rule;
    },
  };
}
