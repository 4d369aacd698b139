#!/usr/bin/env node
// Compiles src/ to dist/ and copies the generated static protobuf module,
// which is JavaScript with hand-off .d.ts (tsc does not copy it).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});
const from = join(root, 'src/generated');
const to = join(root, 'dist/generated');
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from)) {
  if (name.endsWith('.js') || name.endsWith('.d.ts')) copyFileSync(join(from, name), join(to, name));
}

// Browser build of the client (ES module for pages and workers; no Node
// built-ins: platform "browser" fails the build on any) and the demo page,
// whose import of the client stays external as "/capwire.js".
// protobufjs loads long.js when present, which compiles WebAssembly at load (a
// CSP violation under script-src 'self'); capwire's codecs use BigInt instead.
const { build } = await import('esbuild');
const withoutLong = {
  name: 'without-long',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^long$/ }, () => ({ path: 'long', namespace: 'without-long' }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'without-long' }, () => ({ contents: 'module.exports = null;', loader: 'js' }));
  },
};
const browserOptions = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'warning', legalComments: 'none', plugins: [withoutLong] };
await build({ ...browserOptions, entryPoints: [join(root, 'src/browser/entry.ts')], outfile: join(root, 'dist/browser/capwire.js') });
const clientAsPageImport = {
  name: 'client-as-page-import',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/browser\/entry\.js$/ }, () => ({ path: '/capwire.js', external: true }));
  },
};
await build({ ...browserOptions, entryPoints: [join(root, 'src/demo/page/main.ts')], outfile: join(root, 'dist/demo/page/app.js'), plugins: [clientAsPageImport, withoutLong] });
for (const name of ['index.html', 'style.css', 'favicon.svg']) copyFileSync(join(root, 'src/demo/page', name), join(root, 'dist/demo/page', name));
