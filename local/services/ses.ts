import type { AddressInfo } from 'node:net';
import sesModule from 'aws-ses-v2-local';

// A CommonJS module whose default export arrives wrapped under ESM interop.
const sesServer = ((sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule) as unknown as (c: {
  host: string;
  port: number;
}) => Promise<import('node:http').Server>;

/** aws-ses-v2-local: the SES v2 API plus a mailbox page (/) and its JSON store (/store). */
export async function startSes(port = 0) {
  const server = await sesServer({ host: '127.0.0.1', port });
  if (!server.listening) await new Promise((r) => server.once('listening', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    mailbox: `${endpoint}/`,
    close: () =>
      new Promise<void>((res) => {
        server.closeAllConnections?.();
        server.close(() => res());
      }),
  };
}
