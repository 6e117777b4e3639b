// A small client for the Statsig Console API endpoints rollout-gate uses. It performs exactly one HTTP
// request per call: retries belong to Temporal's activity retry policy, so that every attempt is
// visible in the workflow history and survives a worker crash.
import type { z } from 'zod';
import { StatsigApiError } from './errors';
import { fetchJson, type StatsigCallObserver } from './http';
import {
  type DynamicConfig,
  dynamicConfigSchema,
  type EntityKind,
  type Gate,
  gateSchema,
  type Pagination,
  pageBody,
  type ReleasePipelineTrigger,
  releasePipelineTriggerSchema,
  STATSIG_API_VERSION,
  successBody,
} from './schemas';

export interface PageRequest {
  /** Items per page; Statsig's default for /versions is 10. */
  limit?: number;
  /** 1-based. */
  page?: number;
}

export interface Page<T> {
  data: T[];
  pagination: Pagination;
}

/** Pages read at most when looking for a baseline: 20 × 100 versions. */
const MAX_VERSION_PAGES = 20;
const VERSION_PAGE_SIZE = 100;

export interface StatsigConsoleOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  /** Told about every call, e.g. for metrics. */
  onCall?: StatsigCallObserver;
}

export class StatsigConsoleClient {
  private readonly baseUrl: string;

  constructor(private readonly options: StatsigConsoleOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  getTrigger(triggerID: string, signal?: AbortSignal): Promise<ReleasePipelineTrigger> {
    return this.call(
      'GET',
      `/release_pipeline_triggers/${encodeURIComponent(triggerID)}`,
      releasePipelineTriggerSchema,
      { signal },
    );
  }

  approvePhase(
    triggerID: string,
    phaseID: string,
    signal?: AbortSignal,
  ): Promise<ReleasePipelineTrigger> {
    return this.call(
      'PUT',
      `/release_pipeline_triggers/${encodeURIComponent(triggerID)}/approve`,
      releasePipelineTriggerSchema,
      { body: { phaseID }, signal },
    );
  }

  abortTrigger(triggerID: string, signal?: AbortSignal): Promise<ReleasePipelineTrigger> {
    return this.call(
      'PUT',
      `/release_pipeline_triggers/${encodeURIComponent(triggerID)}/abort`,
      releasePipelineTriggerSchema,
      { signal },
    );
  }

  getGate(gateID: string, signal?: AbortSignal): Promise<Gate> {
    return this.call('GET', `/gates/${encodeURIComponent(gateID)}`, gateSchema, { signal });
  }

  disableGate(gateID: string, signal?: AbortSignal): Promise<Gate> {
    return this.call('PUT', `/gates/${encodeURIComponent(gateID)}/disable`, gateSchema, { signal });
  }

  getDynamicConfig(configID: string, signal?: AbortSignal): Promise<DynamicConfig> {
    return this.call(
      'GET',
      `/dynamic_configs/${encodeURIComponent(configID)}`,
      dynamicConfigSchema,
      {
        signal,
      },
    );
  }

  /** A gate or a dynamic config, for callers that hold either. */
  getEntity(kind: EntityKind, id: string, signal?: AbortSignal): Promise<Gate | DynamicConfig> {
    return kind === 'gate' ? this.getGate(id, signal) : this.getDynamicConfig(id, signal);
  }

  /** Switches a gate or a dynamic config off: the kill switch outside the pipeline. */
  disableEntity(kind: EntityKind, id: string, signal?: AbortSignal): Promise<Gate | DynamicConfig> {
    return kind === 'gate' ? this.disableGate(id, signal) : this.disableDynamicConfig(id, signal);
  }

  /** `GET /gates/{id}/versions`: the gate as it was at each version. */
  listGateVersions(gateID: string, request: PageRequest = {}, signal?: AbortSignal) {
    return this.callPage(
      `/gates/${encodeURIComponent(gateID)}/versions`,
      gateSchema,
      request,
      signal,
    );
  }

  /** `GET /dynamic_configs/{id}/versions`: the config as it was at each version. */
  listDynamicConfigVersions(configID: string, request: PageRequest = {}, signal?: AbortSignal) {
    return this.callPage(
      `/dynamic_configs/${encodeURIComponent(configID)}/versions`,
      dynamicConfigSchema,
      request,
      signal,
    );
  }

  /**
   * The latest version of a gate or dynamic config older than `version`, or null when there is
   * none. Statsig does not document the order of /versions, so every page is read (up to 2,000
   * versions) and the highest older version wins.
   */
  async findVersionBefore(
    kind: EntityKind,
    id: string,
    version: number,
    signal?: AbortSignal,
  ): Promise<Gate | DynamicConfig | null> {
    let best: Gate | DynamicConfig | null = null;
    for (let page = 1; page <= MAX_VERSION_PAGES; page += 1) {
      const request = { limit: VERSION_PAGE_SIZE, page };
      const answer =
        kind === 'gate'
          ? await this.listGateVersions(id, request, signal)
          : await this.listDynamicConfigVersions(id, request, signal);
      for (const entity of answer.data as Array<Gate | DynamicConfig>) {
        if (entity.version < version && (best === null || entity.version > best.version)) {
          best = entity;
        }
      }
      if (answer.pagination.nextPage == null || answer.data.length === 0) break;
    }
    return best;
  }

  disableDynamicConfig(configID: string, signal?: AbortSignal): Promise<DynamicConfig> {
    return this.call(
      'PUT',
      `/dynamic_configs/${encodeURIComponent(configID)}/disable`,
      dynamicConfigSchema,
      { signal },
    );
  }

  private async call<T extends z.ZodType>(
    method: string,
    path: string,
    dataSchema: T,
    { body, signal }: { body?: unknown; signal?: AbortSignal | undefined },
  ): Promise<z.infer<T>> {
    const json = await this.request(method, path, body, signal);
    return this.parse(method, path, successBody(dataSchema), json).data as z.infer<T>;
  }

  private async callPage<T extends z.ZodType>(
    path: string,
    itemSchema: T,
    { limit, page }: PageRequest,
    signal: AbortSignal | undefined,
  ): Promise<Page<z.infer<T>>> {
    const query = new URLSearchParams();
    if (limit !== undefined) query.set('limit', String(limit));
    if (page !== undefined) query.set('page', String(page));
    const search = query.size > 0 ? `?${query}` : '';
    const json = await this.request('GET', `${path}${search}`, undefined, signal);
    const parsed = this.parse('GET', path, pageBody(itemSchema), json);
    return { data: parsed.data as Array<z.infer<T>>, pagination: parsed.pagination };
  }

  private request(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const headers: Record<string, string> = {
      'STATSIG-API-KEY': this.options.apiKey,
      'STATSIG-API-VERSION': STATSIG_API_VERSION,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetchJson(`${this.baseUrl}${path}`, {
      method,
      path,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.options.timeoutMs,
      signal,
      onCall: this.options.onCall,
    });
  }

  private parse<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    json: unknown,
  ): z.infer<S> {
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new StatsigApiError(
        'STATSIG_BAD_RESPONSE',
        `Statsig ${method} ${path} answered a body that does not match the documented shape`,
        { method, path },
      );
    }
    return parsed.data;
  }
}
