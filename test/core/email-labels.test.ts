/**
 * The fixed words of the press email follow the statement's language: a Welsh
 * statement gets Welsh headings, labels and footer (HTML and text part); any
 * language without a set gets English. Subject prefixes and the embargo notice
 * stay English (UK press convention).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderEmail } from '../../core/render/email';
import { labelsFor } from '../../core/render/labels';
import { fillSlots, type SlotValues } from '../../core/render/slots';
import { resolveEmbargo } from '../../core/statement/embargo';
import { parseStatement } from '../../core/statement/parse';
import type { Statement, StatementInput } from '../../core/statement/schema';
import { sampleStatement } from '../fixtures/statements';

const EXAMPLE = join(
  import.meta.dirname,
  '../../examples/statements/04-glanyrafon-llyfrgelloedd-cy.json',
);
const BEFORE_ISSUE = new Date('2024-02-01T09:00:00Z');
const UNSUBSCRIBE = 'https://herald.example.org/unsubscribe?t=abc&r=1';
const VALUES: SlotValues = { greeting: 'Annwyl Gwenllïan,', unsubscribeUrl: UNSUBSCRIBE };

const ENGLISH_CHROME = [
  'Press release',
  'Partnership statement',
  'Further information',
  'Notes to editors',
  'Media contact',
  'Email:',
  'Phone:',
  'Ref:',
  'You are receiving this email',
  'Unsubscribe from these press emails',
  'Unsubscribe:',
  'This version (revision',
  'This statement has been withdrawn',
];

function parse(source: Uint8Array | string): Statement {
  const result = parseStatement(source, { now: BEFORE_ISSUE });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.statement;
}

function welshExample(): Statement {
  return parse(readFileSync(EXAMPLE));
}

async function render(statement: Statement, now = BEFORE_ISSUE) {
  const { embargo } = resolveEmbargo(statement, now);
  const email = await renderEmail(statement, embargo);
  const html = fillSlots(email.html, VALUES, escapeHtml);
  const text = fillSlots(email.text, VALUES);
  const $ = cheerio.load(html);
  return { email, html, text, $, body: $('body').text() };
}

function headings($: cheerio.CheerioAPI): string[] {
  return $('h2')
    .toArray()
    .map((h) => $(h).text().trim());
}

/** The example file with the optional parts it lacks, so every label shows. */
function fullWelsh(overrides: Partial<StatementInput> = {}): Statement {
  const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as StatementInput;
  return parse(
    JSON.stringify({
      ...example,
      reference: 'GLAN/2024/017',
      notesToEditors: 'Mae gan y sir wyth llyfrgell.',
      mediaContact: { ...example.mediaContact, phone: '01632 960 701' },
      ...overrides,
    }),
  );
}

describe('labelsFor', () => {
  it('matches on the primary subtag and falls back to English', () => {
    expect(labelsFor('cy').mediaContact).toBe("Cyswllt â'r cyfryngau");
    expect(labelsFor('cy-GB').mediaContact).toBe("Cyswllt â'r cyfryngau");
    expect(labelsFor('CY').notesToEditors).toBe('Nodiadau i olygyddion');
    for (const language of ['en-GB', 'en-US', 'fr', 'ar', 'cym', 'x', '']) {
      expect(labelsFor(language).mediaContact, language).toBe('Media contact');
    }
  });
});

describe('press email in Welsh: the example statement', () => {
  it('has Welsh headings, labels and footer in the HTML, and no English chrome', async () => {
    const { $, body } = await render(welshExample());
    expect($('html').attr('lang')).toBe('cy');
    expect(headings($)).toEqual(
      expect.arrayContaining(['Rhagor o wybodaeth', "Cyswllt â'r cyfryngau"]),
    );
    expect(body).toContain("Datganiad i'r wasg");
    expect(body).toContain('E-bost: gwasg@glanyrafon.example.org');
    expect(body).toContain(
      'Rydych yn cael yr e-bost hwn oherwydd eich bod ar restr y wasg ar gyfer datganiadau gan Cyngor Sir Glanyrafon.',
    );
    const unsubscribe = $(`a[href="${UNSUBSCRIBE}"]`);
    expect(unsubscribe).toHaveLength(1);
    expect(unsubscribe.text()).toBe("Dad-danysgrifio o'r negeseuon e-bost hyn i'r wasg");
    for (const english of ENGLISH_CHROME) expect(body, english).not.toContain(english);
  });

  it('has the Welsh labels in the text part too', async () => {
    const { text } = await render(welshExample());
    expect(text).toContain("Datganiad i'r wasg · ");
    expect(text).toContain('Rhagor o wybodaeth\n---');
    expect(text).toContain("Cyswllt â'r cyfryngau\n---");
    expect(text).toContain('E-bost: gwasg@glanyrafon.example.org');
    expect(text.replace(/\s+/g, ' ')).toContain(
      'Rydych yn cael yr e-bost hwn oherwydd eich bod ar restr y wasg ar gyfer datganiadau gan Cyngor Sir Glanyrafon.',
    );
    expect(text.endsWith(`\nDad-danysgrifio: ${UNSUBSCRIBE}\n`)).toBe(true);
    for (const english of ENGLISH_CHROME) expect(text, english).not.toContain(english);
  });
});

describe('press email in Welsh: every optional part', () => {
  it('labels the reference, notes to editors and phone in Welsh', async () => {
    const { $, body, text } = await render(fullWelsh());
    expect(headings($)).toEqual(
      expect.arrayContaining([
        'Rhagor o wybodaeth',
        'Nodiadau i olygyddion',
        "Cyswllt â'r cyfryngau",
      ]),
    );
    expect(body).toContain('Cyf: GLAN/2024/017');
    expect(body).toContain('Ffôn: 01632 960 701');
    expect(text).toContain('Cyf: GLAN/2024/017');
    expect(text).toContain('Nodiadau i olygyddion\n---');
    expect(text).toContain('Ffôn: 01632 960 701');
    for (const english of ENGLISH_CHROME) {
      expect(body, english).not.toContain(english);
      expect(text, english).not.toContain(english);
    }
  });

  it('uses the Welsh kind labels', async () => {
    const kinds: Array<[StatementInput['kind'], string]> = [
      ['partnership-statement', 'Datganiad partneriaeth'],
      ['media-advisory', "Hysbysiad i'r cyfryngau"],
      ['statement', 'Datganiad'],
    ];
    for (const [kind, label] of kinds) {
      const { text } = await render(fullWelsh({ kind }));
      expect(text, kind).toContain(`${label} · Cyf: GLAN/2024/017`);
    }
  });

  it('titles a correction in Welsh but keeps the English subject prefix', async () => {
    const correction = 'Roedd y dyddiad yn y fersiwn gynharach yn anghywir.';
    const statement = fullWelsh({ revision: 2, correction });
    const { email, body, text } = await render(statement);
    expect(email.subject).toBe(`CORRECTION: ${statement.headline}`);
    expect(body).toContain('CYWIRIAD');
    expect(body).toContain(
      `Mae'r fersiwn hon (diwygiad 2) yn disodli'r un a anfonwyd yn gynharach. ${correction}`,
    );
    expect(text.replace(/\s+/g, ' ')).toContain(
      `CYWIRIAD: mae'r fersiwn hon (diwygiad 2) yn disodli'r un a anfonwyd yn gynharach. ${correction}`,
    );
  });

  it('keeps the English withdrawal heading and subject, with the explanation in Welsh', async () => {
    const statement = fullWelsh({
      status: 'withdraw',
      revision: 2,
      withdrawalReason: 'Cyhoeddwyd yr oriau anghywir.',
    });
    const { email, body, text } = await render(statement);
    expect(email.subject).toBe(`WITHDRAWN – DO NOT PUBLISH: ${statement.headline}`);
    expect(body).toContain('WITHDRAWN – DO NOT PUBLISH');
    expect(body).toContain("Mae'r datganiad hwn wedi'i dynnu'n ôl.");
    expect(text).toContain('WITHDRAWN – DO NOT PUBLISH');
    expect(text.replace(/\s+/g, ' ')).toContain('Rheswm: Cyhoeddwyd yr oriau anghywir.');
    expect(body).not.toContain('This statement has been withdrawn');
  });

  it('keeps the English embargo notice and subject prefix', async () => {
    const statement = fullWelsh({
      embargo: { until: '2024-02-21T00:01:00Z', timezone: 'Europe/London' },
    });
    const { email, body, text } = await render(statement);
    expect(email.subject.startsWith('EMBARGOED until ')).toBe(true);
    expect(body).toContain('EMBARGOED until ');
    expect(text).toContain('EMBARGOED until ');
    expect(body).toContain("Cyswllt â'r cyfryngau");
  });
});

describe('press email: English fallback', () => {
  for (const language of ['en-US', 'fr']) {
    it(`uses the English labels for ${language}`, async () => {
      const { $, body, text } = await render(sampleStatement({ language }));
      expect($('html').attr('lang')).toBe(language);
      expect(headings($)).toEqual(
        expect.arrayContaining(['Further information', 'Notes to editors', 'Media contact']),
      );
      expect(body).toContain('Partnership statement');
      expect(body).toContain('Ref: ');
      expect(body).toContain('Email: ');
      expect(body).toContain('Unsubscribe from these press emails');
      expect(text).toContain('Media contact\n---');
      expect(text).toContain('Notes to editors\n---');
      expect(text).toContain(`\nUnsubscribe: ${UNSUBSCRIBE}\n`);
      expect(body).not.toContain("Cyswllt â'r cyfryngau");
      expect(text).not.toContain('Dad-danysgrifio');
    });
  }
});
