// Loads the module GATE_CONFIG names (.ts, .js, .mjs or .cjs). TypeScript goes through tsx's loader so
// the same file works under `npm start` (tsx) and the compiled build (plain node).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../error-message';
import { GateConfigError, validateGate } from './define';
import type { GateDefinition } from './types';

export async function loadGateConfig(modulePath: string): Promise<GateDefinition> {
  const absolute = path.resolve(modulePath);
  if (!existsSync(absolute)) {
    throw new GateConfigError(absolute, ['file not found (check GATE_CONFIG)']);
  }
  let loaded: Record<string, unknown>;
  try {
    if (/\.[cm]?ts$/.test(absolute)) {
      const { tsImport } = await import('tsx/esm/api');
      loaded = (await tsImport(pathToFileURL(absolute).href, __filename)) as Record<
        string,
        unknown
      >;
    } else {
      loaded = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new GateConfigError(absolute, [`could not be imported: ${errorMessage(error)}`]);
  }
  // ESM default export, or CommonJS `module.exports` surfaced as `default` (possibly nested once).
  let gate: unknown = loaded.default ?? loaded;
  if (gate && typeof gate === 'object' && 'default' in gate && !('suites' in gate)) {
    gate = (gate as { default: unknown }).default;
  }
  return validateGate(gate, absolute);
}
