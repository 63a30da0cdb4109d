// Form behaviour that would otherwise need inline handlers, which the Content-Security-Policy refuses:
//   <select data-autosubmit>            submits its form when changed
//   <form data-confirm="Question?">     asks before submitting
document.addEventListener('change', e => {
  const el = e.target;
  if (el instanceof HTMLElement && el.matches('[data-autosubmit]') && el.form) el.form.submit();
});
document.addEventListener('submit', e => {
  const form = e.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
}, true);
