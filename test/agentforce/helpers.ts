import type { RetryPolicy } from '../../lambda/agentforce/index.js';

/** A request the fake saw, with its body already read. */
export interface SeenRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string;
}

/** Answers one request; throwing makes `fetch` reject (a network error). */
export type FakeHandler = (request: SeenRequest, index: number) => Response | Promise<Response>;

/**
 * A `fetch` replacement that routes every call to `handler` and records it. Like the real one, it
 * rejects with the signal's reason when the signal fires before the handler answers.
 */
export function fakeFetch(handler: FakeHandler): { fetch: typeof fetch; calls: SeenRequest[] } {
  const calls: SeenRequest[] = [];
  const fetchImpl = async (
    input: string | URL | Request,
    init?: RequestInit
  ): Promise<Response> => {
    const request = new Request(input, init);
    const seen: SeenRequest = {
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      body: await request.text(),
    };
    calls.push(seen);
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    const answer = Promise.resolve().then(() => handler(seen, calls.length - 1));
    if (!signal) return answer;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  };
  return { fetch: fetchImpl as typeof fetch, calls };
}

/** A JSON response with an `x-request-id`. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': 'req-1', ...headers },
  });
}

/** A response without a body (the gateway's "not routed" 404, a 201, …). */
export function empty(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers });
}

/** An unsigned JWT with the given claims (the client only decodes it). */
export function makeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** A token endpoint 200 body as in reference §3.2. */
export function tokenBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    access_token: makeJwt({ sub: 'uid:005', exp: Math.floor(Date.now() / 1000) + 1800 }),
    signature: 'sig',
    token_format: 'jwt',
    scope: 'sfap_api chatbot_api api',
    instance_url: 'https://acme.my.salesforce.com',
    id: 'https://login.salesforce.com/id/00D/005',
    token_type: 'Bearer',
    issued_at: String(Date.now()),
    api_instance_url: 'https://api.salesforce.com',
    ...overrides,
  };
}

/** A retry policy whose sleeps are recorded and return at once (unless the signal fired). */
export function instantRetry(overrides: Partial<RetryPolicy> = {}): {
  retry: Partial<RetryPolicy>;
  sleeps: number[];
} {
  const sleeps: number[] = [];
  return {
    sleeps,
    retry: {
      random: () => 0.5,
      sleep: async (ms: number, signal?: AbortSignal) => {
        sleeps.push(ms);
        signal?.throwIfAborted();
      },
      ...overrides,
    },
  };
}

/** One SSE event as Salesforce frames it (§2.3.1). */
export function sseEvent(event: string, message: Record<string, unknown>, id = '1-REQ'): string {
  const data = { timestamp: 1, originEventId: id, traceId: 'a'.repeat(32), offset: 0, message };
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** An SSE response streaming `parts` as separate chunks. */
export function sseResponse(parts: readonly string[], status = 200): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
  return new Response(body, {
    status,
    headers: { 'content-type': 'text/event-stream;charset=UTF-8', 'x-request-id': 'req-s' },
  });
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-Error: ${String(err)}`);
  }
  throw new Error('expected a rejection, but the call succeeded');
}
