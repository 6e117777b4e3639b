// What every sandbox route shares: the context it works on, input validation answering Statsig's
// 400 shape, the `{ message, data }` envelope and the paged list envelope.
import { z } from 'zod';
import type { ChangeValidationRecord, LoggedEvent, Pagination } from './documents';
import { SandboxError } from './errors';
import type { SandboxStore } from './store';

export const CONSOLE_PREFIX = '/console/v1';
export const EVENTS_PREFIX = '/v1';
export const ADMIN_PREFIX = '/_sandbox';

/** Where the routes read and write; app.ts builds one per sandbox. */
export interface SandboxContext {
  store: SandboxStore;
  now: () => number;
  consoleApiKey: string;
  serverSecret?: string;
  loggedEvents: LoggedEvent[];
  changeValidations: ChangeValidationRecord[];
}

export type IdParams = { Params: { id: string } };

export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  code: 'INVALID_BODY' | 'INVALID_QUERY',
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  const where = code === 'INVALID_BODY' ? 'request body' : 'query string';
  throw new SandboxError(code, 400, `Invalid ${where}: ${problems}`);
}

export function ok<T>(message: string, data: T): { message: string; data: T } {
  return { message, data };
}

/** The spec documents no default page size, only the example 10; the sandbox uses that. */
export const DEFAULT_PAGE_SIZE = 10;

export const pageQuery = {
  limit: z.coerce.number().int().positive().default(DEFAULT_PAGE_SIZE),
  page: z.coerce.number().int().positive().default(1),
};

export const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date in the form YYYY-MM-DD')
  .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)), 'not a valid date');

export interface PageRequest {
  /** The request path, e.g. /console/v1/gates/a_gate/versions; the page links point at it. */
  path: string;
  limit: number;
  page: number;
  /** Filters to repeat in the page links. */
  filters?: Record<string, string | undefined>;
}

function pageLink(request: PageRequest, page: number): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(request.filters ?? {})) {
    if (value !== undefined) query.set(key, value);
  }
  query.set('page', String(page));
  query.set('limit', String(request.limit));
  return `${request.path}?${query.toString()}`;
}

/** One page of a list answer; the neighbours are relative URLs, as in Statsig's examples. */
export function paged<T>(message: string, items: T[], request: PageRequest) {
  const { limit, page } = request;
  const start = (page - 1) * limit;
  const pagination: Pagination = {
    itemsPerPage: limit,
    pageNumber: page,
    nextPage: start + limit < items.length ? pageLink(request, page + 1) : null,
    previousPage: page > 1 ? pageLink(request, page - 1) : null,
    totalItems: items.length,
  };
  return { message, data: items.slice(start, start + limit), pagination };
}

export function pathOf(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

export function queryOf(url: string): Record<string, string> {
  const index = url.indexOf('?');
  return index === -1 ? {} : Object.fromEntries(new URLSearchParams(url.slice(index + 1)));
}

export function isAdmin(path: string): boolean {
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
}
