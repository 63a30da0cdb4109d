// Backups page: follows a running "return to stock" (#stock-run[data-run]) until it ends.
(async function () {
  const section = document.getElementById('stock-run');
  if (!section) return;
  const id = section.dataset.run, state = document.getElementById('stock-state'), bar = document.getElementById('stock-progress');
  for (;;) {
    const r = await fetch('/api/stock-restore/' + encodeURIComponent(id), { credentials: 'same-origin' });
    if (!r.ok) { state.textContent = 'lost track of the run (' + r.status + ')'; return; }
    const v = await r.json();
    bar.value = v.fraction;
    if (v.state === 'ok') {
      state.className = 'ok';
      state.textContent = 'Back to stock: 0x' + v.result.start.toString(16) + '–0x' + (v.result.start + v.result.length).toString(16)
        + ' equals the backup (' + v.result.regionsWritten + ' regions written, ' + v.result.regionsMatched + ' already matched). The plug rebooted into its stock firmware.';
      return;
    }
    if (v.state === 'failed') { state.className = 'error'; state.textContent = 'Failed: ' + v.error; return; }
    state.textContent = (v.phase || 'waiting for the bootloader') + ' ' + (v.message || '');
    await new Promise((res) => setTimeout(res, 1000));
  }
})();
