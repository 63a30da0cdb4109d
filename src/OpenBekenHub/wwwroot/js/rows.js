// Dashboard rows built and refreshed from /api/devices/{id}, so a new plug or new channels get their relay buttons
// without a reload (live.js hands obkRows.upsert every device event's projection), and "Last seen" ages.
(function () {
  const table = document.getElementById('devices');
  if (!table) return;
  const token = () => (document.querySelector('input[name="__RequestVerificationToken"]') || {}).value || '';
  const text = (tag, cls, value) => { const e = document.createElement(tag); if (cls) e.className = cls; e.textContent = value || ''; return e; };

  function ago(iso) {
    const s = (Date.now() - Date.parse(iso)) / 1000;
    if (!(s >= 0)) return '';
    return s < 60 ? 'just now' : s < 3600 ? Math.floor(s / 60) + ' min ago' : s < 48 * 3600 ? Math.floor(s / 3600) + ' h ago' : iso.slice(0, 10);
  }

  function relayButtons(cell, d) {
    const relays = d.channels.filter((c) => c.role === 'relay');
    cell.textContent = '';
    for (const c of relays) {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/?handler=Channel';
      form.className = 'toggle';
      form.style.display = 'inline';
      for (const [name, value] of [['id', d.id], ['channel', c.channel], ['op', 'toggle'], ['__RequestVerificationToken', token()]]) {
        const i = document.createElement('input');
        i.type = 'hidden'; i.name = name; i.value = value;
        form.appendChild(i);
      }
      // null = the plug has not reported this channel yet: unknown, never a made-up OFF
      const state = c.value == null ? 'unknown' : c.value !== 0 ? 'ON' : 'OFF';
      const b = text('button', state === 'ON' ? '' : 'secondary', (relays.length > 1 ? c.channel + ': ' : '') + state);
      b.type = 'submit';
      b.dataset.channel = c.channel;
      b.dataset.state = state;
      b.setAttribute('aria-pressed', state === 'ON' ? 'true' : state === 'OFF' ? 'false' : 'mixed');
      form.appendChild(b);
      cell.appendChild(form);
    }
  }

  function newRow(d) {
    const tr = document.createElement('tr');
    tr.dataset.device = d.id;
    const name = document.createElement('td');
    const a = text('a', 'name', d.name);
    a.href = '/devices/' + encodeURIComponent(d.id);
    name.append(a, document.createElement('br'), text('span', 'hint', d.clientTopic));
    const state = document.createElement('td');
    state.appendChild(text('span', 'badge state', ''));
    const power = document.createElement('td');
    power.appendChild(text('span', 'power', ''));
    tr.append(name, text('td', 'opt area', ''), state, text('td', 'relays', ''), power, text('td', 'opt rssi', ''), text('td', 'opt build', ''), text('td', 'opt seen', ''));
    table.tBodies[0].appendChild(tr);
    const empty = document.getElementById('empty');
    if (empty) empty.hidden = true;
    return tr;
  }

  // d: the device projection (the same as GET /api/devices/{id}), as the live feed sends it
  function upsert(d) {
    const row = table.querySelector('tr[data-device="' + CSS.escape(d.id) + '"]');
    const tr = row || newRow(d);
    tr.dataset.availability = d.availability;
    tr.dataset.search = [d.name, d.area, d.clientTopic, d.ip, d.mac].filter(Boolean).join(' ').toLowerCase();
    tr.querySelector('.name').textContent = d.name;
    tr.querySelector('.area').textContent = d.area || '';
    const badge = tr.querySelector('.state');
    badge.textContent = d.availability;
    badge.classList.toggle('on', d.availability === 'online');
    badge.classList.toggle('off', d.availability === 'offline');
    relayButtons(tr.querySelector('.relays'), d);
    tr.querySelector('.rssi').textContent = d.rssi != null ? d.rssi + ' dBm' : '';
    tr.querySelector('.build').textContent = d.version || '';
    const seen = tr.querySelector('.seen');
    seen.title = d.lastSeen;
    seen.textContent = ago(d.lastSeen);
    const count = document.getElementById('device-count');
    if (count) count.textContent = '(' + table.tBodies[0].rows.length + ')';
    document.dispatchEvent(new CustomEvent('obk:rows'));
  }

  // "Last seen" ages in place; live.js marks a row seen by setting its title to now
  setInterval(() => {
    for (const seen of table.querySelectorAll('td.seen[title]')) seen.textContent = ago(seen.title);
  }, 30000);

  window.obkRows = { upsert };
})();
