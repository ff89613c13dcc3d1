/**
 * `herald preview <file>`: what a comms officer keeps open while writing. The console's
 * pages on one statement file (local/console/preview.ts): the email as a journalist
 * gets it (desktop, phone, dark, text), the social posts with each platform's count,
 * and beside them every problem `herald validate` would report and what the lifecycle
 * would do. Re-rendered each time the file is saved. No AWS, no emulators.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../core/config/load';
import type { HeraldConfig } from '../core/config/schema';
import { buildPartnerMessage } from '../core/envelope';
import { greetingFor } from '../core/mime';
import { renderStatement } from '../core/render';
import { EmailTooLargeError, escapeHtml } from '../core/render/email';
import { fromHeader } from '../core/render/sender';
import { fillSlots } from '../core/render/slots';
import {
  EXAMPLE_SENDER,
  PREVIEW_RECIPIENT,
  PREVIEW_UNSUBSCRIBE,
} from '../core/render/template/preview-data';
import { resolveEmbargo } from '../core/statement/embargo';
import type { PreviewState } from '../local/console/preview';
import { socialViews } from '../local/console/social';
import { describeError, UsageError } from './output';
import { partnerTypeFor } from './render';
import { lifecycleWarnings, parseNow, validateFile } from './validate';

export const DEFAULT_PREVIEW_PORT = 8788;

interface PreviewOptions {
  port: number;
  config?: string;
  now?: string;
}

/** Checks and renders `file` as `herald validate` and `herald render` would; never throws for a bad file. */
export async function previewState(
  file: string,
  options: { now?: Date; config?: HeraldConfig } = {},
): Promise<PreviewState> {
  const now = options.now ?? new Date();
  const timeZone = options.config?.timezone ?? 'Europe/London';
  const base = {
    file,
    renderedAt: new Date().toISOString(),
    now: now.toISOString(),
    timeZone,
    statement: null,
    email: null,
    social: null,
    partner: null,
  };
  let verdict: Awaited<ReturnType<typeof validateFile>>;
  try {
    verdict = await validateFile(file, now);
  } catch (error) {
    return {
      ...base,
      errors: [{ path: '', message: `cannot read ${file}: ${describeError(error)}` }],
      warnings: [],
    };
  }
  const lifecycle = lifecycleWarnings([verdict], now, timeZone)[0] ?? [];
  const warnings = [...verdict.warnings, ...lifecycle];
  const statement = verdict.statement;
  if (!statement || !verdict.valid) return { ...base, errors: verdict.errors, warnings };

  const { embargo } = resolveEmbargo(statement, now, timeZone);
  const summary = {
    id: statement.id,
    revision: statement.revision,
    status: statement.status,
    headline: statement.headline,
    embargo: statement.status === 'publish' ? (embargo?.display ?? null) : null,
  };
  let rendered: Awaited<ReturnType<typeof renderStatement>>;
  try {
    rendered = await renderStatement(statement, {
      embargo: statement.status === 'publish' ? embargo : null,
      displayName: options.config?.sender.displayName,
    });
  } catch (error) {
    if (!(error instanceof EmailTooLargeError)) throw error;
    return { ...base, statement: summary, errors: [error.issue], warnings };
  }
  const greeting = greetingFor(PREVIEW_RECIPIENT);
  const partner = buildPartnerMessage(statement, rendered, partnerTypeFor(statement), now);
  return {
    ...base,
    statement: summary,
    errors: [],
    warnings,
    email: {
      subject: rendered.email.subject,
      from: fromHeader(rendered.email.fromName, options.config?.sender.from ?? EXAMPLE_SENDER),
      to: `${PREVIEW_RECIPIENT.name} <${PREVIEW_RECIPIENT.email}> (a sample journalist)`,
      html: fillSlots(
        rendered.email.html,
        { unsubscribeUrl: PREVIEW_UNSUBSCRIBE, greeting },
        escapeHtml,
      ),
      text: fillSlots(rendered.email.text, { unsubscribeUrl: PREVIEW_UNSUBSCRIBE, greeting }),
    },
    social: statement.status === 'withdraw' ? null : socialViews(rendered.social),
    partner: {
      type: partner.message.type,
      attributes: Object.fromEntries(
        Object.entries(partner.attributes).map(([k, v]) => [k, v.StringValue]),
      ),
    },
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a port number between 0 and 65535, not "${value}".`);
  }
  return port;
}

export function registerPreviewCommand(program: Command): void {
  program
    .command('preview')
    .description(
      'Open a live preview of a statement file in the browser: the email (desktop, phone, dark, text), social posts and every problem, re-rendered each time you save.',
    )
    .argument('<file>', 'statement JSON file')
    .option(
      '--port <port>',
      `port on 127.0.0.1 (default ${DEFAULT_PREVIEW_PORT}; 0 = any free port)`,
      parsePort,
      DEFAULT_PREVIEW_PORT,
    )
    .option(
      '--config <file>',
      'herald.config.json to take the sender and time zone from (default ./herald.config.json when present)',
    )
    .option('--now <time>', 'judge embargoes as if it were this ISO 8601 time')
    .action(async (file: string, options: PreviewOptions) => {
      const path = resolve(file);
      if (!existsSync(path)) throw new UsageError(`Cannot find ${file}.`);
      const configPath =
        options.config ?? (existsSync('herald.config.json') ? 'herald.config.json' : undefined);
      const config = configPath ? loadConfigFile(configPath) : undefined;
      const fixedNow = options.now === undefined ? undefined : parseNow(options.now);
      const load = () =>
        previewState(path, {
          ...(config ? { config } : {}),
          ...(fixedNow ? { now: fixedNow } : {}),
        });
      const { startPreviewServer } = await import('../local/console/preview');
      const out = process.stdout;
      const line = (state: PreviewState) =>
        `${new Date().toLocaleTimeString('en-GB')} ${file}: ${
          state.errors.length > 0
            ? `${state.errors.length} problem(s): ${state.errors[0]?.path || '(file)'}: ${state.errors[0]?.message ?? ''}`
            : `valid${state.warnings.length > 0 ? `, ${state.warnings.length} warning(s)` : ''}`
        }\n`;
      const server = await startPreviewServer({
        file: path,
        port: options.port,
        load,
        onRender: (state) => out.write(line(state)),
      });
      out.write(
        `Previewing ${file} at ${server.url}/ (open it in a browser). Save the file and the page follows. Ctrl-C to stop.\n`,
      );
      out.write(line(server.state));
      await new Promise<void>((done) => {
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      });
      await server.close();
    });
}
