import * as z from 'zod';
import { parseList } from '../shared/list.js';
import { isLoopbackHost } from '../shared/loopback.js';
import { AuthConfigError } from './errors.js';

const list = z.string().optional().transform(parseList);

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => value || undefined);

/**
 * An absolute URL the function talks to or names in metadata: `https:`, or plain `http:` on a
 * loopback host only (a local OAuth server during development and tests).
 */
function endpointUrl(what: string) {
  return optionalText.superRefine((value, ctx) => {
    if (value === undefined) return;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be an absolute URL (${what})` });
      return;
    }
    const loopbackHttp = url.protocol === 'http:' && isLoopbackHost(url.hostname);
    if (url.protocol !== 'https:' && !loopbackHttp) {
      ctx.addIssue({ code: 'custom', message: 'must use https (http only for localhost)' });
    }
    if (url.username || url.password || url.hash) {
      ctx.addIssue({ code: 'custom', message: 'must not contain credentials or a fragment' });
    }
  });
}

/**
 * Whether a scope names its resource server, Cognito style: `<server>/<scope>` with both parts
 * non-empty (`agentforce-mcp/mcp.invoke`, `https://api.example.com/read`). An issuer grants such a
 * scope only in tokens for that resource server, so requiring it binds the token to this server
 * the way an `aud` check does (Cognito access tokens carry no `aud`).
 */
export function isResourceScope(scope: string): boolean {
  const slash = scope.lastIndexOf('/');
  return slash > 0 && slash < scope.length - 1;
}

/**
 * The inbound-authorization part of the function's environment. Every key is optional at this
 * level; which ones are required depends on `AUTH_MODE` and is checked by {@link toAuthConfig}.
 * The default mode is `cognito` so that a missing setting fails closed, never open.
 */
export const authEnvSchema = z.object({
  AUTH_MODE: z.enum(['cognito', 'jwt', 'none']).default('cognito'),
  /** jwt: the exact `iss` claim of accepted tokens. */
  AUTH_ISSUER: endpointUrl('the token issuer'),
  /** jwt: where the issuer publishes its signing keys. */
  AUTH_JWKS_URL: endpointUrl('the JWKS endpoint'),
  /**
   * jwt: accepted `aud` values (comma list). Required unless AUTH_REQUIRED_SCOPE names a
   * resource-server scope (`<server>/<scope>`), which binds the token to this server instead.
   */
  AUTH_AUDIENCE: list,
  /** Accepted OAuth clients (`client_id`, or `azp` in jwt mode); required in cognito mode. */
  AUTH_CLIENT_IDS: list,
  /** Scopes every token must carry (comma or space list); empty means no scope check. */
  AUTH_REQUIRED_SCOPE: list,
  COGNITO_USER_POOL_ID: optionalText.pipe(
    z
      .string()
      .regex(/^(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\d_[A-Za-z0-9]+$/, {
        message: 'must look like <region>_<id>, e.g. eu-west-1_AbC123xyz',
      })
      .optional()
  ),
  /** The canonical MCP URL, when it is not `https://<Host>/mcp` (e.g. behind a custom domain). */
  AUTH_RESOURCE_URL: endpointUrl('the canonical MCP URL').superRefine((value, ctx) => {
    if (value !== undefined && URL.canParse(value) && new URL(value).search !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not contain a query string' });
    }
  }),
});

/** The inbound-authorization environment after parsing, before the mode-specific checks. */
export type AuthEnv = z.output<typeof authEnvSchema>;

interface AuthConfigCommon {
  /** Canonical MCP URL without a trailing slash; absent means derive it from each request. */
  readonly resourceUrl?: string;
}

/** No inbound authorization: every caller is `anonymous`. Must be chosen explicitly. */
export interface NoAuthConfig extends AuthConfigCommon {
  readonly mode: 'none';
}

/** Access tokens from one Amazon Cognito user pool (client credentials or user tokens). */
export interface CognitoAuthConfig extends AuthConfigCommon {
  readonly mode: 'cognito';
  readonly userPoolId: string;
  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`: the pool's issuer. */
  readonly issuer: string;
  /** App clients whose tokens are accepted (never empty). */
  readonly clientIds: readonly string[];
  readonly requiredScopes: readonly string[];
}

/** JWT access tokens from any OAuth 2.x / OIDC issuer that publishes a JWKS. */
export interface JwtAuthConfig extends AuthConfigCommon {
  readonly mode: 'jwt';
  readonly issuer: string;
  readonly jwksUrl: string;
  /** Accepted `aud` values; empty only when a required scope names this resource server. */
  readonly audience: readonly string[];
  /** Accepted `client_id`/`azp` values; empty when only the audience is checked. */
  readonly clientIds: readonly string[];
  readonly requiredScopes: readonly string[];
}

/** The parsed, normalised inbound-authorization configuration. */
export type AuthConfig = NoAuthConfig | CognitoAuthConfig | JwtAuthConfig;

/**
 * Parses the `AUTH_*` / `COGNITO_*` variables of an environment and checks the ones the chosen
 * mode needs. Unrelated variables are ignored.
 *
 * @throws AuthConfigError naming every offending variable
 * @example
 * const auth = toAuthConfig(process.env);
 * // { mode: 'cognito', userPoolId: 'eu-west-1_AbC123', issuer: 'https://cognito-idp…', … }
 */
export function toAuthConfig(env: Readonly<Record<string, string | undefined>>): AuthConfig {
  const parsed = authEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new AuthConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? 'AUTH_MODE'),
        message: issue.message,
      }))
    );
  }
  const e = parsed.data;
  const resourceUrl = e.AUTH_RESOURCE_URL?.replace(/\/+$/, '');
  const common = resourceUrl === undefined ? {} : { resourceUrl };
  const problems: { variable: string; message: string }[] = [];
  const required = <T>(variable: string, value: T | undefined): T | undefined => {
    if (value === undefined) {
      problems.push({ variable, message: `is required when AUTH_MODE=${e.AUTH_MODE}` });
    }
    return value;
  };

  switch (e.AUTH_MODE) {
    case 'none':
      return { mode: 'none', ...common };
    case 'cognito': {
      const userPoolId = required('COGNITO_USER_POOL_ID', e.COGNITO_USER_POOL_ID);
      // Without a client allowlist any app client of the pool would do; fail closed instead.
      required('AUTH_CLIENT_IDS', e.AUTH_CLIENT_IDS.length > 0 ? e.AUTH_CLIENT_IDS : undefined);
      if (userPoolId === undefined || problems.length > 0) throw new AuthConfigError(problems);
      const region = userPoolId.slice(0, userPoolId.indexOf('_'));
      return {
        mode: 'cognito',
        userPoolId,
        issuer: `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`,
        clientIds: e.AUTH_CLIENT_IDS,
        requiredScopes: e.AUTH_REQUIRED_SCOPE,
        ...common,
      };
    }
    case 'jwt': {
      const issuer = required('AUTH_ISSUER', e.AUTH_ISSUER);
      const jwksUrl = required('AUTH_JWKS_URL', e.AUTH_JWKS_URL);
      // The MCP spec: the server MUST check that a token was issued for it. A client allowlist
      // does not: an allowed client's token for any other API of the issuer would pass.
      if (e.AUTH_AUDIENCE.length === 0 && !e.AUTH_REQUIRED_SCOPE.some(isResourceScope)) {
        problems.push({
          variable: 'AUTH_AUDIENCE',
          message:
            'is required when AUTH_MODE=jwt (or set AUTH_REQUIRED_SCOPE to a resource-server scope like <server>/<scope>)',
        });
      }
      if (issuer === undefined || jwksUrl === undefined || problems.length > 0) {
        throw new AuthConfigError(problems);
      }
      return {
        mode: 'jwt',
        issuer,
        jwksUrl,
        audience: e.AUTH_AUDIENCE,
        clientIds: e.AUTH_CLIENT_IDS,
        requiredScopes: e.AUTH_REQUIRED_SCOPE,
        ...common,
      };
    }
  }
}
