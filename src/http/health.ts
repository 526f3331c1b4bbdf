import type { Router } from 'express';
import { Router as createRouter } from 'express';
import type { Database } from '../db/client';
import { migrationList } from '../db/schema-engine';

/** /healthz: the process answers. /readyz: the database answers and every migration is applied. */
export function healthRouter(db: Database): Router {
  const router = createRouter();
  const expected = migrationList(db.provider).migrationDirectories.map((m) => m.path);
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      const rows = await db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      const applied = new Set(rows.map((r) => r.migration_name));
      const missing = expected.filter((name) => !applied.has(name));
      if (missing.length) {
        res.status(503).json({ status: 'migrations pending', pending: missing });
        return;
      }
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unreachable' });
    }
  });
  return router;
}
