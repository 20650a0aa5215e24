/** The Salesforce client credentials could not be loaded (secret missing, unreadable or malformed). */
class CredentialsUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CredentialsUnavailableError';
  }
}

/**
 * The secret still holds the placeholder the stack created: nobody has run `put-secret-value`
 * yet. Retrying cannot help; an operator must store the credentials.
 */
class CredentialsNotSetError extends CredentialsUnavailableError {
  /** The secret to write (for the operator's log line, not for callers). */
  readonly secretArn: string;

  constructor(secretArn: string) {
    super(
      `The Salesforce credentials secret still holds the stack's placeholder; run aws secretsmanager put-secret-value --secret-id ${secretArn}`
    );
    this.name = 'CredentialsNotSetError';
    this.secretArn = secretArn;
  }
}

export { CredentialsNotSetError, CredentialsUnavailableError };
