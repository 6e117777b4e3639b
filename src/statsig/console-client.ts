// A small client for the Statsig Console API endpoints rollout-gate uses. It performs exactly one HTTP
// request per call: retries belong to Temporal's activity retry policy, so that every attempt is
// visible in the workflow history and survives a worker crash.
import type { z } from 'zod';
import { StatsigApiError } from './errors';
import { fetchJson, type StatsigCallObserver } from './http';
import {
  type ChangeValidation,
  type DynamicConfig,
  dynamicConfigSchema,
  type EntityKind,
  type Gate,
  type GatePulseResults,
  gatePulseResultsSchema,
  gateSchema,
  type Pagination,
  type PulseQuery,
  pageBody,
  type ReleasePipeline,
  type ReleasePipelineTrigger,
  type RuleUpdate,
  releasePipelineSchema,
  releasePipelineTriggerSchema,
  STATSIG_API_VERSION,
  successBody,
} from './schemas';
import { type ReadKind, type StatsigSurpriseObserver, surprisesIn } from './surprises';

export interface PageRequest {
  /** Items per page; the spec gives no default (its examples use 10). */
  limit?: number;
  /** 1-based. */
  page?: number;
}

export interface Page<T> {
  data: T[];
  pagination: Pagination | null | undefined;
}

/** What a write's 2xx answer told us: `unconfirmed` when its body was not the documented one. */
export type WriteAnswer = { confirmed: boolean };

/** Pages read at most when listing an entity's versions: 20 × 100 versions. */
const MAX_VERSION_PAGES = 20;
const VERSION_PAGE_SIZE = 100;

export interface TriggerFilter {
  status?: string;
  releasePipelineID?: string;
  gateID?: string;
  dynamicConfigID?: string;
}

export interface StatsigConsoleOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  /** Told about every call, e.g. for metrics. */
  onCall?: StatsigCallObserver;
  /** Told about every undocumented value or missing field Statsig answered with. */
  onSurprise?: StatsigSurpriseObserver;
}

const id = encodeURIComponent;

export class StatsigConsoleClient {
  private readonly baseUrl: string;

  constructor(private readonly options: StatsigConsoleOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  getTrigger(triggerID: string, signal?: AbortSignal): Promise<ReleasePipelineTrigger> {
    const path = `/release_pipeline_triggers/${id(triggerID)}`;
    return this.read('trigger', path, releasePipelineTriggerSchema, signal);
  }

  /** One page of `GET /release_pipeline_triggers`, filtered (e.g. `status=WAITING_FOR_REVIEW`). */
  listTriggers(filter: TriggerFilter, request: PageRequest = {}, signal?: AbortSignal) {
    const params = { ...filter, ...request };
    return this.readPage(
      'trigger',
      '/release_pipeline_triggers',
      releasePipelineTriggerSchema,
      params,
      signal,
    );
  }

  getPipeline(pipelineID: string, signal?: AbortSignal): Promise<ReleasePipeline> {
    return this.read(
      'pipeline',
      `/release_pipelines/${id(pipelineID)}`,
      releasePipelineSchema,
      signal,
    );
  }

  approvePhase(triggerID: string, phaseID: string, signal?: AbortSignal): Promise<WriteAnswer> {
    return this.write('PUT', `/release_pipeline_triggers/${id(triggerID)}/approve`, {
      body: { phaseID },
      signal,
    });
  }

  abortTrigger(triggerID: string, signal?: AbortSignal): Promise<WriteAnswer> {
    return this.write('PUT', `/release_pipeline_triggers/${id(triggerID)}/abort`, { signal });
  }

  /** Holds the trigger at the phase; the phaseID guards against a pipeline that moved on. */
  pauseTrigger(triggerID: string, phaseID: string, signal?: AbortSignal): Promise<WriteAnswer> {
    return this.write('PUT', `/release_pipeline_triggers/${id(triggerID)}/pause`, {
      body: { phaseID },
      signal,
    });
  }

  unpauseTrigger(triggerID: string, phaseID: string, signal?: AbortSignal): Promise<WriteAnswer> {
    return this.write('PUT', `/release_pipeline_triggers/${id(triggerID)}/unpause`, {
      body: { phaseID },
      signal,
    });
  }

  /** A gate or a dynamic config, for callers that hold either. */
  getEntity(
    kind: EntityKind,
    entityID: string,
    signal?: AbortSignal,
  ): Promise<Gate | DynamicConfig> {
    return kind === 'gate'
      ? this.read('entity', `/gates/${id(entityID)}`, gateSchema, signal)
      : this.read('entity', `/dynamic_configs/${id(entityID)}`, dynamicConfigSchema, signal);
  }

  getGate(gateID: string, signal?: AbortSignal): Promise<Gate> {
    return this.read('entity', `/gates/${id(gateID)}`, gateSchema, signal);
  }

  getDynamicConfig(configID: string, signal?: AbortSignal): Promise<DynamicConfig> {
    return this.read('entity', `/dynamic_configs/${id(configID)}`, dynamicConfigSchema, signal);
  }

  /** What Pulse measured for one rule of a gate: each metric, test group against control. */
  getGatePulseResults(
    gateID: string,
    ruleID: string,
    query: PulseQuery = {},
    signal?: AbortSignal,
  ): Promise<GatePulseResults> {
    const params = new URLSearchParams();
    if (query.confidence !== undefined) params.set('confidence', String(query.confidence));
    if (query.cuped !== undefined) params.set('cuped', String(query.cuped));
    const search = params.size > 0 ? `?${params}` : '';
    const path = `/gates/${id(gateID)}/rules/${id(ruleID)}/pulse_results${search}`;
    return this.read('pulse', path, gatePulseResultsSchema, signal);
  }

  /** Switches a gate or a dynamic config off: the kill switch outside the pipeline. */
  disableEntity(kind: EntityKind, entityID: string, signal?: AbortSignal): Promise<WriteAnswer> {
    const root = kind === 'gate' ? 'gates' : 'dynamic_configs';
    return this.write('PUT', `/${root}/${id(entityID)}/disable`, { signal });
  }

  /**
   * Changes one rule (`{ passPercentage: 0 }` is Statsig's own kill switch for part of the traffic).
   * The two kinds spell the path differently: `/gates/{id}/rules/{ruleID}` and
   * `/dynamic_configs/{id}/rule/{ruleId}`.
   */
  updateRule(
    kind: EntityKind,
    entityID: string,
    ruleID: string,
    update: RuleUpdate,
    signal?: AbortSignal,
  ): Promise<WriteAnswer> {
    const path =
      kind === 'gate'
        ? `/gates/${id(entityID)}/rules/${id(ruleID)}`
        : `/dynamic_configs/${id(entityID)}/rule/${id(ruleID)}`;
    return this.write('PATCH', path, { body: update, signal });
  }

  /** Answers a pre-commit webhook: the change is validated or not. */
  postChangeValidation(validation: ChangeValidation, signal?: AbortSignal): Promise<WriteAnswer> {
    return this.write('POST', '/change_validation', { body: validation, signal, envelope: false });
  }

  /** Shows progress on a pending pre-commit review. */
  patchChangeValidationMessage(
    reviewID: string,
    message: string,
    signal?: AbortSignal,
  ): Promise<WriteAnswer> {
    return this.write('PATCH', '/change_validation/message', {
      body: { reviewID, message },
      signal,
      envelope: false,
    });
  }

  /** One page of `GET /gates|dynamic_configs/{id}/versions`: the entity as it was at each version. */
  listVersions(
    kind: EntityKind,
    entityID: string,
    request: PageRequest = {},
    signal?: AbortSignal,
  ): Promise<Page<Gate | DynamicConfig>> {
    const path = `/${kind === 'gate' ? 'gates' : 'dynamic_configs'}/${id(entityID)}/versions`;
    const schema = kind === 'gate' ? gateSchema : dynamicConfigSchema;
    return this.readPage('entity', path, schema, { ...request }, signal);
  }

  /**
   * Every version of a gate or dynamic config, up to 2,000. Statsig documents neither the order of
   * /versions nor that a version carries a number, so callers pick from the whole list.
   */
  async allVersions(
    kind: EntityKind,
    entityID: string,
    signal?: AbortSignal,
  ): Promise<Array<Gate | DynamicConfig>> {
    const versions: Array<Gate | DynamicConfig> = [];
    for (let page = 1; page <= MAX_VERSION_PAGES; page += 1) {
      const answer = await this.listVersions(
        kind,
        entityID,
        { limit: VERSION_PAGE_SIZE, page },
        signal,
      );
      versions.push(...answer.data);
      if (answer.pagination?.nextPage == null || answer.data.length === 0) break;
    }
    return versions;
  }

  private async read<T extends z.ZodType>(
    kind: ReadKind,
    path: string,
    dataSchema: T,
    signal: AbortSignal | undefined,
  ): Promise<z.infer<T>> {
    const json = await this.request('GET', path, undefined, signal);
    const data = this.parse('GET', path, successBody(dataSchema), json).data as z.infer<T>;
    this.observeSurprises(kind, path, data);
    return data;
  }

  private async readPage<T extends z.ZodType>(
    kind: ReadKind,
    path: string,
    itemSchema: T,
    params: Record<string, string | number | undefined>,
    signal: AbortSignal | undefined,
  ): Promise<Page<z.infer<T>>> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined) query.set(name, String(value));
    }
    const search = query.size > 0 ? `?${query}` : '';
    const json = await this.request('GET', `${path}${search}`, undefined, signal);
    const parsed = this.parse('GET', path, pageBody(itemSchema), json);
    for (const item of parsed.data) this.observeSurprises(kind, path, item);
    if (typeof parsed.pagination?.nextPage === 'number') {
      this.options.onSurprise?.({ path, field: 'pagination.nextPage', value: 'number' });
    }
    return { data: parsed.data as Array<z.infer<T>>, pagination: parsed.pagination };
  }

  /**
   * A write whose 2xx answer is not the documented envelope still happened as far as Statsig said;
   * the caller settles it by reading the state back (`confirmed: false`) rather than trusting or
   * failing it.
   */
  private async write(
    method: string,
    path: string,
    options: { body?: unknown; signal?: AbortSignal | undefined; envelope?: boolean },
  ): Promise<WriteAnswer> {
    const json = await this.request(method, path, options.body, options.signal);
    const documented =
      json !== null &&
      typeof json === 'object' &&
      !Array.isArray(json) &&
      (options.envelope === false || typeof (json as { data?: unknown }).data === 'object');
    if (!documented) {
      this.options.onSurprise?.({ path, field: '(answer)', value: 'undocumented 2xx body' });
    }
    return { confirmed: documented };
  }

  private observeSurprises(kind: ReadKind, path: string, value: unknown): void {
    const observe = this.options.onSurprise;
    if (!observe) return;
    for (const surprise of surprisesIn(kind, value)) observe({ path, ...surprise });
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
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'unreadable';
      throw new StatsigApiError(
        'STATSIG_BAD_RESPONSE',
        `Statsig ${method} ${path} answered a body rollout-gate cannot read (${where})`,
        { method, path },
      );
    }
    return parsed.data;
  }
}
