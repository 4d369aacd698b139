/**
 * `capwire wire encode|decode [--delimited]`: proto3 JSON of capwire.v1.Envelope
 * <-> binary, strict both ways (see DESIGN.md).
 */
import { parseArgs } from 'node:util';
import { decodeFrame, encodeDelimited, encodeFrame, envelopeFromJson, envelopeToJson, splitDelimited } from '../protocol/frame.js';
import { readAll, UsageError } from './io.js';

export const WIRE_HELP = `usage: capwire wire encode [--delimited] < envelope.json > envelope.bin
       capwire wire decode [--delimited] < envelope.bin > envelope.json

  encode   proto3 JSON of capwire.v1.Envelope on stdin -> binary on stdout
  decode   binary on stdin -> proto3 JSON (camelCase names) on stdout
  --delimited  frames carry a varint length prefix; encode accepts several
               JSON values (one after another), decode prints one per line

Both directions are strict: unknown JSON names, wrong JSON types, out-of-range
numbers, two members of one oneof, wrong wire types, field number 0 and
truncated data are errors (exit 1). Unknown binary fields are skipped.`;

/** Splits text holding one or more JSON values one after another. */
function parseJsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    if (ch === '{' || ch === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) values.push(parseJson(text.slice(start, i + 1), values.length + 1));
      if (depth < 0) throw new UsageError(`wire encode: unbalanced "${ch}" at character ${i + 1}`);
    } else if (depth === 0 && !/\s/.test(ch)) {
      throw new UsageError(`wire encode: expected a JSON object at character ${i + 1}, got ${JSON.stringify(ch)}`);
    }
  }
  if (depth !== 0) throw new UsageError('wire encode: input ends inside a JSON value');
  return values;
}

function parseJson(text: string, index: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`wire encode: input ${index} is not valid JSON (${(error as Error).message})`);
  }
}

export async function wireCommand(args: string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { positionals, values } = parseArgs({ args, options: { delimited: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  const [direction, ...extra] = positionals;
  if (values.help) {
    stdout.write(`${WIRE_HELP}\n`);
    return 0;
  }
  if ((direction !== 'encode' && direction !== 'decode') || extra.length > 0) {
    throw new UsageError(`wire: expected "encode" or "decode"${direction ? `, got ${JSON.stringify([direction, ...extra].join(' '))}` : ''} (see capwire wire --help)`);
  }
  const input = await readAll(process.stdin);
  if (direction === 'encode') {
    const text = input.toString('utf8');
    const jsonValues = values.delimited ? parseJsonValues(text) : [parseJson(text, 1)];
    if (jsonValues.length === 0) throw new UsageError('wire encode: no JSON on stdin');
    const frames = jsonValues.map((value, i) => {
      try {
        return encodeFrame(envelopeFromJson(value));
      } catch (error) {
        if (jsonValues.length > 1 && error instanceof Error) error.message = `envelope ${i + 1}: ${error.message}`;
        throw error;
      }
    });
    stdout.write(values.delimited ? encodeDelimited(frames) : frames[0]!);
    return 0;
  }
  const frames = values.delimited ? splitDelimited(input) : [input];
  const lines = frames.map((frame) => JSON.stringify(envelopeToJson(decodeFrame(frame))));
  stdout.write(lines.length ? `${lines.join('\n')}\n` : '');
  return 0;
}
