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
      const online = row.dataset.online === '1';
      const show = (!q || text.includes(q)) && (f === 'all' || (f === 'online') === online);
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
    const on = value !== 0;
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.classList.toggle('secondary', !on);
    b.classList.remove('danger');
    const prefix = b.textContent.includes(':') ? b.textContent.split(':')[0] + ': ' : '';
    b.textContent = prefix + (on ? 'ON' : 'OFF');
  }

  function setOnline(id, online) {
    const r = row(id);
    if (!r) return;
    r.dataset.online = online ? '1' : '0';
    const s = r.querySelector('.state');
    s.textContent = online ? 'online' : 'offline';
    s.classList.toggle('on', online);
    s.classList.toggle('off', !online);
    applyFilter();
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
  es.addEventListener('device-availability', (e) => { const d = JSON.parse(e.data); setOnline(d.device, d.online); });
  es.addEventListener('device-updated', (e) => {
    const d = JSON.parse(e.data);
    const r = row(d.device);
    if (window.obkRows) { window.obkRows.upsert(d.device); return; } // rows.js rebuilds the row: new channels get buttons live
    if (!r) { reloadSoon(); return; }
    if (d.name) r.querySelector('.name').textContent = d.name;
    if (d.area !== undefined) r.querySelector('.area').textContent = d.area || '';
    if (d.rssi != null) r.querySelector('.rssi').textContent = d.rssi + ' dBm';
    r.querySelector('.seen').textContent = 'just now';
    r.querySelector('.seen').title = new Date().toISOString();
  });
  es.addEventListener('device-adopted', (e) => { if (window.obkRows) window.obkRows.upsert(JSON.parse(e.data).device); else reloadSoon(); });
  es.addEventListener('device-forgotten', reloadSoon);
  es.addEventListener('bridge-connection', (e) => {
    const d = JSON.parse(e.data);
    const b = document.getElementById('broker-state');
    b.textContent = 'broker ' + (d.connected ? 'connected' : 'disconnected');
    b.classList.toggle('on', d.connected);
    b.classList.toggle('off', !d.connected);
  });
  document.body.dataset.live = 'ready';
  es.addEventListener('open', () => { document.body.dataset.live = 'open'; });
})();
