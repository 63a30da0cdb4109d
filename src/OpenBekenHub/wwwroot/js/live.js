// Dashboard: search/filter rows, toggle relays without a reload, and apply live changes from /api/devices/events (SSE).
(function () {
  const table = document.getElementById('devices');
  if (!table) return;
  const search = document.getElementById('search');
  const filter = document.getElementById('filter');

  function applyFilter() {
    const q = (search.value || '').trim().toLowerCase();
    const f = filter.value;
    for (const row of table.tBodies[0].rows) {
      const text = row.dataset.search || '';
      const show = (!q || text.includes(q)) && (f === 'all' || row.dataset.availability === f);
      row.hidden = !show;
    }
    // an empty result says so instead of showing a bare table header
    const noMatch = document.getElementById('no-match');
    if (noMatch) noMatch.hidden = table.tBodies[0].rows.length === 0 || [...table.tBodies[0].rows].some((r) => !r.hidden);
  }
  document.addEventListener('obk:rows', applyFilter);
  search.addEventListener('input', applyFilter);
  filter.addEventListener('change', applyFilter);

  table.addEventListener('submit', async (ev) => {
    const form = ev.target.closest('form.toggle');
    if (!form) return;
    ev.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const res = await fetch(form.getAttribute('action'), {
        method: 'POST', body: new FormData(form), headers: { 'Accept': 'application/json' }, credentials: 'same-origin'
      });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        button.title = body.error || ('failed: ' + res.status);
        button.classList.add('danger');
      }
    } finally {
      button.disabled = false;
    }
  });

  function row(id) { return table.querySelector('tr[data-device="' + CSS.escape(id) + '"]'); }

  function setChannel(id, channel, value) {
    const r = row(id);
    if (!r) return;
    const b = r.querySelector('button[data-channel="' + channel + '"]');
    if (!b) return;
    // null = the plug has not reported this channel: unknown, never a made-up OFF
    const text = value == null ? 'unknown' : (value !== 0 ? 'ON' : 'OFF');
    b.dataset.state = text;
    b.setAttribute('aria-pressed', text === 'ON' ? 'true' : text === 'OFF' ? 'false' : 'mixed');
    b.classList.toggle('secondary', text !== 'ON');
    b.classList.remove('danger');
    const prefix = b.textContent.includes(':') ? b.textContent.split(':')[0] + ': ' : '';
    b.textContent = prefix + text;
  }

  function setAvailability(id, availability) {
    const r = row(id);
    if (!r) return;
    r.dataset.availability = availability;
    const s = r.querySelector('.state');
    s.textContent = availability;
    s.classList.toggle('on', availability === 'online');
    s.classList.toggle('off', availability === 'offline');
    applyFilter();
  }

  // device events carry the same projection as GET /api/devices
  function applyDevice(d) {
    // rows.js renders the whole row from the projection: a new plug or new channels get their buttons live
    if (window.obkRows) { window.obkRows.upsert(d); return; }
    const r = row(d.id);
    if (!r) { reloadSoon(); return; }
    setAvailability(d.id, d.availability);
    r.querySelector('.name').textContent = d.name;
    r.querySelector('.area').textContent = d.area || '';
    r.querySelector('.rssi').textContent = d.rssi != null ? d.rssi + ' dBm' : '';
    for (const ch of d.channels) setChannel(d.id, ch.channel, ch.value);
  }

  let reloadTimer = null;
  function reloadSoon() {
    // a new or forgotten device changes the table's shape: re-render it server-side, at most every 2 s
    if (reloadTimer) return;
    reloadTimer = setTimeout(() => location.reload(), 2000);
  }

  const es = new EventSource('/api/devices/events');
  es.addEventListener('channel', (e) => { const d = JSON.parse(e.data); setChannel(d.device, d.channel, d.value); });
  es.addEventListener('reading', (e) => {
    const d = JSON.parse(e.data);
    if (d.quantity !== 'power') return;
    const r = row(d.device);
    if (r) r.querySelector('.power').textContent = (Math.round(d.value * 10) / 10) + ' W';
    document.dispatchEvent(new CustomEvent('obk:live', { detail: { kind: 'reading', data: d } })); // sparklines (chart.js)
  });
  es.addEventListener('device-availability', (e) => applyDevice(JSON.parse(e.data)));
  es.addEventListener('device-updated', (e) => applyDevice(JSON.parse(e.data)));
  es.addEventListener('device-adopted', (e) => applyDevice(JSON.parse(e.data)));
  es.addEventListener('device-forgotten', reloadSoon);
  es.addEventListener('bridge-connection', (e) => {
    const d = JSON.parse(e.data);
    const b = document.getElementById('broker-state');
    b.textContent = 'broker ' + (d.connected ? 'connected' : 'disconnected');
    b.classList.toggle('on', d.connected);
    b.classList.toggle('off', !d.connected);
    document.getElementById('broker-down').hidden = d.connected;
  });
  document.body.dataset.live = 'ready';
  es.addEventListener('open', () => { document.body.dataset.live = 'open'; });
})();
