/** `capwire bench [--json] [--quick]`: thin front end over src/bench. */
import { parseArgs } from 'node:util';
import { renderTable } from '../bench/report.js';
import { defaultOutDir, runBench, SECTIONS, type SectionName } from '../bench/run.js';
import { UsageError } from './io.js';

export const BENCH_HELP = `usage: capwire bench [--json] [--quick] [--only SECTION,...] [--out DIR] [--no-save]

Runs the benchmark suite: every figure next to its baseline from the same run,
median and spread over several repetitions, and the ratio.
  --json       print the results as JSON on stdout (progress goes to stderr)
  --quick      fewer and shorter repetitions (under 2 minutes)
  --only       sections: ${SECTIONS.join(', ')}
  --out DIR    where to save <mode>.json and throughput-<mode>.svg (default: bench/results)
  --no-save    do not write result files
Method: bench/README.md.`;

export async function benchCommand(args: string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  let only: SectionName[] | undefined;
  if (values.only !== undefined) {
    only = values.only.split(',').map((name) => name.trim()) as SectionName[];
    const unknown = only.filter((name) => !SECTIONS.includes(name));
    if (unknown.length > 0) throw new UsageError(`--only: unknown section ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})`);
  }
  const result = await runBench({
    quick: values.quick,
    ...(only ? { only } : {}),
    ...(values['no-save'] ? {} : { outDir: values.out ?? defaultOutDir() }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : renderTable(result));
  return 0;
}
