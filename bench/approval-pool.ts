import type { Db } from '../src/db/client';
import { shuffled } from './dataset';
import type { PoolVersion } from './workloads';

/**
 * Versions the approval bots may move, read before the run: live, READY, and without a pending
 * request (a second one for the same target would be a CONFLICT, not a benchmark). Shuffled so
 * that concurrent flows rarely touch the same model.
 */
export async function approvalPool(prisma: Db, limit = 20_000): Promise<PoolVersion[]> {
  const rows = await prisma.modelVersion.findMany({
    where: { deletedAt: null, status: 'READY', transitionRequests: { none: { status: 'PENDING' } } },
    select: { version: true, stage: true, model: { select: { name: true } } },
    orderBy: { id: 'asc' },
    take: limit,
  });
  return shuffled(
    rows.map((r) => ({ name: r.model.name, version: r.version, stage: r.stage })),
    3,
  );
}
