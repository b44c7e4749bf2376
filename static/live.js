// Keeps a floor plan in step with the log: every few seconds it reads the booth list and
// recolours the booths that changed. The page works without it.
(function () {
  "use strict";
  var svg = document.getElementById("floor-plan");
  if (!svg || !svg.dataset.booths || !window.fetch) return;
  var url = svg.dataset.booths;
  var version = svg.dataset.version;
  var note = document.getElementById("live-note");

  function label(booth) {
    var text = booth.code;
    if (booth.holder) {
      text += " · " + booth.holder.organization;
      var products = (booth.holder.products || []).map(function (p) { return p.name; });
      if (products.length) text += " · " + products.join(", ");
    }
    return text;
  }

  function apply(list) {
    var counts = { available: 0, allocated: 0, blocked: 0 };
    list.booths.forEach(function (booth) {
      counts[booth.status] = (counts[booth.status] || 0) + 1;
      var rect = svg.querySelector('rect[data-code="' + booth.code + '"]');
      if (!rect) return;
      var keep = (rect.getAttribute("class") || "").split(/\s+/).filter(function (c) {
        return c === "selected" || c === "proposed";
      });
      rect.setAttribute("class", ["booth", booth.status].concat(keep).join(" "));
      var title = rect.querySelector("title");
      if (title && booth.status !== "available") title.textContent = label(booth);
      var badge = document.querySelector('[data-status-of="' + booth.code + '"]');
      if (badge) badge.setAttribute("class", "badge " + booth.status);
    });
    Object.keys(counts).forEach(function (status) {
      var el = document.querySelector('[data-count="' + status + '"]');
      if (el) el.textContent = counts[status];
    });
    if (String(list.version) !== String(version)) {
      svg.dataset.version = list.version;
      if (note) note.hidden = false;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (list) { if (list) apply(list); })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();
