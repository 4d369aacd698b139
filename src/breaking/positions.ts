/**
 * Where things are in a .proto file. protobufjs' parser keeps no positions, so
 * this small tokenizer and walker over the source text records the line and
 * column (1-based) of every definition, field, enum value, rpc and the package
 * statement, keyed by the same full names the breaking checker compares.
 * It trusts that protobufjs already accepted the file; on anything it does not
 * understand it stops recording, and callers fall back to 1:1.
 */

export interface Position {
  readonly line: number;
  readonly col: number;
}

export interface FieldPositions {
  readonly start: Position;
  readonly name: Position;
  readonly type: Position;
  /** Options in the field's brackets by name ("json_name", "default"). */
  readonly options: ReadonlyMap<string, Position>;
}

export interface RpcPositions {
  readonly start: Position;
  readonly request: Position;
  readonly response: Position;
  /** Option statements in the rpc's body by option name ("(capwire.v1.capability)", "idempotency_level"). */
  readonly options: ReadonlyMap<string, Position>;
}

export interface FilePositions {
  package?: Position;
  packageName: string;
  /** Messages, enums and services by full name ("notes.v1.Note.Meta"). */
  readonly definitions: Map<string, Position>;
  /** Option statements in a message's or enum's body, by `${fullName}#${optionName}` ("features.json_format"). */
  readonly definitionOptions: Map<string, Position>;
  /** Fields by `${messageFullName}#${number}`. */
  readonly fields: Map<string, FieldPositions>;
  /** Enum values by `${enumFullName}#${valueName}`: the value's start and its number token. */
  readonly enumValues: Map<string, { readonly start: Position; readonly number: Position }>;
  /** Rpcs by `${serviceFullName}/${rpcName}`. */
  readonly rpcs: Map<string, RpcPositions>;
}

interface Token extends Position {
  readonly text: string;
}

const START: Position = { line: 1, col: 1 };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const ch = source[i]!;
    if (ch === '\n') {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v') {
      i++;
      continue;
    }
    if (ch === '/' && source[i + 1] === '/') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (ch === '/' && source[i + 1] === '*') {
      i += 2;
      while (i < n && !(source[i] === '*' && source[i + 1] === '/')) {
        if (source[i] === '\n') {
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      i += 2;
      continue;
    }
    const col = i - lineStart + 1;
    const begin = i;
    if (ch === '"' || ch === "'") {
      i++;
      while (i < n && source[i] !== ch && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      i++;
    } else if (/[A-Za-z_.]/.test(ch) && !(ch === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      while (i < n && /[A-Za-z0-9_.]/.test(source[i]!)) i++;
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      while (i < n && /[A-Za-z0-9_.+-]/.test(source[i]!) && !((source[i] === '+' || source[i] === '-') && !/[eE]/.test(source[i - 1]!))) i++;
    } else {
      i++;
    }
    tokens.push({ text: source.slice(begin, i), line, col });
  }
  return tokens;
}

const pos = (token: Token | undefined): Position => (token ? { line: token.line, col: token.col } : START);

/** Records positions for one file's source text. */
export function findPositions(source: string): FilePositions {
  const out: FilePositions = { packageName: '', definitions: new Map(), definitionOptions: new Map(), fields: new Map(), enumValues: new Map(), rpcs: new Map() };
  const tokens = tokenize(source);
  let i = 0;
  const peek = (offset = 0): string => tokens[i + offset]?.text ?? '';
  const qualify = (scope: string, name: string): string => (scope ? `${scope}.${name}` : name);

  /** Skips to just past the `;` ending this statement, or past a balanced `{...}` block when one ends it. */
  const skipStatement = (): void => {
    let depth = 0;
    while (i < tokens.length) {
      const text = tokens[i++]!.text;
      if (text === '{' || text === '[' || text === '(' || text === '<') depth++;
      else if (text === '}' || text === ']' || text === ')' || text === '>') {
        depth--;
        if (depth === 0 && text === '}' && peek() !== ';') return;
      } else if (text === ';' && depth <= 0) return;
    }
  };
  /** Records an option statement of a message or enum body (at `option`), then skips it. */
  const optionStatement = (owner: string): void => {
    let j = i + 1;
    let optionName = '';
    while (j < tokens.length && tokens[j]!.text !== '=' && tokens[j]!.text !== ';') optionName += tokens[j++]!.text;
    out.definitionOptions.set(`${owner}#${optionName}`, pos(tokens[i]));
    skipStatement();
  };
  const skipBlock = (): void => {
    // at '{'
    let depth = 0;
    while (i < tokens.length) {
      const text = tokens[i++]!.text;
      if (text === '{') depth++;
      else if (text === '}' && --depth === 0) return;
    }
  };

  const parseEnum = (scope: string): void => {
    const start = tokens[i]!;
    const full = qualify(scope, peek(1));
    out.definitions.set(full, pos(start));
    i += 2;
    if (peek() !== '{') return;
    i++;
    while (i < tokens.length && peek() !== '}') {
      const head = peek();
      if (head === 'option') {
        optionStatement(full);
        continue;
      }
      if (head === 'reserved' || head === ';') {
        if (head === ';') i++;
        else skipStatement();
        continue;
      }
      // NAME = [-]NUMBER [options];
      const nameToken = tokens[i]!;
      let j = i + 2;
      let sign = false;
      if (tokens[j]?.text === '-') {
        sign = true;
        j++;
      }
      const numberToken = tokens[j];
      if (tokens[i + 1]?.text === '=' && numberToken) {
        out.enumValues.set(`${full}#${nameToken.text}`, { start: pos(nameToken), number: pos(sign ? tokens[j - 1] : numberToken) });
      }
      skipStatement();
    }
    i++; // '}'
  };

  const parseField = (message: string): void => {
    const start = tokens[i]!;
    let j = i;
    if (['optional', 'repeated', 'required'].includes(tokens[j]!.text)) j++;
    const typeToken = tokens[j]!;
    if (typeToken.text === 'map') {
      while (j < tokens.length && tokens[j]!.text !== '>') j++;
    }
    j++;
    const nameToken = tokens[j];
    const numberToken = tokens[j + 2];
    const options = new Map<string, Position>();
    if (tokens[j + 3]?.text === '[') {
      let depth = 0;
      for (let k = j + 3; k < tokens.length; k++) {
        const text = tokens[k]!.text;
        if (text === '[' || text === '{') depth++;
        else if (text === ']' || text === '}') {
          if (--depth === 0) break;
        } else if (depth === 1 && (tokens[k - 1]!.text === '[' || tokens[k - 1]!.text === ',')) options.set(text, pos(tokens[k]));
      }
    }
    if (nameToken && tokens[j + 1]?.text === '=' && numberToken) {
      out.fields.set(`${message}#${Number(numberToken.text)}`, { start: pos(start), name: pos(nameToken), type: pos(typeToken), options });
    }
    skipStatement();
  };

  const parseMessage = (scope: string): void => {
    const full = qualify(scope, peek(1));
    out.definitions.set(full, pos(tokens[i]));
    i += 2;
    if (peek() !== '{') return;
    i++;
    while (i < tokens.length && peek() !== '}') {
      const head = peek();
      if (head === 'message') parseMessage(full);
      else if (head === 'enum') parseEnum(full);
      else if (head === 'extend') {
        while (i < tokens.length && peek() !== '{') i++;
        skipBlock();
      } else if (head === 'oneof') {
        i += 2;
        if (peek() === '{') i++;
        while (i < tokens.length && peek() !== '}') {
          if (peek() === 'option' || peek() === ';') {
            if (peek() === ';') i++;
            else skipStatement();
          } else parseField(full);
        }
        i++;
      } else if (head === 'option') optionStatement(full);
      else if (head === 'reserved' || head === 'extensions') skipStatement();
      else if (head === ';') i++;
      else parseField(full);
    }
    i++;
  };

  const parseService = (scope: string): void => {
    const full = qualify(scope, peek(1));
    out.definitions.set(full, pos(tokens[i]));
    i += 2;
    if (peek() !== '{') return;
    i++;
    while (i < tokens.length && peek() !== '}') {
      if (peek() !== 'rpc') {
        if (peek() === ';') i++;
        else skipStatement();
        continue;
      }
      const start = tokens[i]!;
      const name = peek(1);
      i += 3; // rpc Name (
      if (peek() === 'stream') i++;
      const request = tokens[i]!;
      while (i < tokens.length && peek() !== 'returns') i++;
      i += 2; // returns (
      if (peek() === 'stream') i++;
      const response = tokens[i]!;
      i++;
      while (i < tokens.length && peek() !== ';' && peek() !== '{') i++;
      const options = new Map<string, Position>();
      if (peek() === '{') {
        i++;
        while (i < tokens.length && peek() !== '}') {
          if (peek() === 'option') {
            let j = i + 1;
            let optionName = '';
            while (j < tokens.length && tokens[j]!.text !== '=' && tokens[j]!.text !== ';') optionName += tokens[j++]!.text;
            options.set(optionName, pos(tokens[i]));
          }
          if (peek() === ';') i++;
          else skipStatement();
        }
      }
      i++;
      out.rpcs.set(`${full}/${name}`, { start: pos(start), request: pos(request), response: pos(response), options });
    }
    i++;
  };

  try {
    while (i < tokens.length) {
      const head = peek();
      if (head === 'package') {
        out.package = pos(tokens[i]);
        out.packageName = peek(1);
        skipStatement();
      } else if (head === 'message') parseMessage(out.packageName);
      else if (head === 'enum') parseEnum(out.packageName);
      else if (head === 'service') parseService(out.packageName);
      else if (head === 'extend') {
        while (i < tokens.length && peek() !== '{') i++;
        skipBlock();
      } else if (head === ';') i++;
      else skipStatement();
    }
  } catch {
    // Positions are best effort; protobufjs has already validated the file.
  }
  return out;
}
