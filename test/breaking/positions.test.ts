// The position finder: line:col of definitions, fields, enum values, rpcs and
// options, through comments, strings and aggregate options that contain braces.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findPositions } from '../../src/breaking/positions.js';

const test = suite('proto positions');

const SOURCE = `// header { not a block
syntax = "proto3";
/* a block comment with } and ;
   over two lines */
package shop.v1;

import "capwire/v1/options.proto";
option (some.file_option) = { a: 1 b: "}" };

message Order {
  option (msg.opt) = { list: [1, 2] };
  message Line {
    string sku = 1 [json_name = "SKU", deprecated = true];
  }
  enum State {
    option allow_alias = true;
    STATE_UNSPECIFIED = 0;
    STATE_NEG = -1;
  }
  repeated Line lines = 1;
  map<string, int64> totals = 2;
  oneof pay {
    string card = 3;
  }
  reserved 8 to 10;
  optional .shop.v1.Order.State state = 4;
}

service Shop {
  rpc Place(Order) returns (stream Order) {
    option idempotency_level = IDEMPOTENT;
    option (capwire.v1.capability) = "shop.place";
  }
  rpc Peek(Order) returns (Order);
}
`;

const p = findPositions(SOURCE);

test('package and definitions, nested ones by full name', () => {
  assert.is(p.packageName, 'shop.v1');
  assert.equal(p.package, { line: 5, col: 1 });
  assert.equal(p.definitions.get('shop.v1.Order'), { line: 10, col: 1 });
  assert.equal(p.definitions.get('shop.v1.Order.Line'), { line: 12, col: 3 });
  assert.equal(p.definitions.get('shop.v1.Order.State'), { line: 15, col: 3 });
  assert.equal(p.definitions.get('shop.v1.Shop'), { line: 29, col: 1 });
  assert.equal(p.definitionOptions.get('shop.v1.Order.State#allow_alias'), { line: 16, col: 5 });
});

test('fields: start, name, type and bracket options; map, oneof and qualified types', () => {
  assert.equal(p.fields.get('shop.v1.Order.Line#1'), {
    start: { line: 13, col: 5 }, name: { line: 13, col: 12 }, type: { line: 13, col: 5 },
    options: new Map([['json_name', { line: 13, col: 21 }], ['deprecated', { line: 13, col: 40 }]]),
  });
  assert.equal(p.fields.get('shop.v1.Order#1')?.type, { line: 20, col: 12 });
  assert.equal(p.fields.get('shop.v1.Order#2')?.name, { line: 21, col: 22 });
  assert.equal(p.fields.get('shop.v1.Order#3')?.start, { line: 23, col: 5 });
  assert.equal(p.fields.get('shop.v1.Order#4')?.name, { line: 26, col: 33 });
});

test('enum values by name, negative numbers at their sign', () => {
  assert.equal(p.enumValues.get('shop.v1.Order.State#STATE_UNSPECIFIED'), { start: { line: 17, col: 5 }, number: { line: 17, col: 25 } });
  assert.equal(p.enumValues.get('shop.v1.Order.State#STATE_NEG')?.number, { line: 18, col: 17 });
});

test('rpcs: start, request and response types (after stream), body options', () => {
  const place = p.rpcs.get('shop.v1.Shop/Place')!;
  assert.equal(place.start, { line: 30, col: 3 });
  assert.equal(place.request, { line: 30, col: 13 });
  assert.equal(place.response, { line: 30, col: 36 });
  assert.equal(place.options.get('idempotency_level'), { line: 31, col: 5 });
  assert.equal(place.options.get('(capwire.v1.capability)'), { line: 32, col: 5 });
  assert.equal(p.rpcs.get('shop.v1.Shop/Peek')?.request, { line: 34, col: 12 });
});

test('garbage does not throw; positions are best effort', () => {
  assert.not.throws(() => findPositions('message { { } ] ; rpc ( returns'));
});

test.run();
