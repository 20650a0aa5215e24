import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

/** A JWKS is a few KB; anything this large is not one and is not worth buffering. */
const MAX_JWKS_BYTES = 512 * 1024;
/** Well under the tool deadline, so an unreachable issuer costs one quick 503, not a timeout. */
const FETCH_TIMEOUT_MS = 3_000;

async function fetchOnce(uri: string): Promise<ArrayBuffer> {
  let response: Response;
  try {
    response = await fetch(uri, {
      redirect: 'error',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (err) {
    throw new FetchError(uri, (err as Error).message);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
  }
  const body = await response.arrayBuffer();
  if (body.byteLength > MAX_JWKS_BYTES) {
    throw new NonRetryableFetchError(uri, `Response is larger than ${MAX_JWKS_BYTES} bytes`);
  }
  return body;
}

/**
 * Fetches a JWKS with the platform `fetch`. Unlike the library's default (node `https` only) it
 * also reaches `http://localhost` issuers, which the config allows for local runs and tests.
 * A network failure is retried once at once; an HTTP error status is not.
 */
export const jwksFetcher: Fetcher = {
  async fetch(uri) {
    try {
      return await fetchOnce(uri);
    } catch (err) {
      if (err instanceof NonRetryableFetchError) throw err;
      return fetchOnce(uri);
    }
  },
};

/**
 * The JWKS cache every {@link createInboundAuth} instance shares by default: module scope, so a
 * warm container fetches each issuer's keys once and again only for an unknown `kid`.
 */
export const sharedJwksCache = new SimpleJwksCache({ fetcher: jwksFetcher });
