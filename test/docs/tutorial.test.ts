// docs/tutorial.md runs as written: every block is either a file (```lang
// file=PATH), a shell command (```sh, run with bash in the project
// directory) or the exact output of the command before it (```text output).
// `npm install` is emulated by linking this checkout and its dev tools into
// the project's node_modules (no network in tests); `npm test` builds dist/ first.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const test = suite('docs/tutorial.md');

interface Block { readonly info: string; readonly body: string; readonly line: number }

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const fence = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(markdown); match; match = fence.exec(markdown)) {
    out.push({ info: match[1]!.trim(), body: match[2]!, line: markdown.slice(0, match.index).split('\n').length });
  }
  return out;
}

function installInto(project: string): void {
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  mkdirSync(join(modules, '@types'), { recursive: true });
  symlinkSync(root, join(modules, 'capwire'), 'dir');
  for (const name of ['typescript', 'tsx', '@types/node']) symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir');
  symlinkSync(join(root, 'bin/capwire.js'), join(modules, '.bin/capwire'));
  symlinkSync(join(root, 'node_modules/typescript/bin/tsc'), join(modules, '.bin/tsc'));
  symlinkSync(join(root, 'node_modules/tsx/dist/cli.mjs'), join(modules, '.bin/tsx'));
}

test('every block runs as written and prints what the tutorial shows', () => {
  const all = blocks(readFileSync(join(root, 'docs/tutorial.md'), 'utf8'));
  const project = mkdtempSync(join(tmpdir(), 'capwire-tutorial-'));
  let commands = 0;
  try {
    let last: { block: Block; output: string } | undefined;
    for (const block of all) {
      const file = /^\S+ file=(\S+)$/.exec(block.info)?.[1];
      if (file) {
        mkdirSync(dirname(join(project, file)), { recursive: true });
        writeFileSync(join(project, file), block.body);
        if (file === 'package.json') installInto(project);
      } else if (block.info === 'sh') {
        const run = spawnSync('bash', ['-c', block.body], { cwd: project, encoding: 'utf8', env: { ...process.env, npm_config_yes: 'false', npm_config_offline: 'true' } });
        last = { block, output: `${run.stdout}${run.stderr}` };
        assert.is(run.status, 0, `line ${block.line}: ${block.body}\n${last.output}`);
        commands++;
      } else if (block.info === 'text output') {
        assert.ok(last, `line ${block.line}: an output block needs a command before it`);
        assert.fixture(last!.output, block.body, `line ${block.line}: output of "${last!.block.body.trim()}"`);
        last = undefined;
      } else {
        assert.unreachable(`line ${block.line}: block "${block.info}" is neither a file, a command nor an output`);
      }
    }
    assert.ok(commands >= 5, `ran ${commands} commands`);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test.run();
