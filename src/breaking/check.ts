/**
 * capwire breaking as a pure comparison: two loaded proto trees (OLD and NEW)
 * in, a sorted list of breaks out. Rules and names follow `buf breaking`'s
 * WIRE_JSON category (elements matched by full name; fields and enum values by
 * number), plus capwire's bridge rules, stricter on purpose:
 *   SERVICE_NO_DELETE, RPC_NO_DELETE  a deleted or renamed service or method is
 *                                     UNKNOWN_METHOD for pages built on OLD
 *   CAPABILITY_CHANGED                existing grants would stop or start applying
 */
import protobuf from 'protobufjs';
import { jsonName } from '../protocol/naming.js';
import type { ProtoTree } from '../protocol/proto-loader.js';
import { CAPABILITY_OPTION } from '../protocol/services.js';
import type { FilePositions, Position } from './positions.js';

export interface Break {
  /** Relative to the directory given for its side (NEW, or OLD for deletions). */
  readonly path: string;
  readonly line: number;
  readonly col: number;
  readonly rule: string;
  readonly message: string;
}

/** A loaded side: the tree plus the positions of each input file, by relative path. */
export interface Side {
  readonly tree: ProtoTree;
  readonly positions: ReadonlyMap<string, FilePositions>;
}

/** Rules that are capwire's own (buf's WIRE_JSON allows these changes). */
export const BRIDGE_RULES: readonly string[] = ['SERVICE_NO_DELETE', 'RPC_NO_DELETE', 'CAPABILITY_CHANGED'];

const WIRE_JSON_COMPATIBLE: readonly (readonly string[])[] = [
  ['int32', 'uint32'],
  ['int64', 'uint64'],
  ['fixed32', 'sfixed32'],
  ['fixed64', 'sfixed64'],
];

type Located = { readonly path: string; readonly positions: FilePositions | undefined };

interface Definitions {
  readonly messages: Map<string, protobuf.Type>;
  readonly enums: Map<string, protobuf.Enum>;
  readonly services: Map<string, protobuf.Service>;
  readonly fileOf: Map<protobuf.ReflectionObject, Located>;
}

const fullNameOf = (object: protobuf.ReflectionObject): string => object.fullName.replace(/^\./, '');

function collect(side: Side): Definitions {
  const inputs = new Map(side.tree.files.filter((file) => file.input).map((file) => [file.filename, file.path]));
  const defs: Definitions = { messages: new Map(), enums: new Map(), services: new Map(), fileOf: new Map() };
  const walk = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      const path = nested.filename ? inputs.get(nested.filename) : undefined;
      if (path !== undefined) {
        const located = { path, positions: side.positions.get(path) };
        if (nested instanceof protobuf.Type) defs.messages.set(fullNameOf(nested), nested);
        else if (nested instanceof protobuf.Enum) defs.enums.set(fullNameOf(nested), nested);
        else if (nested instanceof protobuf.Service) defs.services.set(fullNameOf(nested), nested);
        defs.fileOf.set(nested, located);
      }
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
    }
  };
  walk(side.tree.schemas.root);
  return defs;
}

/** The resolved `json_format` feature (editions; proto2 is LEGACY_BEST_EFFORT, proto3 ALLOW). */
function jsonFormat(definition: protobuf.Type | protobuf.Enum): string {
  return (definition as unknown as { _features?: { json_format?: string } })._features?.json_format ?? 'ALLOW';
}

/** Breaks only when JSON support is lost (ALLOW -> LEGACY_BEST_EFFORT), as buf does. */
function jsonFormatLost(before: protobuf.Type | protobuf.Enum, after: protobuf.Type | protobuf.Enum): boolean {
  return jsonFormat(before) === 'ALLOW' && jsonFormat(after) !== 'ALLOW';
}

function isSyntheticOptional(field: protobuf.Field): boolean {
  return field.options?.['proto3_optional'] === true;
}

function oneofOf(field: protobuf.Field): string | undefined {
  return field.partOf && !isSyntheticOptional(field) ? field.partOf.name : undefined;
}

function cardinality(field: protobuf.Field): string {
  if (field.map) return 'map';
  if (field.repeated) return 'repeated';
  if (field.required) return 'required';
  return isSyntheticOptional(field) || field.partOf || field.resolvedType instanceof protobuf.Type ? 'optional with explicit presence' : 'optional with implicit presence';
}

const sameCardinalityGroup = (a: string, b: string): boolean => a === b || (a.startsWith('optional') && b.startsWith('optional'));

function valueTypeName(field: protobuf.Field): string {
  field.resolve();
  return field.resolvedType ? fullNameOf(field.resolvedType) : field.type;
}

const compatibleScalars = (a: string, b: string): boolean => a === b || WIRE_JSON_COMPATIBLE.some((group) => group.includes(a) && group.includes(b));

function effectiveJsonName(field: protobuf.Field): string {
  const explicit = field.options?.['json_name'];
  return typeof explicit === 'string' ? explicit : jsonName(field.name);
}

function isReservedNumber(reserved: protobuf.Type['reserved'] | undefined, number: number): boolean {
  return (reserved ?? []).some((entry) => Array.isArray(entry) && number >= entry[0]! && number <= entry[1]!);
}

function isReservedName(reserved: protobuf.Type['reserved'] | undefined, name: string): boolean {
  return (reserved ?? []).some((entry) => entry === name);
}

function rangeText(range: number[]): string {
  return range[0] === range[1] ? `[${range[0]}]` : `[${range[0]},${range[1]}]`;
}

/** Reserved ranges and names of OLD that NEW no longer reserves. */
function missingReserved(oldReserved: protobuf.Type['reserved'] | undefined, newReserved: protobuf.Type['reserved'] | undefined): string[] {
  const out: string[] = [];
  for (const entry of oldReserved ?? []) {
    if (typeof entry === 'string') {
      if (!isReservedName(newReserved, entry)) out.push(`reserved name "${entry}"`);
      continue;
    }
    const [from, to] = entry as number[];
    // Ranges can be huge (to max); walk the uncovered pieces, not every number.
    const missing: number[] = [];
    let n = from!;
    while (n <= to!) {
      const cover = (newReserved ?? []).find((r) => Array.isArray(r) && n >= r[0]! && n <= r[1]!) as number[] | undefined;
      if (cover) {
        n = cover[1]! + 1;
        continue;
      }
      missing.push(n);
      if (missing.length > 10) break;
      n++;
    }
    if (missing.length) out.push(`reserved range "${rangeText(entry as number[])}" (${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''} no longer reserved)`);
  }
  return out;
}

type Report = (where: Located | undefined, at: Position | undefined, rule: string, message: string) => void;

/** FILE_SAME_PACKAGE: a file at the same path keeps its package. */
function checkFiles(oldSide: Side, newSide: Side, report: Report): void {
  const newPackages = new Map<string, string>();
  for (const [path, positions] of newSide.positions) newPackages.set(path, positions.packageName);
  for (const [path, positions] of oldSide.positions) {
    const now = newPackages.get(path);
    if (now !== undefined && now !== positions.packageName) {
      report({ path, positions: newSide.positions.get(path) }, newSide.positions.get(path)?.package, 'FILE_SAME_PACKAGE', `File "${path}" changed package from "${positions.packageName}" to "${now}".`);
    }
  }
}

/** One field matched by number (or deleted). */
function checkField(name: string, newType: protobuf.Type, oldField: protobuf.Field, newField: protobuf.Field | undefined, oldAt: Located | undefined, newAt: Located | undefined, report: Report): void {
  const fieldPos = (at: Located | undefined, number: number) => at?.positions?.fields.get(`${name}#${number}`);
  const label = `Field "${oldField.id}" with name "${oldField.name}" on message "${newType.name}"`;
  if (!newField) {
    const at = fieldPos(oldAt, oldField.id)?.start;
    if (!isReservedName(newType.reserved, oldField.name)) {
      report(oldAt, at, 'FIELD_NO_DELETE_UNLESS_NAME_RESERVED', `Previously present field "${oldField.id}" with name "${oldField.name}" on message "${newType.name}" was deleted without reserving the name "${oldField.name}".`);
    }
    if (!isReservedNumber(newType.reserved, oldField.id)) {
      report(oldAt, at, 'FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED', `Previously present field "${oldField.id}" with name "${oldField.name}" on message "${newType.name}" was deleted without reserving the number "${oldField.id}".`);
    }
    return;
  }
  const at = fieldPos(newAt, newField.id);
  if (oldField.name !== newField.name) {
    report(newAt, at?.name, 'FIELD_SAME_NAME', `Field "${oldField.id}" on message "${newType.name}" changed name from "${oldField.name}" to "${newField.name}".`);
  }
  if (effectiveJsonName(oldField) !== effectiveJsonName(newField)) {
    report(newAt, at?.options.get('json_name') ?? at?.start, 'FIELD_SAME_JSON_NAME', `${label} changed its JSON name from "${effectiveJsonName(oldField)}" to "${effectiveJsonName(newField)}".`);
  }
  const oldOneof = oneofOf(oldField);
  const newOneof = oneofOf(newField);
  if (oldOneof !== newOneof) {
    const move = oldOneof === undefined ? 'moved from outside to inside a oneof' : newOneof === undefined ? 'moved from inside to outside a oneof' : `moved from oneof "${oldOneof}" to oneof "${newOneof}"`;
    report(newAt, at?.start, 'FIELD_SAME_ONEOF', `${label} ${move}.`);
  }
  const oldCardinality = cardinality(oldField);
  const newCardinality = cardinality(newField);
  if (!sameCardinalityGroup(oldCardinality, newCardinality)) {
    report(newAt, at?.start, 'FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY', `${label} changed cardinality from "${oldCardinality}" to "${newCardinality}".`);
  }
  const typeBreak = ((): string | undefined => {
    if (oldField.map !== newField.map) return `changed type from ${oldField.map ? 'a map' : `"${valueTypeName(oldField)}"`} to ${newField.map ? 'a map' : `"${valueTypeName(newField)}"`}`;
    if (oldField.map) {
      const oldKey = (oldField as unknown as protobuf.MapField).keyType;
      const newKey = (newField as unknown as protobuf.MapField).keyType;
      if (oldKey !== newKey) return `changed map key type from "${oldKey}" to "${newKey}"`;
    }
    const oldValue = valueTypeName(oldField);
    const newValue = valueTypeName(newField);
    const scalar = !oldField.resolvedType && !newField.resolvedType;
    if (scalar ? !compatibleScalars(oldValue, newValue) : oldValue !== newValue) return `changed ${oldField.map ? 'map value ' : ''}type from "${oldValue}" to "${newValue}"`;
    return undefined;
  })();
  if (typeBreak) report(newAt, at?.type, 'FIELD_WIRE_JSON_COMPATIBLE_TYPE', `${label} ${typeBreak} (not wire and JSON compatible).`);
  const oldDefault = oldField.options?.['default'];
  const newDefault = newField.options?.['default'];
  if ((oldDefault !== undefined || newDefault !== undefined) && String(oldDefault) !== String(newDefault)) {
    report(newAt, at?.options.get('default') ?? at?.start, 'FIELD_SAME_DEFAULT', `${label} changed default value from "${String(oldDefault ?? '')}" to "${String(newDefault ?? '')}".`);
  }
}

/** A message present in both trees: its fields, required set, JSON format and reserved ranges/names. */
function checkMessage(name: string, oldType: protobuf.Type, newType: protobuf.Type, oldAt: Located | undefined, newAt: Located | undefined, report: Report): void {
  for (const oldField of oldType.fieldsArray) checkField(name, newType, oldField, newType.fieldsById[oldField.id], oldAt, newAt, report);
  const oldRequired = oldType.fieldsArray.filter((field) => field.required).map((field) => field.id);
  const newRequired = newType.fieldsArray.filter((field) => field.required).map((field) => field.id);
  if (oldRequired.join(',') !== newRequired.join(',')) {
    report(newAt, newAt?.positions?.definitions.get(name), 'MESSAGE_SAME_REQUIRED_FIELDS', `Message "${newType.name}" changed its required fields from [${oldRequired.join(',')}] to [${newRequired.join(',')}].`);
  }
  if (jsonFormatLost(oldType, newType)) {
    const at = newAt?.positions?.definitionOptions.get(`${name}#features.json_format`) ?? newAt?.positions?.definitions.get(name);
    report(newAt, at, 'MESSAGE_SAME_JSON_FORMAT', `Message "${newType.name}" JSON format support changed from ${jsonFormat(oldType)} to ${jsonFormat(newType)}.`);
  }
  for (const missing of missingReserved(oldType.reserved, newType.reserved)) {
    report(newAt, newAt?.positions?.definitions.get(name), 'RESERVED_MESSAGE_NO_DELETE', `Previously present ${missing} on message "${newType.name}" was deleted.`);
  }
}

/** An enum present in both trees: its values by number, JSON format and reserved ranges/names. */
function checkEnum(name: string, oldEnum: protobuf.Enum, newEnum: protobuf.Enum, oldAt: Located | undefined, newAt: Located | undefined, report: Report): void {
  const namesByNumber = (type: protobuf.Enum): Map<number, string[]> => {
    const map = new Map<number, string[]>();
    for (const [valueName, number] of Object.entries(type.values)) map.set(number, [...(map.get(number) ?? []), valueName]);
    return map;
  };
  const oldValues = namesByNumber(oldEnum);
  const newValues = namesByNumber(newEnum);
  for (const [number, oldNames] of oldValues) {
    const newNames = newValues.get(number);
    if (!newNames) {
      const at = oldAt?.positions?.enumValues.get(`${name}#${oldNames[0]}`)?.start;
      if (!oldNames.some((valueName) => isReservedName(newEnum.reserved, valueName))) {
        report(oldAt, at, 'ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED', `Previously present enum value "${number}" on enum "${newEnum.name}" was deleted without reserving the name "${oldNames[0]}".`);
      }
      if (!isReservedNumber(newEnum.reserved, number)) {
        report(oldAt, at, 'ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED', `Previously present enum value "${number}" on enum "${newEnum.name}" was deleted without reserving the number "${number}".`);
      }
      continue;
    }
    // Adding an alias keeps every old name parseable; losing a name does not.
    if (oldNames.some((valueName) => !newNames.includes(valueName))) {
      // One finding per value now carrying the number (aliases included), at its number, as buf reports it.
      const plural = oldNames.length > 1 && newNames.length > 1 ? 's' : '';
      for (const valueName of newNames) {
        const at = newAt?.positions?.enumValues.get(`${name}#${valueName}`)?.number;
        report(newAt, at, 'ENUM_VALUE_SAME_NAME', `Enum value "${number}" on enum "${newEnum.name}" changed name${plural} from "${[...oldNames].sort().join('", "')}" to "${[...newNames].sort().join('", "')}".`);
      }
    }
  }
  if (jsonFormatLost(oldEnum, newEnum)) {
    const at = newAt?.positions?.definitionOptions.get(`${name}#features.json_format`) ?? newAt?.positions?.definitions.get(name);
    report(newAt, at, 'ENUM_SAME_JSON_FORMAT', `Enum "${newEnum.name}" JSON format support changed from ${jsonFormat(oldEnum)} to ${jsonFormat(newEnum)}.`);
  }
  for (const missing of missingReserved(oldEnum.reserved, newEnum.reserved)) {
    report(newAt, newAt?.positions?.definitions.get(name), 'RESERVED_ENUM_NO_DELETE', `Previously present ${missing} on enum "${newEnum.name}" was deleted.`);
  }
}

/** An rpc present in both versions of a service. */
function checkRpc(key: string, newService: protobuf.Service, oldMethod: protobuf.Method, newMethod: protobuf.Method, newAt: Located | undefined, report: Report): void {
  const at = newAt?.positions?.rpcs.get(key);
  oldMethod.resolve();
  newMethod.resolve();
  const rpc = `RPC "${newMethod.name}" on service "${newService.name}"`;
  const oldRequest = fullNameOf(oldMethod.resolvedRequestType!);
  const newRequest = fullNameOf(newMethod.resolvedRequestType!);
  if (oldRequest !== newRequest) report(newAt, at?.request, 'RPC_SAME_REQUEST_TYPE', `${rpc} changed request type from "${oldRequest}" to "${newRequest}".`);
  const oldResponse = fullNameOf(oldMethod.resolvedResponseType!);
  const newResponse = fullNameOf(newMethod.resolvedResponseType!);
  if (oldResponse !== newResponse) report(newAt, at?.response, 'RPC_SAME_RESPONSE_TYPE', `${rpc} changed response type from "${oldResponse}" to "${newResponse}".`);
  const streaming = (value: boolean | undefined, side: string): string => `${side} ${value ? 'streaming' : 'unary'}`;
  if (Boolean(oldMethod.requestStream) !== Boolean(newMethod.requestStream)) {
    report(newAt, at?.start, 'RPC_SAME_CLIENT_STREAMING', `${rpc} changed from ${streaming(oldMethod.requestStream, 'client')} to ${streaming(newMethod.requestStream, 'client')}.`);
  }
  if (Boolean(oldMethod.responseStream) !== Boolean(newMethod.responseStream)) {
    report(newAt, at?.start, 'RPC_SAME_SERVER_STREAMING', `${rpc} changed from ${streaming(oldMethod.responseStream, 'server')} to ${streaming(newMethod.responseStream, 'server')}.`);
  }
  const oldIdempotency = String(oldMethod.options?.['idempotency_level'] ?? 'IDEMPOTENCY_UNKNOWN');
  const newIdempotency = String(newMethod.options?.['idempotency_level'] ?? 'IDEMPOTENCY_UNKNOWN');
  if (oldIdempotency !== newIdempotency) {
    report(newAt, at?.options.get('idempotency_level') ?? at?.start, 'RPC_SAME_IDEMPOTENCY_LEVEL', `${rpc} changed option "idempotency_level" from "${oldIdempotency}" to "${newIdempotency}".`);
  }
  const oldCapability = String(oldMethod.options?.[CAPABILITY_OPTION] ?? '');
  const newCapability = String(newMethod.options?.[CAPABILITY_OPTION] ?? '');
  if (oldCapability !== newCapability) {
    report(newAt, at?.options.get(CAPABILITY_OPTION) ?? at?.start, 'CAPABILITY_CHANGED', `${rpc} changed capability from "${oldCapability}" to "${newCapability}" (grants for the old capability stop applying to it).`);
  }
}

/** A service: deleting it or one of its rpcs is a bridge break; kept rpcs are compared. */
function checkService(name: string, oldService: protobuf.Service, newService: protobuf.Service | undefined, oldAt: Located | undefined, newAt: Located | undefined, report: Report): void {
  if (!newService) {
    report(oldAt, oldAt?.positions?.definitions.get(name), 'SERVICE_NO_DELETE', `Previously present service "${name}" was deleted or renamed (pages built against it would get UNKNOWN_METHOD).`);
    return;
  }
  for (const oldMethod of oldService.methodsArray) {
    const key = `${name}/${oldMethod.name}`;
    const newMethod = newService.methods[oldMethod.name];
    if (newMethod) checkRpc(key, newService, oldMethod, newMethod, newAt, report);
    else report(oldAt, oldAt?.positions?.rpcs.get(key)?.start, 'RPC_NO_DELETE', `Previously present RPC "${oldMethod.name}" on service "${newService.name}" was deleted or renamed (pages calling it would get UNKNOWN_METHOD).`);
  }
}

/** Compares OLD with NEW; returns every break, sorted by path, line, column and rule. */
export function checkBreaking(oldSide: Side, newSide: Side): Break[] {
  const before = collect(oldSide);
  const after = collect(newSide);
  const breaks: Break[] = [];
  const report: Report = (where, at, rule, message) => {
    breaks.push({ path: where?.path ?? '', line: at?.line ?? 1, col: at?.col ?? 1, rule, message });
  };
  checkFiles(oldSide, newSide, report);
  // Deleted messages and enums are not WIRE_JSON breaks by themselves; fields and rpcs that used them are.
  for (const [name, oldType] of before.messages) {
    const newType = after.messages.get(name);
    if (newType) checkMessage(name, oldType, newType, before.fileOf.get(oldType), after.fileOf.get(newType), report);
  }
  for (const [name, oldEnum] of before.enums) {
    const newEnum = after.enums.get(name);
    if (newEnum) checkEnum(name, oldEnum, newEnum, before.fileOf.get(oldEnum), after.fileOf.get(newEnum), report);
  }
  for (const [name, oldService] of before.services) {
    const newService = after.services.get(name);
    checkService(name, oldService, newService, before.fileOf.get(oldService), newService && after.fileOf.get(newService), report);
  }
  return breaks.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.col - b.col || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)));
}
