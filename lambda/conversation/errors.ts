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
 * create-agent-session started a session but its record was definitely not written (another call
 * took the lease over), so the session was ended again rather than left open upstream where
 * nothing refers to it. No message was sent.
 */
class SessionNotSavedError extends ConversationError {
  constructor(clientEmail: string, options?: ErrorOptions) {
    super('A new agent session could not be saved and was ended', clientEmail, options);
    this.name = 'SessionNotSavedError';
  }
}

/**
 * create-agent-session started a session but the store never said whether its record was
 * written (the write may still land), so the session was kept open. No message was sent.
 */
class SessionSaveUncertainError extends ConversationError {
  constructor(clientEmail: string, options?: ErrorOptions) {
    super('A new agent session was started but may not have been saved', clientEmail, options);
    this.name = 'SessionSaveUncertainError';
  }
}

/**
 * The tool deadline passed while a new session was being started: the session was recorded for
 * the next call, and the message was not sent.
 */
class TurnNotSentError extends ConversationError {
  constructor(clientEmail: string, options?: ErrorOptions) {
    super('The deadline passed before the message could be sent', clientEmail, options);
    this.name = 'TurnNotSentError';
  }
}

export {
  ConversationError,
  NoSessionError,
  SessionNotSavedError,
  SessionSaveUncertainError,
  TurnNotSentError,
};
