/**
 * Puts what ingest would have written for the sample statement under a given
 * id (rendered/<id>/<rev>/email.json and envelope.json), so dispatch and send
 * can be measured without running ingest.
 */
import { buildPartnerMessage } from '../../core/envelope';
import { renderStatement } from '../../core/render';
import type { RenderedStatement } from '../../core/types';
import type { BenchAws } from './aws-env';
import type { Sample } from './sample';

export interface RenderedFixture {
  id: string;
  revision: number;
  emailKey: string;
  rendered: RenderedStatement;
}

export async function putRenderedStatement(
  aws: BenchAws,
  sample: Sample,
  id: string,
): Promise<RenderedFixture> {
  const statement = { ...sample.statement, id };
  const rendered = await renderStatement(statement, { embargo: sample.embargo });
  const prefix = `rendered/${id}/${statement.revision}/`;
  const partner = buildPartnerMessage(statement, rendered, 'statement.published', sample.now);
  await aws.put(`${prefix}email.json`, JSON.stringify(rendered.email));
  await aws.put(`${prefix}envelope.json`, partner.body);
  return { id, revision: statement.revision, emailKey: `${prefix}email.json`, rendered };
}
