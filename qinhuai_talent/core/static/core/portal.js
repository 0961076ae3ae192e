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

// A choice among hundreds (the applicant of a new application): a search box above it asks the
// portal's own lookup as the person types and narrows the choice to what it finds, in the
// person's scope. Without a script the full choice is the field; the choice is always what posts.
document.querySelectorAll("select[data-lookup]").forEach((select) => {
  const url = select.getAttribute("data-lookup");
  const input = document.createElement("input");
  input.type = "search";
  input.className = "form-control form-control-sm mb-1";
  input.id = `${select.id}-lookup`;
  input.autocomplete = "off";
  input.setAttribute("aria-label", select.getAttribute("data-lookup-label") || "");
  input.placeholder = select.getAttribute("data-lookup-label") || "";
  input.setAttribute("aria-controls", select.id);
  input.setAttribute("data-lookup-for", select.id);
  select.parentNode.insertBefore(input, select);
  const all = Array.from(select.options).map((o) => [o.value, o.textContent]);
  let timer = null;
  const fill = (rows) => {
    const keep = select.value;
    select.replaceChildren(...rows.map(([value, text]) => new Option(text, value)));
    if (rows.some(([value]) => value === keep)) select.value = keep;
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) {
      fill(all);
      return;
    }
    timer = setTimeout(() => {
      fetch(`${url}?q=${encodeURIComponent(q)}`, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : null))
        .then((data) => {
          if (!data || input.value.trim() !== q) return;
          const found = data.results.map((t) => [String(t.id), t.unit ? `${t.name} · ${t.unit}` : t.name]);
          fill([all[0] && all[0][0] === "" ? all[0] : ["", "---------"], ...found]);
          if (found.length === 1) select.value = found[0][0];
          select.dispatchEvent(new Event("change", { bubbles: true }));
        })
        .catch(() => {});
    }, 200);
  });
});
