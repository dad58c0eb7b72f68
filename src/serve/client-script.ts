/**
 * The pages' only script (served inline with the CSP nonce of its response): refresh the live region
 * from the server without reloading the page, and pause while the tab is hidden. The fragment is HTML
 * the server escaped; no data is turned into markup here.
 */
export const CLIENT_SCRIPT = `
(function () {
  var live = document.getElementById('live');
  var status = document.getElementById('live-status');
  if (!live || !status) return;
  var src = live.getAttribute('data-src');
  var every = Number(live.getAttribute('data-refresh')) || 30;
  var busy = false;
  function stamp(text) { status.textContent = text; }
  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(src, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (html) {
        live.innerHTML = html;
        live.setAttribute('data-updated', String(Date.now()));
        stamp('Updated ' + new Date().toLocaleTimeString() + ' · refreshes every ' + every + ' s');
      })
      .catch(function (e) { stamp('Refresh failed (' + e.message + '); retrying in ' + every + ' s'); })
      .then(function () { busy = false; });
  }
  stamp('Live · refreshes every ' + every + ' s');
  setInterval(refresh, every * 1000);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(); });
})();
`.trim();
