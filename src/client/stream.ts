/**
 * Server-streaming calls for `capwire gen` output: generated clients call this,
 * so their code does not depend on where the stream API lives.
 */
import type { CallOptions, Client } from './client.js';

export function serverStream(client: Client, method: string, params: object, options: CallOptions = {}): AsyncIterable<Record<string, unknown>> {
  return client.stream(method, params, options);
}
