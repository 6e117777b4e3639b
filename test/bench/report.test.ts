// The benchmarks rewrite bench/RESULTS.md, and CI lints it: a table the formatter would rewrite
// breaks CI after the next `npm run bench`. So the tables come out as biome writes them.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { table } from '../../bench/report';

const ROOT = path.resolve(__dirname, '../..');
const BIOME = path.join(ROOT, 'node_modules', '.bin', 'biome');

function formatted(markdown: string): string {
  return execFileSync(BIOME, ['format', '--stdin-file-path=RESULTS.md'], {
    cwd: ROOT,
    input: markdown,
    encoding: 'utf8',
  });
}

it('writes Markdown tables the formatter leaves as they are, narrow columns included', () => {
  const markdown = `${table(
    ['N', 'reviews', 'p50 ms'],
    [
      ['1', '19', '4.0'],
      ['50', '150', '107.1'],
    ],
  )}\n`;
  expect(markdown).toContain('| N   |');
  expect(formatted(markdown)).toBe(markdown);
});

it('writes wide cells in full, first column left-aligned and the others right', () => {
  const markdown = `${table(['run', 'decided/s'], [['rollout-gate, write limit lifted', '7.5']])}\n`;
  expect(markdown.split('\n')[2]).toBe('| rollout-gate, write limit lifted |       7.5 |');
  expect(formatted(markdown)).toBe(markdown);
});
