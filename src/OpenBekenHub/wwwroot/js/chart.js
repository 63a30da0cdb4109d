// Power/energy charts as hand-drawn SVG (no library: a line, bars, four grid lines and time labels are ~200 lines).
// Device page: #history with ranges hour/day/week/year and kWh per day; dashboard: [data-spark] sparklines.
// Live points arrive as 'obk:live' events (device.js on the device page, live.js on the dashboard).
(function () {
  const NS = 'http://www.w3.org/2000/svg';
  const el = (name, attrs) => {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  };

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    const n = v / p;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * p;
  }

  function timeLabel(t, span) {
    const d = new Date(t * 1000);
    const two = (n) => String(n).padStart(2, '0');
    if (span <= 2 * 86400) return two(d.getHours()) + ':' + two(d.getMinutes());
    return d.getDate() + ' ' + d.toLocaleString('en', { month: 'short' });
  }

  // draws points [[t, v], ...] into box; bars when opts.bars; returns the svg
  function draw(box, points, opts) {
    const w = Math.max(box.clientWidth || 300, 200), h = opts.height || 220;
    const pad = { l: 46, r: 8, t: 10, b: 24 };
    const svg = el('svg', { viewBox: '0 0 ' + w + ' ' + h, width: '100%', height: h, role: 'img', 'aria-label': opts.label || 'chart' });
    const t0 = opts.from, t1 = opts.to;
    const max = niceMax(Math.max(0, ...points.map((p) => p[1])));
    const x = (t) => pad.l + ((t - t0) / (t1 - t0)) * (w - pad.l - pad.r);
    const y = (v) => h - pad.b - (v / max) * (h - pad.t - pad.b);
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      svg.appendChild(el('line', { x1: pad.l, x2: w - pad.r, y1: y(v), y2: y(v), class: 'grid' }));
      const label = el('text', { x: pad.l - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' });
      label.textContent = (max < 1 ? v.toFixed(3) : max < 10 ? v.toFixed(1) : Math.round(v)) + (i === 4 ? ' ' + opts.unit : '');
      svg.appendChild(label);
    }
    const ticks = w < 400 ? 3 : 5;
    for (let i = 0; i <= ticks; i++) {
      const t = t0 + ((t1 - t0) * i) / ticks;
      const label = el('text', { x: x(t), y: h - 6, 'text-anchor': i === 0 ? 'start' : i === ticks ? 'end' : 'middle', class: 'axis' });
      label.textContent = timeLabel(t, t1 - t0);
      svg.appendChild(label);
    }
    if (opts.bars) {
      const bw = Math.max(1, ((w - pad.l - pad.r) * opts.step) / (t1 - t0) - 2);
      for (const [t, v] of points) {
        const r = el('rect', { x: x(t) + 1, y: y(v), width: bw, height: Math.max(0, h - pad.b - y(v)), class: 'bar' });
        const title = el('title', {});
        title.textContent = new Date(t * 1000).toLocaleDateString() + ': ' + v.toFixed(3) + ' ' + opts.unit;
        r.appendChild(title);
        svg.appendChild(r);
      }
    } else if (points.length > 0) {
      // a gap longer than 3 steps (plug offline) breaks the line
      let d = '';
      let last = null;
      for (const [t, v] of points) {
        d += (last === null || t - last > 3 * opts.step ? 'M' : 'L') + x(t).toFixed(1) + ' ' + y(v).toFixed(1) + ' ';
        last = t;
      }
      svg.appendChild(el('path', { d, class: 'line' }));
    }
    box.textContent = '';
    box.appendChild(svg);
    box.dataset.points = String(points.length);
    return svg;
  }

  // ---- device page ----
  const card = document.getElementById('history');
  if (card) {
    const id = card.dataset.device;
    const box = document.getElementById('history-chart');
    const status = document.getElementById('history-status');
    const csv = document.getElementById('history-csv');
    const ranges = { hour: 3600, day: 86400, week: 7 * 86400, year: 365 * 86400, energy: 30 * 86400 };
    let range = 'hour';
    let series = null;

    async function load() {
      const to = Date.now() / 1000;
      const from = to - ranges[range];
      const q = range === 'energy' ? 'quantity=energy&step=day' : 'quantity=power';
      const query = q + '&from=' + new Date(from * 1000).toISOString() + '&to=' + new Date(to * 1000 + 60000).toISOString();
      csv.href = '/api/devices/' + encodeURIComponent(id) + '/history.csv?' + query;
      const res = await fetch('/api/devices/' + encodeURIComponent(id) + '/history?' + query, { credentials: 'same-origin' });
      if (!res.ok) { status.textContent = 'History unavailable (' + res.status + ').'; return; }
      const data = await res.json();
      series = { points: data.points, unit: data.unit, step: data.resolution, from, to, bars: range === 'energy' };
      render();
    }

    function render() {
      if (!series) return;
      const to = Math.max(series.to, Date.now() / 1000);
      draw(box, series.points, { from: series.from + (to - series.to), to, unit: series.unit, step: series.step, bars: series.bars, label: 'Power history' });
      const n = series.points.length;
      status.textContent = n === 0
        ? 'No readings stored for this range yet; the first minute appears once it has passed.'
        : series.bars
          ? 'Total ' + series.points.reduce((s, p) => s + p[1], 0).toFixed(3) + ' kWh over ' + n + ' days'
          : n + ' points, ' + (series.step >= 3600 ? series.step / 3600 + ' h' : series.step / 60 + ' min') + ' each; latest ' + series.points[n - 1][1].toFixed(1) + ' W';
    }

    card.querySelectorAll('button[data-range]').forEach((b) => b.addEventListener('click', () => {
      range = b.dataset.range;
      card.querySelectorAll('button[data-range]').forEach((o) => o.setAttribute('aria-pressed', String(o === b)));
      load();
    }));

    document.addEventListener('obk:live', (e) => {
      const { kind, data } = e.detail;
      if (kind !== 'reading' || data.quantity !== 'power' || !series || series.bars || range !== 'hour') return;
      series.points.push([Math.floor(Date.now() / 1000), data.value]); // a live reading; the next load replaces it by the minute mean
      render();
    });
    setInterval(load, 60000);
    window.addEventListener('resize', render);
    load();
  }

  // ---- dashboard sparklines ----
  const sparks = document.querySelectorAll('[data-spark]');
  if (sparks.length > 0) {
    const lines = new Map();
    function drawSpark(span, points) {
      const w = 80, h = 20, now = Date.now() / 1000, from = now - 3600;
      const max = Math.max(1, ...points.map((p) => p[1]));
      const svg = el('svg', { viewBox: '0 0 ' + w + ' ' + h, width: w, height: h });
      const d = points.filter((p) => p[0] >= from)
        .map((p, i) => (i === 0 ? 'M' : 'L') + (((p[0] - from) / 3600) * w).toFixed(1) + ' ' + (h - 1 - (p[1] / max) * (h - 2)).toFixed(1)).join(' ');
      if (d) svg.appendChild(el('path', { d, class: 'line' }));
      span.textContent = '';
      span.appendChild(svg);
      span.dataset.points = String(points.length);
    }
    async function loadSparks() {
      const res = await fetch('/api/history/sparklines', { credentials: 'same-origin' });
      if (!res.ok) return;
      const data = await res.json();
      for (const span of sparks) {
        const points = data[span.dataset.spark] || [];
        lines.set(span.dataset.spark, points);
        drawSpark(span, points);
      }
    }
    document.addEventListener('obk:live', (e) => {
      const { kind, data } = e.detail;
      if (kind !== 'reading' || data.quantity !== 'power' || !lines.has(data.device)) return;
      const points = lines.get(data.device);
      points.push([Date.now() / 1000, data.value]);
      if (points.length > 240) points.splice(0, points.length - 240);
      const span = document.querySelector('[data-spark="' + CSS.escape(data.device) + '"]');
      if (span) drawSpark(span, points);
    });
    loadSparks();
    setInterval(loadSparks, 5 * 60000);
  }
})();
