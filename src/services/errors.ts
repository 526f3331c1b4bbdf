import { alreadyExists } from '../domain/errors';

/** Prisma's unique-constraint error: a name that exists, or a race to create it. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === 'P2002';
}

/** Runs fn and turns a unique-constraint error into ALREADY_EXISTS. */
export async function uniquely<T>(fn: () => Promise<T>, message: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyExists(message);
    throw error;
  }
}
