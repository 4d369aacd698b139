// Property tests for code generation over generated schemas: gen is
// deterministic wherever the input lives, every method lands in its service's
// capability table, and any message of the schema round-trips through the
// strict codecs (JSON -> binary -> JSON) unchanged.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../src/codegen/generate.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/codec/binary.js';
import { messageFromJson, messageToJson } from '../../src/protocol/codec/json.js';
import { loadProtoTree } from '../../src/protocol/proto-loader.js';

const SCALARS = ['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool', 'string', 'bytes'] as const;
type Scalar = (typeof SCALARS)[number];

interface FieldSpec { name: string; type: Scalar; repeated: boolean }
interface SchemaSpec { service: string; rpcs: string[]; fields: FieldSpec[] }

const lowerWord = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const upperWord = fc.stringMatching(/^[A-Z][a-z0-9]{0,6}$/);

const schemaSpec: fc.Arbitrary<SchemaSpec> = fc.record({
  service: upperWord,
  rpcs: fc.uniqueArray(upperWord, { minLength: 1, maxLength: 4 }),
  fields: fc.uniqueArray(
    fc.record({ name: fc.tuple(lowerWord, fc.option(lowerWord, { nil: undefined })).map(([a, b]) => (b ? `${a}_${b}` : a)), type: fc.constantFrom(...SCALARS), repeated: fc.boolean() }),
    { minLength: 1, maxLength: 8, selector: (field) => field.name.replace(/_/g, '') },
  ),
});

function protoText(spec: SchemaSpec): string {
  const fields = spec.fields.map((f, i) => `  ${f.repeated ? 'repeated ' : ''}${f.type} ${f.name} = ${i + 1};`).join('\n');
  const rpcs = spec.rpcs.map((rpc) => `  rpc ${rpc}(Item) returns (Item) { option (capwire.v1.capability) = "gen.${rpc.toLowerCase()}"; }`).join('\n');
  return `syntax = "proto3";\npackage gen.v1;\nimport "capwire/v1/options.proto";\nmessage Item {\n${fields}\n}\nservice ${spec.service} {\n${rpcs}\n}\n`;
}

function jsonValue(type: Scalar): fc.Arbitrary<unknown> {
  switch (type) {
    case 'double': return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'float': return fc.float({ noNaN: true, noDefaultInfinity: true });
    case 'int32': case 'sint32': case 'sfixed32': return fc.integer();
    case 'uint32': case 'fixed32': return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64': case 'sint64': case 'sfixed64': return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
    case 'uint64': case 'fixed64': return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
    case 'bool': return fc.boolean();
    case 'string': return fc.string({ unit: 'grapheme' });
    case 'bytes': return fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'));
  }
}

const test = suite('codegen properties');
const work = mkdtempSync(join(tmpdir(), 'capwire-genprop-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

test('generated schemas: gen output is identical in two folders, tables list every method, messages round-trip', () => {
  let n = 0;
  fc.assert(
    fc.property(schemaSpec, (spec) => {
      const text = protoText(spec);
      const outputs = ['a', 'b/deeper'].map((where) => {
        const dir = join(work, `${n}`, where, 'protos');
        mkdirSync(join(dir, 'gen/v1'), { recursive: true });
        writeFileSync(join(dir, 'gen/v1/item.proto'), text);
        return { tree: loadProtoTree([dir]), dir };
      });
      n++;
      const [first, second] = outputs.map(({ tree }) => generate(tree));
      assert.equal(first, second, 'byte-identical wherever the input lives');
      const all = first!.map((file) => file.content).join('\n');
      assert.not.ok(all.includes(work), 'no absolute paths in the output');
      for (const rpc of spec.rpcs) assert.ok(all.includes(`gen.${rpc.toLowerCase()}`), `capability of ${rpc}`);
      const info = outputs[0]!.tree.schemas.message('gen.v1.Item');
      const valueArb = fc.record(
        Object.fromEntries(spec.fields.map((f) => [f.name, f.repeated ? fc.array(jsonValue(f.type), { maxLength: 4 }) : jsonValue(f.type)])),
      );
      fc.assert(
        fc.property(valueArb, (json) => {
          const parsed = messageFromJson(info, json);
          const back = messageToJson(info, decodeMessage(info, encodeMessage(info, parsed)));
          assert.equal(back, messageToJson(info, parsed));
        }),
        { numRuns: 20 },
      );
    }),
    { numRuns: 15 },
  );
});

test.run();
