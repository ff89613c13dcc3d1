/**
 * The floor for `ingest.coldInitRatio`: a Lambda that imports mjml alone and
 * renders the sample statement's MJML once, with the options core/render uses.
 * Both are captured from a real render and inlined at bundle time
 * (bench/harness/mjml-capture.ts), so the floor renders exactly what ingest does.
 */
import mjml2html from 'mjml';

declare const __FLOOR_MJML__: string;
declare const __FLOOR_MJML_OPTIONS__: Parameters<typeof mjml2html>[1];

export const handler = async (): Promise<number> => {
  const result = await mjml2html(__FLOOR_MJML__, __FLOOR_MJML_OPTIONS__);
  if (result.errors.length > 0) throw new Error(`MJML errors: ${result.errors.length}`);
  return result.html.length;
};
