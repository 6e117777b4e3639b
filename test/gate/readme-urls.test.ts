// The README's gate examples build request URLs from the config under review: run in a real Node
// process, every `url` function must keep each config value one query parameter, whatever characters
// it holds (a config value is whatever someone typed into Statsig's console).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(__dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'readme-urls-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The README's plain-object gates (the ```js blocks of "Writing a gate config"). */
function readmeGates(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Writing a gate config'),
    readme.indexOf('## Configuration'),
  );
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

/** Calls every http benchmark's `url` function with `value` as the config under review. */
function urlsFor(file: string, value: unknown): string[] {
  const harness = `
    const { default: gate } = await import(${JSON.stringify(pathToFileURL(file).href)});
    const urls = [];
    for (const suite of gate.suites ?? []) {
      for (const benchmark of suite.benchmarks ?? []) {
        if (typeof benchmark.url === 'function') {
          urls.push(String(await benchmark.url({ target: { value: ${JSON.stringify(value)} } })));
        }
      }
    }
    process.stdout.write(JSON.stringify(urls));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', harness], {
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[];
}

describe("the README's gate examples", () => {
  it('encode every config value they put in a URL', () => {
    const model = 'gpt-4o & friends#v2/a?b=c%20d';
    const urls = readmeGates().flatMap((snippet, index) => {
      const file = path.join(dir, `readme-${index}.mjs`);
      writeFileSync(file, snippet);
      return urlsFor(file, { model });
    });
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      const parsed = new URL(url);
      expect(parsed.hash).toBe('');
      expect(parsed.searchParams.get('model')).toBe(model);
      expect(parsed.searchParams.get('q')).toBe('shoes');
      expect([...parsed.searchParams.keys()].sort()).toEqual(['model', 'q']);
    }
  });
});
