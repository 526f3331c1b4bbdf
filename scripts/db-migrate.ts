// npm run db:migrate: applies the committed migrations to DATABASE_URL (the server does too, at start).
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';

migrate(loadConfig().database.url).then(
  (applied) => {
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    process.exit(0);
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
