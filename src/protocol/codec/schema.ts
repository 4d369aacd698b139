/**
 * Compiles protobufjs reflection types into the plain descriptors the strict
 * codecs walk. protobufjs' own encoders are generated with `new Function`,
 * which a page under a strict CSP cannot run, and its fromObject coerces
 * ("six" -> 0), so capwire walks these descriptors instead.
 */
import protobuf from 'protobufjs/light.js';
import { fieldJsonName } from '../naming.js';

export type ScalarKind =
  | 'double' | 'float' | 'int32' | 'uint32' | 'sint32' | 'fixed32' | 'sfixed32'
  | 'int64' | 'uint64' | 'sint64' | 'fixed64' | 'sfixed64' | 'bool' | 'string' | 'bytes';

const SCALARS: ReadonlySet<string> = new Set<ScalarKind>([
  'double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32',
  'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool', 'string', 'bytes',
]);

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

export interface EnumInfo {
  readonly fullName: string;
  readonly byName: ReadonlyMap<string, number>;
  readonly byNumber: ReadonlyMap<number, string>;
}

/** What one field holds: a scalar, an enum or a nested message. */
export type ValueInfo =
  | { readonly kind: 'scalar'; readonly scalar: ScalarKind }
  | { readonly kind: 'enum'; readonly enumInfo: EnumInfo }
  | { readonly kind: 'message'; readonly message: () => MessageInfo };

export interface FieldInfo {
  readonly number: number;
  readonly protoName: string;
  readonly jsonName: string;
  /** single: proto3 implicit presence; optional: explicit presence. */
  readonly label: 'single' | 'optional' | 'repeated' | 'map';
  readonly value: ValueInfo;
  /** Key type of a map field. */
  readonly mapKey?: ScalarKind;
  /** Name of the (non-synthetic) oneof this field belongs to. */
  readonly oneof?: string;
}

export interface MessageInfo {
  readonly fullName: string;
  readonly fields: readonly FieldInfo[];
  readonly byNumber: ReadonlyMap<number, FieldInfo>;
  /** Accepts both the JSON name and the proto name, as proto3 JSON parsers must. */
  readonly byJsonKey: ReadonlyMap<string, FieldInfo>;
  readonly oneofs: ReadonlyMap<string, readonly FieldInfo[]>;
}

/** The wire type a non-packed value of this kind is written with. */
export function wireTypeOf(value: ValueInfo): number {
  if (value.kind === 'message') return WIRE_LENGTH;
  if (value.kind === 'enum') return WIRE_VARINT;
  switch (value.scalar) {
    case 'double': case 'fixed64': case 'sfixed64': return WIRE_FIXED64;
    case 'float': case 'fixed32': case 'sfixed32': return WIRE_FIXED32;
    case 'string': case 'bytes': return WIRE_LENGTH;
    default: return WIRE_VARINT;
  }
}

/** A set of compiled message and enum descriptors, built from one protobufjs Root. */
export class SchemaSet {
  readonly root: protobuf.Root;
  private readonly messages = new Map<string, MessageInfo>();
  private readonly enums = new Map<string, EnumInfo>();

  constructor(root: protobuf.Root) {
    this.root = root;
    root.resolveAll();
  }

  static fromDescriptor(descriptor: Record<string, unknown>): SchemaSet {
    return new SchemaSet(protobuf.Root.fromJSON(descriptor as protobuf.INamespace));
  }

  /** The compiled descriptor of a message, by fully-qualified name. */
  message(fullName: string): MessageInfo {
    const cached = this.messages.get(fullName);
    if (cached) return cached;
    const type = this.root.lookupType(fullName);
    return this.compileMessage(type);
  }

  private compileMessage(type: protobuf.Type): MessageInfo {
    const fullName = type.fullName.replace(/^\./, '');
    const cached = this.messages.get(fullName);
    if (cached) return cached;
    const fields: FieldInfo[] = [];
    const byNumber = new Map<number, FieldInfo>();
    const byJsonKey = new Map<string, FieldInfo>();
    const oneofs = new Map<string, FieldInfo[]>();
    const info: MessageInfo = { fullName, fields, byNumber, byJsonKey, oneofs };
    this.messages.set(fullName, info);
    for (const field of type.fieldsArray) {
      const compiled = this.compileField(field);
      fields.push(compiled);
      byNumber.set(compiled.number, compiled);
      byJsonKey.set(compiled.jsonName, compiled);
      byJsonKey.set(compiled.protoName, compiled);
      if (compiled.oneof !== undefined) {
        const members = oneofs.get(compiled.oneof) ?? [];
        members.push(compiled);
        oneofs.set(compiled.oneof, members);
      }
    }
    fields.sort((a, b) => a.number - b.number);
    return info;
  }

  private compileField(field: protobuf.Field): FieldInfo {
    const explicitPresence = field.options?.['proto3_optional'] === true;
    const oneof = field.partOf && !explicitPresence ? field.partOf.name : undefined;
    const label = field.map ? 'map' : field.repeated ? 'repeated' : explicitPresence ? 'optional' : 'single';
    const mapKey = field.map ? ((field as unknown as protobuf.MapField).keyType as ScalarKind) : undefined;
    return {
      number: field.id,
      protoName: field.name,
      jsonName: fieldJsonName(field),
      label,
      value: this.compileValue(field),
      ...(mapKey !== undefined ? { mapKey } : {}),
      ...(oneof !== undefined ? { oneof } : {}),
    };
  }

  private compileValue(field: protobuf.Field): ValueInfo {
    if (SCALARS.has(field.type)) return { kind: 'scalar', scalar: field.type as ScalarKind };
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) return { kind: 'enum', enumInfo: this.compileEnum(resolved) };
    if (resolved instanceof protobuf.Type) {
      const type = resolved;
      // Resolved on first use (types may refer to each other), then remembered.
      let compiled: MessageInfo | undefined;
      return { kind: 'message', message: () => (compiled ??= this.compileMessage(type)) };
    }
    throw new Error(`${field.fullName}: unresolved type ${field.type}`);
  }

  private compileEnum(type: protobuf.Enum): EnumInfo {
    const fullName = type.fullName.replace(/^\./, '');
    const cached = this.enums.get(fullName);
    if (cached) return cached;
    const byName = new Map(Object.entries(type.values));
    const byNumber = new Map<number, string>();
    for (const [name, number] of byName) if (!byNumber.has(number)) byNumber.set(number, name);
    const info = { fullName, byName, byNumber };
    this.enums.set(fullName, info);
    return info;
  }
}
