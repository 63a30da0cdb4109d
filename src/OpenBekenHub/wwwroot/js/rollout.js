// Live per-plug progress of one rollout: polls GET /api/rollouts/{id}; pause/resume/abort post with the page's CSRF token.
(() => {
  const box = document.getElementById('rollout');
  if (!box) return;
  const id = box.dataset.id;
  const token = document.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';
  const final = s => s === 'completed' || s === 'stopped' || s === 'aborted';
  async function refresh() {
    const r = await fetch(`/api/rollouts/${id}`, { headers: { Accept: 'application/json' } });
    if (!r.ok) return true;
    const view = await r.json();
    document.getElementById('state').textContent = view.state;
    for (const d of view.devices) {
      const row = box.querySelector(`tr[data-plug="${CSS.escape(d.id)}"]`);
      if (!row) continue;
      row.querySelector('[data-result]').textContent = d.result;
      row.querySelector('[data-reason]').textContent = d.reason ?? '';
      const bar = row.querySelector('progress');
      bar.hidden = d.bytesTotal == null;
      if (d.bytesTotal != null) { bar.max = d.bytesTotal; bar.value = d.bytesServed ?? 0; }
    }
    return final(view.state);
  }
  box.querySelectorAll('button[data-action]').forEach(b => b.addEventListener('click', async () => {
    await fetch(`/api/rollouts/${id}/${b.dataset.action}`, { method: 'POST', headers: { 'X-CSRF-TOKEN': token } });
    refresh();
  }));
  const tick = async () => { if (!(await refresh())) setTimeout(tick, 2000); };
  tick();
})();
