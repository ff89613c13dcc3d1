// Herald newsroom console. Progressive enhancement only: every page works without
// this script (forms post, links navigate); with it the clock ticks, files can be
// dropped on the upload box, and open pages follow the stack as it changes.
(() => {
  // ── The clock: ticks from the time the page was served, in the stack's zone ──
  const formatters = new Map();
  const format = (instant, zone) => {
    let formatter = formatters.get(zone);
    if (!formatter) {
      formatter = new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
        weekday: 'long',
        day: 'numeric',
        month: 'long',
        year: 'numeric',
        timeZoneName: 'short',
      });
      formatters.set(zone, formatter);
    }
    const parts = formatter.formatToParts(instant);
    const part = (type) => (parts.find((p) => p.type === type) || { value: '' }).value;
    return `${part('hour')}:${part('minute')}:${part('second')} ${part('timeZoneName')}, ${part('weekday')} ${part('day')} ${part('month')} ${part('year')}`;
  };
  setInterval(() => {
    const clock = document.getElementById('clock');
    if (clock?.dataset.running !== 'true') return;
    if (!clock.dataset.servedAt) clock.dataset.servedAt = String(Date.now());
    const start = Date.parse(clock.getAttribute('datetime') || '');
    if (Number.isNaN(start)) return;
    const now = new Date(start + (Date.now() - Number(clock.dataset.servedAt)));
    clock.textContent = format(now, clock.dataset.zone || 'Europe/London');
  }, 1000);

  // ── Drag and drop onto the upload box: the same form, the same POST ──
  const dropzone = document.getElementById('dropzone');
  const input = document.getElementById('statement-file');
  const form = document.getElementById('upload-form');
  if (dropzone && input && form) {
    for (const type of ['dragenter', 'dragover']) {
      dropzone.addEventListener(type, (event) => {
        event.preventDefault();
        dropzone.classList.add('dragover');
      });
    }
    dropzone.addEventListener('dragleave', () => dropzone.classList.remove('dragover'));
    dropzone.addEventListener('drop', (event) => {
      event.preventDefault();
      dropzone.classList.remove('dragover');
      const files = event.dataTransfer ? event.dataTransfer.files : null;
      if (!files || files.length === 0) return;
      input.files = files;
      form.requestSubmit();
    });
  }

  // ── Live pages: refresh the #live region (and the clock) when the stack changes ──
  const events = document.body.dataset.liveEvents;
  if (!events || !('EventSource' in window)) return;
  let busy = false;
  let again = false;
  const refresh = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const response = await fetch(window.location.href, { headers: { accept: 'text/html' } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      const live = document.getElementById('live');
      const next = fresh.getElementById('live');
      if (live && next) {
        const open = new Set(
          Array.from(live.querySelectorAll('details[open][id]'), (details) => details.id),
        );
        const focused =
          document.activeElement && live.contains(document.activeElement)
            ? document.activeElement.id
            : '';
        live.replaceChildren(...Array.from(next.childNodes));
        for (const id of open) {
          const details = document.getElementById(id);
          if (details) details.open = true;
        }
        if (focused) document.getElementById(focused)?.focus();
      }
      const clock = document.querySelector('.clock');
      const nextClock = fresh.querySelector('.clock');
      if (clock && nextClock && !clock.contains(document.activeElement)) {
        clock.replaceWith(nextClock);
      }
    } finally {
      busy = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  };
  new EventSource(events).addEventListener('change', () => void refresh());
})();
