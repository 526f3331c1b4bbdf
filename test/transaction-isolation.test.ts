import { createDatabase, databaseTarget, type Database } from '../src/db/client';
import { migrate } from '../src/db/migrate';
import { freshDatabase, type TestDatabase } from './support/databases';

// A refused mutation rolls its transaction back. Writes of other requests that ran meanwhile
// must survive it, and must not see its rows: on PostgreSQL each has its own connection; on
// SQLite they share one, so this holds only because the connection is used by one at a time.
let database: TestDatabase;
let db: Database;
beforeAll(async () => {
  database = await freshDatabase();
  await migrate(database.url);
  db = createDatabase(databaseTarget(database.url, 3));
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const model = (name: string) => ({ name, nameLower: name, createdBy: 'test' });

it('keeps a concurrent write when another transaction rolls back, and hides uncommitted rows from it', async () => {
  const refused = db.prisma.$transaction(async (tx) => {
    await tx.registeredModel.create({ data: model('inside-refused') });
    await sleep(150);
    throw new Error('refused');
  });
  await sleep(30);
  const seenDuring = await db.prisma.registeredModel.count({ where: { name: 'inside-refused' } });
  await db.prisma.registeredModel.create({ data: model('concurrent') });
  await expect(refused).rejects.toThrow('refused');

  expect(seenDuring).toBe(0);
  expect(await db.prisma.registeredModel.count({ where: { name: 'concurrent' } })).toBe(1);
  expect(await db.prisma.registeredModel.count({ where: { name: 'inside-refused' } })).toBe(0);
});
