import { normalizeEmail } from './store-support.js';

/**
 * The session table's key schema and TTL attribute: the one definition the CDK stack, the
 * DynamoDB Local setup and the store read.
 *
 * One string partition key, no sort key. A client's record lives at `<tenant>#<email>`: each
 * tenant (inbound principal, see `tenantOf`) has its own namespace of client emails, so another
 * tenant's email is simply a key this caller never addresses. Every email is its own partition,
 * so one tenant that is most of the traffic spreads over as many partitions as it has end users.
 * A tenant's live-session roster lives at `<tenant>` alone. The tenant is percent-encoded, so it
 * never contains `#` and neither kind of key can be spelled as the other.
 */
export const SESSION_TABLE = {
  /** String partition key; no sort key. */
  partitionKey: 'stateKey',
  /** Number attribute, epoch seconds, that DynamoDB TTL reaps by. */
  ttlAttribute: 'expiresAt',
} as const;

type Key = Record<typeof SESSION_TABLE.partitionKey, string>;

/**
 * The primary key of a client's record within its tenant (as Powertools'
 * `DynamoDBPersistenceLayer.getKey()`), the only place a record key is built.
 *
 * @example
 * new GetCommand({ TableName, Key: sessionKey('client:abc', 'Ada@Example.com ') });
 * // { stateKey: 'client%3Aabc#ada@example.com' }
 */
export function sessionKey(tenant: string, clientEmail: string): Key {
  return {
    [SESSION_TABLE.partitionKey]: `${encodeURIComponent(tenant)}#${normalizeEmail(clientEmail)}`,
  };
}

/** The primary key of a tenant's live-session roster (the cap's one item per tenant). */
export function tenantKey(tenant: string): Key {
  return { [SESSION_TABLE.partitionKey]: encodeURIComponent(tenant) };
}
