/** Base class of the conversation use cases' own failures (upstream and store errors pass through unchanged). */
class ConversationError extends Error {
  readonly clientEmail: string;

  constructor(message: string, clientEmail: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConversationError';
    this.clientEmail = clientEmail;
  }
}

/** The client has no open agent session, and the tool does not create one implicitly. */
class NoSessionError extends ConversationError {
  constructor(clientEmail: string) {
    super('No agent session is open for this client', clientEmail);
    this.name = 'NoSessionError';
  }
}

export { ConversationError, NoSessionError };
