import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { createDatabase } from './db/client';
import { migrate } from './db/migrate';
import { createGateway } from './http/app';
import { createLogger } from './http/logger';
import { bootstrapAdmin } from './services/bootstrap.service';

/** Composition root: config -> migrations -> database -> bootstrap -> server; clean shutdown. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`modelgate: configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const applied = await migrate(config.database.url);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const db = createDatabase(config.database);
  const admin = await bootstrapAdmin(db, config.bootstrapAdminToken);
  if (admin.created && admin.generatedToken) {
    // Printed once, on the console only: the database keeps just its hash.
    process.stdout.write(
      `\nmodelgate: created API key "${admin.name}" with role ADMIN. Its token, shown only this once:\n\n  ${admin.generatedToken}\n\n`,
    );
  }
  const gateway = await createGateway(config, db, logger);
  const port = await gateway.listen(config.port, config.host);
  logger.info({ port, database: db.provider }, `modelgate listening on http://localhost:${port}/graphql`);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'draining in-flight requests');
    const force = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    gateway.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  console.error('modelgate: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
