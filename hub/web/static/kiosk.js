// Kiosk page: confirm dangerous commands, avoid double submissions.
(() => {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  document.querySelectorAll('form[method="post"]').forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (event.defaultPrevented) return;
      form.querySelectorAll("button").forEach((button) => {
        button.disabled = true;
      });
    });
  });
})();
