/** The compiled descriptors of capwire's own protos (envelope and built-in services). */
import { descriptor } from '../generated/descriptor.js';
import { SchemaSet } from './codec/schema.js';

let builtin: SchemaSet | undefined;

/** capwire.v1.* compiled once, on first use. */
export function builtinSchemas(): SchemaSet {
  builtin ??= SchemaSet.fromDescriptor(descriptor);
  return builtin;
}
