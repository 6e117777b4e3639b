// What every benchmark script shares: order statistics, the machine line, Markdown tables in the
// layout the repository's formatter gives them, and writing one marked section of bench/RESULTS.md
// (each script rewrites only its own section; hand-written notes around them stay).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// The gate's own definitions (linear interpolation, like numpy), so every figure in RESULTS.md
// means what a criterion's p50 or p99 means.
export { median, quantile } from '../src/gate/stats';

export const RESULTS = path.join(__dirname, 'RESULTS.md');

export const fmt = (value: number, digits = 1) =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';

export function machine(): string {
  const cpu = os.cpus();
  const memoryGiB = os.totalmem() / 1024 ** 3;
  return `${cpu.length} CPUs (${cpu[0]?.model ?? 'unknown'}), ${fmt(memoryGiB)} GiB memory, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/**
 * A Markdown table with padded columns; the first column left-aligned, the others right. Columns are
 * at least 3 wide, as the formatter (biome) writes a rule, so RESULTS.md passes lint as written.
 */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...rows.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return column === 0 ? cell.padEnd(width) : cell.padStart(width);
      })
      .join(' | ')} |`;
  const rule = `| ${widths
    .map((width, column) => (column === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`))
    .join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Replaces the `<!-- bench:<name>:start -->` … `end` block of RESULTS.md, or appends it. */
export async function writeResults(name: string, section: string): Promise<void> {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${section}\n${end}`;
  let current: string;
  try {
    current = await fs.readFile(RESULTS, 'utf8');
  } catch {
    current = '# Benchmark results\n';
  }
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from !== -1 && to > from
      ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}`
      : `${current.trimEnd()}\n\n${block}\n`;
  await fs.writeFile(RESULTS, next);
}
