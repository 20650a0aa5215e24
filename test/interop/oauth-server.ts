import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';

/** A confidential OAuth client registered at the issuer. */
export interface OAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * A real OAuth 2 authorization server on 127.0.0.1 (npm `oauth2-mock-server`, one RS256 key) set
 * up the way the reference recommends for Agentforce (§1.4): a client-credentials grant at a token
 * URL, client authentication by HTTP Basic or form body, and a default audience (our MCP URL) put
 * into every token, because Agentforce sends no `resource` or `audience` parameter.
 */
export interface AgentforceLikeIssuer {
  /** The `iss` of every token. */
  readonly url: string;
  readonly jwksUrl: string;
  /** What an Agentforce admin enters as "Identity Provider URL". */
  readonly tokenUrl: string;
  /** Asks the token endpoint for a token exactly as Agentforce does: Basic auth, scope, nothing else. */
  clientCredentialsToken(client: OAuthClient, scope?: string): Promise<TokenAnswer>;
  stop(): Promise<void>;
}

/** The token endpoint's answer: a token, or the HTTP status it refused with. */
export type TokenAnswer =
  | { readonly ok: true; readonly accessToken: string }
  | { readonly ok: false; readonly status: number };

/** A throwaway client whose secret is random per run (printed nowhere). */
export function throwawayClient(clientId: string): OAuthClient {
  return { clientId, clientSecret: randomBytes(18).toString('base64url') };
}

function clientOf(req: IncomingMessage & { body?: Record<string, unknown> }): Partial<OAuthClient> {
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon)),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  }
  const body = req.body ?? {};
  return {
    clientId: typeof body.client_id === 'string' ? body.client_id : undefined,
    clientSecret: typeof body.client_secret === 'string' ? body.client_secret : undefined,
  };
}

/**
 * Starts the issuer on an ephemeral loopback port. Only `clients` get tokens (others get
 * `401 invalid_client`); every token carries `aud` = `audience`, and `client_id` = `sub` = the client.
 *
 * @example
 * const issuer = await startAgentforceLikeIssuer({ audience: 'http://127.0.0.1:3000/mcp', clients: [client] });
 * const answer = await issuer.clientCredentialsToken(client, 'mcp.invoke');
 */
export async function startAgentforceLikeIssuer(options: {
  audience: string;
  clients: readonly OAuthClient[];
}): Promise<AgentforceLikeIssuer> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  const secrets = new Map(options.clients.map((client) => [client.clientId, client.clientSecret]));
  const authenticated = (req: IncomingMessage) => {
    const { clientId, clientSecret } = clientOf(req);
    return clientId !== undefined && secrets.get(clientId) === clientSecret ? clientId : undefined;
  };
  server.service.on('beforeTokenSigning', (token, req) => {
    const clientId = authenticated(req);
    Object.assign(token.payload, { aud: options.audience, client_id: clientId, sub: clientId });
  });
  server.service.on('beforeResponse', (response, req) => {
    if (authenticated(req) !== undefined) return;
    response.statusCode = 401;
    response.body = { error: 'invalid_client' };
  });
  await server.start(0, '127.0.0.1');
  const url = server.issuer.url as string;

  return {
    url,
    jwksUrl: `${url}/jwks`,
    tokenUrl: `${url}/token`,
    async clientCredentialsToken(client, scope) {
      const form = new URLSearchParams({ grant_type: 'client_credentials' });
      if (scope !== undefined) form.set('scope', scope);
      const basic = Buffer.from(
        `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`
      ).toString('base64');
      const response = await fetch(`${url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: form,
      });
      if (!response.ok) {
        await response.body?.cancel();
        return { ok: false, status: response.status };
      }
      const body = (await response.json()) as { access_token: string };
      return { ok: true, accessToken: body.access_token };
    },
    stop: () => server.stop(),
  };
}
