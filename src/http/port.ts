import { createServer } from 'node:net';

/**
 * Why the gateway could not listen on host:port, or null when it can. Checked before migrations
 * run and a token is printed, so a busy port is the first and only thing reported.
 */
export function portProblem(port: number, host: string): Promise<string | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(`port ${port} on ${host} is in use; set PORT to a free port (or stop what listens there)`);
      else if (error.code === 'EACCES') resolve(`port ${port} on ${host} needs privileges; set PORT to 1024 or above`);
      else if (error.code === 'EADDRNOTAVAIL') resolve(`HOST ${host} is not an address of this machine; set HOST (0.0.0.0 for all)`);
      else resolve(`cannot listen on ${host}:${port} (${error.code ?? error.message}); check PORT and HOST`);
    });
    probe.listen(port, host, () => probe.close(() => resolve(null)));
  });
}
