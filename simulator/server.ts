import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  API_PREFIX,
  type ApiContext,
  authenticate,
  endSession,
  requireFeedbackContentType,
  requireJsonContentType,
  sendMessage,
  startSession,
  submitFeedback,
} from './agent-api.js';
import {
  ApiResponseError,
  BadRequestError,
  errorEnvelope,
  InjectedFaultError,
  OAuthError,
  SimulatorOptionsError,
} from './errors.js';
import { BodyTooLargeError, readBody, sendEmpty, sendJson } from './http-util.js';
import { type RouteKind, SimulatorState } from './state.js';
import { issueToken, tokenFault } from './token-endpoint.js';
import type { Simulator, SimulatorOptions, SimulatorPatch } from './types.js';

/** Path of the OAuth token endpoint on the My Domain host (agent-api.md §3.1). */
export const TOKEN_PATH = '/services/oauth2/token';

type Route =
  | { readonly kind: 'token' }
  | { readonly kind: 'start'; readonly agentId: string }
  | { readonly kind: 'message' | 'stream' | 'end' | 'feedback'; readonly sessionId: string };

/** Maps a request to a route; `undefined` means the gateway would not route it (empty 404). */
export function matchRoute(method: string, pathname: string): Route | undefined {
  if (pathname === TOKEN_PATH) return method === 'POST' ? { kind: 'token' } : undefined;
  if (!pathname.startsWith(`${API_PREFIX}/`)) return undefined;
  const segments = pathname
    .slice(API_PREFIX.length + 1)
    .split('/')
    .map(decodeSegment);
  if (segments.some((s) => s === undefined || s === '')) return undefined;
  const [first, id, third, fourth, ...rest] = segments as string[];
  if (id === undefined || rest.length > 0) return undefined;
  if (first === 'agents' && third === 'sessions' && fourth === undefined && method === 'POST') {
    return { kind: 'start', agentId: id };
  }
  if (first !== 'sessions') return undefined;
  if (third === undefined) return method === 'DELETE' ? { kind: 'end', sessionId: id } : undefined;
  if (method !== 'POST') return undefined;
  if (third === 'messages' && fourth === undefined) return { kind: 'message', sessionId: id };
  if (third === 'messages' && fourth === 'stream') return { kind: 'stream', sessionId: id };
  if (third === 'feedback' && fourth === undefined) return { kind: 'feedback', sessionId: id };
  return undefined;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Starts an Agentforce simulator on 127.0.0.1: the OAuth token endpoint of a "My Domain" and the
 * Agent API (`/einstein/ai-agent/v1`) on one origin, with a scripted demo agent.
 *
 * @example
 * const sim = await startSimulator();
 * const { clientId, clientSecret } = sim.credentials;
 * const form = new URLSearchParams({
 *   grant_type: 'client_credentials',
 *   client_id: clientId,
 *   client_secret: clientSecret,
 * });
 * const res = await fetch(`${sim.url}/services/oauth2/token`, { method: 'POST', body: form });
 * const { access_token } = await res.json();
 * await sim.close();
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const state = new SimulatorState(options);
  const shutdown = new AbortController();
  let baseUrl = '';

  const server = createServer((req, res) => {
    handleRequest(req, res).catch(() => res.destroy());
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const receivedAt = Date.now();
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    res.setHeader('x-request-id', requestId);
    res.once('close', () => {
      const status = res.headersSent ? String(res.statusCode) : '-';
      const ms = Math.round(performance.now() - startedAt);
      state.settings.log?.(`${method} ${pathname} ${status} ${ms}ms`);
    });

    const route = matchRoute(method, pathname);
    if (route === undefined) {
      sendEmpty(res, 404);
      return;
    }
    countArrival(route.kind);
    const apiPath = pathname.slice(API_PREFIX.length + 1);
    try {
      const fault = state.takeFault(route.kind);
      if (fault?.status === 'network') {
        req.socket.destroy();
        return;
      }
      if (fault !== undefined) {
        throw route.kind === 'token'
          ? tokenFault(fault.status, fault.retryAfterSeconds)
          : new InjectedFaultError(fault.status, fault.retryAfterSeconds);
      }
      if (route.kind === 'token') await serveToken(req, res);
      else await serveApi(req, res, route, receivedAt);
    } catch (error) {
      renderError(res, error, apiPath, requestId);
    }
  }

  function countArrival(kind: RouteKind): void {
    const c = state.counters;
    if (kind === 'token') c.tokenRequests += 1;
    else if (kind === 'message' || kind === 'stream') c.messagesReceived += 1;
    else if (kind === 'feedback') c.feedbackReceived += 1;
  }

  async function serveToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        throw new OAuthError(400, 'invalid_request', 'request body too large');
      }
      throw error;
    }
    const token = issueToken(state, baseUrl, {
      host: req.headers.host,
      authorization: req.headers.authorization,
      body,
    });
    state.counters.tokensIssued += 1;
    sendJson(res, 200, token, {
      'cache-control': 'no-cache,must-revalidate,max-age=0,no-store,private',
    });
  }

  async function serveApi(
    req: IncomingMessage,
    res: ServerResponse,
    route: Exclude<Route, { kind: 'token' }>,
    receivedAt: number
  ): Promise<void> {
    authenticate(state, req.headers.authorization);
    const ctx: ApiContext = { state, baseUrl, res, receivedAt, signal: shutdown.signal };
    if (route.kind === 'end') {
      endSession(ctx, route.sessionId, headerValue(req.headers['x-session-end-reason']));
      return;
    }
    if (route.kind === 'feedback') requireFeedbackContentType(req.headers['content-type']);
    else requireJsonContentType(req.headers['content-type']);
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw new BadRequestError('Request body too large');
      throw error;
    }
    switch (route.kind) {
      case 'start':
        return startSession(
          ctx,
          route.agentId,
          body,
          headerValue(req.headers['x-attributed-client'])
        );
      case 'message':
        return sendMessage(ctx, route.sessionId, body, false);
      case 'stream':
        return sendMessage(ctx, route.sessionId, body, true);
      case 'feedback':
        return submitFeedback(ctx, route.sessionId, body);
    }
  }

  function renderError(
    res: ServerResponse,
    error: unknown,
    apiPath: string,
    requestId: string
  ): void {
    if (res.headersSent) {
      // A stream that fails midway can only be cut off.
      res.destroy();
      return;
    }
    if (error instanceof OAuthError) {
      sendJson(
        res,
        error.status,
        { error: error.code, error_description: error.description },
        retryAfter(error.retryAfterSeconds)
      );
      return;
    }
    if (error instanceof ApiResponseError) {
      const headers = retryAfter(error.retryAfterSeconds);
      if (error.bodyless) {
        sendEmpty(res, error.status, headers);
        return;
      }
      const envelope = errorEnvelope({
        status: error.status,
        apiPath,
        requestId,
        error: error.errorName,
        message: error.message,
        expected: error.expected,
      });
      sendJson(res, error.status, envelope, headers);
      return;
    }
    if (shutdown.signal.aborted) {
      res.destroy();
      return;
    }
    state.settings.log?.(
      `simulator bug: ${error instanceof Error ? error.name : 'non-error thrown'}`
    );
    const envelope = errorEnvelope({
      status: 500,
      apiPath,
      requestId,
      error: 'InternalSimulatorError',
      message: 'The simulator failed unexpectedly',
      expected: false,
    });
    sendJson(res, 500, envelope);
  }

  await listen(server, options.port ?? 0);
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    get credentials() {
      return { clientId: state.settings.clientId, clientSecret: state.settings.clientSecret };
    },
    get agentId() {
      return state.defaultAgentId;
    },
    counters: state.counters,
    configure(patch: SimulatorPatch): void {
      if (patch.port !== undefined) {
        throw new SimulatorOptionsError('port', 'cannot change on a running simulator');
      }
      state.applyPatch(patch);
    },
    injectFault: (rule) => state.addFault(rule),
    clearFaults: () => state.clearFaults(),
    expireAllTokens: () => state.revokeIssuedTokens(),
    expireSession: (sessionId) => state.expireSession(sessionId),
    resetCounters: () => state.resetCounters(),
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        shutdown.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function retryAfter(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}
