import { defineConfig } from 'prisma/config';
import { useWasmEnginesWhenNoNativeOne } from './engines';

useWasmEnginesWhenNoNativeOne();

export default defineConfig({
  schema: 'postgres.prisma',
  migrations: { path: 'migrations/postgres' },
});
