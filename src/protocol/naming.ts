/**
 * The one place that turns proto names into capwire names, so the method table,
 * the host, the client and the generator agree.
 */

/** protoc's json_name rule: drop underscores, upper-case the letter after one. */
export function jsonName(protoFieldName: string): string {
  let out = '';
  let upperNext = false;
  for (const ch of protoFieldName) {
    if (ch === '_') {
      upperNext = true;
    } else if (upperNext) {
      out += ch.toUpperCase();
      upperNext = false;
    } else {
      out += ch;
    }
  }
  return out;
}

/** A field's JSON name: its `json_name` option when set, else protoc's rule. */
export function fieldJsonName(field: { readonly name: string; readonly options?: { readonly [key: string]: unknown } | undefined }): string {
  const explicit = field.options?.['json_name'];
  return typeof explicit === 'string' && explicit.length > 0 ? explicit : jsonName(field.name);
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** `Fs` + `ReadFile` -> `fs.readFile`, the name pages call. */
export function methodName(serviceName: string, rpcName: string): string {
  return `${lowerFirst(serviceName)}.${lowerFirst(rpcName)}`;
}

// ---------- generated TypeScript (capwire gen) ----------

/** Members a generated client class already has; an rpc with one of these names gets a trailing `_`. */
const RESERVED_MEMBERS: ReadonlySet<string> = new Set(['constructor', 'client', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']);

/** `ReadFile` -> `readFile`: a method's name on generated clients and handler interfaces. */
export function tsMemberName(rpcName: string): string {
  const name = lowerFirst(rpcName);
  return RESERVED_MEMBERS.has(name) ? `${name}_` : name;
}

/**
 * A message or enum's TS name: its name relative to the package, nested
 * names joined by `_` (`Outer.Inner` -> `Outer_Inner`), as protobuf-es does.
 */
export function tsTypeName(fullName: string, packageName: string): string {
  const relative = packageName && fullName.startsWith(`${packageName}.`) ? fullName.slice(packageName.length + 1) : fullName;
  const name = relative.split('.').join('_');
  return RESERVED_TYPE_NAMES.has(name) ? `${name}$` : name;
}

/**
 * Names generated code itself refers to (and names TS forbids for types); a
 * message or enum called one of them gets a trailing `$`, as protobuf-es does.
 * Other globals (Error, Map, ...) may be shadowed: generated code never uses them.
 */
const RESERVED_TYPE_NAMES: ReadonlySet<string> = new Set(['capwire', 'SCHEMAS', 'Promise', 'AsyncIterable', 'undefined', 'NaN', 'Infinity', 'never', 'unknown', 'any', 'string', 'number', 'boolean', 'object', 'symbol', 'bigint', 'void']);

/** Names generated for one service `Notes`. */
export function serviceNames(serviceName: string): {
  readonly client: string; readonly handlers: string; readonly factory: string;
  readonly info: string; readonly capabilities: string; readonly schemas: string;
} {
  const constant = serviceName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return {
    client: `${serviceName}Client`,
    handlers: `${serviceName}Handlers`,
    factory: `${lowerFirst(serviceName)}Service`,
    info: `${constant}_SERVICE`,
    capabilities: `${constant}_CAPABILITIES`,
    schemas: `${lowerFirst(serviceName)}Schemas`,
  };
}

/** `notes/v1/notes.proto` -> `notes/v1/notes_capwire.ts`, the file capwire gen writes for it. */
export function generatedFilePath(protoPath: string): string {
  return `${protoPath.replace(/\.proto$/, '')}_capwire.ts`;
}

const TS_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as written in TS source: bare when it is an identifier, quoted otherwise. */
export function tsPropertyKey(name: string): string {
  return TS_IDENTIFIER.test(name) ? name : JSON.stringify(name);
}
