/**
 * What a service reaches: its request/response messages and every message and
 * enum their fields use, transitively. From that closure come the embedded
 * descriptor (the schemas the generated module hands the runtime) and the
 * schema fingerprint (sha256 of a canonical serialization).
 */
import { createHash } from 'node:crypto';
import protobuf from 'protobufjs';
import { CAPABILITY_OPTION, SERVICE_VERSION_OPTION, DEFAULT_SERVICE_VERSION } from '../protocol/services.js';
import { fieldJsonName } from '../protocol/naming.js';

export type Definition = protobuf.Type | protobuf.Enum | protobuf.Service;

export const fullNameOf = (object: protobuf.ReflectionObject): string => object.fullName.replace(/^\./, '');

const byFullName = (a: protobuf.ReflectionObject, b: protobuf.ReflectionObject): number => {
  const x = fullNameOf(a);
  const y = fullNameOf(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Messages and enums reachable from `roots` (the roots included), sorted by full name. */
export function reachableTypes(roots: readonly Definition[]): (protobuf.Type | protobuf.Enum)[] {
  const seen = new Set<protobuf.Type | protobuf.Enum>();
  const visit = (object: protobuf.ReflectionObject | null | undefined): void => {
    if (object instanceof protobuf.Service) {
      for (const method of object.methodsArray) {
        method.resolve();
        visit(method.resolvedRequestType);
        visit(method.resolvedResponseType);
      }
      return;
    }
    if (!(object instanceof protobuf.Type || object instanceof protobuf.Enum) || seen.has(object)) return;
    seen.add(object);
    if (object instanceof protobuf.Type) {
      for (const field of object.fieldsArray) visit(field.resolve().resolvedType);
    }
  };
  for (const root of roots) visit(root);
  return [...seen].sort(byFullName);
}

function setAt(tree: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const part of path.slice(0, -1)) {
    const nested = ((node['nested'] ??= {}) as Record<string, Record<string, unknown>>);
    node = nested[part] ??= {};
  }
  ((node['nested'] ??= {}) as Record<string, unknown>)[path[path.length - 1]!] = value;
}

/** Sorts namespace levels by name; definitions keep protobufjs' own (declaration) order. */
function sortNamespaces(node: Record<string, unknown>): Record<string, unknown> {
  const nested = node['nested'] as Record<string, Record<string, unknown>> | undefined;
  if (!nested) return node;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(nested).sort()) {
    const child = nested[key]!;
    const isNamespace = Object.keys(child).length === 1 && 'nested' in child;
    sorted[key] = isNamespace ? sortNamespaces(child) : child;
  }
  return { nested: sorted };
}

/**
 * A protobufjs JSON descriptor holding the given definitions and everything
 * they reach. A nested type is carried inside its top-level message, whose
 * other nested types are then reached as well.
 */
export function descriptorJson(definitions: readonly Definition[]): Record<string, unknown> {
  const include = new Set<Definition>();
  const pending: Definition[] = [...definitions];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (include.has(next)) continue;
    include.add(next);
    const reached: protobuf.ReflectionObject[] = [...reachableTypes([next])];
    if (next instanceof protobuf.Type) reached.push(...next.nestedArray);
    if (next.parent instanceof protobuf.Type) reached.push(next.parent);
    for (const object of reached) {
      if ((object instanceof protobuf.Type || object instanceof protobuf.Enum || object instanceof protobuf.Service) && !include.has(object)) pending.push(object);
    }
  }
  const tree: Record<string, unknown> = {};
  for (const definition of [...include].sort(byFullName)) {
    if (definition.parent instanceof protobuf.Type) continue; // carried by its parent's JSON
    setAt(tree, fullNameOf(definition).split('.'), definition.toJSON());
  }
  return sortNamespaces(tree);
}

function fieldKind(field: protobuf.Field): string {
  field.resolve();
  return field.resolvedType ? fullNameOf(field.resolvedType) : field.type;
}

/**
 * sha256 hex over a canonical serialization of the service (name, version,
 * methods with types, streaming and capability) and every type it reaches
 * (fields by number with name, JSON name, label, type and oneof; enum values
 * by number). Independent of declaration order, comments and file layout.
 */
export function serviceFingerprint(service: protobuf.Service): string {
  const methods = service.methodsArray
    .map((method) => {
      method.resolve();
      return [
        method.name,
        fullNameOf(method.resolvedRequestType!),
        fullNameOf(method.resolvedResponseType!),
        method.requestStream === true,
        method.responseStream === true,
        String(method.options?.[CAPABILITY_OPTION] ?? ''),
      ];
    })
    .sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  const types = reachableTypes([service]).map((type) => {
    if (type instanceof protobuf.Enum) {
      const values = Object.entries(type.values).sort(([an, a], [bn, b]) => a - b || (an < bn ? -1 : 1));
      return ['enum', fullNameOf(type), values];
    }
    const fields = [...type.fieldsArray]
      .sort((a, b) => a.id - b.id)
      .map((field) => {
        const synthetic = field.options?.['proto3_optional'] === true;
        const label = field.map ? `map<${(field as unknown as protobuf.MapField).keyType}>` : field.repeated ? 'repeated' : synthetic ? 'optional' : 'single';
        return [field.id, field.name, fieldJsonName(field), label, fieldKind(field), field.partOf && !synthetic ? field.partOf.name : ''];
      });
    return ['message', fullNameOf(type), fields];
  });
  const version = service.options?.[SERVICE_VERSION_OPTION] ?? DEFAULT_SERVICE_VERSION;
  const canonical = JSON.stringify(['service', fullNameOf(service), version, methods, types]);
  return createHash('sha256').update(canonical).digest('hex');
}
