// Flash job page: follows /live/jobs/{id} (SSE) and redraws steps, progress, facts, log and the end state; at the
// "choose pins" stop (NeedsPins) it shows the pin editor, whose form continues the job.
(function () {
  const root = document.getElementById('job');
  if (!root || root.dataset.live !== '1') return;
  const $ = (id) => document.getElementById(id);
  const fmt = (n) => Number(n).toLocaleString('en-US');

  function render(v) {
    root.dataset.state = v.state;
    $('state').textContent = v.state === 'NeedsPins' ? 'Waiting for you to choose the pins' : v.state;
    $('state').className = 'state-' + String(v.state).toLowerCase();
    $('catch').hidden = !v.linkChecking;
    for (const s of v.steps) {
      const li = root.querySelector('li[data-step="' + s.step + '"]');
      if (!li) continue;
      li.dataset.outcome = s.outcome;
      li.querySelector('.badge').textContent = s.outcome;
      li.querySelector('.detail').textContent = s.detail || '';
    }
    if (v.state === 'Succeeded') {
      $('bar').value = 100;
      $('progress-text').textContent = '';
    } else if (v.progress) {
      const p = v.progress;
      $('bar').value = p.percent;
      const rate = p.bytesPerSecond > 0 ? ', ' + fmt(Math.round(p.bytesPerSecond / 1024)) + ' KiB/s' : '';
      const eta = p.etaSeconds != null ? ', ' + Math.ceil(p.etaSeconds) + ' s left' : '';
      $('progress-text').textContent = p.total > 0 ? p.phase + ': ' + fmt(p.done) + ' / ' + fmt(p.total) + ' bytes' + rate + eta : (p.message || p.phase);
    }
    const facts = $('facts');
    facts.replaceChildren();
    for (const [k, val] of Object.entries(v.facts || {})) {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = val;
      facts.append(dt, dd);
    }
    if (v.facts && v.facts.backup) {
      $('backup-link').hidden = false;
      $('backup-href').href = '/backups/download/' + encodeURIComponent(v.facts.backup);
    }
    $('log').textContent = (v.log || []).map((l) => new Date(l.at).toLocaleTimeString() + ' ' + l.text).join('\n');
    $('log').scrollTop = $('log').scrollHeight;
    const outcome = $('outcome');
    outcome.replaceChildren();
    if (v.error) {
      const e = document.createElement('p'); e.className = 'error'; e.id = 'error'; e.textContent = v.error; outcome.append(e);
      if (v.hint) { const h = document.createElement('p'); h.className = 'hint'; h.id = 'hint'; h.textContent = 'What to try: ' + v.hint; outcome.append(h); }
    }
    if (v.state === 'Succeeded') {
      const ok = document.createElement('p'); ok.className = 'ok'; ok.id = 'success';
      ok.textContent = 'Done: the plug is flashed' + (v.facts && v.facts.deviceId ? ', provisioned and adopted.' : '.');
      outcome.append(ok);
    }
    const running = v.state === 'Running';
    $('choose-pins').hidden = v.state !== 'NeedsPins';
    $('resume-form').hidden = running || v.state === 'Succeeded' || v.state === 'NeedsPins';
    $('cancel-form').hidden = !running;
  }

  const es = new EventSource('/live/jobs/' + encodeURIComponent(root.dataset.job));
  es.addEventListener('job', (e) => {
    const v = JSON.parse(e.data);
    render(v);
    // NeedsPins is a pause, not an end: the browser reconnects on its own and picks the job up again once pins are
    // chosen (here or in another tab)
    if (v.state !== 'Running' && v.state !== 'NeedsPins') es.close();
  });
})();
