#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli (compiled from src/cli by `npm run build`).
import { main } from '../dist/cli/main.js';

// A reader that stops early (`capwire ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
