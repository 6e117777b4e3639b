// Where a pre-commit validation's answer attempts leave their mark, so that no attempt answers after
// another may have: Statsig offers no read of change_validation to check. A claim is taken (an
// exclusive create) before the call, and released only when Statsig's own answer proves the call
// was refused or never reached it; a 2xx is recorded. Kept in the report store (GATE_REPORTS_DIR),
// which workers on several hosts share.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorCode } from '../src/error-message';

export interface LedgerEntry {
  attempt: number;
  atMs: number;
}

function folderName(key: string): string {
  const safe = key.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  return `${safe}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

export class AnswerLedger {
  private readonly dir: string;

  constructor(reportsDir: string, key: string) {
    this.dir = path.join(reportsDir, 'change-validations', folderName(key));
  }

  private file(name: 'claim' | 'answered'): string {
    return path.join(this.dir, `${name}.json`);
  }

  /** The record of an answer Statsig took (2xx), if an attempt made one. */
  async answered(): Promise<LedgerEntry | undefined> {
    try {
      return JSON.parse(await readFile(this.file('answered'), 'utf8')) as LedgerEntry;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Takes the claim to call Statsig; false when another attempt holds it (or held it and died). */
  async claim(entry: LedgerEntry): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    try {
      await writeFile(this.file('claim'), JSON.stringify(entry), { flag: 'wx' });
      return true;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    }
  }

  /** The call provably did not reach Statsig: a later attempt may make it. */
  async release(): Promise<void> {
    await unlink(this.file('claim')).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
    });
  }

  /** Statsig took the answer; the claim stays, so nothing answers again. */
  async recordAnswered(entry: LedgerEntry): Promise<void> {
    const temporary = `${this.file('answered')}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temporary, JSON.stringify(entry));
    await rename(temporary, this.file('answered'));
  }
}
