/** The connected app's consumer key and secret used for the client-credentials grant. */
export interface SalesforceCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * Port: where client credentials come from (env locally, Secrets Manager on Lambda). Called only on
 * token fetch, so a warm container with a cached token never reads the secret.
 *
 * @example
 * const credentials: CredentialsSource = staticCredentials({ clientId: 'id', clientSecret: 'secret' });
 * const tokens = new TokenProvider({ myDomainUrl, credentials });
 */
export interface CredentialsSource {
  get(signal?: AbortSignal): Promise<SalesforceCredentials>;
}

/** A `CredentialsSource` over fixed values (local runs and tests). */
export function staticCredentials(credentials: SalesforceCredentials): CredentialsSource {
  const frozen = Object.freeze({ ...credentials });
  return { get: async () => frozen };
}
