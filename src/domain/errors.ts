/** Every failure a caller can act on: one code, mapped to GraphQL once (graphql/errors.ts). */
export type ErrorCode =
  'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'CONFLICT' | 'POLICY_VIOLATION';

export interface Violation {
  rule: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Machine-readable details, sent as `extensions` beside the code. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) => new DomainError('BAD_USER_INPUT', message, details);
export const notFound = (message: string) => new DomainError('NOT_FOUND', message);
export const alreadyExists = (message: string) => new DomainError('ALREADY_EXISTS', message);
export const conflict = (message: string, details?: Record<string, unknown>) => new DomainError('CONFLICT', message, details);
export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);
export const unauthenticated = (message: string) => new DomainError('UNAUTHENTICATED', message);
export const policyViolation = (violations: Violation[]) =>
  new DomainError('POLICY_VIOLATION', violations.map((v) => v.message).join('; '), { violations });
