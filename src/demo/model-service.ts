// A local HTTP "model service" for the latency example and the demo: it answers with the local
// model and takes as long as the model's simulated generation time, so latency depends on the
// prompt configuration the request names. `npx tsx src/demo/model-service.ts [port]` runs it alone.
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { complete, type PromptConfig } from './local-model';

export interface ModelService {
  url: string;
  /** Completions answered so far (bench:pipeline counts model calls with it). */
  completions(): number;
  close(): Promise<void>;
}

function configFrom(query: URLSearchParams): PromptConfig {
  return {
    model: query.get('model') ?? '',
    template: query.get('template') ?? '',
    temperature: Number(query.get('temperature') ?? 0),
    maxTokens: Number(query.get('maxTokens') ?? 64),
  };
}

/** GET /v1/complete?model=&template=&temperature=&maxTokens=&question= → { text, latencyMs }. */
export async function startModelService(
  options: { port?: number; host?: string } = {},
): Promise<ModelService> {
  let completions = 0;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET' || url.pathname !== '/v1/complete') {
      answer(404, { error: 'not found' });
      return;
    }
    let completion: ReturnType<typeof complete>;
    try {
      completion = complete(configFrom(url.searchParams), url.searchParams.get('question') ?? '');
    } catch (error) {
      answer(400, { error: (error as Error).message });
      return;
    }
    completions += 1;
    void sleep(completion.latencyMs).then(() => answer(200, completion));
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    completions: () => completions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  startModelService({ port: Number(process.argv[2] ?? 4200) }).then(
    (service) => console.log(`model service at ${service.url}/v1/complete`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
