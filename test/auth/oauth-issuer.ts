import { createHmac, createPublicKey } from 'node:crypto';
import { OAuth2Server, type Payload } from 'oauth2-mock-server';

/** A real OAuth 2 server on 127.0.0.1 (oauth2-mock-server) with one RS256 key; `localhost` URLs. */
export interface MockIssuer {
  readonly server: OAuth2Server;
  /** The `iss` of every token it signs. */
  readonly url: string;
  readonly jwksUrl: string;
  readonly tokenUrl: string;
  /** Asks the token endpoint for a client-credentials token, as Agentforce does (Basic auth). */
  clientCredentialsToken(options: {
    clientId: string;
    scope?: string;
    audience?: string;
  }): Promise<string>;
  /** Signs a token directly, with `claims` merged over the defaults (`iss`, `iat`, `exp`, `nbf`). */
  sign(
    claims: Record<string, unknown>,
    options?: { expiresIn?: number; drop?: string[]; kid?: string }
  ): Promise<string>;
  /** The `kid` of the signing key. */
  readonly kid: string;
  stop(): Promise<void>;
}

/** Starts a mock issuer on an ephemeral port. Its tokens carry `client_id` and `sub` = client. */
export async function startMockIssuer(): Promise<MockIssuer> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  // Like Cognito and RFC 9068: a client-credentials token names its client in client_id and sub.
  server.service.on('beforeTokenSigning', (token, req) => {
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const clientId = basic
      ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0]
      : req.body.client_id;
    Object.assign(token.payload, { client_id: clientId, sub: clientId });
  });
  await server.start(0, '127.0.0.1');
  const url = server.issuer.url as string;
  const kid = server.issuer.keys.toJSON()[0]?.kid as string;

  return {
    server,
    url,
    kid,
    jwksUrl: `${url}/jwks`,
    tokenUrl: `${url}/token`,
    async clientCredentialsToken({ clientId, scope, audience }) {
      const form = new URLSearchParams({ grant_type: 'client_credentials' });
      if (scope !== undefined) form.set('scope', scope);
      if (audience !== undefined) form.set('aud', audience);
      const response = await fetch(`${url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:mock-ignores-the-secret`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: form,
      });
      if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
      return ((await response.json()) as { access_token: string }).access_token;
    },
    sign(claims, options = {}) {
      return server.issuer.buildToken({
        expiresIn: options.expiresIn ?? 3600,
        scopesOrTransform: (header, payload: Payload) => {
          if (options.kid !== undefined) header.kid = options.kid;
          Object.assign(payload, claims);
          for (const name of options.drop ?? []) delete payload[name];
        },
      });
    },
    stop: () => server.stop(),
  };
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** Splits a JWT into its decoded header and payload. */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header = '', payload = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
  };
}

/** The same token with its payload replaced and the original signature kept. */
export function withPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64url(JSON.stringify(payload))}.${signature}`;
}

/**
 * `like` relabelled `alg: none` (same `kid`): with an empty signature as RFC 7519 §6 has it, or
 * with the original signature kept.
 */
export function unsignedCopy(like: string, keepSignature = false): string {
  const { header, payload } = decodeJwt(like);
  const signature = keepSignature ? like.split('.')[2] : '';
  return `${b64url(JSON.stringify({ ...header, alg: 'none' }))}.${b64url(JSON.stringify(payload))}.${signature}`;
}

/**
 * The algorithm-confusion attack: the same claims as `like`, signed HS256 with the issuer's
 * public RSA key (as PEM) as the HMAC secret.
 */
export function hmacWithPublicKey(like: string, publicJwk: Record<string, unknown>): string {
  const { header, payload } = decodeJwt(like);
  const pem = createPublicKey({ key: publicJwk, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  });
  const input = `${b64url(JSON.stringify({ ...header, alg: 'HS256' }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
}
