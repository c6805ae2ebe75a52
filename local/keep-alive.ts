import type { Server } from 'node:http';

/**
 * Clients reuse idle connections; a server closing them after Node's default 5 s races a reuse into
 * ECONNRESET under load. Every local server keeps them as long as a load balancer in front of an
 * API would (65 s), longer than any client here keeps one idle.
 */
export function keepIdleConnections(server: Server) {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
