/**
 * Clients connected to a host inside this process, one session per origin,
 * over memory transports. The caller plays the platform: it vouches for each
 * origin it asks for (CLI batches, tests, tools).
 */
import { Client } from '../client/client.js';
import { createMemoryPair } from '../transport/memory.js';
import type { Host } from './host.js';

export class InProcessClients {
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(private readonly host: Host) {}

  /** The client for `origin`, connecting a new session on first use. */
  clientFor(origin: string): Promise<Client> {
    let client = this.clients.get(origin);
    if (!client) {
      const [pageEnd, hostEnd] = createMemoryPair();
      this.host.accept(hostEnd, { origin });
      client = Client.connect(pageEnd);
      this.clients.set(origin, client);
    }
    return client;
  }

  async closeAll(): Promise<void> {
    for (const client of this.clients.values()) (await client.catch(() => undefined))?.close();
    this.clients.clear();
  }
}
