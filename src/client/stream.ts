/**
 * Server-streaming calls for `capwire gen` output. The client runtime has no
 * stream API yet (it lands with the streams/browser work); until it does,
 * `serverStream` delegates to `client.stream(method, params, options)` when
 * the client has one, and otherwise yields an iterator whose first `next()`
 * rejects (INTERNAL, "not available yet"; CANCELLED when the signal already
 * fired). Generated code calls only this function, so it will not change when
 * streams land.
 */
import { CapwireError } from '../protocol/errors.js';
import type { CallOptions, Client } from './client.js';

type StreamingClient = { stream?: (method: string, params: object, options: CallOptions) => AsyncIterable<Record<string, unknown>> };

export function serverStream(client: Client, method: string, params: object, options: CallOptions = {}): AsyncIterable<Record<string, unknown>> {
  const stream = (client as unknown as StreamingClient).stream;
  if (typeof stream === 'function') return stream.call(client, method, params, options);
  return {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        Promise.reject(
          options.signal?.aborted
            ? new CapwireError('CANCELLED', `${method}: cancelled before it was sent`)
            : new CapwireError('INTERNAL', `${method}: server streaming is not available in this capwire runtime yet`),
        ),
    }),
  };
}
