/**
 * `capwire fuzz`: structure-aware fuzzing of a host (the built-in policy host
 * by default, or an app's via --host). Exit 0 when nothing fired, 1 with a
 * reproducer file on any finding.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Coverage, type FuzzReport, fuzz, replay, UNKNOWN_METHODS } from '../fuzz/fuzzer.js';
import { PROTOCOL_ERRORS } from '../fuzz/runner.js';
import { ERROR_CODES } from '../protocol/errors.js';
import { UsageError } from './io.js';

export const FUZZ_HELP = `usage: capwire fuzz [--seconds N] [--seed S] [--corpus DIR] [--proto DIR]... [--host MODULE]
                    [--budget-ms MS] [--max-inputs N] [--minimize-seconds N] [--out DIR]
       capwire fuzz --replay FILE

Sends generated and mutated frames (every method of the built-in protos and of
each --proto dir) through in-process sessions and fails on: an exception escaping
the host, a request answered zero or several times, an undecodable reply or a code
outside the enum, no reply within --budget-ms, memory growing without bound, a
tripwire file changed or its bytes read back, a call succeeding that the
reference policy model says must be denied, or a denied path answered with
NOT_FOUND/IO_ERROR (revealing whether it exists).

  --seconds N     how long to run (default 10)
  --seed S        PRNG seed; the same seed generates the same inputs (default 1)
  --corpus DIR    replay inputs (*.json) and splice frames (*.bin) from DIR first;
                  inputs reaching new (method, code) pairs are saved there
  --proto DIR     also generate requests for the services in DIR (repeatable)
  --host MODULE   fuzz the host an ESM module builds: default export (or "createHost")
                  (context: {workspace, policy, origins, schemas}) => {host, policy?, close?}
  --budget-ms MS  time one input may take before it counts as a hang (default 5000)
  --max-inputs N  stop after N inputs
  --minimize-seconds N  time spent shrinking a failing input (default 20)
  --out DIR       where the reproducer is written (default: current directory)
  --replay FILE   run a reproducer's input once; exit 1 if its finding still fires`;

function integer(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

export function formatCoverage(coverage: Coverage): string[] {
  const lines: string[] = [];
  const width = Math.max(...[...coverage.knownMethods, PROTOCOL_ERRORS, UNKNOWN_METHODS].map((name) => name.length));
  const seenCodes = new Set<string>();
  const names = [...new Set([...coverage.knownMethods, ...coverage.methods.keys()])].sort();
  const reached = coverage.knownMethods.filter((name) => coverage.methods.has(name)).length;
  lines.push(`methods answered: ${reached}/${coverage.knownMethods.length}`);
  for (const name of names) {
    const codes = coverage.methods.get(name);
    const total = codes ? [...codes.values()].reduce((a, b) => a + b, 0) : 0;
    const detail = codes ? [...codes.entries()].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ') : '(never answered)';
    for (const code of codes?.keys() ?? []) seenCodes.add(code);
    lines.push(`  ${name.padEnd(width)} ${String(total).padStart(7)}  ${detail}`);
  }
  const missing = ERROR_CODES.filter((code) => !seenCodes.has(code));
  lines.push(`outcome codes seen: ${ERROR_CODES.length - missing.length}/${ERROR_CODES.length}${missing.length ? ` (not seen: ${missing.join(', ')})` : ''}`);
  return lines;
}

function summary(report: FuzzReport): string {
  const seconds = report.elapsedMs / 1000;
  const rate = seconds > 0 ? report.inputs / seconds : 0;
  return `${report.inputs} inputs, ${report.frames} reply frames in ${seconds.toFixed(1)} s: ${rate.toFixed(0)} exec/s`;
}

export async function fuzzCommand(args: string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string' },
      seed: { type: 'string' },
      corpus: { type: 'string' },
      proto: { type: 'string', multiple: true },
      host: { type: 'string' },
      'budget-ms': { type: 'string' },
      'max-inputs': { type: 'string' },
      'minimize-seconds': { type: 'string' },
      out: { type: 'string' },
      replay: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    stdout.write(`${FUZZ_HELP}\n`);
    return 0;
  }
  const say = (line: string): void => void stdout.write(`capwire fuzz: ${line}\n`);
  if (values.replay) {
    const { reproducer, report, finding } = await replay(values.replay, say);
    say(`replaying ${values.replay} (${reproducer.finding.kind} at input ${reproducer.iteration} of seed ${reproducer.seed})`);
    say(summary(report));
    if (!finding) {
      say('did not reproduce');
      return 0;
    }
    say(`FINDING ${finding.kind}: ${finding.message}`);
    return 1;
  }
  const seconds = integer(values.seconds, '--seconds', 10);
  const seed = integer(values.seed, '--seed', 1);
  const maxInputs = values['max-inputs'] === undefined ? undefined : integer(values['max-inputs'], '--max-inputs', 0);
  say(`seed ${seed}, ${seconds} s, host ${values.host ?? 'built-in policy host (native engine)'}${values.proto?.length ? `, protos ${values.proto.join(' ')}` : ''}`);
  const report = await fuzz({
    seconds,
    seed,
    budgetMs: integer(values['budget-ms'], '--budget-ms', 5000),
    minimizeMs: integer(values['minimize-seconds'], '--minimize-seconds', 20) * 1000,
    ...(maxInputs !== undefined ? { maxInputs } : {}),
    ...(values.corpus ? { corpusDir: values.corpus } : {}),
    ...(values.proto ? { protoDirs: values.proto } : {}),
    ...(values.host ? { hostModule: values.host } : {}),
    ...(values.out ? { artifactDir: values.out } : {}),
    log: say,
  });
  say(summary(report));
  for (const line of formatCoverage(report.coverage)) stdout.write(`${line}\n`);
  if (!report.finding) {
    say('no findings');
    return 0;
  }
  say(`FINDING ${report.finding.kind} at input ${report.finding.iteration}: ${report.finding.message}`);
  if (report.minimizedFrom !== undefined) say(`minimized from ${report.minimizedFrom} to ${report.minimizedTo} step(s)`);
  say(`reproducer: ${report.reproducerPath}`);
  const saved = readFileSync(report.reproducerPath!, 'utf8');
  if (saved.length <= 16_384) stdout.write(saved); // CI logs carry the reproducer itself
  say(`replay with: capwire fuzz --replay ${report.reproducerPath}`);
  return 1;
}
