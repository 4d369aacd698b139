// node-gyp-build must prefer a fresh build/Release over a (possibly stale)
// prebuild, and fall back to prebuilds/ when nothing was compiled.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addonPath, loadAddon, packageRoot } from '../../src/native/load-addon.js';

const require = createRequire(import.meta.url);
const gypBuild = require('node-gyp-build') as { resolve(dir: string): string };

test('the package root is found from the module file', () => {
  assert.ok(existsSync(join(packageRoot(), 'binding.gyp')));
});

test('the freshly compiled build/Release addon is the one loaded', () => {
  const built = join(packageRoot(), 'build/Release/capwire.node');
  assert.ok(existsSync(built), 'build/Release/capwire.node exists (run node-gyp rebuild)');
  assert.is(addonPath(), built);
  assert.type(loadAddon().openEngine, 'function');
});

test('node-gyp-build: build/Release wins over prebuilds/, prebuilds/ used when nothing was built', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capwire-loader-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'capwire' }));
    mkdirSync(join(dir, `prebuilds/${process.platform}-${process.arch}`), { recursive: true });
    copyFileSync(addonPath(), join(dir, `prebuilds/${process.platform}-${process.arch}/capwire.node`));
    assert.is(gypBuild.resolve(dir), join(dir, `prebuilds/${process.platform}-${process.arch}/capwire.node`));
    mkdirSync(join(dir, 'build/Release'), { recursive: true });
    copyFileSync(addonPath(), join(dir, 'build/Release/capwire.node'));
    assert.is(gypBuild.resolve(dir), join(dir, 'build/Release/capwire.node'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
