/**
 * Encode + decode cost of one message, both sides of the wire: capwire's
 * frame (pbjs static encode, strict decode, plus the inner method message)
 * against JSON.stringify/JSON.parse of the same data (with base64 for bytes),
 * and stock protobufjs static decode to show what strictness costs.
 */
import protobuf from 'protobufjs/light.js';
import { capwire as generated } from '../generated/envelope.js';
import { decodeMessage, encodeMessage } from '../protocol/codec/binary.js';
import type { Message } from '../protocol/codec/message.js';
import { decodeFrame, encodeFrame } from '../protocol/frame.js';
import { builtinSchemas } from '../protocol/schemas.js';
import { makePayload } from './bridges.js';
import { type Comparison, formatBytes as label, measure, nowNs, rotation, type Row } from './stats.js';

export const SECTION = 'encode+decode';

// What pbjs static code does for PingRequest { bytes data = 1 } (the generated module only holds the Envelope).
function staticPingEncode(data: Uint8Array): Uint8Array {
  return protobuf.Writer.create().uint32(10).bytes(data).finish();
}
function staticPingDecode(bytes: Uint8Array): Uint8Array {
  const reader = protobuf.Reader.create(bytes);
  let data: Uint8Array = new Uint8Array(0);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 10) data = reader.bytes();
    else reader.skipType(tag & 7);
  }
  return data;
}

interface Case {
  readonly name: string;
  /** capwire: method message + Envelope, encoded then decoded (strict). */
  readonly capwire: () => unknown;
  readonly baselines: readonly { readonly name: string; readonly run: () => unknown }[];
}

function cases(): Case[] {
  const schemas = builtinSchemas();
  const out: Case[] = [];

  const requestCase = (name: string, method: string, type: string, message: Message, json: Record<string, unknown>, extra: Case['baselines'] = []): Case => {
    const info = schemas.message(type);
    return {
      name,
      capwire: () => {
        const frame = encodeFrame({ protocolVersion: 1, id: 1234, request: { method, payload: encodeMessage(info, message), deadlineMs: 30000 } });
        const envelope = decodeFrame(frame);
        return decodeMessage(info, envelope.request!.payload!);
      },
      baselines: [
        { name: 'json', run: () => JSON.parse(JSON.stringify({ id: 1234, method, params: json, deadlineMs: 30000 })) },
        ...extra,
      ],
    };
  };

  const path = '/home/user/projects/notes/data/2026/11/26/meeting-notes.md';
  out.push(requestCase('fs.stat request', 'fs.stat', 'capwire.v1.StatRequest', { path }, { path }));

  const statInfo = schemas.message('capwire.v1.StatResponse');
  const stat: Message = { size: 48213n, isFile: true, isDirectory: false, mtimeMs: 1764159000123.5 };
  out.push({
    name: 'fs.stat response',
    capwire: () => {
      const frame = encodeFrame({ protocolVersion: 1, id: 1234, response: { payload: encodeMessage(statInfo, stat) } });
      return decodeMessage(statInfo, decodeFrame(frame).response!.payload!);
    },
    baselines: [{ name: 'json', run: () => JSON.parse(JSON.stringify({ id: 1234, result: { size: 48213, isFile: true, isDirectory: false, mtimeMs: 1764159000123.5 } })) }],
  });

  for (const size of [100, 1024, 64 * 1024]) {
    const payload = makePayload(size);
    const bytes = payload.bytes;
    const pingInfo = schemas.message('capwire.v1.PingRequest');
    const framed = encodeFrame({ protocolVersion: 1, id: 1234, request: { method: 'sys.ping', payload: encodeMessage(pingInfo, { data: bytes }), deadlineMs: 30000 } });
    out.push(
      requestCase(`sys.ping ${label(size)} request`, 'sys.ping', 'capwire.v1.PingRequest', { data: bytes }, { data: payload.text }, [
        {
          name: 'base64',
          run: () => {
            const text = JSON.stringify({ id: 1234, method: 'sys.ping', params: { data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') }, deadlineMs: 30000 });
            const parsed = JSON.parse(text) as { params: { data: string } };
            return Buffer.from(parsed.params.data, 'base64');
          },
        },
        {
          // Stock pbjs: static encode, non-strict static decode of envelope and payload (what capwire's strict decoder replaces).
          name: 'pbjs-static',
          run: () => {
            const frame = generated.v1.Envelope.encode({ protocolVersion: 1, id: 1234, request: { method: 'sys.ping', payload: staticPingEncode(bytes), deadlineMs: 30000 } }).finish();
            return staticPingDecode(generated.v1.Envelope.decode(frame).request!.payload!);
          },
        },
      ]),
    );
    // The receive side alone: where a host spends its time on each incoming frame.
    const jsonText = JSON.stringify({ id: 1234, method: 'sys.ping', params: { data: Buffer.from(bytes).toString('base64') }, deadlineMs: 30000 });
    out.push({
      name: `sys.ping ${label(size)} request, decode only`,
      capwire: () => decodeMessage(pingInfo, decodeFrame(framed).request!.payload!),
      baselines: [
        { name: 'base64', run: () => Buffer.from((JSON.parse(jsonText) as { params: { data: string } }).params.data, 'base64') },
        { name: 'pbjs-static', run: () => staticPingDecode(generated.v1.Envelope.decode(framed).request!.payload!) },
      ],
    });
  }
  return out;
}

/** ns per call of fn, running batches until repMs has passed. */
function timeIt(fn: () => unknown, repMs: number): number {
  let sink = 0;
  let batch = 16;
  let ops = 0;
  const start = nowNs();
  const until = start + repMs * 1e6;
  let t = start;
  while (t < until) {
    for (let i = 0; i < batch; i++) if (fn() !== undefined) sink++;
    ops += batch;
    t = nowNs();
    if (batch < 4096) batch *= 2;
  }
  if (sink < 0) throw new Error('unreachable');
  return (t - start) / ops;
}

export function runCodec(budget: { reps: number; repMs: number }, log: (line: string) => void): Row[] {
  const rows: Row[] = [];
  for (const c of cases()) {
    const contenders = [{ name: 'capwire', run: c.capwire }, ...c.baselines];
    const times = new Map<string, number[]>(contenders.map((x) => [x.name, []]));
    for (const x of contenders) timeIt(x.run, budget.repMs / 2);
    for (let rep = 0; rep < budget.reps; rep++) {
      for (const x of rotation(contenders, rep)) times.get(x.name)!.push(timeIt(x.run, budget.repMs));
    }
    const own = measure(times.get('capwire')!);
    const baselines: Comparison[] = c.baselines.map((b) => {
      const value = measure(times.get(b.name)!);
      return { baseline: b.name, value, ratio: value.median / own.median };
    });
    rows.push({
      section: SECTION,
      name: c.name,
      unit: 'ns/msg',
      capwire: own,
      baselines,
      howCompared: 'baseline ns / capwire ns (>1: capwire cheaper)',
      note: 'encode then decode of one message (method message + envelope), unless the name says decode only',
    });
    log(`  ${c.name}: capwire ${own.median.toFixed(0)} ns, ${baselines.map((b) => `${b.baseline} ${b.value.median.toFixed(0)} ns`).join(', ')}`);
  }
  return rows;
}
