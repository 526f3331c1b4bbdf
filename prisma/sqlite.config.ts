import { defineConfig } from 'prisma/config';
import { useWasmEnginesWhenNoNativeOne } from './engines';

useWasmEnginesWhenNoNativeOne();

export default defineConfig({
  schema: 'sqlite.prisma',
  migrations: { path: 'migrations/sqlite' },
});
