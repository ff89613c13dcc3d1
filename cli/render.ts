/**
 * `herald render <file> --out <dir>`: see exactly what journalists, partners and
 * social followers will get, before the file goes anywhere near the bucket.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../core/config/load';
import { buildPartnerMessage } from '../core/envelope';
import { buildRawMessage, greetingFor } from '../core/mime';
import { renderStatement } from '../core/render';
import { EmailTooLargeError, escapeHtml } from '../core/render/email';
import { fromHeader } from '../core/render/sender';
import { fillSlots } from '../core/render/slots';
import {
  EXAMPLE_SENDER,
  EXAMPLE_UNSUBSCRIBE_BASE,
  PREVIEW_RECIPIENT,
} from '../core/render/template/preview-data';
import { createUnsubscribeToken } from '../core/security/unsubscribe-token';
import { checkSocialOverrides } from '../core/social';
import { parseStatement } from '../core/statement/parse';
import type { Statement } from '../core/statement/schema';
import type { PartnerMessageType } from '../core/types';
import { describeError, EXIT, formatIssues } from './output';
import { lifecycleWarnings, parseNow } from './validate';

const PREVIEW_SECRET = 'herald-render-preview-only';

export function partnerTypeFor(statement: Statement): PartnerMessageType {
  if (statement.status === 'withdraw') return 'statement.withdrawn';
  return statement.revision > 1 ? 'statement.corrected' : 'statement.published';
}

interface RenderOptions {
  out: string;
  recipient: string;
  recipientName: string;
  config?: string;
  now?: string;
}

export function registerRenderCommand(program: Command): void {
  program
    .command('render')
    .description(
      'Render a statement into the email (HTML, text, raw MIME), social copy and partner message.',
    )
    .argument('<file>', 'statement JSON file')
    .requiredOption('--out <dir>', 'folder to write the rendered files to')
    .option(
      '--recipient <email>',
      'the journalist the sample email is addressed to',
      PREVIEW_RECIPIENT.email,
    )
    .option(
      '--recipient-name <name>',
      'their name as the press list has it: the greeting reads "Dear <name>,"; "" for none',
      PREVIEW_RECIPIENT.name,
    )
    .option(
      '--config <file>',
      'herald.config.json to take the sender and time zone from (default ./herald.config.json when present)',
    )
    .option('--now <time>', 'render as if it were this ISO 8601 time (for embargoes)')
    .action(async (file: string, options: RenderOptions) => {
      const now = parseNow(options.now);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        process.stderr.write(`herald: cannot read ${file}: ${describeError(error)}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const configPath =
        options.config ?? (existsSync('herald.config.json') ? 'herald.config.json' : undefined);
      const config = configPath ? loadConfigFile(configPath) : undefined;
      const parsed = parseStatement(bytes, {
        now,
        defaultTimezone: config?.timezone ?? 'Europe/London',
      });
      if (!parsed.ok) {
        for (const line of formatIssues(file, parsed.errors)) process.stderr.write(`${line}\n`);
        process.exitCode = EXIT.invalid;
        return;
      }
      const socialErrors = checkSocialOverrides(parsed.statement);
      if (socialErrors.length > 0) {
        for (const line of formatIssues(file, socialErrors)) process.stderr.write(`${line}\n`);
        process.exitCode = EXIT.invalid;
        return;
      }
      const warnings = [
        ...parsed.warnings,
        ...(lifecycleWarnings([{ statement: parsed.statement, valid: true }], now)[0] ?? []),
      ];
      for (const line of formatIssues(file, warnings, 'warning: '))
        process.stderr.write(`${line}\n`);

      const { statement, embargo } = parsed;
      let rendered: Awaited<ReturnType<typeof renderStatement>>;
      try {
        rendered = await renderStatement(statement, {
          embargo,
          displayName: config?.sender.displayName,
        });
      } catch (error) {
        if (!(error instanceof EmailTooLargeError)) throw error;
        for (const line of formatIssues(file, [error.issue])) process.stderr.write(`${line}\n`);
        process.exitCode = EXIT.invalid;
        return;
      }
      const token = createUnsubscribeToken(options.recipient, PREVIEW_SECRET);
      const unsubscribeUrl = `${EXAMPLE_UNSUBSCRIBE_BASE}?t=${encodeURIComponent(token)}`;
      // Exactly what goes out: the same greeting and From header the send function builds.
      const recipient = {
        email: options.recipient,
        ...(options.recipientName.trim() ? { name: options.recipientName } : {}),
      };
      const greeting = greetingFor(recipient);
      const from = fromHeader(rendered.email.fromName, config?.sender.from ?? EXAMPLE_SENDER);
      const partner = buildPartnerMessage(statement, rendered, partnerTypeFor(statement), now);
      const eml = await buildRawMessage(rendered.email, recipient, {
        from,
        unsubscribeUrl,
        date: now,
      });

      const out = resolve(options.out);
      const files: Record<string, string | Buffer> = {
        'email.html': fillSlots(rendered.email.html, { unsubscribeUrl, greeting }, escapeHtml),
        // As the MIME text part: no blank lines first when there is no greeting.
        'email.txt': fillSlots(rendered.email.text, { unsubscribeUrl, greeting }).replace(
          /^\n+/,
          '',
        ),
        'email.eml': eml,
        'social.json': `${JSON.stringify(rendered.social, null, 2)}\n`,
        'envelope.json': `${JSON.stringify(partner.message, null, 2)}\n`,
        'attributes.json': `${JSON.stringify(partner.attributes, null, 2)}\n`,
      };
      try {
        await mkdir(out, { recursive: true });
        for (const [name, content] of Object.entries(files))
          await writeFile(join(out, name), content);
      } catch (error) {
        process.stderr.write(
          `herald: cannot write the rendered files to ${out}: ${describeWriteError(error)}\n`,
        );
        process.exitCode = EXIT.usage;
        return;
      }

      process.stdout.write(
        [
          `Rendered ${statement.id} revision ${statement.revision}: "${rendered.email.subject}"`,
          ...Object.keys(files).map((name) => `  ${join(out, name)}`),
          `From: ${from}`,
          greeting
            ? `Addressed to a sample journalist, ${recipient.name} <${recipient.email}>, so it opens "${greeting}" as sent emails do (each journalist's own name from the press list; no greeting for one without a name).`
            : `Addressed to a sample journalist, ${recipient.email}, with no name: sent emails to journalists without a name in the press list have no greeting either.`,
          config
            ? `Sender from ${configPath}.`
            : 'No herald.config.json found: the sender and unsubscribe link are example values.',
          '',
        ].join('\n'),
      );
      process.exitCode = EXIT.ok;
    });
}

/** mkdir's codes as sentences; the rest as describeError words them. */
function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EEXIST') return 'it is a file, not a folder.';
  if (code === 'ENOTDIR') return 'part of that path is a file, not a folder.';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied.';
  if (code === 'EROFS') return 'the file system is read-only.';
  return describeError(error);
}
