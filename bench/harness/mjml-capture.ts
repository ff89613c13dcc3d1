/**
 * Stands in for `mjml` when bench/harness/mjml-source.ts is bundled (an esbuild
 * alias): records what core/render passes to mjml2html, then renders with the
 * real mjml, loaded at run time so the alias does not catch it.
 */
import { createRequire } from 'node:module';
import type mjmlType from 'mjml';

type Mjml2Html = typeof mjmlType;
type Options = Parameters<Mjml2Html>[1];

const real: Mjml2Html = createRequire(import.meta.url)('mjml');

export const captured: Array<{ source: string; options: Options }> = [];

export default function mjml2html(source: string, options?: Options): ReturnType<Mjml2Html> {
  captured.push({ source, options });
  return real(source, options);
}
