// The pin editor (wizard and the job's "choose pins" step): template search with suggestions from
// /api/flash/templates, the whole pin table editable, a line saying what the plug will be, and the table posted as
// JSON in "pinsJson". Also: the wizard's module picker and its pins-source switch (no inline handlers, for the CSP).
(function () {
  function initEditor(root) {
    const channelRoles = new Set((root.dataset.channelRoles || '').split(',').map((r) => r.toLowerCase()));
    const search = root.querySelector('.tpl-search');
    const hits = root.querySelector('.tpl-hits');
    const body = root.querySelector('table.pins tbody');
    const summary = root.querySelector('.pins-summary');
    const json = root.querySelector('.pins-json');
    const options = root.querySelector('template.role-options');
    let picked = search.value || null;
    let timer = null;

    function roleSelect(select, role) {
      select.replaceChildren(options.content.cloneNode(true));
      select.value = role || 'None';
      if (select.value !== (role || 'None')) select.value = 'None';
    }

    function addRow(pin, role, channel) {
      const tr = document.createElement('tr');
      tr.dataset.pinRow = '';
      tr.innerHTML = '<td><input type="number" min="0" max="31" aria-label="Pin"></td><td><select aria-label="Role"></select></td>' +
        '<td><input type="number" min="0" max="255" aria-label="Channel"></td>' +
        '<td><button type="button" class="secondary remove-pin" aria-label="Remove this pin">×</button></td>';
      const inputs = tr.querySelectorAll('input');
      inputs[0].value = pin == null ? '' : pin;
      inputs[1].value = channel == null ? 0 : channel;
      roleSelect(tr.querySelector('select'), role);
      body.append(tr);
      return tr;
    }

    function table() {
      const pins = {};
      for (const tr of body.querySelectorAll('tr')) {
        const [pin, channel] = tr.querySelectorAll('input');
        const role = tr.querySelector('select').value;
        if (pin.value === '' || role === 'None') continue;
        pins[String(Number(pin.value))] = { role: role, channel: Number(channel.value || 0) };
      }
      return pins;
    }

    function update() {
      const pins = table();
      const rows = Object.entries(pins);
      json.value = rows.length ? JSON.stringify(pins) : '';
      const channels = rows.filter(([, c]) => channelRoles.has(c.role.toLowerCase()));
      root.dataset.givesChannels = channels.length ? '1' : '0';
      if (!rows.length) {
        summary.className = 'pins-summary hint';
        summary.textContent = picked ? 'Template ' + picked + ' (its pins could not be shown).' : 'No pins chosen yet.';
      } else if (!channels.length) {
        summary.className = 'pins-summary warn';
        summary.textContent = 'No relay, LED, PWM or input pin: the plug would have no channel, so the job will stop and ask.';
      } else {
        summary.className = 'pins-summary ok';
        summary.textContent = 'The plug will have: ' + channels.map(([pin, c]) => c.role + ' channel ' + c.channel + ' (P' + pin + ')').join(', ') +
          (picked ? ' — from ' + picked : '') + '.';
      }
    }

    function fill(hit) {
      // a name several entries share cannot be sent (the hub would not know which): then only its pins are used
      picked = hit.unique ? hit.name : null;
      search.value = hit.unique ? hit.name : '';
      search.placeholder = hit.unique ? search.placeholder : 'pins from ' + hit.name;
      body.replaceChildren();
      for (const [pin, c] of Object.entries(hit.pins)) addRow(pin, c.role, c.channel);
      hits.replaceChildren();
      update();
    }

    async function suggest() {
      const q = search.value.trim();
      if (q.length < 2 || q === picked) { hits.replaceChildren(); return; }
      const response = await fetch('/api/flash/templates?q=' + encodeURIComponent(q), { headers: { Accept: 'application/json' } });
      if (!response.ok) return;
      const found = await response.json();
      hits.replaceChildren();
      for (const hit of found.slice(0, 8)) {
        const li = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'secondary';
        b.setAttribute('role', 'option');
        b.textContent = hit.name + ' — ' + (hit.chip || 'chip ?') + ', ' + Object.keys(hit.pins).length + ' pins' + (hit.givesChannels ? '' : ' (no channel)');
        b.addEventListener('click', () => fill(hit));
        li.append(b);
        hits.append(li);
      }
      if (!found.length) {
        const li = document.createElement('li');
        li.className = 'hint';
        li.textContent = 'No template matches; fill the table yourself.';
        hits.append(li);
      }
    }

    for (const select of body.querySelectorAll('select[data-role]')) roleSelect(select, select.dataset.role);
    search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(suggest, 200); });
    root.addEventListener('input', update);
    root.addEventListener('change', update);
    root.addEventListener('click', (e) => {
      const t = e.target;
      if (t.classList.contains('remove-pin')) { t.closest('tr').remove(); update(); }
      if (t.classList.contains('add-pin')) { addRow('', 'Rel', 1).querySelector('input').focus(); update(); }
      if (t.classList.contains('clear-pins')) { body.replaceChildren(); picked = null; search.value = ''; update(); }
    });
    const form = root.closest('form');
    if (form) {
      form.addEventListener('submit', () => {
        update();
        // a search text that is not a picked template is not a template name: the table speaks instead
        if (json.value && search.value !== picked) search.value = '';
      });
    }
    update();
  }

  document.querySelectorAll('[data-pin-editor]').forEach(initEditor);

  // wizard: the pins source shows or hides the editor (the module picker submits through forms.js' data-autosubmit)
  const sources = document.querySelectorAll('input[name=pinsSource]');
  const editor = document.getElementById('wizard-pins');
  function showEditor() {
    const chosen = document.querySelector('input[name=pinsSource]:checked');
    if (editor) editor.hidden = !chosen || chosen.value !== 'table';
  }
  sources.forEach((r) => r.addEventListener('change', showEditor));
  showEditor();
})();
