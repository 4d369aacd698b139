// Schema pairs for test/codegen/breaking.test.ts: OLD and NEW file trees and,
// where it is worth stating, the rules expected (buf must agree either way).
export interface Pair {
  readonly name: string;
  readonly old: Record<string, string>;
  readonly new: Record<string, string>;
  readonly expect?: readonly string[];
}

const HEAD = 'syntax = "proto3";\npackage shop.v1;\nimport "capwire/v1/options.proto";\n';
const file = (body: string): Record<string, string> => ({ 'shop/v1/shop.proto': `${HEAD}${body}` });
const pair = (name: string, before: string, after: string, expect?: readonly string[]): Pair => ({ name, old: file(before), new: file(after), ...(expect ? { expect } : {}) });

const SERVICE = `
service Shop {
  option (capwire.v1.service_version) = "1.0.0";
  rpc Order(OrderRequest) returns (OrderResponse) {
    option (capwire.v1.capability) = "shop.order";
  }
}
message OrderRequest {
  string sku = 1;
  int32 count = 2;
}
message OrderResponse {
  string id = 1;
}
`;
const M = (fields: string): string => `message Item {\n${fields}\n}\n`;
const E = (values: string): string => `enum State {\n${values}\n}\n`;

export const PAIRS: readonly Pair[] = [
  pair('identical', SERVICE, SERVICE, []),
  pair('comments and whitespace only', SERVICE, `// Orders.\n${SERVICE.replace(/\n/g, '\n\n')}`, []),
  pair('add a field', M('  string a = 1;'), M('  string a = 1;\n  int32 b = 2;'), []),
  pair('add a message, an enum, a method', SERVICE, `${SERVICE}
service Shop2 {
  rpc Peek(OrderRequest) returns (OrderResponse) { option (capwire.v1.capability) = "shop.peek"; }
}
message Extra { bool x = 1; }
enum Kind { KIND_UNSPECIFIED = 0; }
`, []),
  pair('delete a field', M('  string a = 1;\n  int32 b = 2;'), M('  string a = 1;'), ['FIELD_NO_DELETE_UNLESS_NAME_RESERVED', 'FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED']),
  pair('delete a field, reserve its number', M('  string a = 1;\n  int32 b = 2;'), M('  string a = 1;\n  reserved 2;'), ['FIELD_NO_DELETE_UNLESS_NAME_RESERVED']),
  pair('delete a field, reserve its name', M('  string a = 1;\n  int32 b = 2;'), M('  string a = 1;\n  reserved "b";'), ['FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED']),
  pair('delete a field, reserve number and name', M('  string a = 1;\n  int32 b = 2;'), M('  string a = 1;\n  reserved 2;\n  reserved "b";'), []),
  pair('renumber a field', M('  string a = 1;'), M('  string a = 2;'), ['FIELD_NO_DELETE_UNLESS_NAME_RESERVED', 'FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED']),
  pair('int32 -> uint32 (wire and JSON compatible)', M('  int32 a = 1;'), M('  uint32 a = 1;'), []),
  pair('int64 -> uint64', M('  int64 a = 1;'), M('  uint64 a = 1;'), []),
  pair('fixed32 -> sfixed32', M('  fixed32 a = 1;'), M('  sfixed32 a = 1;'), []),
  pair('int32 -> int64 (JSON: number -> string)', M('  int32 a = 1;'), M('  int64 a = 1;'), ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('sint32 -> int32 (zigzag)', M('  sint32 a = 1;'), M('  int32 a = 1;'), ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('string -> bytes (JSON: base64)', M('  string a = 1;'), M('  bytes a = 1;'), ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('bool -> int32', M('  bool a = 1;'), M('  int32 a = 1;'), ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('enum -> int32', `${E('  STATE_UNSPECIFIED = 0;')}${M('  State a = 1;')}`, `${E('  STATE_UNSPECIFIED = 0;')}${M('  int32 a = 1;')}`, ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('field of another message type', `message A { int32 x = 1; }\nmessage B { int32 x = 1; }\n${M('  A a = 1;')}`, `message A { int32 x = 1; }\nmessage B { int32 x = 1; }\n${M('  B a = 1;')}`, ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('rename a message a field uses', `message A { int32 x = 1; }\n${M('  A a = 1;')}`, `message A2 { int32 x = 1; }\n${M('  A2 a = 1;')}`, ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('rename a field', M('  string title = 1;'), M('  string name = 1;'), ['FIELD_SAME_NAME', 'FIELD_SAME_JSON_NAME']),
  pair('rename a field, keep its JSON name', M('  string title = 1;'), M('  string name = 1 [json_name = "title"];'), ['FIELD_SAME_NAME']),
  pair('snake_case -> camelCase name, same JSON name', M('  string item_id = 1;'), M('  string itemId = 1;'), ['FIELD_SAME_NAME']),
  pair('change json_name', M('  string a = 1 [json_name = "alpha"];'), M('  string a = 1 [json_name = "beta"];'), ['FIELD_SAME_JSON_NAME']),
  pair('json_name equal to the default', M('  string a_b = 1;'), M('  string a_b = 1 [json_name = "aB"];'), []),
  pair('rename a oneof', M('  oneof pay {\n    string card = 1;\n    string iban = 2;\n  }'), M('  oneof payment {\n    string card = 1;\n    string iban = 2;\n  }'), ['FIELD_SAME_ONEOF']),
  pair('move a field into a oneof', M('  string card = 1;'), M('  oneof pay {\n    string card = 1;\n  }'), ['FIELD_SAME_ONEOF']),
  pair('move a field out of a oneof', M('  oneof pay {\n    string card = 1;\n    string iban = 2;\n  }'), M('  string card = 1;\n  oneof pay {\n    string iban = 2;\n  }'), ['FIELD_SAME_ONEOF']),
  pair('add a field to a oneof', M('  oneof pay {\n    string card = 1;\n  }'), M('  oneof pay {\n    string card = 1;\n    string iban = 2;\n  }'), []),
  pair('proto3 optional added', M('  int32 a = 1;'), M('  optional int32 a = 1;'), []),
  pair('proto3 optional -> oneof member', M('  optional int32 a = 1;'), M('  oneof o {\n    int32 a = 1;\n  }'), ['FIELD_SAME_ONEOF']),
  pair('singular -> repeated', M('  int32 a = 1;'), M('  repeated int32 a = 1;'), ['FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY']),
  pair('repeated -> singular string', M('  repeated string a = 1;'), M('  string a = 1;'), ['FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY']),
  pair('map -> repeated message', `message K { int32 x = 1; }\n${M('  map<string, int32> a = 1;')}`, `message K { int32 x = 1; }\n${M('  repeated K a = 1;')}`, ['FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY', 'FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('map value type change', M('  map<string, int32> a = 1;'), M('  map<string, string> a = 1;')),
  pair('map value int32 -> uint32', M('  map<string, int32> a = 1;'), M('  map<string, uint32> a = 1;'), []),
  pair('map key type change', M('  map<string, int32> a = 1;'), M('  map<int64, int32> a = 1;')),
  pair('nested message field type change', 'message Outer {\n  message Inner {\n    int32 x = 1;\n  }\n  Inner i = 1;\n}\n', 'message Outer {\n  message Inner {\n    string x = 1;\n  }\n  Inner i = 1;\n}\n', ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('delete an enum value', E('  STATE_UNSPECIFIED = 0;\n  STATE_OPEN = 1;\n  STATE_DONE = 2;'), E('  STATE_UNSPECIFIED = 0;\n  STATE_OPEN = 1;'), ['ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED', 'ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED']),
  pair('delete an enum value, reserve number and name', E('  STATE_UNSPECIFIED = 0;\n  STATE_DONE = 2;'), E('  STATE_UNSPECIFIED = 0;\n  reserved 2;\n  reserved "STATE_DONE";'), []),
  pair('rename an enum value', E('  STATE_UNSPECIFIED = 0;\n  STATE_OPEN = 1;'), E('  STATE_UNSPECIFIED = 0;\n  STATE_OPENED = 1;'), ['ENUM_VALUE_SAME_NAME']),
  pair('add an enum value', E('  STATE_UNSPECIFIED = 0;'), E('  STATE_UNSPECIFIED = 0;\n  STATE_OPEN = 1;'), []),
  pair('delete an unused message and enum', `message Gone { int32 x = 1; }\n${E('  STATE_UNSPECIFIED = 0;')}${M('  int32 a = 1;')}`, M('  int32 a = 1;'), []),
  pair('delete a reserved range', M('  int32 a = 1;\n  reserved 5 to 10;'), M('  int32 a = 1;\n  reserved 5 to 9;'), ['RESERVED_MESSAGE_NO_DELETE']),
  pair('delete a reserved name', M('  int32 a = 1;\n  reserved "old";'), M('  int32 a = 1;'), ['RESERVED_MESSAGE_NO_DELETE']),
  pair('reuse a reserved number', M('  int32 a = 1;\n  reserved 2;'), M('  int32 a = 1;\n  string b = 2;'), ['RESERVED_MESSAGE_NO_DELETE']),
  pair('widen a reserved range', M('  int32 a = 1;\n  reserved 5 to 10;'), M('  int32 a = 1;\n  reserved 4 to max;'), []),
  pair('delete an enum reserved range', E('  STATE_UNSPECIFIED = 0;\n  reserved 3;'), E('  STATE_UNSPECIFIED = 0;'), ['RESERVED_ENUM_NO_DELETE']),
  pair('sfixed64 -> fixed64', M('  sfixed64 a = 1;'), M('  fixed64 a = 1;'), []),
  pair('int32 -> sint32', M('  int32 a = 1;'), M('  sint32 a = 1;'), ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('float -> double', M('  float a = 1;'), M('  double a = 1;'), ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('repeated enum -> repeated int32', `${E('  STATE_UNSPECIFIED = 0;')}${M('  repeated State a = 1;')}`, `${E('  STATE_UNSPECIFIED = 0;')}${M('  repeated int32 a = 1;')}`, ['FIELD_WIRE_JSON_COMPATIBLE_TYPE']),
  pair('message field -> optional message field', `message K { int32 x = 1; }\n${M('  K a = 1;')}`, `message K { int32 x = 1; }\n${M('  optional K a = 1;')}`, []),
  pair('delete a whole oneof', M('  int32 a = 1;\n  oneof pay {\n    string card = 2;\n  }'), M('  int32 a = 1;\n  reserved 2;\n  reserved "card";'), []),
  pair('renumber an enum value', E('  STATE_UNSPECIFIED = 0;\n  STATE_OPEN = 1;'), E('  STATE_UNSPECIFIED = 0;\n  STATE_OPEN = 2;'), ['ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED', 'ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED']),
  pair('nested enum value renamed', 'message Outer {\n  enum Kind {\n    KIND_UNSPECIFIED = 0;\n    KIND_A = 1;\n  }\n  Kind kind = 1;\n}\n', 'message Outer {\n  enum Kind {\n    KIND_UNSPECIFIED = 0;\n    KIND_B = 1;\n  }\n  Kind kind = 1;\n}\n', ['ENUM_VALUE_SAME_NAME']),
  pair('enum alias added', E('  STATE_UNSPECIFIED = 0;\n  STATE_OPEN = 1;'), E('  option allow_alias = true;\n  STATE_UNSPECIFIED = 0;\n  STATE_OPEN = 1;\n  STATE_STARTED = 1;')),
  pair('enum alias removed', E('  option allow_alias = true;\n  STATE_UNSPECIFIED = 0;\n  STATE_OPEN = 1;\n  STATE_STARTED = 1;'), E('  option allow_alias = true;\n  STATE_UNSPECIFIED = 0;\n  STATE_OPEN = 1;\n  STATE_BEGUN = 1;')),
  pair('delete a nested message field', 'message Outer {\n  message Inner {\n    int32 x = 1;\n    int32 y = 2;\n  }\n  Inner i = 1;\n}\n', 'message Outer {\n  message Inner {\n    int32 x = 1;\n  }\n  Inner i = 1;\n}\n', ['FIELD_NO_DELETE_UNLESS_NAME_RESERVED', 'FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED']),
  pair('field options added (deprecated, packed)', M('  repeated int32 a = 1;\n  string b = 2;'), M('  repeated int32 a = 1 [packed = false];\n  string b = 2 [deprecated = true];'), []),
  {
    name: 'editions: message and enum lose JSON support',
    old: { 'e.proto': 'edition = "2023";\npackage e;\nmessage M {\n  int32 a = 1;\n}\nenum K {\n  K_A = 0;\n}\n' },
    new: { 'e.proto': 'edition = "2023";\npackage e;\nmessage M {\n  option features.json_format = LEGACY_BEST_EFFORT;\n  int32 a = 1;\n}\nenum K {\n  option features.json_format = LEGACY_BEST_EFFORT;\n  K_A = 0;\n}\n' },
    expect: ['MESSAGE_SAME_JSON_FORMAT', 'ENUM_SAME_JSON_FORMAT'],
  },
  {
    name: 'proto2 -> proto3 (JSON support gained)',
    old: { 'p.proto': 'syntax = "proto2";\npackage p;\nmessage P {\n  optional int32 a = 1;\n}\n' },
    new: { 'p.proto': 'syntax = "proto3";\npackage p;\nmessage P {\n  int32 a = 1;\n}\n' },
    expect: [],
  },
  pair('change the request type', SERVICE, SERVICE.replace('rpc Order(OrderRequest)', 'rpc Order(OrderResponse)'), ['RPC_SAME_REQUEST_TYPE']),
  pair('change the response type', SERVICE, SERVICE.replace('returns (OrderResponse)', 'returns (OrderRequest)'), ['RPC_SAME_RESPONSE_TYPE']),
  pair('unary -> server streaming', SERVICE, SERVICE.replace('returns (OrderResponse)', 'returns (stream OrderResponse)'), ['RPC_SAME_SERVER_STREAMING']),
  pair('unary -> client streaming', SERVICE, SERVICE.replace('rpc Order(OrderRequest)', 'rpc Order(stream OrderRequest)'), ['RPC_SAME_CLIENT_STREAMING']),
  pair('idempotency level', SERVICE, SERVICE.replace('option (capwire.v1.capability) = "shop.order";', 'option (capwire.v1.capability) = "shop.order";\n    option idempotency_level = NO_SIDE_EFFECTS;'), ['RPC_SAME_IDEMPOTENCY_LEVEL']),
  pair('bump service_version only', SERVICE, SERVICE.replace('"1.0.0"', '"1.1.0"'), []),
  {
    name: 'change the package',
    old: { 'shop/v1/shop.proto': 'syntax = "proto3";\npackage shop.v1;\nmessage Item { int32 a = 1; }\n' },
    new: { 'shop/v1/shop.proto': 'syntax = "proto3";\npackage shop.v2;\nmessage Item { int32 a = 1; }\n' },
    expect: ['FILE_SAME_PACKAGE'],
  },
  {
    name: 'move a message to another file of the package',
    old: { 'shop/v1/shop.proto': 'syntax = "proto3";\npackage shop.v1;\nmessage Item { int32 a = 1; }\nmessage Box { Item item = 1; }\n' },
    new: {
      'shop/v1/shop.proto': 'syntax = "proto3";\npackage shop.v1;\nimport "shop/v1/item.proto";\nmessage Box { Item item = 1; }\n',
      'shop/v1/item.proto': 'syntax = "proto3";\npackage shop.v1;\nmessage Item { int32 a = 1; }\n',
    },
    expect: [],
  },
  {
    name: 'cross-file field type change',
    old: {
      'shop/v1/shop.proto': 'syntax = "proto3";\npackage shop.v1;\nimport "shop/v1/item.proto";\nmessage Box { Item item = 1; }\n',
      'shop/v1/item.proto': 'syntax = "proto3";\npackage shop.v1;\nmessage Item { int32 a = 1; }\nmessage Other { int32 a = 1; }\n',
    },
    new: {
      'shop/v1/shop.proto': 'syntax = "proto3";\npackage shop.v1;\nimport "shop/v1/item.proto";\nmessage Box {\n  Other item = 1;\n}\n',
      'shop/v1/item.proto': 'syntax = "proto3";\npackage shop.v1;\nmessage Item { int32 a = 1; }\nmessage Other { int32 a = 1; }\n',
    },
    expect: ['FIELD_WIRE_JSON_COMPATIBLE_TYPE'],
  },
  {
    name: 'proto2: change a default',
    old: { 'p2.proto': 'syntax = "proto2";\npackage p2;\nmessage M {\n  optional int32 a = 1 [default = 5];\n}\n' },
    new: { 'p2.proto': 'syntax = "proto2";\npackage p2;\nmessage M {\n  optional int32 a = 1 [default = 6];\n}\n' },
    expect: ['FIELD_SAME_DEFAULT'],
  },
  {
    name: 'proto2: required -> optional',
    old: { 'p2.proto': 'syntax = "proto2";\npackage p2;\nmessage M {\n  required int32 a = 1;\n}\n' },
    new: { 'p2.proto': 'syntax = "proto2";\npackage p2;\nmessage M {\n  optional int32 a = 1;\n}\n' },
  },
];

/** Pairs buf's WIRE_JSON accepts but capwire reports: pages would lose methods or grants would change meaning. */
export const BRIDGE_PAIRS: readonly Pair[] = [
  pair('delete a method', `${SERVICE}service Two {\n  rpc A(OrderRequest) returns (OrderResponse) { option (capwire.v1.capability) = "two.a"; }\n  rpc B(OrderRequest) returns (OrderResponse) { option (capwire.v1.capability) = "two.b"; }\n}\n`,
    `${SERVICE}service Two {\n  rpc A(OrderRequest) returns (OrderResponse) { option (capwire.v1.capability) = "two.a"; }\n}\n`, ['RPC_NO_DELETE']),
  pair('rename a method', SERVICE, SERVICE.replace('rpc Order(', 'rpc PlaceOrder('), ['RPC_NO_DELETE']),
  pair('delete a service', SERVICE, SERVICE.replace(/service Shop \{[\s\S]*?\n\}\n/, ''), ['SERVICE_NO_DELETE']),
  pair('rename a service', SERVICE, SERVICE.replace('service Shop {', 'service Store {'), ['SERVICE_NO_DELETE']),
  pair('change a capability', SERVICE, SERVICE.replace('"shop.order"', '"shop.write"'), ['CAPABILITY_CHANGED']),
  {
    name: 'change the package of a file with a service',
    old: file(SERVICE),
    new: { 'shop/v1/shop.proto': `${HEAD.replace('shop.v1', 'shop.v2')}${SERVICE}` },
    expect: ['SERVICE_NO_DELETE'],
  },
];
