/**
 * Salesforce Agentforce Agent API client: OAuth client-credentials tokens (`TokenProvider`), the
 * Agent API (`AgentforceClient`), typed messages and errors.
 */
export type {
  AgentforceClientOptions,
  AgentTurn,
  EndSessionReason,
  SendMessageInput,
  StreamEvent,
  StreamMessageInput,
  TokenSource,
} from './client.js';
export { AgentforceClient } from './client.js';
export type { CredentialsSource, SalesforceCredentials } from './credentials.js';
export { staticCredentials } from './credentials.js';
export * from './errors.js';
export type { RetryPolicy } from './retry.js';
export { DEFAULT_RETRY_POLICY } from './retry.js';
export type {
  AgentMessage,
  AgentMessageType,
  AgentVariable,
  ConfirmMessage,
  EndOfTurnMessage,
  ErrorMessage,
  EscalateMessage,
  FailureMessage,
  InformMessage,
  InquireMessage,
  ProgressIndicatorMessage,
  SessionEndedMessage,
  TextChunkMessage,
  UnknownMessage,
  ValidationFailureChunkMessage,
} from './schemas.js';
export { agentMessageSchema } from './schemas.js';
export type { SseFrame } from './sse.js';
export { readSseFrames, SseParser } from './sse.js';
export type { AccessToken, TokenProviderOptions } from './token-provider.js';
export { TokenProvider, tokenExpiresAt } from './token-provider.js';
export { ESCALATION_NOTE, turnText } from './turn-text.js';
export { DEFAULT_API_URL, normalizeApiUrl, normalizeMyDomainUrl } from './urls.js';
