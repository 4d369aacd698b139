/**
 * Service descriptors: which methods exist, their request/response types and
 * the capability each one needs, read from the protos' options. One table for
 * the host's dispatch, the client's encoding and the generator.
 */
import protobuf from 'protobufjs/light.js';
import type { MessageInfo, SchemaSet } from './codec/schema.js';
import { CapwireError } from './errors.js';
import { methodName } from './naming.js';

export const CAPABILITY_OPTION = '(capwire.v1.capability)';
export const SERVICE_VERSION_OPTION = '(capwire.v1.service_version)';
export const DEFAULT_SERVICE_VERSION = '1.0.0';

export interface MethodDescriptor {
  /** What pages call: "fs.readFile". */
  readonly name: string;
  /** Fully-qualified service: "capwire.v1.Fs". */
  readonly service: string;
  readonly capability: string;
  readonly request: MessageInfo;
  readonly response: MessageInfo;
  readonly serverStreaming: boolean;
}

export interface ServiceDescriptor {
  readonly name: string;
  readonly version: string;
  readonly methods: readonly MethodDescriptor[];
  /** sha256 hex of the service's canonical schema (set by `capwire gen` output); sent in the Welcome. */
  readonly fingerprint?: string;
}

function* servicesIn(namespace: protobuf.NamespaceBase): Generator<protobuf.Service> {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Service) yield nested;
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type || nested instanceof protobuf.Service) {
      yield* servicesIn(nested as protobuf.NamespaceBase);
    }
  }
}

/** Every service in a schema set. A method without a capability is an error: nothing is allowed by default. */
export function describeServices(schemas: SchemaSet): ServiceDescriptor[] {
  const services: ServiceDescriptor[] = [];
  for (const service of servicesIn(schemas.root)) {
    const serviceName = service.fullName.replace(/^\./, '');
    const methods = service.methodsArray.map((method): MethodDescriptor => {
      const capability = method.options?.[CAPABILITY_OPTION];
      if (typeof capability !== 'string' || capability.length === 0) {
        throw new CapwireError(
          'INVALID_ARGUMENT',
          `${serviceName}.${method.name}: method has no capability (add option (capwire.v1.capability) = "..."; there is no allow-by-default)`,
        );
      }
      method.resolve();
      return {
        name: methodName(service.name, method.name),
        service: serviceName,
        capability,
        request: schemas.message(method.resolvedRequestType!.fullName.replace(/^\./, '')),
        response: schemas.message(method.resolvedResponseType!.fullName.replace(/^\./, '')),
        serverStreaming: method.responseStream === true,
      };
    });
    const version = service.options?.[SERVICE_VERSION_OPTION];
    services.push({ name: serviceName, version: typeof version === 'string' ? version : DEFAULT_SERVICE_VERSION, methods });
  }
  return services.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Methods by the name pages call. */
export function methodTable(services: readonly ServiceDescriptor[]): Map<string, MethodDescriptor> {
  const table = new Map<string, MethodDescriptor>();
  for (const service of services) {
    for (const method of service.methods) {
      if (table.has(method.name)) throw new CapwireError('INVALID_ARGUMENT', `${method.name}: defined by two services`);
      table.set(method.name, method);
    }
  }
  return table;
}

/** One service of a schema set, by fully-qualified name; generated bindings attach their fingerprint. */
export function serviceDescriptor(schemas: SchemaSet, fullName: string, fingerprint?: string): ServiceDescriptor {
  const found = describeServices(schemas).find((service) => service.name === fullName);
  if (!found) throw new CapwireError('INVALID_ARGUMENT', `${fullName}: no such service in these schemas`);
  return fingerprint === undefined ? found : { ...found, fingerprint };
}
