/**
 * capwire gen as a pure function: a loaded proto tree in, files out. For each
 * .proto file: proto3 JSON interfaces for its messages and enums, and for each
 * service a typed client, a handler interface, a registration helper that
 * yields a ServiceImplementation for the Host, the capability table and the
 * service's version and schema fingerprint. No clock, no absolute paths, sorted
 * everywhere: the same protos give the same bytes wherever they live.
 */
import { posix } from 'node:path';
import protobuf from 'protobufjs';
import { CapwireError } from '../protocol/errors.js';
import { generatedFilePath, methodName, serviceNames, tsMemberName, tsTypeName } from '../protocol/naming.js';
import type { ProtoTree } from '../protocol/proto-loader.js';
import { CAPABILITY_OPTION, DEFAULT_SERVICE_VERSION, SERVICE_VERSION_OPTION } from '../protocol/services.js';
import { type Definition, descriptorJson, fullNameOf, reachableTypes, serviceFingerprint } from './closure.js';
import { docComment, enumType, messageTypes, type TypeRef } from './typescript.js';

export interface GenerateOptions {
  /** Module the generated code imports the runtime from; default "capwire". */
  readonly runtimeImport?: string;
}

export interface GeneratedFile {
  /** Relative to the output directory, "/"-separated. */
  readonly path: string;
  readonly content: string;
}

const GENERATOR = 'capwire gen';

function definitionsIn(namespace: protobuf.NamespaceBase, filename: string, out: Definition[] = []): Definition[] {
  for (const nested of namespace.nestedArray) {
    const isDefinition = nested instanceof protobuf.Type || nested instanceof protobuf.Enum || nested instanceof protobuf.Service;
    if (isDefinition && sourceFileOf(nested) === filename) out.push(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) definitionsIn(nested, filename, out);
  }
  return out;
}

/**
 * The file a definition came from. Well-known types that protobufjs bundles
 * (google/protobuf/empty.proto, ...) carry no file name; find them in its table.
 */
export function sourceFileOf(definition: protobuf.ReflectionObject): string {
  if (definition.filename) return definition.filename;
  let top: protobuf.ReflectionObject = definition;
  while (top.parent instanceof protobuf.Type) top = top.parent;
  const path = fullNameOf(top).split('.');
  for (const file of Object.keys(protobuf.common).filter((key) => key.endsWith('.proto')).sort()) {
    let node = protobuf.common.get(file) as { nested?: Record<string, unknown> } | null;
    for (const part of path) node = (node?.nested?.[part] as typeof node) ?? null;
    if (node) return file;
  }
  return '';
}

function packageOf(definition: protobuf.ReflectionObject): string {
  let parent = definition.parent;
  while (parent instanceof protobuf.Type) parent = parent.parent;
  return parent ? fullNameOf(parent) : '';
}

function checkCapabilities(service: protobuf.Service, protoPath: string): void {
  for (const method of service.methodsArray) {
    const capability = method.options?.[CAPABILITY_OPTION];
    if (typeof capability !== 'string' || capability.length === 0) {
      throw new CapwireError(
        'INVALID_ARGUMENT',
        `${protoPath}:${fullNameOf(service)}.${method.name}: method has no capability (add option (capwire.v1.capability) = "..."; there is no allow-by-default)`,
      );
    }
  }
}

/** One output file: imports are collected while the body refers to types. */
class FileWriter {
  private readonly imports = new Map<string, Map<string, string>>(); // module -> name -> local alias
  private readonly localNames = new Set<string>();
  constructor(
    readonly protoPath: string,
    private readonly pathOfFile: (filename: string) => string,
  ) {}

  declare(name: string): void {
    if (this.localNames.has(name)) throw new CapwireError('INVALID_ARGUMENT', `${this.protoPath}: two definitions would both be named ${name} in generated code`);
    this.localNames.add(name);
  }

  readonly ref: TypeRef = (type, form) => {
    const base = tsTypeName(fullNameOf(type), packageOf(type));
    const name = form === 'init' && type instanceof protobuf.Type ? `${base}Init` : base;
    const from = this.pathOfFile(sourceFileOf(type));
    if (from === this.protoPath) return name;
    const target = generatedFilePath(from).replace(/\.ts$/, '.js');
    let specifier = posix.relative(posix.dirname(this.protoPath), target);
    if (!specifier.startsWith('.')) specifier = `./${specifier}`;
    const names = this.imports.get(specifier) ?? new Map<string, string>();
    this.imports.set(specifier, names);
    const alias = this.localNames.has(name) ? `${packageOf(type).split('.').join('_')}_${name}` : name;
    names.set(name, alias);
    return alias;
  };

  typeImports(): string {
    return [...this.imports.keys()]
      .sort()
      .map((specifier) => {
        const names = [...this.imports.get(specifier)!.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
        return `import type { ${names.map(([name, alias]) => (name === alias ? name : `${name} as ${alias}`)).join(', ')} } from '${specifier}';\n`;
      })
      .join('');
  }
}

function serviceCode(service: protobuf.Service, writer: FileWriter): string {
  const names = serviceNames(service.name);
  const full = fullNameOf(service);
  const version = String(service.options?.[SERVICE_VERSION_OPTION] ?? DEFAULT_SERVICE_VERSION);
  for (const name of Object.values(names)) writer.declare(name);
  const methods = service.methodsArray.map((method) => {
    method.resolve();
    return {
      rpc: method.name,
      member: tsMemberName(method.name),
      call: methodName(service.name, method.name),
      capability: String(method.options?.[CAPABILITY_OPTION]),
      request: method.resolvedRequestType!,
      response: method.resolvedResponseType!,
      comment: method.comment,
      clientStreaming: method.requestStream === true,
      serverStreaming: method.responseStream === true,
    };
  });
  const unsupported = methods.find((method) => method.clientStreaming);
  if (unsupported) {
    throw new CapwireError('INVALID_ARGUMENT', `${writer.protoPath}:${full}.${unsupported.rpc}: client streaming is not supported by capwire`);
  }
  let out = `// ---------- service ${full} ----------\n\n`;
  out += `/** ${full}: name, schema version and fingerprint, as the host's Welcome reports them. */\n`;
  out += `export const ${names.info} = {\n  name: '${full}',\n  version: '${version}',\n  fingerprint: '${serviceFingerprint(service)}',\n} as const;\n\n`;
  out += `/** Method (as pages call it) -> the capability a policy must grant for it. */\n`;
  out += `export const ${names.capabilities} = {\n${methods.map((m) => `  '${m.call}': ${JSON.stringify(m.capability)},\n`).join('')}} as const;\n\n`;
  out += `/** Schemas for Client.connect(transport, { schemas: [${names.schemas}] }) when the service is not built in. */\n`;
  out += `export const ${names.schemas}: capwire.SchemaSet = SCHEMAS;\n\n`;

  out += docComment(service.comment, [`Typed calls to ${full}; \`client\` must know its schemas (ClientOptions.schemas).`]);
  out += `export class ${names.client} {\n  readonly client: capwire.Client;\n\n  constructor(client: capwire.Client) {\n    this.client = client;\n  }\n`;
  for (const m of methods) {
    const request = writer.ref(m.request, 'init');
    const response = writer.ref(m.response, 'output');
    out += `\n${docComment(m.comment, [`${m.call} (capability ${m.capability})${m.serverStreaming ? '; server streaming, cancelled through options.signal' : ''}.`], '  ')}`;
    if (m.serverStreaming) {
      out += `  ${m.member}(params: ${request} = {}, options?: capwire.CallOptions): AsyncIterable<${response}> {\n`;
      out += `    return capwire.serverStream(this.client, '${m.call}', params, options) as AsyncIterable<unknown> as AsyncIterable<${response}>;\n  }\n`;
    } else {
      out += `  ${m.member}(params: ${request} = {}, options?: capwire.CallOptions): Promise<${response}> {\n`;
      out += `    return this.client.call('${m.call}', params, options) as Promise<unknown> as Promise<${response}>;\n  }\n`;
    }
  }
  out += `}\n\n`;

  out += `/** What a host implements for ${full}. The capability is checked before a handler runs. */\n`;
  out += `export interface ${names.handlers} {\n`;
  for (const m of methods) {
    const request = writer.ref(m.request, 'output');
    const response = writer.ref(m.response, 'init');
    out += docComment(m.comment, [`${m.call} (capability ${m.capability})${m.serverStreaming ? '; server streaming: yield messages, the host sends them as the page grants credit' : ''}.`], '  ');
    out += m.serverStreaming
      ? `  ${m.member}(request: ${request}, context: capwire.CallContext): AsyncIterable<${response}>;\n`
      : `  ${m.member}(request: ${request}, context: capwire.CallContext): ${response} | Promise<${response}>;\n`;
  }
  out += `}\n\n`;
  out += `/** ${full} for Host / createPolicyHost({ services: [${names.factory}(handlers)] }). */\n`;
  out += `export function ${names.factory}(handlers: ${names.handlers}): capwire.ServiceImplementation {\n`;
  out += `  return capwire.implementService(capwire.serviceDescriptor(SCHEMAS, ${names.info}.name, ${names.info}.fingerprint), {\n`;
  for (const m of methods) {
    out += `    '${m.call}': (request, context) => handlers.${m.member}(request as ${writer.ref(m.request, 'output')}, context),\n`;
  }
  out += `  });\n}\n`;
  return out;
}

function fileCode(protoPath: string, definitions: Definition[], tree: ProtoTree, pathOfFile: (filename: string) => string, runtime: string): string {
  const writer = new FileWriter(protoPath, pathOfFile);
  const types = definitions.filter((d): d is protobuf.Type | protobuf.Enum => !(d instanceof protobuf.Service)).sort((a, b) => (fullNameOf(a) < fullNameOf(b) ? -1 : 1));
  const services = definitions.filter((d): d is protobuf.Service => d instanceof protobuf.Service).sort((a, b) => (fullNameOf(a) < fullNameOf(b) ? -1 : 1));
  const typeNames = types.map((type) => tsTypeName(fullNameOf(type), packageOf(type)));
  types.forEach((type, i) => {
    writer.declare(typeNames[i]!);
    if (type instanceof protobuf.Type) writer.declare(`${typeNames[i]!}Init`);
  });
  let body = types.map((type, i) => (type instanceof protobuf.Type ? messageTypes(type, typeNames[i]!, writer.ref) : enumType(type, typeNames[i]!))).join('\n');
  if (services.length > 0) {
    writer.declare('SCHEMAS');
    writer.declare('capwire');
    const descriptor = descriptorJson(services);
    body += `${body ? '\n' : ''}// The services' descriptor (and every type they reach), for the strict codecs.\nconst SCHEMAS: capwire.SchemaSet = capwire.SchemaSet.fromDescriptor(${JSON.stringify(descriptor, null, 2)});\n`;
    for (const service of services) body += `\n${serviceCode(service, writer)}`;
  }
  const runtimeImports = services.length
    ? `import * as capwire from '${runtime}';\n`
    : '';
  void tree;
  return `// Code generated by ${GENERATOR} from ${protoPath}. DO NOT EDIT.\n/* eslint-disable */\n\n${runtimeImports}${writer.typeImports()}${runtimeImports || writer.typeImports() ? '\n' : ''}${body}`;
}

/** Generates the TS bindings for every input file of `tree` (and the types they import from elsewhere). */
export function generate(tree: ProtoTree, options: GenerateOptions = {}): GeneratedFile[] {
  const runtime = options.runtimeImport ?? 'capwire';
  const pathByFilename = new Map(tree.files.map((file) => [file.filename, file.path]));
  const pathOfFile = (filename: string): string => pathByFilename.get(filename) ?? filename;
  const root = tree.schemas.root;
  const byFile = new Map<string, Definition[]>();
  for (const file of tree.files) byFile.set(file.path, definitionsIn(root, file.filename));
  // Inputs, plus every other file that defines a type an input reaches.
  const wanted = new Set(tree.files.filter((file) => file.input).map((file) => file.path));
  for (const path of [...wanted]) {
    const definitions = byFile.get(path) ?? [];
    for (const service of definitions) if (service instanceof protobuf.Service) checkCapabilities(service, path);
    for (const type of reachableTypes(definitions)) wanted.add(pathOfFile(sourceFileOf(type)));
  }
  const files: GeneratedFile[] = [];
  for (const path of [...wanted].sort()) {
    const definitions = byFile.get(path) ?? [];
    if (definitions.length === 0) continue;
    const isInput = tree.files.some((file) => file.path === path && file.input);
    const emitted = isInput ? definitions : definitions.filter((definition) => !(definition instanceof protobuf.Service));
    if (emitted.length === 0) continue;
    files.push({ path: generatedFilePath(path), content: fileCode(path, emitted, tree, pathOfFile, runtime) });
  }
  return files;
}
