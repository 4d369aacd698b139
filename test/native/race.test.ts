// Swap race through the binding: a worker thread swaps a directory inside the
// granted root with a symlink to outside 20,000 times while the engine keeps
// reading through that path on the libuv pool. No read may return the secret.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openEngine } from '../../src/native/binding.js';
import { encodePolicyBlob } from '../../src/native/policy-blob.js';

const SWAPS = 20_000;
const SECRET = 'OUTSIDE-SECRET-RACE';

const swapperSource = `
const { renameSync } = require('node:fs');
const { workerData, parentPort } = require('node:worker_threads');
const { dir, swaps } = workerData;
let done = 0;
for (let i = 0; i < swaps; i++) {
  // dir/swap (a real directory) <-> dir/swap-alt (a symlink to ../outside)
  renameSync(dir + '/swap', dir + '/swap-tmp');
  renameSync(dir + '/swap-alt', dir + '/swap');
  renameSync(dir + '/swap', dir + '/swap-alt2');
  renameSync(dir + '/swap-tmp', dir + '/swap');
  renameSync(dir + '/swap-alt2', dir + '/swap-alt');
  done++;
}
parentPort.postMessage(done);
`;

async function race(forceNoOpenat2: boolean) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'capwire-race-')));
  try {
    mkdirSync(join(root, 'outside'));
    writeFileSync(join(root, 'outside/secret.txt'), SECRET);
    mkdirSync(join(root, 'data/swap'), { recursive: true });
    writeFileSync(join(root, 'data/swap/secret.txt'), 'inside');
    symlinkSync('../outside', join(root, 'data/swap-alt'));
    const engine = openEngine(
      encodePolicyBlob([{ effect: 'grant', origin: 'o', capability: 'fs.read', scopeKind: 'path', scopeValue: join(root, 'data') }]),
      { forceNoOpenat2 },
    );
    const counts = { reads: 0, ok: 0, leaks: 0, denied: 0, notFound: 0, other: 0 };
    let finished = false;
    const worker = new Worker(swapperSource, { eval: true, workerData: { dir: join(root, 'data'), swaps: SWAPS } });
    const swapped = new Promise<number>((resolve, reject) => {
      worker.once('message', (n: number) => {
        finished = true;
        resolve(n);
      });
      worker.once('error', (e) => {
        finished = true;
        reject(e);
      });
    });
    const reader = async () => {
      while (!finished) {
        const o = await engine.call('o', 'fs.readFile', { path: join(root, 'data/swap/secret.txt') });
        counts.reads++;
        if (o.code === 'OK') {
          const text = Buffer.from(o.result.data as Uint8Array).toString();
          if (text === 'inside') counts.ok++;
          else counts.leaks++;
        } else if (o.code === 'PERMISSION_DENIED') counts.denied++;
        else if (o.code === 'NOT_FOUND') counts.notFound++;
        else counts.other++;
      }
    };
    const [swaps] = await Promise.all([swapped, ...Array.from({ length: 4 }, reader)]);
    await worker.terminate();
    engine.close();
    const mode = forceNoOpenat2 ? 'fallback' : 'openat2';
    console.log(
      `[race ${mode}] swaps=${swaps} reads=${counts.reads} ok=${counts.ok} denied=${counts.denied} ` +
        `notFound=${counts.notFound} other=${counts.other} leaks=${counts.leaks}`,
    );
    return { swaps, ...counts };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

for (const forceNoOpenat2 of [false, true]) {
  test(`${SWAPS} dir<->symlink swaps during reads: zero leaks (${forceNoOpenat2 ? 'fallback' : 'openat2'})`, async () => {
    const r = await race(forceNoOpenat2);
    assert.is(r.swaps, SWAPS);
    assert.is(r.leaks, 0);
    assert.is(r.other, 0);
    assert.ok(r.reads > 1000, `only ${r.reads} reads raced the swaps`);
    assert.ok(r.ok > 0, 'some reads saw the real directory');
    assert.ok(r.denied > 0, 'some reads hit the symlink and were denied');
  });
}

test.run();
