// Device page: big relay buttons and readings kept live (SSE /api/devices/events), the whole pin table applied at
// once, template search with apply, and the plug's log lines. Live events are re-dispatched as 'obk:live' for chart.js.
(function () {
  const controls = document.getElementById('controls');
  if (!controls) return;
  const id = controls.dataset.device;
  const api = '/api/devices/' + encodeURIComponent(id);
  const token = () => (document.querySelector('input[name="__RequestVerificationToken"]') || {}).value || '';

  async function call(method, url, body) {
    const res = await fetch(url, {
      method, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRF-TOKEN': token() },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const data = await res.json().catch(() => ({}));
    return { ok: res.ok, status: res.status, data };
  }

  // ---- relays and readings ----
  const error = document.getElementById('control-error');
  function showError(text) { error.textContent = text || ''; error.hidden = !text; }

  function setRelay(channel, value) {
    const b = controls.querySelector('button.relay-big[data-channel="' + channel + '"]');
    if (!b) return;
    // null = the plug has not reported this channel: unknown, never a made-up OFF
    const state = value == null ? 'unknown' : value !== 0 ? 'ON' : 'OFF';
    b.dataset.state = state;
    b.setAttribute('aria-pressed', state === 'ON' ? 'true' : state === 'OFF' ? 'false' : 'mixed');
    b.classList.toggle('secondary', state !== 'ON');
    b.querySelector('.state').textContent = state;
  }

  controls.addEventListener('click', async (ev) => {
    const b = ev.target.closest('button.relay-big');
    if (!b) return;
    b.disabled = true;
    try {
      const r = await call('POST', api + '/channels/' + b.dataset.channel, { state: 'toggle' });
      // the state itself comes from the live stream: a reply can arrive after a newer change (the plug's own button)
      showError(r.ok ? '' : (r.data.error || r.data.detail || ('The plug did not switch (' + r.status + ')')));
    } finally {
      b.disabled = false;
    }
  });

  function formatUptime(s) {
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return d > 0 ? d + ' d ' + h + ' h' : h > 0 ? h + ' h ' + m + ' min' : m + ' min';
  }

  function setReading(quantity, value) {
    const dd = controls.querySelector('dd[data-quantity="' + quantity + '"]');
    if (!dd) return;
    if (dd.dataset.format === 'uptime') { dd.textContent = formatUptime(value); return; }
    const v = value * Number(dd.dataset.scale || 1);
    dd.textContent = v.toFixed(Number(dd.dataset.decimals || 1)) + (dd.dataset.unit ? ' ' + dd.dataset.unit : '');
  }

  const es = new EventSource('/api/devices/events');
  function on(kind, handler) {
    es.addEventListener(kind, (e) => {
      const d = JSON.parse(e.data);
      // deltas name their device in 'device'; device events carry the whole projection (its 'id')
      const about = d.device !== undefined ? d.device : d.id;
      if (about !== undefined && about !== id) return;
      handler(d);
      document.dispatchEvent(new CustomEvent('obk:live', { detail: { kind, data: d } }));
    });
  }
  on('channel', (d) => setRelay(d.channel, d.value));
  on('reading', (d) => setReading(d.quantity, d.value));
  function setAvailability(a) {
    const badge = document.getElementById('availability');
    if (badge) { badge.textContent = a; badge.classList.toggle('on', a === 'online'); badge.classList.toggle('off', a === 'offline'); }
  }
  on('device-availability', (d) => setAvailability(d.availability));
  on('device-updated', (d) => { setAvailability(d.availability); drawRelays(d.channels); });
  es.addEventListener('open', () => { controls.dataset.live = 'open'; });

  async function refreshRelays() {
    const r = await call('GET', api);
    if (r.ok) drawRelays(r.data.channels);
  }

  // channels can appear or go (new pins): redraw the buttons from the device projection
  function drawRelays(channels) {
    const relays = channels.filter((c) => c.role === 'relay');
    const box = document.getElementById('relays');
    box.querySelectorAll('button.relay-big').forEach((b) => b.remove());
    const hint = document.getElementById('no-relay');
    for (const c of relays) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'relay-big';
      b.dataset.channel = c.channel;
      b.innerHTML = '<span class="label"></span> <span class="state"></span>';
      b.querySelector('.label').textContent = relays.length > 1 ? 'Relay ' + c.channel : 'Power';
      box.insertBefore(b, hint);
      setRelay(c.channel, c.value);
    }
    hint.hidden = relays.length > 0;
  }

  // ---- pin table ----
  const pinsCard = document.getElementById('pins');
  if (pinsCard) {
    const form = document.getElementById('pin-form');
    const status = document.getElementById('pins-status');
    const result = document.getElementById('pin-result');
    const body = document.querySelector('#pin-table tbody');
    let roles = [];

    function roleSelect(pin, value) {
      const s = document.createElement('select');
      s.name = 'role-' + pin;
      s.setAttribute('aria-label', 'Role of P' + pin);
      for (const r of roles) {
        const o = document.createElement('option');
        o.value = r; o.textContent = r;
        s.appendChild(o);
      }
      s.value = roles.includes(value) ? value : 'None';
      return s;
    }

    function render(pins) {
      body.textContent = '';
      for (const p of pins) {
        const tr = document.createElement('tr');
        tr.dataset.pin = p.pin;
        const th = document.createElement('th'); th.textContent = 'P' + p.pin; tr.appendChild(th);
        const td1 = document.createElement('td'); td1.appendChild(roleSelect(p.pin, p.role)); tr.appendChild(td1);
        const td2 = document.createElement('td');
        const ch = document.createElement('input');
        ch.type = 'number'; ch.min = 0; ch.max = 64; ch.value = p.channel; ch.name = 'channel-' + p.pin;
        ch.setAttribute('aria-label', 'Channel of P' + p.pin);
        td2.appendChild(ch); tr.appendChild(td2);
        if (p.role !== 'None') tr.classList.add('used');
        body.appendChild(tr);
      }
    }

    async function loadPins() {
      const r = await call('GET', api + '/pins');
      if (!r.ok) { status.textContent = 'Could not read pins (' + r.status + ').'; return; }
      roles = r.data.roles;
      render(r.data.pins);
      form.hidden = false;
      status.textContent = r.data.read
        ? 'The plug\'s pins now (P0–P' + (r.data.pins.length - 1) + '). Change any, then apply them together.'
        : 'The plug\'s pin table could not be read (' + r.data.error + '). Pins you set here are still sent over MQTT.';
      pinsCard.dataset.read = r.data.read ? '1' : '0';
    }

    function showResult(ok, text) {
      result.hidden = false;
      result.className = ok ? 'ok' : 'error';
      result.textContent = text;
    }

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const pins = {};
      for (const tr of body.rows) {
        pins[tr.dataset.pin] = { role: tr.querySelector('select').value, channel: Number(tr.querySelector('input').value || 0) };
      }
      const button = document.getElementById('pin-apply');
      button.disabled = true;
      try {
        const r = await call('PUT', api + '/pins', { pins, restart: document.getElementById('pin-restart').checked });
        showResult(r.ok, r.data.message || r.data.detail || ('failed: ' + r.status));
        if (r.data.pins) render(r.data.pins);
        refreshRelays();
      } finally {
        button.disabled = false;
      }
    });

    const results = document.getElementById('template-results');
    document.getElementById('template-search').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const q = document.getElementById('template-q').value;
      const r = await call('GET', '/api/templates?q=' + encodeURIComponent(q));
      results.textContent = '';
      const items = r.ok ? r.data.items : [];
      document.getElementById('template-empty').hidden = items.length > 0;
      for (const t of items) {
        const li = document.createElement('li');
        const text = document.createElement('div');
        text.innerHTML = '<strong></strong> <span class="hint"></span><br><span class="hint pins"></span>';
        text.querySelector('strong').textContent = t.displayName;
        text.querySelector('.hint').textContent = t.chip + ' ' + t.board;
        text.querySelector('.pins').textContent = t.pins;
        const b = document.createElement('button');
        b.type = 'button'; b.className = 'secondary'; b.textContent = 'Apply';
        b.addEventListener('click', async () => {
          b.disabled = true;
          const a = await call('POST', api + '/template', { template: t.displayName, restart: true });
          b.disabled = false;
          showResult(a.ok, a.data.message || a.data.detail || ('failed: ' + a.status));
          if (a.data.pins) render(a.data.pins);
          refreshRelays();
        });
        li.appendChild(text); li.appendChild(b);
        results.appendChild(li);
      }
      if (r.ok && r.data.total > items.length) {
        const li = document.createElement('li');
        li.className = 'hint';
        li.textContent = 'Showing ' + items.length + ' of ' + r.data.total + ' matches; narrow the search.';
        results.appendChild(li);
      }
    });

    loadPins();
  }

  // ---- log lines ----
  const details = document.getElementById('log-details');
  if (details) {
    const pre = document.getElementById('log-lines');
    const logStatus = document.getElementById('log-status');
    let timer = null;
    async function readLog() {
      const r = await call('GET', api + '/log');
      if (!r.ok) { logStatus.textContent = 'Could not read the log (' + r.status + ').'; return; }
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.textContent = r.data.lines.join('\n');
      if (atBottom) pre.scrollTop = pre.scrollHeight;
      logStatus.textContent = r.data.error ? 'Last read failed: ' + r.data.error : r.data.lines.length + ' lines (' + r.data.source + ')';
    }
    details.addEventListener('toggle', () => {
      clearInterval(timer);
      if (details.open) { readLog(); timer = setInterval(readLog, 5000); }
    });
  }
})();
