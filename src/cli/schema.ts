/** `capwire schema`: prints the policy manifest's JSON Schema. */
import { manifestJsonSchema } from '../policy/manifest.js';

export async function schemaCommand(_args: string[], stdout: NodeJS.WritableStream): Promise<number> {
  stdout.write(`${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
  return 0;
}
