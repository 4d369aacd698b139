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
import type { Message } from '../protocol/codec/message.js';
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
    const toMessage = (result: unknown): Message => {
      try {
        return messageFromJson(method.response, result ?? {});
      } catch (error) {
        throw new CapwireError('INTERNAL', `${method.name}: handler returned an invalid ${method.response.fullName}: ${(error as Error).message}`);
      }
    };
    if (method.serverStreaming) {
      wrapped[method.name] = async function* (request, context) {
        for await (const item of handler(messageToJson(method.request, request), context) as AsyncIterable<unknown>) yield toMessage(item);
      };
      continue;
    }
    wrapped[method.name] = async (request, context) => toMessage(await handler(messageToJson(method.request, request), context));
  }
  return { descriptor, handlers: wrapped };
}
