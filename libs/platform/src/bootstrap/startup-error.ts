/**
 * A start-up failure that is the user's situation, not a bug (another monitor on the data
 * directory, a database or broker that cannot be reached): printed as its one sentence,
 * without a stack, and the process exits non-zero.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
