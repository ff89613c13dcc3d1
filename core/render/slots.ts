/**
 * Per-recipient slots. A render leaves named gaps in the HTML and text; filling
 * them is a string join, so personalising one journalist's email costs
 * microseconds instead of an MJML run.
 */
import type { SlotName, SlottedText } from '../types';

export type SlotValues = Record<SlotName, string>;

/** Interleave `parts` with the slot values, each passed through `escape` (HTML-escape for HTML, identity for text). */
export function fillSlots(
  slotted: SlottedText,
  values: SlotValues,
  escapeValue: (value: string) => string = (v) => v,
): string {
  let out = slotted.parts[0] ?? '';
  for (let i = 0; i < slotted.slots.length; i++) {
    const slot = slotted.slots[i] as SlotName;
    out += escapeValue(values[slot]) + (slotted.parts[i + 1] ?? '');
  }
  return out;
}

/**
 * Split rendered output on slot markers. `marker(name)` must produce a string
 * no statement field can contain (the renderer uses a random nonce per render),
 * so an author cannot forge a slot.
 */
export function splitSlots(rendered: string, marker: (slot: SlotName) => string): SlottedText {
  const names: SlotName[] = ['unsubscribeUrl', 'greeting'];
  const parts: string[] = [];
  const slots: SlotName[] = [];
  let rest = rendered;
  for (;;) {
    let next: { index: number; slot: SlotName; length: number } | null = null;
    for (const slot of names) {
      const m = marker(slot);
      const index = rest.indexOf(m);
      if (index !== -1 && (next === null || index < next.index))
        next = { index, slot, length: m.length };
    }
    if (next === null) break;
    parts.push(rest.slice(0, next.index));
    slots.push(next.slot);
    rest = rest.slice(next.index + next.length);
  }
  parts.push(rest);
  return { parts, slots };
}
