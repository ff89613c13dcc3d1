/**
 * Watches the dropbox folder (`dropbox/`, git-ignored): a statement JSON saved there is
 * uploaded to incoming/ and processed like an S3 upload. Editors save in several writes,
 * so a file is read once it has been quiet for a moment; saving identical bytes again is
 * not a new upload.
 */
import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

export interface DropboxWatcher {
  readonly directory: string;
  close(): void;
}

export interface DropboxOptions {
  directory: string;
  /** Called with the file name and its bytes. */
  onFile: (name: string, body: Buffer) => Promise<void>;
  onError?: (name: string, error: unknown) => void;
  /** Quiet time before a changed file is read. @default 300 */
  settleMs?: number;
}

export async function watchDropbox(options: DropboxOptions): Promise<DropboxWatcher> {
  await mkdir(options.directory, { recursive: true });
  const timers = new Map<string, NodeJS.Timeout>();
  const lastHash = new Map<string, string>();
  const settleMs = options.settleMs ?? 300;

  const handle = async (name: string) => {
    let body: Buffer;
    try {
      body = await readFile(join(options.directory, name));
    } catch (error) {
      // Deleted or renamed away before we read it: nothing to upload.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const hash = createHash('sha256').update(body).digest('hex');
    if (lastHash.get(name) === hash) return;
    lastHash.set(name, hash);
    await options.onFile(name, body);
  };

  const watcher: FSWatcher = watch(options.directory, (_event, filename) => {
    if (!filename) return;
    const name = basename(filename.toString());
    if (!name.endsWith('.json') || name.startsWith('.')) return;
    const pending = timers.get(name);
    if (pending) clearTimeout(pending);
    timers.set(
      name,
      setTimeout(() => {
        timers.delete(name);
        handle(name).catch((error: unknown) => options.onError?.(name, error));
      }, settleMs),
    );
  });

  return {
    directory: options.directory,
    close() {
      watcher.close();
      for (const timer of timers.values()) clearTimeout(timer);
    },
  };
}
