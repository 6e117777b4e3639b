// The kinds of value the configuration is made of, as zod schemas that read environment strings:
// ports, flags, secret lists, durations (`30d`), sizes (`10GB`), and the few settings with a
// vocabulary of their own. src/config.ts puts them together under their variable names.
import { isIP } from 'node:net';
import { z } from 'zod';

export const commaList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  )
  .pipe(z.array(z.string().min(16, 'each secret must be at least 16 characters')).min(1));

export const port = z.coerce.number().int().min(0).max(65535);
/** A port, or `off` (or empty) to not listen at all. */
export const optionalPort = z
  .string()
  .optional()
  .transform((value, context) => {
    const text = value?.trim() ?? '';
    if (text === '' || text === 'off') return undefined;
    const number = Number(text);
    if (!Number.isInteger(number) || number < 0 || number > 65535) {
      context.addIssue({ code: 'custom', message: "must be a port (0-65535) or 'off'" });
      return z.NEVER;
    }
    return number;
  });
export const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((value) =>
    value === undefined || value === '' ? undefined : ['true', '1', 'yes'].includes(value),
  );
export const positiveMs = z.coerce
  .number()
  .int()
  .positive('must be a positive number of milliseconds');

export const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `30d`, `12h`, `90m`, `45s`; a unit is required so that `30` cannot mean 30 ms by accident. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim());
  const unit = match?.[2] === undefined ? undefined : DURATION_UNITS_MS[match[2]];
  if (!match || unit === undefined) return undefined;
  return Math.round(Number(match[1]) * unit);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `500MB`, `10GB`, `2GiB`, or a plain number of bytes. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] ?? 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(match[1]) * unit);
}

/** A duration, or `off` (or empty) for none. */
export const optionalDuration = z
  .string()
  .optional()
  .transform((value, context) => {
    const text = value?.trim() ?? '';
    if (text === '' || text === 'off') return undefined;
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      context.addIssue({
        code: 'custom',
        message: "must be a duration such as 30d or 12h, or 'off'",
      });
      return z.NEVER;
    }
    return ms;
  });

/** A size in bytes, or `off` (or empty) for none. */
export const optionalSize = z
  .string()
  .optional()
  .transform((value, context) => {
    const text = value?.trim() ?? '';
    if (text === '' || text === 'off') return undefined;
    const bytes = parseSize(text);
    if (bytes === undefined || bytes <= 0) {
      context.addIssue({
        code: 'custom',
        message: "must be a size such as 500MB or 10GB, or 'off'",
      });
      return z.NEVER;
    }
    return bytes;
  });

/** The receiver's internal listener (metrics, stats, changes, review API) by default. */
export const DEFAULT_INTERNAL_PORT = 9465;

/**
 * INTERNAL_PORT: a port of its own (the default), or `shared` to serve the internal routes on the
 * public PORT as before the split, leaving it to a proxy's routing.
 */
export const internalPort = z
  .string()
  .optional()
  .transform((value, context): number | 'shared' => {
    const text = value?.trim() ?? '';
    if (text === '') return DEFAULT_INTERNAL_PORT;
    if (text === 'shared') return 'shared';
    const number = Number(text);
    if (!Number.isInteger(number) || number < 0 || number > 65535) {
      context.addIssue({ code: 'custom', message: "must be a port (0-65535) or 'shared'" });
      return z.NEVER;
    }
    return number;
  });

/**
 * TRUST_PROXY, as Fastify's `trustProxy`: unset or `false` reads the client's address from the
 * socket; `true` trusts every X-Forwarded-For hop; a number trusts that many hops; otherwise a
 * comma-separated list of the proxies' addresses or CIDR ranges.
 */
export const trustProxy = z
  .string()
  .optional()
  .transform((value, context): boolean | number | string[] => {
    const text = value?.trim() ?? '';
    if (text === '' || text === 'false') return false;
    if (text === 'true') return true;
    if (/^\d+$/.test(text)) return Number(text);
    const entries = text
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    const bad = entries.find((entry) => isIP(entry.split('/')[0] ?? '') === 0);
    if (bad !== undefined || entries.length === 0) {
      context.addIssue({
        code: 'custom',
        message: 'must be true, false, a number of hops, or proxy addresses / CIDR ranges',
      });
      return z.NEVER;
    }
    return entries;
  });

/**
 * A duration with a default (`30s`, `5m`, `1h`), at least `minMs`, or `off` where `rules.off`
 * allows it (then undefined).
 */
export function durationSetting(fallback: string, rules: { off: boolean; minMs: number }) {
  return z
    .string()
    .optional()
    .transform((value, context) => {
      const text = (value?.trim() ? value : fallback).trim();
      if (text.toLowerCase() === 'off' && rules.off) return undefined;
      const parsed = parseDuration(text);
      if (parsed !== undefined && parsed >= rules.minMs) return parsed;
      context.addIssue({
        code: 'custom',
        message: `must be a duration such as 30s, 5m or 1h, at least ${rules.minMs / 1000}s${rules.off ? ", or 'off'" : ''}`,
      });
      return z.NEVER;
    });
}

/** An http(s) URL, or unset. */
export const optionalHttpUrl = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()))
  .pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional());
