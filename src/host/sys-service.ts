/** sys.ping: echoes bytes, so the whole path can be tested without the OS. */
import { builtinSchemas } from '../protocol/schemas.js';
import { describeServices } from '../protocol/services.js';
import type { ServiceImplementation } from './handlers.js';

export function sysService(): ServiceImplementation {
  const descriptor = describeServices(builtinSchemas()).find((service) => service.name === 'capwire.v1.Sys')!;
  return {
    descriptor,
    handlers: {
      'sys.ping': (request) => ({ data: request['data'] }),
    },
  };
}
