import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSchemas } from '../../scripts/generate-schemas';

const dir = join(import.meta.dirname, '..', '..', 'schemas');
const generated = generateSchemas();

describe('committed JSON Schemas', () => {
  it('covers the statement, config and partner message', () => {
    expect(Object.keys(generated).sort()).toEqual([
      'config.schema.json',
      'partner-message.schema.json',
      'statement.schema.json',
    ]);
  });

  it.each(Object.keys(generated))('schemas/%s is up to date with the zod schema', (file) => {
    let committed = '';
    try {
      committed = readFileSync(join(dir, file), 'utf8');
    } catch {
      // Reported by the assertion below with the fix.
    }
    expect(
      committed === generated[file],
      `schemas/${file} is stale or missing: run \`npm run schemas\` and commit the result.`,
    ).toBe(true);
  });

  it('lets statement files name their schema and rejects unknown fields', () => {
    const schema = JSON.parse(generated['statement.schema.json'] ?? '{}') as {
      $id: string;
      title: string;
      properties: Record<string, { type?: string }>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(schema.$id).toMatch(/statement\.schema\.json$/);
    expect(schema.title).toBe('Herald statement');
    expect(schema.properties.$schema?.type).toBe('string');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required.sort()).toEqual([
      'body',
      'headline',
      'id',
      'issued',
      'mediaContact',
      'organisation',
    ]);
  });

  it('describes the config file, which may name its schema too', () => {
    const schema = JSON.parse(generated['config.schema.json'] ?? '{}') as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(schema.properties).toHaveProperty('$schema');
    expect(schema.required.sort()).toEqual(['opsEmails', 'sender']);
  });
});
