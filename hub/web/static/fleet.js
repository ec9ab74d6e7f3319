// Fleet page: live updates without reloading, and filters that apply on change.
// Polls /ops/fleet.json with the page's own query string (filter, sort, page),
// so what is shown stays what was asked for. No inline handlers: CSP-friendly.
(() => {
  "use strict";
  const section = document.getElementById("fleet");
  if (!section) return;
  const url = section.dataset.liveUrl;
  const every = (Number(section.dataset.liveInterval) || 5) * 1000;
  const rows = document.getElementById("fleet-rows");
  const pager = document.getElementById("fleet-pager");
  const status = document.getElementById("live-status");
  const clock = document.getElementById("live-time");
  let busy = false;
  let lastRows = null;
  let lastPager = null;

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(url + window.location.search, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.status === 401) {
        window.location.reload(); // session over: the server sends us to the log-in page
        return;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      if (data.rows_html !== lastRows) {
        rows.innerHTML = data.rows_html; // rendered by the server's autoescaped template
        lastRows = data.rows_html;
      }
      if (data.pager_html !== lastPager) {
        pager.innerHTML = data.pager_html;
        lastPager = data.pager_html;
      }
      for (const [key, value] of Object.entries(data.counts)) {
        document.querySelectorAll('[data-count="' + key + '"]').forEach((el) => {
          el.textContent = String(value);
        });
      }
      clock.textContent = data.updated;
      status.dataset.state = "ok";
    } catch (err) {
      status.dataset.state = "error";
      clock.textContent = "connexion perdue, nouvel essai…";
    } finally {
      busy = false;
    }
  }

  setInterval(refresh, every);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });

  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
})();
