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

/**
 * A new session was started but its record could not be written, so it was ended again rather
 * than left open upstream where nothing refers to it.
 */
class SessionNotSavedError extends ConversationError {
  constructor(clientEmail: string, options?: ErrorOptions) {
    super('A new agent session could not be saved and was ended', clientEmail, options);
    this.name = 'SessionNotSavedError';
  }
}

export { ConversationError, NoSessionError, SessionNotSavedError };
