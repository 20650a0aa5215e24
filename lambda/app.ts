import { type InboundAuth, NO_AUTH_TENANT, tenantOf } from './auth/index.js';
import type { Config } from './config.js';
import type { ConversationService } from './conversation/conversation-service.js';
import {
  asksForProgress,
  cancelledResponse,
  invalidParams,
  MAX_BATCH_SIZE,
  type MessagePlan,
  mergeResponses,
  planMessages,
  timedOutResponse,
} from './http/json-rpc.js';
import {
  acceptDecision,
  corsHeaders,
  isHostAllowed,
  isJsonContentType,
  isOriginAllowed,
  logSafe,
  MCP_METHODS,
  PREFLIGHT_HEADERS,
} from './http/rules.js';
import { logger, refusalLogger } from './logger.js';
import type { Tool } from './mcp/define-tool.js';
import { buildServer, SERVER_INFO } from './mcp/server.js';
import type { ToolCallRecord, ToolSettings } from './mcp/tool-context.js';
import { type McpEra, serveMcp as serveBothEras } from './mcp/transport.js';
import type { MetricsPort } from './observability/metrics.js';
import { traceparentOf } from './observability/trace-context.js';
import { SETTLE_GRACE_MS } from './shared/deadline.js';

/** What the HTTP application needs; built once per container. */
export interface AppDependencies {
  readonly config: Config;
  readonly conversations: ConversationService;
  readonly auth: InboundAuth;
  readonly metrics?: MetricsPort;
  /** The tools each request's server registers; the registry (`mcp/tools`) unless a test adds some. */
  readonly tools?: readonly Tool[];
}

/** Per-request inputs from the hosting adapter (Lambda or the local server). */
export interface RequestOptions {
  /** Fires shortly before the invocation must have answered. */
  readonly signal: AbortSignal;
  readonly requestId?: string;
  /**
   * Set by a host that writes a response as it is produced (Lambda `RESPONSE_STREAM`, `npm
   * start`): it is handed the work a streamed answer still does, and keeps the invocation alive
   * until that work ends. Without it every answer is one buffered body.
   */
  readonly waitUntil?: (work: Promise<unknown>) => void;
}

/** The MCP server as a web handler: `Request` in, `Response` out. */
export type App = (request: Request, options: RequestOptions) => Promise<Response>;

const MCP_PATH = '/mcp';

/**
 * How long past the tool deadline the edge waits for the SDK's answer: the tool runner's own
 * settle grace plus a margin. Past it every unanswered id gets a JSON-RPC error, so no POST holds
 * an invocation until the Lambda timeout whatever its body.
 */
const EDGE_MARGIN_MS = SETTLE_GRACE_MS + 1_000;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** An HTTP-level refusal in the JSON-RPC error shape the SDK itself uses. */
const rpcError = (
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {}
) => json(status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);

interface RequestLog extends ToolCallRecord {
  mcpMethod?: string;
  era?: McpEra;
  principal?: string;
  /** Inbound auth answered 401 or 403 (what the `InboundAuthRefusals` metric filter counts). */
  authRefused?: boolean;
  /** Why inbound auth did not admit the request: claims and rule names only, never the token. */
  authReason?: string;
  traceparent?: string;
  /** Which allowlist answered 403, so an operator can tell a Host refusal from an Origin one. */
  refusedBy?: 'Host' | 'Origin';
  refusedValue?: string;
}

/**
 * Creates the HTTP application: the edge rules real clients need, then a fresh MCP server for
 * each POST to `/mcp`, legacy or 2026-07-28 by how the client opens (`mcp/transport.ts`).
 *
 * @example
 * const app = createApp(createDependencies(loadConfig(process.env)));
 * const response = await app(new Request('http://127.0.0.1:3000/health'), { signal });
 */
export function createApp(deps: AppDependencies): App {
  const { config, auth } = deps;
  const tools: ToolSettings = {
    conversations: deps.conversations,
    toolDeadlineMs: config.limits.toolDeadlineMs,
    maxMessageChars: config.limits.maxMessageChars,
    variables: config.salesforce.variables,
  };

  /** DNS-rebinding and browser checks first; every later answer carries the CORS headers. */
  async function route(request: Request, options: RequestOptions, log: RequestLog) {
    const host = request.headers.get('host');
    const { allowedHosts, allowedOrigins } = config.http;
    if (!isHostAllowed(host, allowedHosts)) {
      log.refusedBy = 'Host';
      log.refusedValue = logSafe(host);
      return rpcError(403, -32000, 'Forbidden: this Host is not allowed.');
    }
    const origin = request.headers.get('origin');
    if (origin === null) return routeAllowed(request, options, log, false);
    const { protocol } = new URL(request.url);
    if (!isOriginAllowed(origin, allowedOrigins, { host, allowedHosts, protocol })) {
      log.refusedBy = 'Origin';
      log.refusedValue = logSafe(origin);
      return rpcError(403, -32000, 'Forbidden: this Origin is not allowed.');
    }
    return withHeaders(await routeAllowed(request, options, log, true), corsHeaders(origin));
  }

  async function routeAllowed(
    request: Request,
    options: RequestOptions,
    log: RequestLog,
    fromBrowser: boolean
  ): Promise<Response> {
    const path = new URL(request.url).pathname.replace(/\/+$/, '') || '/';
    const method = request.method.toUpperCase();
    if (path === '/health') {
      return method === 'GET' || method === 'HEAD'
        ? json(200, { status: 'ok', name: SERVER_INFO.name, version: SERVER_INFO.version })
        : json(405, { error: 'Method not allowed' }, { allow: 'GET, HEAD' });
    }
    if (path.startsWith('/.well-known/')) {
      // Unknown well-known paths must not answer 200/302: clients read that as OAuth discovery.
      return auth.protectedResourceMetadata(request) ?? json(404, { error: 'Not found' });
    }
    if (path !== MCP_PATH) {
      return json(404, { error: 'Not found', hint: `The MCP endpoint is ${MCP_PATH}` });
    }
    if (method === 'OPTIONS') {
      const headers = { allow: MCP_METHODS.join(', '), ...(fromBrowser ? PREFLIGHT_HEADERS : {}) };
      return new Response(null, { status: 204, headers });
    }
    if (method !== 'POST') {
      // Stateless: no server-initiated SSE stream (GET) and no session to delete (DELETE).
      return rpcError(405, -32000, 'Method not allowed: send MCP messages with POST.', {
        allow: MCP_METHODS.join(', '),
      });
    }
    const authOutcome = await auth.authorize(request);
    if (!authOutcome.ok) {
      log.authRefused = authOutcome.response.status === 401 || authOutcome.response.status === 403;
      log.authReason = authOutcome.reason;
      return authOutcome.response;
    }
    // Each tenant has its own namespace of client emails (and its own session cap).
    const owner = tenantOf(auth.mode, authOutcome.principal);
    log.principal = owner === NO_AUTH_TENANT ? 'anonymous' : 'authenticated';

    const message = await readMessage(request, config.limits.maxBodyBytes);
    if (message instanceof Response) return message;
    log.mcpMethod = describeMethod(message.parsedBody);
    // Every later line of this request carries the caller's trace; removed after the request line.
    log.traceparent = traceparentOf(message.parsedBody, request.headers.get('traceparent'));
    if (log.traceparent) logger.appendKeys({ traceparent: log.traceparent });
    return serveMcp(request, message, owner, options, log);
  }

  async function serveMcp(
    request: Request,
    { bytes, parsedBody, accept, plan }: JsonRpcMessage,
    owner: string,
    options: RequestOptions,
    log: RequestLog
  ): Promise<Response> {
    const batch = Array.isArray(parsedBody);
    const cancelled = plan.cancelled.map(cancelledResponse);
    if (plan.forward === undefined) return json(200, mergeResponses('', cancelled, batch));
    const limitMs = config.limits.toolDeadlineMs + EDGE_MARGIN_MS;
    const body =
      cancelled.length > 0 ? new TextEncoder().encode(JSON.stringify(plan.forward)) : bytes;
    // Streams only where it can be heard: a streaming host, an SSE-accepting client, a progressToken.
    const stream =
      options.waitUntil && accept === 'as-is' && asksForProgress(plan.forward)
        ? { waitUntil: options.waitUntil }
        : undefined;
    const exchange = { request, bytes: body, parsedBody: plan.forward, accept, stream };
    const served = await withinLimit(
      serveBothEras(exchange, () =>
        buildServer(
          tools,
          { owner, signal: options.signal, record: log, streaming: stream !== undefined },
          deps.tools
        )
      ),
      limitMs,
      options.signal
    );
    if (served === undefined) {
      logger.warn('MCP request not answered in time', { limitMs });
      const timedOut = plan.requestIds.map((id) => timedOutResponse(id, limitMs));
      return json(200, mergeResponses('', [...timedOut, ...cancelled], batch));
    }
    log.era = served.era;
    if (cancelled.length > 0) {
      return json(200, mergeResponses(await served.response.text(), cancelled, batch));
    }
    return served.response;
  }

  return async function app(request, hostOptions) {
    const started = performance.now();
    const log: RequestLog = {};
    let status = 500;
    // A streamed answer is still being written when it is returned: its log line waits for it.
    const streamed: Promise<unknown>[] = [];
    const { waitUntil } = hostOptions;
    const options: RequestOptions = waitUntil
      ? { ...hostOptions, waitUntil: (work) => streamed.push(work) }
      : hostOptions;
    try {
      const response = await route(request, options, log);
      status = response.status;
      return response;
    } catch (err) {
      logger.error('request failed', { error: err as Error });
      return rpcError(
        500,
        -32603,
        'Internal error. Retry; if it persists, contact the administrator.'
      );
    } finally {
      const finished = () => writeLog(request, options, { log, status, started });
      if (waitUntil && streamed.length > 0) waitUntil(Promise.allSettled(streamed).then(finished));
      else finished();
    }
  };

  /** The request's one log line and metrics; for a streamed answer, once it has been written. */
  function writeLog(
    request: Request,
    options: RequestOptions,
    { log, status, started }: { log: RequestLog; status: number; started: number }
  ): void {
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    deps.metrics?.request({ ...log, status, latencyMs });
    if (log.authRefused || log.refusedBy) {
      // The public URL's cheapest answer gets the cheapest line: a flood of refusals is billed
      // per byte of log, so no Lambda context keys and only what tells one refusal from another.
      refusalLogger.info('request', {
        requestId: options.requestId,
        httpMethod: request.method,
        status,
        authRefused: log.authRefused,
        reason: log.authReason,
        refusedBy: log.refusedBy,
        refusedValue: log.refusedValue,
        latencyMs,
      });
    } else {
      logger.info('request', {
        requestId: options.requestId,
        httpMethod: request.method,
        path: new URL(request.url).pathname,
        status,
        mcpMethod: log.mcpMethod,
        era: log.era,
        tool: log.tool,
        outcome: log.outcome,
        errorCode: log.errorCode,
        principal: log.principal,
        authReason: log.authReason,
        latencyMs,
      });
    }
    if (log.traceparent) logger.removeKeys(['traceparent']);
  }
}

/** A POST body that passed the edge checks, ready for the SDK. */
interface JsonRpcMessage {
  readonly bytes: Uint8Array;
  readonly parsedBody: unknown;
  readonly accept: 'as-is' | 'normalize';
  readonly plan: Extract<MessagePlan, { kind: 'serve' }>;
}

/**
 * Reads and checks a POST body: media types, size, JSON, batch size and the params of the methods
 * served. Refusals are answered here, before any MCP server is built.
 */
async function readMessage(
  request: Request,
  maxBodyBytes: number
): Promise<JsonRpcMessage | Response> {
  if (!isJsonContentType(request.headers.get('content-type'))) {
    return rpcError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json.');
  }
  if (Number(request.headers.get('content-length') ?? '0') > maxBodyBytes)
    return tooLarge(maxBodyBytes);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > maxBodyBytes) return tooLarge(maxBodyBytes);

  const accept = acceptDecision(request.headers.get('accept'));
  if (accept === 'reject') {
    return rpcError(406, -32000, 'Not Acceptable: this server answers with application/json.');
  }
  let parsedBody: unknown;
  try {
    parsedBody = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return rpcError(400, -32700, 'Parse error: the body is not valid JSON.');
  }
  const messages = Array.isArray(parsedBody) ? parsedBody : [parsedBody];
  if (messages.length > MAX_BATCH_SIZE) {
    return rpcError(
      400,
      -32600,
      `Invalid Request: a batch may hold at most ${MAX_BATCH_SIZE} messages.`
    );
  }
  const invalid = messages.map(invalidParams).find((found) => found !== undefined);
  if (invalid) {
    return Array.isArray(parsedBody)
      ? rpcError(400, -32600, `Invalid Request: ${invalid.message}`)
      : json(200, {
          jsonrpc: '2.0',
          id: invalid.id,
          error: { code: -32602, message: invalid.message },
        });
  }
  const plan = planMessages(parsedBody);
  if (plan.kind === 'refuse') return rpcError(400, -32600, plan.message);
  return { bytes, parsedBody, accept, plan };
}

/** `work`'s value, or `undefined` once `limitMs` passes or `signal` aborts, whichever is first. */
async function withinLimit<T>(
  work: Promise<T>,
  limitMs: number,
  signal: AbortSignal
): Promise<T | undefined> {
  const limit = AbortSignal.any([AbortSignal.timeout(limitMs), signal]);
  let onAbort: (() => void) | undefined;
  const expired = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    if (limit.aborted) onAbort();
    else limit.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    if (onAbort) limit.removeEventListener('abort', onAbort);
  }
}

function tooLarge(limit: number): Response {
  return rpcError(413, -32000, `Payload Too Large: the body exceeds ${limit} bytes.`);
}

function withHeaders(response: Response, extra: Record<string, string>): Response {
  if (Object.keys(extra).length === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return new Response(response.body, { status: response.status, headers });
}

/** The JSON-RPC method for logs (`batch(n)` for arrays); never params, which may hold message text. */
function describeMethod(body: unknown): string | undefined {
  if (Array.isArray(body)) return `batch(${body.length})`;
  if (body && typeof body === 'object' && 'method' in body && typeof body.method === 'string') {
    return body.method.slice(0, 64);
  }
  return undefined;
}
