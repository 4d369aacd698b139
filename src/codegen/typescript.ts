/**
 * TypeScript for messages and enums, in their proto3 JSON shapes (what
 * `Client.call` takes and returns and what generated handlers see):
 *   Foo      as capwire writes it: implicit-presence fields always present,
 *            64-bit integers as strings, bytes as base64, enums by name.
 *   FooInit  what a caller may pass: every field optional, 64-bit integers
 *            as string or number, enums by name or number.
 * Well-known types have no special JSON mapping in capwire's codec, so they
 * are plain messages here too.
 */
import protobuf from 'protobufjs';
import { fieldJsonName, tsPropertyKey } from '../protocol/naming.js';

/** A JSDoc block: the proto comment (if any) above generated lines; a comment-closing marker inside is defused. */
export function docComment(comment: string | null | undefined, lines: readonly string[], indent = ''): string {
  const text = [...(comment ? comment.split('\n') : []), ...(comment && lines.length ? [''] : []), ...lines].map((line) => line.replace(/\*\//g, '*\\/').trimEnd());
  if (text.length === 1) return `${indent}/** ${text[0]} */\n`;
  return `${indent}/**\n${text.map((line) => (line ? `${indent} * ${line}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}

/** Resolves a message or enum to the TS name usable in the file being written. */
export type TypeRef = (type: protobuf.Type | protobuf.Enum, form: 'output' | 'init') => string;

const FLOAT_OUT = "number | 'NaN' | 'Infinity' | '-Infinity'";

function scalarType(scalar: string, form: 'output' | 'init'): string {
  switch (scalar) {
    case 'double': case 'float': return form === 'output' ? FLOAT_OUT : 'number | string';
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64': return form === 'output' ? 'string' : 'string | number';
    case 'bool': return 'boolean';
    case 'string': return 'string';
    case 'bytes': return 'string';
    default: return 'number';
  }
}

function valueType(field: protobuf.Field, ref: TypeRef, form: 'output' | 'init'): string {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Enum) return `${ref(resolved, form)} | number`;
  if (resolved instanceof protobuf.Type) return ref(resolved, form);
  return scalarType(field.type, form);
}

function fieldComment(field: protobuf.Field): string {
  const notes: string[] = [`${field.name} = ${field.id}`];
  if (field.type === 'bytes') notes.push('base64');
  return docComment(field.comment, [notes.join('; ')], '  ');
}

function fieldLine(field: protobuf.Field, ref: TypeRef, form: 'output' | 'init'): string {
  const synthetic = field.options?.['proto3_optional'] === true;
  let type = valueType(field, ref, form);
  const isMessage = field.resolvedType instanceof protobuf.Type;
  if (field.map) type = `{ [key: string]: ${type} }`;
  else if (field.repeated) type = type.includes('|') ? `(${type})[]` : `${type}[]`;
  const alwaysWritten = field.map || field.repeated || (!synthetic && !field.partOf && !isMessage);
  const optional = form === 'init' || !alwaysWritten;
  return `${fieldComment(field)}  ${tsPropertyKey(fieldJsonName(field))}${optional ? '?' : ''}: ${type};\n`;
}

export function messageTypes(type: protobuf.Type, name: string, ref: TypeRef): string {
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  const full = type.fullName.replace(/^\./, '');
  const body = (form: 'output' | 'init') => fields.map((field) => fieldLine(field, ref, form)).join('');
  return (
    docComment(type.comment, [`${full}, as capwire writes it in proto3 JSON.`]) +
    `export interface ${name} {\n${body('output')}}\n\n` +
    `/** ${full}, as a caller may write it in proto3 JSON (every field optional). */\n` +
    `export interface ${name}Init {\n${body('init')}}\n`
  );
}

export function enumType(type: protobuf.Enum, name: string): string {
  const names = Object.keys(type.values);
  const union = names.length ? names.map((value) => JSON.stringify(value)).join(' | ') : 'never';
  return `${docComment(type.comment, [`${type.fullName.replace(/^\./, '')} value names (proto3 JSON).`])}export type ${name} = ${union};\n`;
}
