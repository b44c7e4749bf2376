// Keeps a floor plan in step with the log: every few seconds it asks whether the fair's
// booths changed (an unchanged list is a bodiless 304) and, when they did, rewrites each
// changed booth's status, in words as well as colour. It stops once the fair is over, and
// waits while the page is hidden. The page works without it.
(function () {
  "use strict";
  var svg = document.getElementById("floor-plan");
  if (!svg || !svg.dataset.booths || !window.fetch) return;
  var url = svg.dataset.booths;
  var version = svg.dataset.version;
  var until = Number(svg.dataset.until || 0);
  var words = {};
  try { words = JSON.parse(svg.dataset.words || "{}"); } catch (e) { words = {}; }
  var note = document.getElementById("live-note");
  var etag = null;

  function label(booth) {
    var text = booth.code + " · " + (words[booth.status] || booth.status);
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
      if (rect) {
        var keep = (rect.getAttribute("class") || "").split(/\s+/).filter(function (c) {
          return c === "selected" || c === "proposed" || c === "fits";
        });
        if (booth.status !== "available") keep = keep.filter(function (c) { return c !== "fits"; });
        rect.setAttribute("class", ["booth", booth.status].concat(keep).join(" "));
        var title = rect.querySelector("title");
        if (title) title.textContent = label(booth);
      }
      var badge = document.querySelector('[data-status-of="' + booth.code + '"]');
      if (badge) {
        badge.setAttribute("class", "badge " + booth.status);
        if (words[booth.status]) badge.textContent = words[booth.status];
      }
    });
    Object.keys(counts).forEach(function (status) {
      var el = document.querySelector('[data-count="' + status + '"]');
      if (el) el.textContent = counts[status];
    });
    if (version && String(list.version) !== String(version)) {
      svg.dataset.version = list.version;
      if (note) note.hidden = false;
    }
  }

  function next() {
    if (until && Date.now() > until) return; // the fair is over: nothing more will change
    window.setTimeout(poll, 2000);
  }

  function poll() {
    if (document.hidden) { next(); return; }
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: headers })
      .then(function (r) {
        if (r.status === 304 || !r.ok) return null;
        etag = r.headers.get("ETag");
        return r.json();
      })
      .then(function (list) { if (list) apply(list); })
      .catch(function () {})
      .then(next);
  }
  next();
})();
