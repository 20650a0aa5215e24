/** The Salesforce client credentials could not be loaded (secret missing, unreadable or malformed). */
class CredentialsUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CredentialsUnavailableError';
  }
}

export { CredentialsUnavailableError };
