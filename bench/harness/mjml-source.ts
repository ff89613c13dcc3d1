/**
 * Prints the MJML source and options core/render hands to mjml2html for the
 * sample statement: what the mjml-only floor (bench/harness/mjml-floor.ts)
 * renders. Bundled with `mjml` aliased to bench/harness/mjml-capture.ts.
 * Usage: node mjml-source.mjs <repository root>
 */
import { renderEmail } from '../../core/render/email';
import { loadSample } from '../lib/sample';
import { captured } from './mjml-capture';

const sample = await loadSample(process.argv[2] ?? process.cwd());
await renderEmail(sample.statement, sample.embargo);
const first = captured[0];
if (!first) throw new Error('core/render did not call mjml2html');
process.stdout.write(`${JSON.stringify(first)}\n`);
