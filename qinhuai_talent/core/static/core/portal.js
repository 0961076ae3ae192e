// Progress bars of running jobs follow the job's API record until it finishes.
(function () {
  function poll(el) {
    var url = el.getAttribute("data-poll");
    if (!url) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) return;
        var pct = Math.round(job.progress * 100);
        var bar = el.querySelector(".progress-bar");
        el.setAttribute("aria-valuenow", pct);
        bar.style.width = pct + "%";
        bar.textContent = pct + "%";
        var state = document.querySelector("[data-job-state]");
        if (job.state === "succeeded" || job.state === "failed") {
          bar.classList.remove("progress-bar-striped", "progress-bar-animated");
          bar.classList.add(job.state === "failed" ? "bg-danger" : "bg-success");
          if (state) { window.location.reload(); }
          return;
        }
        setTimeout(function () { poll(el); }, 1000);
      })
      .catch(function () { setTimeout(function () { poll(el); }, 3000); });
  }
  document.querySelectorAll("[data-poll]").forEach(poll);
  // Submit buttons that ask for confirmation first.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (e) {
      if (!window.confirm(el.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
})();

// Print buttons (the printable notices): no inline script under the Content Security Policy.
document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
