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

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** `Fs` + `ReadFile` -> `fs.readFile`, the name pages call. */
export function methodName(serviceName: string, rpcName: string): string {
  return `${lowerFirst(serviceName)}.${lowerFirst(rpcName)}`;
}
