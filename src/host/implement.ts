/**
 * Glue used by `capwire gen` output on the host side: handlers written against
 * the generated proto3 JSON interfaces become a ServiceImplementation. The
 * session has already decoded (strictly) and checked the capability; this
 * converts the decoded request to proto3 JSON and the handler's JSON answer
 * back, strictly, so a handler returning a wrong shape fails as INTERNAL
 * instead of sending garbage.
 */
import { messageFromJson, messageToJson } from '../protocol/codec/json.js';
import { CapwireError } from '../protocol/errors.js';
import type { ServiceDescriptor } from '../protocol/services.js';
import type { CallContext, Handler, ServiceImplementation } from './handlers.js';

/** A handler over proto3 JSON: the generated interfaces narrow `request` and the result. */
export type JsonHandler = (request: unknown, context: CallContext) => unknown;

/** Wraps JSON handlers, keyed by call name ("notes.write"), for the Host. */
export function implementService(descriptor: ServiceDescriptor, handlers: Readonly<Record<string, JsonHandler>>): ServiceImplementation {
  const wrapped: Record<string, Handler> = {};
  for (const method of descriptor.methods) {
    const handler = handlers[method.name];
    if (!handler) throw new CapwireError('INVALID_ARGUMENT', `${method.name}: service ${descriptor.name} has no handler for it`);
    if (method.serverStreaming) {
      // Placeholder until the runtime carries streams: the method exists (so old
      // pages do not see UNKNOWN_METHOD) but answers that streaming is not available.
      wrapped[method.name] = () => {
        throw new CapwireError('INTERNAL', `${method.name}: server streaming is not available in this capwire runtime yet`);
      };
      continue;
    }
    wrapped[method.name] = async (request, context) => {
      const result = await handler(messageToJson(method.request, request), context);
      try {
        return messageFromJson(method.response, result ?? {});
      } catch (error) {
        throw new CapwireError('INTERNAL', `${method.name}: handler returned an invalid ${method.response.fullName}: ${(error as Error).message}`);
      }
    };
  }
  return { descriptor, handlers: wrapped };
}
