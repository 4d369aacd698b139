// Runs the shared permission matrix (test/fixtures/permission-matrix.ts)
// straight against the native engine, once with openat2 and once with the
// component-by-component fallback resolver.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type NativeEngine, type NativeOutcome, openEngine } from '../../src/native/binding.js';
import { encodePolicyBlob } from '../../src/native/policy-blob.js';
import { type MatrixCase, type PermissionMatrix, buildPermissionMatrix } from '../fixtures/permission-matrix.js';

function describe(o: NativeOutcome): string {
  return o.code === 'OK' ? 'OK' : `${o.code}: ${o.message}`;
}

function resultText(o: NativeOutcome): string {
  if (o.code !== 'OK') return '';
  return JSON.stringify(o.result, (_k, v: unknown) =>
    v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
      ? Buffer.from((v as { data: number[] }).data).toString('latin1')
      : v,
  );
}

function checkCase(m: PermissionMatrix, c: MatrixCase, o: NativeOutcome): void {
  assert.is(o.code, c.expect, `${c.method} ${JSON.stringify(c.params)} as ${c.origin}: got ${describe(o)}`);
  const text = resultText(o);
  for (const s of m.secrets) assert.not.ok(text.includes(s), `result leaks ${s}: ${text}`);
  if (o.code === 'OK') {
    const r = o.result;
    if (c.expectData !== undefined) assert.is(Buffer.from(r.data as Uint8Array).toString('utf8'), c.expectData);
    if (c.expectStdout !== undefined) assert.is(Buffer.from(r.stdout as Uint8Array).toString('utf8'), c.expectStdout);
    if (c.expectEntries !== undefined) {
      const entries = r.entries as { name: string; isFile: boolean; isDirectory: boolean }[];
      const got = entries.map((e) => `${e.name}:${e.isFile ? 'file' : e.isDirectory ? 'dir' : 'other'}`);
      assert.equal(got, c.expectEntries);
    }
  } else if (o.code === 'PERMISSION_DENIED') {
    assert.ok(o.audit, 'a denial carries an audit record');
    assert.is(o.audit?.origin, c.origin);
    assert.ok(o.message.includes(JSON.stringify(c.origin)), `message names the origin: ${o.message}`);
    assert.ok(o.audit?.wouldAllow, 'audit says what would allow it');
    assert.ok(/\(.+\)$/.test(o.message), `message ends with how to fix: ${o.message}`);
  } else {
    assert.ok(o.message.length > 0, 'errors carry a message');
  }
}

for (const forceNoOpenat2 of [false, true]) {
  const mode = forceNoOpenat2 ? 'fallback' : 'openat2';
  const m = buildPermissionMatrix();
  const s = suite(`permission matrix (${mode})`);
  let engine: NativeEngine;
  const codes = new Map<string, number>();

  s.before(() => {
    engine = openEngine(encodePolicyBlob(m.rules), { forceNoOpenat2 });
    m.afterOpen();
  });
  s.after(() => {
    engine.close();
    const summary = [...codes].map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(`[matrix ${mode}] ${m.cases.length} cases: ${summary}`);
    m.cleanup();
  });

  s('table has at least 150 cases and the engine uses the wanted resolver', () => {
    assert.ok(m.cases.length >= 150, `only ${m.cases.length} cases`);
    assert.is(engine.resolver, mode);
    assert.equal([...engine.inertRoots], [join(m.root, 'missing-root')]);
  });

  for (const c of m.cases) {
    s(`${c.name} [${c.origin}]`, async () => {
      const o = await engine.call(c.origin, c.method, c.params);
      codes.set(o.code, (codes.get(o.code) ?? 0) + 1);
      checkCase(m, c, o);
    });
  }

  s('outside and denied files are untouched after the table ran', () => {
    assert.is(readFileSync(join(m.root, 'outside/secret.txt'), 'utf8'), 'OUTSIDE-SECRET');
    assert.is(readFileSync(join(m.root, 'data/private/p.txt'), 'utf8'), 'PRIVATE-SECRET-1');
    assert.is(readFileSync(join(m.root, 'data/a.txt'), 'utf8'), 'alpha');
  });

  s('denials never reveal whether an outside path exists', async () => {
    const pairs: [string, string][] = [
      ['outside/secret.txt', 'outside/nothing.txt'],
      ['data-evil/x.txt', 'data-evil/nothing.txt'],
      ['data/private/p.txt', 'data/private/nothing.txt'],
    ];
    for (const [exists, missing] of pairs) {
      for (const method of ['fs.readFile', 'fs.stat', 'fs.readDir']) {
        const a = await engine.call('app://main', method, { path: join(m.root, exists) });
        const b = await engine.call('app://main', method, { path: join(m.root, missing) });
        assert.is(a.code, 'PERMISSION_DENIED');
        assert.is(b.code, 'PERMISSION_DENIED');
        const norm = (o: NativeOutcome, p: string) => (o.code === 'OK' ? '' : o.message.split(join(m.root, p)).join('<P>'));
        assert.is(norm(a, exists), norm(b, missing), `${method} messages differ`);
      }
    }
  });

  s.run();
}
