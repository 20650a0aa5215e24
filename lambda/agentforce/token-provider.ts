import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { CredentialsSource, SalesforceCredentials } from './credentials.js';
import {
  AgentforceAuthError,
  type AuthFailureReason,
  MalformedResponseError,
  RateLimitedError,
  UpstreamError,
} from './errors.js';
import {
  networkFailureCode,
  readText,
  requestIdOf,
  safeServerMessage,
  tryParseJson,
} from './http.js';
import {
  deadlineError,
  parseRetryAfter,
  type RetryPolicy,
  resolveRetryPolicy,
  retryDelay,
  sleepWithinDeadline,
} from './retry.js';
import { describeIssues, oauthErrorSchema, tokenResponseSchema } from './schemas.js';
import { normalizeMyDomainUrl } from './urls.js';

/** A Salesforce access token with what the client needs to use it. Never log `accessToken`. */
export interface AccessToken {
  readonly accessToken: string;
  /** The org's instance URL from the token response (`instance_url`). */
  readonly instanceUrl: string;
  /** The Agent API host Salesforce named (`api_instance_url`), as sent; JWT-based tokens only. */
  readonly apiInstanceUrl?: string;
  /** Epoch ms when the token stops working (JWT `exp`, else `issued_at` + 30 min). */
  readonly expiresAt: number;
  /** The granted scopes (`scope`, space-separated); `undefined` when the response named none. */
  readonly scopes?: readonly string[];
}

/** The scopes the Agent API needs (agent-api.md §3.5), with the label Setup shows for each. */
export const AGENT_API_SCOPES: Readonly<Record<string, string>> = {
  api: 'Manage user data via APIs (api)',
  chatbot_api: 'Access chatbot services (chatbot_api)',
  sfap_api: 'Access the Salesforce API Platform (sfap_api)',
};

/** Options of `TokenProvider`. */
export interface TokenProviderOptions {
  /** The org's My Domain, with or without `https://` (see `normalizeMyDomainUrl`). */
  readonly myDomainUrl: string;
  /** Read only when a token must be fetched. */
  readonly credentials: CredentialsSource;
  /** Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Clock in epoch ms; defaults to `Date.now`. */
  readonly now?: () => number;
  /** Refresh this long before expiry (capped at half the token's lifetime). Default 60 000. */
  readonly refreshMarginMs?: number;
  /** Backoff for network errors, 5xx and 429 of the token endpoint. */
  readonly retry?: Partial<RetryPolicy>;
}

/** Lifetime assumed when the token carries no usable `exp` (the documented default policy, §3.4). */
export const DEFAULT_TOKEN_LIFETIME_MS = 30 * 60_000;

/**
 * Reads the `exp` claim (epoch ms) of a JWT without verifying it (only Salesforce can, and it does
 * on every call); `undefined` for an opaque or undecodable token.
 */
export function jwtExpiry(token: string): number | undefined {
  try {
    const { exp } = decomposeUnverifiedJwt(token).payload;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When a freshly issued token expires: its JWT `exp` when decodable, else `issued_at` (epoch ms,
 * sent as a string) + 30 min, else `now` + 30 min. A value that is not in the future means the
 * clocks disagree (the token was just issued), so `now` + 30 min is used: a too-late guess only
 * costs one 401 and a refresh, a too-early one would refetch on every call.
 */
export function tokenExpiresAt(
  accessToken: string,
  issuedAt: string | number | null | undefined,
  now: number
): number {
  const fromJwt = jwtExpiry(accessToken);
  const issued =
    typeof issuedAt === 'string' && issuedAt.trim() !== '' ? Number(issuedAt) : issuedAt;
  const fromIssuedAt =
    typeof issued === 'number' && Number.isFinite(issued) && issued > 0
      ? issued + DEFAULT_TOKEN_LIFETIME_MS
      : undefined;
  const expiresAt = fromJwt ?? fromIssuedAt;
  return expiresAt !== undefined && expiresAt > now ? expiresAt : now + DEFAULT_TOKEN_LIFETIME_MS;
}

interface CachedToken {
  readonly token: AccessToken;
  readonly refreshAt: number;
}

/** One token fetch shared by every concurrent caller; aborted only when all of them gave up. */
interface Flight {
  readonly controller: AbortController;
  readonly promise: Promise<AccessToken>;
  waiters: number;
}

/** What each OAuth error means for the operator (§3.3). */
const AUTH_ADVICE: Record<
  Exclude<AuthFailureReason, 'other' | 'token-rejected' | 'missing-scopes'>,
  string
> = {
  'unknown-client':
    'Salesforce does not know the client id. Set it to the Consumer Key of the connected app ' +
    '(or external client app) in this org.',
  'wrong-secret':
    "Salesforce rejected the client secret. Set it to the app's current Consumer Secret.",
  'no-run-as-user':
    "The app has no Run As user for the client credentials flow. In the app's OAuth policies, " +
    'enable the Client Credentials Flow and choose a Run As user with API access.',
  'wrong-domain':
    "The token request did not reach the org's My Domain. Set the My Domain URL to " +
    'https://<your-domain>.my.salesforce.com (not login/test.salesforce.com or a Lightning URL).',
  'unsupported-grant':
    "The app does not allow the client credentials grant. Enable 'Client Credentials Flow' in " +
    "the app's OAuth settings.",
};

function missingScopes(
  missing: readonly string[],
  status: number,
  requestId: string | undefined
): AgentforceAuthError {
  return new AgentforceAuthError(
    `The Salesforce token lacks the ${missing.join(', ')} scope${missing.length > 1 ? 's' : ''} ` +
      'the Agent API needs. In Setup, edit the connected app (or external client app) and add ' +
      `${missing.map((scope) => `"${AGENT_API_SCOPES[scope]}"`).join(' and ')} to its Selected ` +
      'OAuth Scopes; the next token will carry them.',
    'missing-scopes',
    { status, ...(requestId ? { requestId } : {}) }
  );
}

function classifyOauthError(
  error: string,
  description: string
): keyof typeof AUTH_ADVICE | 'other' {
  const text = description.toLowerCase();
  if (error === 'invalid_client_id') return 'unknown-client';
  if (error === 'invalid_client') return 'wrong-secret';
  if (error === 'unsupported_grant_type') return 'unsupported-grant';
  if (error === 'invalid_grant' && text.includes('not supported on this domain'))
    return 'wrong-domain';
  if (error === 'invalid_grant' && text.includes('client credentials user'))
    return 'no-run-as-user';
  return 'other';
}

/**
 * Client-credentials access tokens for one org, cached per container until shortly before they
 * expire. Concurrent callers share one in-flight fetch; the client secret is read only for a fetch.
 *
 * @example
 * const tokens = new TokenProvider({ myDomainUrl: 'acme.my.salesforce.com', credentials });
 * const token = await tokens.getToken(AbortSignal.timeout(10_000));
 * // after the Agent API answered 401 with this token:
 * tokens.invalidate(token);
 */
export class TokenProvider {
  /** Counters for benchmarks: `tokenFetches` counts HTTP requests sent to the token endpoint. */
  readonly stats: { tokenFetches: number } = { tokenFetches: 0 };
  /** The normalised My Domain URL the tokens are requested from. */
  readonly myDomainUrl: string;

  readonly #tokenUrl: string;
  readonly #credentials: CredentialsSource;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #refreshMarginMs: number;
  readonly #retry: RetryPolicy;
  #cached: CachedToken | undefined;
  #flight: Flight | undefined;

  constructor(options: TokenProviderOptions) {
    this.myDomainUrl = normalizeMyDomainUrl(options.myDomainUrl);
    this.#tokenUrl = `${this.myDomainUrl}/services/oauth2/token`;
    this.#credentials = options.credentials;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? Date.now;
    this.#refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.#retry = resolveRetryPolicy(options.retry);
  }

  /**
   * Returns the cached token, or fetches one (sharing a fetch already in flight).
   *
   * @throws AgentforceAuthError when Salesforce refuses the credentials or settings.
   * @throws DeadlineExceededError when `signal` fires first.
   */
  async getToken(signal?: AbortSignal): Promise<AccessToken> {
    if (signal?.aborted) throw deadlineError(signal.reason);
    const cached = this.#cached;
    if (cached && this.#now() < cached.refreshAt) return cached.token;
    let flight = this.#flight;
    if (!flight || flight.controller.signal.aborted) flight = this.#startFlight();
    return this.#join(flight, signal);
  }

  /** Drops `token` from the cache if it is still the cached one (a newer token is kept). */
  invalidate(token: AccessToken): void {
    if (this.#cached?.token.accessToken === token.accessToken) this.#cached = undefined;
  }

  #startFlight(): Flight {
    const controller = new AbortController();
    const promise = this.#fetchToken(controller.signal).then((token) => {
      const now = this.#now();
      // A margin longer than half the lifetime would make short-lived tokens uncacheable.
      const margin = Math.min(this.#refreshMarginMs, Math.max(0, (token.expiresAt - now) / 2));
      this.#cached = { token, refreshAt: token.expiresAt - margin };
      return token;
    });
    const flight: Flight = { controller, promise, waiters: 0 };
    this.#flight = flight;
    const clear = (): void => {
      if (this.#flight === flight) this.#flight = undefined;
    };
    // Waiters see the outcome through `promise`; this branch only clears the slot (and keeps a
    // flight that every waiter abandoned from raising an unhandled rejection).
    promise.then(clear, clear);
    return flight;
  }

  #join(flight: Flight, signal: AbortSignal | undefined): Promise<AccessToken> {
    flight.waiters++;
    if (!signal) return flight.promise;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        flight.waiters--;
        if (flight.waiters === 0) flight.controller.abort(signal.reason);
        reject(deadlineError(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (token) => {
          signal.removeEventListener('abort', onAbort);
          resolve(token);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        }
      );
    });
  }

  async #fetchToken(signal: AbortSignal): Promise<AccessToken> {
    let credentials: SalesforceCredentials;
    try {
      credentials = await this.#credentials.get(signal);
    } catch (err) {
      if (signal.aborted) throw deadlineError(err);
      throw err;
    }
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    }).toString();

    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        this.stats.tokenFetches++;
        response = await this.#fetch(this.#tokenUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body,
          signal,
        });
      } catch (err) {
        if (signal.aborted) throw deadlineError(err);
        const failure = new UpstreamError(
          `Could not reach the Salesforce token endpoint at ${this.myDomainUrl} ` +
            `(${networkFailureCode(err)}). Check the My Domain URL and the network.`,
          { cause: err }
        );
        const delay = retryDelay(this.#retry, attempt, undefined);
        if (delay === undefined) throw failure;
        await sleepWithinDeadline(this.#retry, delay, signal, failure);
        continue;
      }

      const text = await readText(response, signal);
      const requestId = requestIdOf(response);
      if (response.ok) return this.#parseToken(text, response.status, requestId);

      if (response.status === 429 || response.status >= 500) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        const failure =
          response.status === 429
            ? new RateLimitedError(
                'The Salesforce token endpoint is rate limiting requests (429).',
                {
                  status: 429,
                  ...(requestId ? { requestId } : {}),
                  ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
                }
              )
            : new UpstreamError(
                `The Salesforce token endpoint failed with HTTP ${response.status}; try again shortly.`,
                { status: response.status, ...(requestId ? { requestId } : {}) }
              );
        const delay = retryDelay(this.#retry, attempt, retryAfterMs);
        if (delay === undefined) throw failure;
        await sleepWithinDeadline(this.#retry, delay, signal, failure);
        continue;
      }

      throw this.#authError(response.status, text, requestId, credentials);
    }
  }

  #parseToken(text: string, status: number, requestId: string | undefined): AccessToken {
    const parsed = tokenResponseSchema.safeParse(tryParseJson(text));
    if (!parsed.success) {
      throw new MalformedResponseError(
        'The Salesforce token endpoint answered 200 without a usable access token.',
        { status, issues: describeIssues(parsed.error), ...(requestId ? { requestId } : {}) }
      );
    }
    const data = parsed.data;
    const scopes = typeof data.scope === 'string' ? data.scope.split(/\s+/).filter(Boolean) : [];
    // A response without `scope` is let through: Salesforce may omit it (RFC 6749 §5.1 makes it
    // optional when the grant equals the request), and the Agent API's empty 404 still names the
    // scopes if they really are missing (docs/agent-api-notes.md, "Token scopes").
    if (typeof data.scope === 'string') {
      const missing = Object.keys(AGENT_API_SCOPES).filter((scope) => !scopes.includes(scope));
      if (missing.length > 0) throw missingScopes(missing, status, requestId);
    }
    return {
      accessToken: data.access_token,
      instanceUrl: data.instance_url,
      ...(data.api_instance_url ? { apiInstanceUrl: data.api_instance_url } : {}),
      expiresAt: tokenExpiresAt(data.access_token, data.issued_at, this.#now()),
      ...(typeof data.scope === 'string' ? { scopes } : {}),
    };
  }

  #authError(
    status: number,
    text: string,
    requestId: string | undefined,
    credentials: SalesforceCredentials
  ): AgentforceAuthError {
    const context = { status, ...(requestId ? { requestId } : {}) };
    const oauth = oauthErrorSchema.safeParse(tryParseJson(text));
    if (!oauth.success) {
      const reason: AuthFailureReason = status === 404 ? 'wrong-domain' : 'other';
      const advice =
        status === 404
          ? `There is no token endpoint at ${this.myDomainUrl}. ${AUTH_ADVICE['wrong-domain']}`
          : `Check the My Domain URL and the app's OAuth settings.`;
      return new AgentforceAuthError(
        `The Salesforce token request failed with HTTP ${status}. ${advice}`,
        reason,
        context
      );
    }
    const error = safeServerMessage(oauth.data.error, [credentials.clientSecret]) ?? 'unknown';
    const description =
      safeServerMessage(oauth.data.error_description, [credentials.clientSecret]) ?? '';
    const reason = classifyOauthError(oauth.data.error, description);
    const said = description === '' ? error : `${error}: ${description}`;
    const advice =
      reason === 'other'
        ? "Check the app's OAuth settings and its Run As user."
        : AUTH_ADVICE[reason];
    return new AgentforceAuthError(
      `Salesforce refused the token request (${said}). ${advice}`,
      reason,
      {
        ...context,
        oauthError: oauth.data.error,
      }
    );
  }
}
