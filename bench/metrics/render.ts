/**
 * ingest.renderMsP50 and render.perRecipientRatio, in this process (warm).
 *
 * Full render = renderStatement (MJML + plain text + social), what ingest runs
 * once per revision. Per recipient = what send does for one journalist: the
 * unsubscribe token and buildRawMessage from the rendered parts (slot fill +
 * MIME). The ratio says how much of an MJML render each extra journalist costs.
 */
import { buildRawMessage } from '../../core/mime';
import { renderStatement } from '../../core/render';
import { createUnsubscribeToken } from '../../core/security/unsubscribe-token';
import { journalistEmail } from '../fixtures/press-list';
import { loadSample } from '../lib/sample';
import { median, percentile, round, summarise, timeEach } from '../lib/stats';
import type { MetricGroup } from '../lib/types';

const FROM = 'Herald Press Office <press@example.org>';
const UNSUBSCRIBE_BASE = 'https://unsubscribe.example.org/u';
const SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';

export const renderGroup: MetricGroup = {
  id: 'render',
  title: 'render: warm MJML render vs per-recipient MIME',
  async run(ctx) {
    const sample = await loadSample(ctx.root);
    const options = { embargo: sample.embargo };

    const t0 = performance.now();
    const rendered = await renderStatement(sample.statement, options);
    const firstRenderMs = performance.now() - t0;

    const renders = ctx.quick ? 10 : 200;
    await timeEach(ctx.quick ? 3 : 20, () => renderStatement(sample.statement, options));
    const renderSamples = await timeEach(renders, () => renderStatement(sample.statement, options));
    const renderP50 = median(renderSamples);
    ctx.log(
      `renderStatement ms: ${summarise(renderSamples)} (first in process ${firstRenderMs.toFixed(1)} ms)`,
    );

    const personalise = async (i: number) => {
      const email = journalistEmail(i);
      const token = createUnsubscribeToken(email, SECRET);
      return buildRawMessage(
        rendered.email,
        { email, name: `Reporter ${i}` },
        {
          from: FROM,
          unsubscribeUrl: `${UNSUBSCRIBE_BASE}?t=${encodeURIComponent(token)}`,
          date: sample.now,
        },
      );
    };
    // Per-recipient work is sub-millisecond: time blocks of `block` and divide, so timer resolution doesn't matter.
    const block = 50;
    const blocks = ctx.quick ? 4 : 60;
    await timeEach(ctx.quick ? 20 : 300, personalise);
    const blockSamples = await timeEach(blocks, async (b) => {
      for (let i = 0; i < block; i++) await personalise(b * block + i);
    });
    const perRecipient = blockSamples.map((ms) => ms / block);
    const perRecipientP50 = median(perRecipient);
    const rawBytes = (await personalise(0)).length;
    ctx.log(`per-recipient ms: ${summarise(perRecipient)}; raw message ${rawBytes} bytes`);

    return [
      {
        name: 'ingest.renderMsP50',
        value: round(renderP50, 2),
        unit: 'ms',
        note: `renderStatement warm, n=${renders}; p95 ${percentile(renderSamples, 95).toFixed(2)} ms; first render in process ${firstRenderMs.toFixed(1)} ms`,
      },
      {
        name: 'render.perRecipientRatio',
        value: round(perRecipientP50 / renderP50, 3),
        unit: 'x',
        floor: round(renderP50, 3),
        floorUnit: 'ms render',
        note: `per recipient ${(perRecipientP50 * 1000).toFixed(0)} µs (token + buildRawMessage, ${rawBytes} B MIME) / warm render ${renderP50.toFixed(2)} ms`,
      },
    ];
  },
};
