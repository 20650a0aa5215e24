import type { InboundAuth, Principal } from './types.js';

/** The tenant of `AUTH_MODE=none`: one explicit namespace, which no token can name. */
export const NO_AUTH_TENANT = 'none';

/**
 * The tenant a caller's conversation state belongs to: its own namespace of client emails and its
 * own session cap. The one place an owner is derived. Prefixed by kind, so no token can collide
 * with the no-auth tenant or with another kind: a token with `sub: "anonymous"` or `sub: "none"`
 * is `sub:anonymous` / `sub:none`, never `none`; a client-credentials token (its subject is its
 * client id) is `client:<id>`; any other subject is `sub:<sub>`.
 *
 * @example
 * tenantOf('none', { subject: 'anonymous', scopes: [] });            // 'none'
 * tenantOf('jwt', { subject: 'app-1', clientId: 'app-1', scopes: [] }); // 'client:app-1'
 * tenantOf('jwt', { subject: 'user-7', clientId: 'app-1', scopes: [] }); // 'sub:user-7'
 */
export function tenantOf(mode: InboundAuth['mode'], principal: Principal): string {
  if (mode === 'none') return NO_AUTH_TENANT;
  return principal.subject === principal.clientId
    ? `client:${principal.subject}`
    : `sub:${principal.subject}`;
}
