import { randomBytes, randomUUID } from 'node:crypto';

/**
 * A UUIDv7-looking id (48-bit epoch-ms prefix, version 7, RFC 4122 variant), the shape recent orgs
 * return as `sessionId` (agent-api.md §2.0). Clients must treat it as opaque.
 *
 * @example
 * uuidV7(); // '019d0aac-dcd0-7368-936c-106bffe75e84'
 */
export function uuidV7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Message, feedback and plan ids are plain v4 UUIDs upstream (§2.0). */
export function messageId(): string {
  return randomUUID();
}

/** 32 lowercase hex characters, the `traceId` of an SSE envelope (§2.3.1). */
export function traceId(): string {
  return randomBytes(16).toString('hex');
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random 18-character Salesforce-style record id with the given 3-character key prefix. */
export function salesforceId(prefix: string): string {
  const bytes = randomBytes(15);
  let body = '';
  for (const byte of bytes) body += ID_ALPHABET[byte % ID_ALPHABET.length];
  return `${prefix}${body}`;
}
