// The yardstick measured against itself: the spec's own examples, hand-made bodies that must fail,
// and the OpenAPI 3.0 details (nullable, oneOf, allOf list items) that a naive conversion gets wrong.
import {
  type HttpMethod,
  matchOperation,
  operation,
  operations,
  requestExamples,
  responseExamples,
  validateConsoleError,
  validateRequest,
  validateResponse,
} from './spec';

const TRIGGER = '/console/v1/release_pipeline_triggers/{id}';
const TRIGGERS = '/console/v1/release_pipeline_triggers';
const GATE = '/console/v1/gates/{id}';

/** The `data` of the first 200 example the spec gives for an operation. */
function exampleData(method: HttpMethod, path: string): Record<string, unknown> {
  const example = responseExamples(method, path).find(({ status }) => status === 200)?.example;
  if (example === undefined) throw new Error(`the spec gives no 200 example for ${method} ${path}`);
  return structuredClone((example as { data: Record<string, unknown> }).data);
}

const specTrigger = () => exampleData('GET', TRIGGER);
const specGate = () => exampleData('GET', GATE);

const pagination = {
  itemsPerPage: 10,
  pageNumber: 1,
  nextPage: null,
  previousPage: null,
  totalItems: 2,
};

describe('the spec examples against their own schemas', () => {
  // Statsig's spec contradicts itself here. Listed exactly, so a newer spec that fixes (or adds)
  // one shows up as a failing test instead of passing unnoticed.
  const KNOWN_BAD_EXAMPLES: Record<string, string[]> = {
    // The example's data is `{ rules: [...] }` with no pagination; the schema wants a page whose
    // data is an array of GateRulesDto.
    'GET /console/v1/gates/{id}/rules 200': [
      "(root): must have required property 'pagination'",
      '/data: must be array (got {"rules":[{"conditions":[{"operator":"any","targetValue":["CA"],"type":"count...)',
    ],
    // The updated gate in the example lacks seven fields ExternalGateDto requires.
    'PATCH /console/v1/gates/{id}/rules/{ruleID} 200': [
      "/data: must have required property 'lastModifiedTime'",
      "/data: must have required property 'lastModifierEmail'",
      "/data: must have required property 'createdTime'",
      "/data: must have required property 'creatorName'",
      "/data: must have required property 'checksPerHour'",
      "/data: must have required property 'type'",
      "/data: must have required property 'typeReason'",
    ],
  };

  it('validates every response example except the known contradictions, which fail as recorded', () => {
    const failures: Record<string, string[]> = {};
    let checked = 0;
    for (const op of operations()) {
      for (const { status, example } of responseExamples(op.method, op.path)) {
        checked += 1;
        const result = validateResponse(op.method, op.path, status, example);
        if (!result.valid) failures[`${op.method} ${op.path} ${status}`] = result.errors;
      }
    }
    expect(failures).toEqual(KNOWN_BAD_EXAMPLES);
    // A fixture that lost its examples would make the check above vacuous.
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it('validates every request example', () => {
    const checked = operations().flatMap((op) =>
      requestExamples(op.method, op.path).map((example) => ({
        where: `${op.method} ${op.path} ${example.sources.join('+')}`,
        result: validateRequest(op.method, op.path, example.value),
      })),
    );
    expect(checked.length).toBeGreaterThanOrEqual(2);
    for (const { where, result } of checked)
      expect({ where, ...result }).toEqual({ where, valid: true, errors: [] });
  });
});

describe('validateResponse', () => {
  it('accepts the spec example and refuses a trigger whose currentPhase is a number', () => {
    expect(validateResponse('GET', TRIGGER, 200, { message: 'ok', data: specTrigger() })).toEqual({
      valid: true,
      errors: [],
    });
    const trigger = { ...specTrigger(), currentPhase: 0 };
    const result = validateResponse('GET', TRIGGER, 200, { message: 'ok', data: trigger });
    expect(result.valid).toBe(false);
    expect(result.errors).toContain('/data/currentPhase: must be string,null (got 0)');
  });

  it('names each missing required field with its JSON pointer', () => {
    const { actions: _actions, lastModifierName: _name, ...trigger } = specTrigger();
    const result = validateResponse('PUT', `${TRIGGER}/approve`, 200, { data: trigger });
    expect(result.errors).toEqual([
      "(root): must have required property 'message'",
      "/data: must have required property 'actions'",
      "/data: must have required property 'lastModifierName'",
    ]);
  });

  it('accepts null wherever the spec says nullable', () => {
    const trigger = {
      ...specTrigger(),
      currentPhase: null,
      currentPhaseID: null,
      currentPhaseEndTime: null,
    };
    expect(validateResponse('GET', TRIGGER, 200, { message: 'ok', data: trigger }).errors).toEqual(
      [],
    );
    const gate = {
      ...specGate(),
      releasePipelineID: null,
      owner: null,
      checksPerHour: null,
      rules: [
        {
          name: 'r',
          passPercentage: 10,
          environments: null,
          conditions: [{ type: 'public', targetValue: null, field: null, customID: null }],
        },
      ],
    };
    expect(validateResponse('GET', GATE, 200, { message: 'ok', data: gate }).errors).toEqual([]);
  });

  it('still refuses null where the spec does not allow it', () => {
    const result = validateResponse('GET', TRIGGER, 200, {
      message: 'ok',
      data: { ...specTrigger(), status: null, createdTime: null },
    });
    expect(result.errors).toEqual([
      '/data/createdTime: must be number (got null)',
      '/data/status: must be string (got null)',
    ]);
  });

  // allOf [PaginationResponseWithMessage, { data: { items: $ref } }]: the base alone only asks
  // for "an array of objects", so a converter that kept only the first branch would pass these.
  it('validates each item of a list answer against the item schema', () => {
    const { status: _status, ...noStatus } = specTrigger();
    const result = validateResponse('GET', TRIGGERS, 200, {
      message: 'ok',
      data: [specTrigger(), noStatus, { ...specTrigger(), actions: [{ type: 'LAUNCHED' }] }],
      pagination,
    });
    expect(result.errors).toEqual(
      expect.arrayContaining([
        "/data/1: must have required property 'status'",
        "/data/2/actions/0: must have required property 'timeMs'",
        '/data/2/actions/0/type: must be equal to one of the allowed values ["STARTED","ABORTED","PAUSED","UNPAUSED","APPROVED_FOR","SKIPPED","FULL_ROLL_OUT"] (got "LAUNCHED")',
      ]),
    );
    const versions = validateResponse('GET', `${GATE}/versions`, 200, {
      message: 'ok',
      data: [{ ...specGate(), isEnabled: 'yes' }],
      pagination,
    });
    expect(versions.errors).toEqual(['/data/0/isEnabled: must be boolean (got "yes")']);
  });

  it('reads pagination nextPage and previousPage as nullable strings, not page numbers', () => {
    const page = (next: unknown) =>
      validateResponse('GET', TRIGGERS, 200, {
        message: 'ok',
        data: [],
        pagination: { ...pagination, nextPage: next, previousPage: null },
      });
    expect(page(null).valid).toBe(true);
    expect(page('/console/v1/release_pipeline_triggers?page=2').valid).toBe(true);
    expect(page(2).errors).toEqual(['/pagination/nextPage: must be string,null (got 2)']);
    const { nextPage: _next, ...withoutNext } = pagination;
    expect(
      validateResponse('GET', TRIGGERS, 200, { message: 'ok', data: [], pagination: withoutNext })
        .errors,
    ).toEqual(["/pagination: must have required property 'nextPage'"]);
  });

  it('treats oneOf as a union, so an empty targetValue list is accepted', () => {
    // Under a strict oneOf, [] matches both string[] and number[] and would be refused; the spec's
    // own dynamic config rules example has exactly that.
    const gate = {
      ...specGate(),
      rules: [
        { name: 'r', passPercentage: 33.33, conditions: [{ type: 'user_id', targetValue: [] }] },
      ],
    };
    expect(validateResponse('GET', GATE, 200, { message: 'ok', data: gate }).errors).toEqual([]);
    const bad = { ...gate, rules: [{ ...gate.rules[0], passPercentage: 33.333 }] };
    expect(validateResponse('GET', GATE, 200, { message: 'ok', data: bad }).errors).toEqual([
      '/data/rules/0/passPercentage: must be multiple of 0.01 (got 33.333)',
    ]);
  });

  it('says so when the operation declares no response for the status', () => {
    expect(
      validateResponse('PUT', `${TRIGGER}/approve`, 400, { status: 400, message: 'x' }),
    ).toEqual({
      valid: false,
      errors: [
        'PUT /console/v1/release_pipeline_triggers/{id}/approve declares no 400 response (declares 200)',
      ],
    });
  });

  it('checks the log_event answer', () => {
    expect(validateResponse('POST', '/v1/log_event', 202, { success: true }).valid).toBe(true);
    expect(validateResponse('POST', '/v1/log_event', 202, {}).errors).toEqual([
      "(root): must have required property 'success'",
    ]);
  });
});

describe('validateConsoleError', () => {
  it('accepts { status, message } and refuses a status sent as a string', () => {
    expect(validateConsoleError(404, { status: 404, message: 'Gate not found' }).valid).toBe(true);
    expect(validateConsoleError(403, { status: 403, message: 'Forbidden resource' }).valid).toBe(
      true,
    );
    expect(validateConsoleError(404, { status: '404', message: 'x' }).valid).toBe(false);
    expect(validateConsoleError(401, { status: 404, message: 'x' }).errors).toEqual([
      '/status: must be equal to one of the allowed values [401] (got 404)',
    ]);
    expect(validateConsoleError(429, { status: 429, message: 'slow down' }).errors).toEqual([
      'the Console API declares no 429 error shape (declares 400, 401, 403, 404)',
    ]);
  });
});

describe('validateRequest', () => {
  const APPROVE = `${TRIGGER}/approve`;

  it('requires phaseID on approve, pause, unpause and skip', () => {
    for (const action of ['approve', 'pause', 'unpause', 'skip']) {
      const path = `${TRIGGER}/${action}`;
      expect(validateRequest('PUT', path, { phaseID: 'p' })).toEqual({ valid: true, errors: [] });
      expect(validateRequest('PUT', path, {})).toEqual({
        valid: false,
        errors: ["(root): must have required property 'phaseID'"],
      });
    }
    expect(validateRequest('PUT', APPROVE, { phaseID: 7 }).errors).toEqual([
      '/phaseID: must be string (got 7)',
    ]);
    expect(validateRequest('PUT', APPROVE, undefined).errors).toEqual([
      'PUT /console/v1/release_pipeline_triggers/{id}/approve requires a request body',
    ]);
  });

  it('takes no body on abort and rollout', () => {
    expect(validateRequest('PUT', `${TRIGGER}/abort`, undefined).valid).toBe(true);
    expect(validateRequest('PUT', `${TRIGGER}/rollout`, { phaseID: 'p' }).valid).toBe(false);
  });

  it('checks change_validation and log_event bodies', () => {
    const validation = '/console/v1/change_validation';
    expect(validateRequest('POST', validation, { reviewID: 'r', validated: true }).valid).toBe(
      true,
    );
    expect(
      validateRequest('POST', validation, { reviewID: 'r', validated: 'true' }).errors,
    ).toEqual(['/validated: must be boolean (got "true")']);
    const event = { eventName: 'e', time: 1_700_000_000_000, user: { userID: 'u' } };
    expect(validateRequest('POST', '/v1/log_event', { events: [event] }).valid).toBe(true);
    expect(validateRequest('POST', '/v1/log_event', { events: [] }).errors).toEqual([
      '/events: must NOT have fewer than 1 items (got [])',
    ]);
    const isoTime = { ...event, time: '2024-05-01T12:00:00Z' };
    expect(validateRequest('POST', '/v1/log_event', { events: [isoTime] }).valid).toBe(true);
    const badTime = { ...event, time: 'yesterday' };
    expect(validateRequest('POST', '/v1/log_event', { events: [badTime] }).valid).toBe(false);
  });
});

describe('operation and matchOperation', () => {
  it('throws for an operation the fixture lacks', () => {
    expect(() => operation('DELETE', GATE)).toThrow(/not in test\/fixtures\/statsig-spec.json/);
  });

  it.each<[HttpMethod, string, string, Record<string, string>]>([
    [
      'PATCH',
      '/console/v1/gates/abc/rules/r1',
      `${GATE}/rules/{ruleID}`,
      { id: 'abc', ruleID: 'r1' },
    ],
    ['GET', '/console/v1/gates/abc/rules', `${GATE}/rules`, { id: 'abc' }],
    [
      'GET',
      '/console/v1/gates/abc/rules/r1/pulse_results',
      `${GATE}/rules/{ruleID}/pulse_results`,
      { id: 'abc', ruleID: 'r1' },
    ],
    [
      'PUT',
      '/console/v1/release_pipeline_triggers/t1/approve?x=1',
      `${TRIGGER}/approve`,
      { id: 't1' },
    ],
    ['GET', 'https://statsigapi.net/console/v1/gates/a%2Fb/', GATE, { id: 'a/b' }],
    ['GET', '/console/v1/release_pipeline_triggers', TRIGGERS, {}],
    [
      'PATCH',
      '/console/v1/dynamic_configs/c/rule/r',
      '/console/v1/dynamic_configs/{id}/rule/{ruleId}',
      { id: 'c', ruleId: 'r' },
    ],
    ['POST', '/v1/log_event', '/v1/log_event', {}],
  ])('%s %s → %s', (method, concrete, template, params) => {
    const match = matchOperation(method, concrete);
    expect(match?.operation.path).toBe(template);
    expect(match?.params).toEqual(params);
  });

  it('finds nothing for an unknown path or the wrong method', () => {
    expect(matchOperation('GET', '/console/v1/experiments/x')).toBeUndefined();
    expect(
      matchOperation('GET', '/console/v1/release_pipeline_triggers/t1/approve'),
    ).toBeUndefined();
    expect(matchOperation('PUT', '/console/v1/gates//disable')).toBeUndefined();
  });
});
