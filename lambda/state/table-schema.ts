import { normalizeEmail } from './store-support.js';

/**
 * The session table's key schema and TTL attribute: the one definition the CDK stack, the
 * DynamoDB Local setup and the store read. The key is the normalised client email today; when it
 * changes (e.g. to client email + owner), it changes here and in `sessionKey` only.
 */
export const SESSION_TABLE = {
  /** String partition key; no sort key. */
  partitionKey: 'clientEmail',
  /** Number attribute, epoch seconds, that DynamoDB TTL reaps by. */
  ttlAttribute: 'expiresAt',
} as const;

/**
 * The primary key of a client's record (as Powertools' `DynamoDBPersistenceLayer.getKey()`), the
 * only place a key is built.
 *
 * @example
 * new GetCommand({ TableName, Key: sessionKey('Ada@Example.com ') }); // { clientEmail: 'ada@example.com' }
 */
export function sessionKey(clientEmail: string): Record<typeof SESSION_TABLE.partitionKey, string> {
  return { [SESSION_TABLE.partitionKey]: normalizeEmail(clientEmail) };
}
