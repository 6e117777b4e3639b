// The dev server's failures, each with a stable code and a message that says what to do.
export class DevServerError extends Error {
  constructor(
    readonly code:
      | 'DEV_SERVER_PORT_IN_USE'
      | 'DEV_SERVER_EXITED'
      | 'DEV_SERVER_TIMEOUT'
      | 'TEMPORAL_MISSING',
    message: string,
  ) {
    super(message);
    this.name = 'DevServerError';
  }
}
