import { randomUUID } from 'node:crypto';
import type { Simulator } from '../../simulator/index.js';

export const API = '/einstein/ai-agent/v1';

/** Form-encoded client-credentials request for the simulator's own credentials. */
export function tokenForm(sim: Simulator, extra: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: sim.credentials.clientId,
    client_secret: sim.credentials.clientSecret,
    ...extra,
  });
}

export async function requestToken(sim: Simulator): Promise<string> {
  const res = await fetch(`${sim.url}/services/oauth2/token`, {
    method: 'POST',
    body: tokenForm(sim),
  });
  if (res.status !== 200) throw new Error(`token request failed with ${res.status}`);
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

export function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

export function startBody(sim: Simulator, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    externalSessionKey: randomUUID(),
    instanceConfig: { endpoint: sim.url },
    streamingCapabilities: { chunkTypes: ['Text'] },
    bypassUser: true,
    ...extra,
  });
}

export function postStart(
  sim: Simulator,
  token: string,
  options: { agentId?: string; body?: string } = {}
): Promise<Response> {
  return fetch(`${sim.url}${API}/agents/${options.agentId ?? sim.agentId}/sessions`, {
    method: 'POST',
    headers: authHeaders(token),
    body: options.body ?? startBody(sim),
  });
}

export async function openSession(sim: Simulator, token: string): Promise<string> {
  const res = await postStart(sim, token);
  if (res.status !== 200) throw new Error(`start session failed with ${res.status}`);
  return ((await res.json()) as { sessionId: string }).sessionId;
}

export function messageBody(text: string, sequenceId: number | string = Date.now()): string {
  return JSON.stringify({ message: { sequenceId, type: 'Text', text }, variables: [] });
}

export function postMessage(
  sim: Simulator,
  token: string,
  sessionId: string,
  text: string,
  options: { sequenceId?: number | string; stream?: boolean; signal?: AbortSignal } = {}
): Promise<Response> {
  const suffix = options.stream ? '/messages/stream' : '/messages';
  return fetch(`${sim.url}${API}/sessions/${sessionId}${suffix}`, {
    method: 'POST',
    headers: {
      ...authHeaders(token),
      accept: options.stream ? 'text/event-stream' : 'application/json',
    },
    body: messageBody(text, options.sequenceId),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export function deleteSession(
  sim: Simulator,
  token: string,
  sessionId: string,
  reason: string | null = 'UserRequest'
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (reason !== null) headers['x-session-end-reason'] = reason;
  return fetch(`${sim.url}${API}/sessions/${sessionId}`, { method: 'DELETE', headers });
}

export function postFeedback(
  sim: Simulator,
  token: string,
  sessionId: string,
  body: Record<string, unknown>
): Promise<Response> {
  return fetch(`${sim.url}${API}/sessions/${sessionId}/feedback`, {
    method: 'POST',
    headers: authHeaders(token),
    body: JSON.stringify(body),
  });
}

/** One raw SSE event: every field line as written, in order. */
export interface RawSseEvent {
  readonly lines: readonly string[];
  readonly event: string;
  readonly id: string;
  readonly data: Record<string, unknown>;
}

/**
 * Parses `text/event-stream` text strictly: events are separated by one blank line, and each must
 * be exactly `event:`, `id:`, `data:` lines in that order.
 */
export function parseSse(text: string): RawSseEvent[] {
  if (!text.endsWith('\n\n')) throw new Error('stream does not end with a blank line');
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((block) => {
      const lines = block.split('\n');
      const [event, id, data, ...rest] = lines;
      if (
        rest.length > 0 ||
        !event?.startsWith('event: ') ||
        !id?.startsWith('id: ') ||
        !data?.startsWith('data: ')
      ) {
        throw new Error(`malformed event block: ${JSON.stringify(block)}`);
      }
      return {
        lines,
        event: event.slice('event: '.length),
        id: id.slice('id: '.length),
        data: JSON.parse(data.slice('data: '.length)) as Record<string, unknown>,
      };
    });
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
