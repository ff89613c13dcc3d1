/**
 * The `herald` CLI. Each command lives in its own module; this file wires them
 * up and maps every failure to a sentence and an exit code (0 ok, 1 invalid
 * input, 2 usage or unreadable paths) — never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../core/errors';
import { EXIT, UsageError } from './output';
import { registerPreviewCommand } from './preview';
import { registerRenderCommand } from './render';
import { registerStatusCommand } from './status';
import { registerValidateCommand } from './validate';

export function buildProgram(): Command {
  const program = new Command()
    .name('herald')
    .description(
      'Herald: get an official statement to the press, partners and the website, at the right moment, exactly once.',
    )
    .version(packageVersion(), '-V, --version', 'print the Herald version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerValidateCommand(program);
  registerRenderCommand(program);
  registerPreviewCommand(program);
  registerStatusCommand(program);
  return program;
}

/** The version in package.json, the one place it is kept. */
function packageVersion(): string {
  const pkg: unknown = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  );
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : '';
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // The local stack pulls in the emulators; load it only when asked for.
  const first = argv[2];
  if (
    first === undefined ||
    first === 'dev' ||
    first === 'help' ||
    first === '--help' ||
    first === '-h'
  ) {
    const { registerDevCommand } = await import('./dev');
    registerDevCommand(program);
  }
  // approve and reject know the local stack's ports: load them only when asked for, too.
  if (
    first === undefined ||
    first === 'approve' ||
    first === 'reject' ||
    first === 'help' ||
    first === '--help' ||
    first === '-h'
  ) {
    const { registerApprovalCommands } = await import('./approve');
    registerApprovalCommands(program);
  }
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; anything else commander rejects is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`herald: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`herald: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`herald: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
}
