/** Append-only JSON-lines files, written in order per file, readable by tests and people. */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export class JsonlWriter {
  private readonly chains = new Map<string, Promise<void>>();

  append(path: string, value: unknown): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    const previous = this.chains.get(path) ?? Promise.resolve();
    const next = previous.then(async () => {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, line, 'utf8');
    });
    // A failed write must not block later lines; the caller sees the failure.
    this.chains.set(
      path,
      next.catch(() => undefined),
    );
    return next;
  }

  async flush(): Promise<void> {
    await Promise.all(this.chains.values());
  }
}

/** Reads a JSON-lines file; a missing file is an empty list. */
export async function readJsonl<T = unknown>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
