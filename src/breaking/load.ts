/** Loads one side of a comparison: the protos under a directory and where each element sits in its file. */
import { readFileSync } from 'node:fs';
import { loadProtoTree } from '../protocol/proto-loader.js';
import type { Side } from './check.js';
import { findPositions, type FilePositions } from './positions.js';

export function loadSide(dir: string): Side {
  const tree = loadProtoTree([dir]);
  const positions = new Map<string, FilePositions>();
  for (const file of tree.files) if (file.input) positions.set(file.path, findPositions(readFileSync(file.filename, 'utf8')));
  return { tree, positions };
}
