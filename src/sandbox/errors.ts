// Failures the sandbox reports, each with a stable code (tests and logs key on it) and the HTTP
// status Statsig would answer with. Over HTTP only `{ status, message }` is sent, as Statsig does.

export type SandboxErrorCode =
  | 'UNAUTHORIZED'
  | 'ROUTE_NOT_FOUND'
  | 'INVALID_BODY'
  | 'INVALID_QUERY'
  | 'TRIGGER_NOT_FOUND'
  | 'GATE_NOT_FOUND'
  | 'DYNAMIC_CONFIG_NOT_FOUND'
  | 'PIPELINE_NOT_FOUND'
  | 'RULE_NOT_FOUND'
  | 'PIPELINE_MISMATCH'
  | 'PIPELINE_HAS_NO_PHASES'
  | 'RELEASE_ALREADY_ACTIVE'
  | 'TRIGGER_FINISHED'
  | 'NOT_WAITING_FOR_REVIEW'
  | 'PHASE_MISMATCH'
  | 'INVALID_TRANSITION'
  | 'UNKNOWN_POSITION';

export class SandboxError extends Error {
  constructor(
    readonly code: SandboxErrorCode,
    readonly status: 400 | 401 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

export function notFound(code: SandboxErrorCode, what: string, id: string): SandboxError {
  return new SandboxError(code, 404, `${what} ${id} not found`);
}
