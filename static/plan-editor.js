// The floor-plan editor on the organizer's plan page. It draws the plan the page embeds,
// lets the organizer add, select, move, resize, rotate, duplicate, renumber and delete
// booths and plain shapes, keeps an undo history until the plan is saved, flags booths that
// overlap or leave the hall, and saves the whole drawing as one change based on the plan it
// started from. Without JavaScript the page shows the plan and its CSV import instead.

const NS = 'http://www.w3.org/2000/svg';
const GRID = 0.5;
const MAX_BOOTHS = 20000;
const MAX_HISTORY = 200;
const CODE = /^[A-Za-z0-9_-]{1,16}$/;

const root = document.getElementById('plan-editor');
if (root) start(root);

function start(root) {
  const T = JSON.parse(document.getElementById('editor-texts').textContent);
  const first = JSON.parse(document.getElementById('editor-drawing').textContent);
  const svg = document.getElementById('editor-svg');
  const $ = (id) => document.getElementById(id);
  const say = (key, values = {}) =>
    Object.entries(values).reduce((s, [k, v]) => s.replaceAll(`{${k}}`, v), T[key] || key);

  let nextId = 1;
  const model = {
    hall: first.hall || null,
    zones: first.zones.map((z) => ({ code: z.code, name: z.name, colour: z.colour || null })),
    booths: first.booths.map((b) => ({ ...b, id: `b${nextId++}`, orig: b.holder ? b.code : null })),
    shapes: (first.shapes || []).map((s) => ({ ...s, id: `s${nextId++}` })),
  };
  let seen = first.seen;
  let byId = new Map();
  const elements = new Map();
  const selection = new Set();
  const undo = [];
  const redo = [];
  let dirty = false;
  let saveAnyway = false;
  let flagged = 0;

  const layer = (cls) => {
    const g = document.createElementNS(NS, 'g');
    g.setAttribute('class', cls);
    svg.appendChild(g);
    return g;
  };
  const hallLayer = layer('ed-hall');
  const shapeLayer = layer('ed-shapes');
  const boothLayer = layer('ed-booths');
  const overlay = layer('ed-overlay');

  const round = (v) => Math.round(v * 100) / 100;
  const snap = (v) => round(Math.round(v / GRID) * GRID);
  const number = (text) => {
    const t = String(text).trim().replace(',', '.');
    return t === '' ? null : Number(t);
  };
  const items = () => [...model.booths, ...model.shapes];
  const selected = () => [...selection].map((id) => byId.get(id)).filter(Boolean);
  const selectedBooths = () => selected().filter((i) => i.id.startsWith('b'));
  const held = (b) => (b.holder ? `${b.orig || b.code} (${b.holder})` : null);

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  // --- history ---------------------------------------------------------------------------

  const snapshot = () => JSON.stringify(model);
  function restore(text) {
    const m = JSON.parse(text);
    Object.assign(model, m);
    for (const id of [...selection]) if (!items().some((i) => i.id === id)) selection.delete(id);
  }
  function change(apply) {
    const before = snapshot();
    if (apply() === false) return false;
    undo.push(before);
    if (undo.length > MAX_HISTORY) undo.shift();
    redo.length = 0;
    dirty = true;
    saveAnyway = false;
    render();
    status(T['editor.unsaved']);
    return true;
  }
  function step(from, to) {
    if (!from.length) return;
    to.push(snapshot());
    restore(from.pop());
    dirty = true;
    render();
    status(T['editor.unsaved']);
  }

  // --- drawing ---------------------------------------------------------------------------

  function zoneColour(code) {
    const z = model.zones.find((z) => z.code === code);
    return (z && z.colour) || '#dcefe1';
  }

  function draw(item, g) {
    g.replaceChildren();
    const isBooth = item.id.startsWith('b');
    g.setAttribute('transform', `translate(${item.x} ${item.y})`);
    const cls = isBooth ? 'ed-booth' : `ed-shape ${item.kind}`;
    g.setAttribute('class', cls + (item.holder ? ' held' : '') + (selection.has(item.id) ? ' sel' : ''));
    const rect = el('rect', { width: item.width_m, height: item.depth_m }, g);
    if (isBooth) rect.setAttribute('fill', zoneColour(item.zone));
    const label = isBooth ? item.code : item.label || '';
    const text = el('text', { x: item.width_m / 2, y: item.depth_m / 2 }, g);
    text.textContent = label;
    const title = el('title', {}, g);
    title.textContent = isBooth
      ? `${item.code} · ${item.zone} · ${item.kind} · ${item.width_m}×${item.depth_m} m` +
        (item.holder ? ` · ${say('editor.held_by', { holder: item.holder })}` : '')
      : label || item.kind;
  }

  function render() {
    byId = new Map(items().map((i) => [i.id, i]));
    hallLayer.replaceChildren();
    if (model.hall) el('rect', { class: 'hall', width: model.hall.width_m, height: model.hall.depth_m }, hallLayer);
    for (const [layerOf, list] of [[shapeLayer, model.shapes], [boothLayer, model.booths]]) {
      layerOf.replaceChildren();
      for (const item of list) {
        const g = el('g', { 'data-id': item.id }, layerOf);
        draw(item, g);
        elements.set(item.id, g);
      }
    }
    for (const id of [...elements.keys()]) if (!byId.has(id)) elements.delete(id);
    fitView();
    flag();
    showSelection();
    zonesChanged();
    $('editor-undo').disabled = !undo.length;
    $('editor-redo').disabled = !redo.length;
  }

  function fitView() {
    let [x0, y0, x1, y1] = [0, 0, 10, 10];
    if (model.hall) [x1, y1] = [model.hall.width_m, model.hall.depth_m];
    for (const i of items()) {
      x1 = Math.max(x1, i.x + i.width_m);
      y1 = Math.max(y1, i.y + i.depth_m);
    }
    const m = 1.5;
    const width = x1 - x0 + 2 * m;
    svg.setAttribute('viewBox', `${x0 - m} ${y0 - m} ${width} ${y1 - y0 + 2 * m}`);
    // At least 16 px a metre, so a booth's code (0.75 m) reads at 12 px; the canvas scrolls.
    svg.style.minWidth = `${Math.max(640, Math.ceil(width * 16))}px`;
  }

  // Booths that overlap another, or leave the hall: marked on the drawing and listed.
  function flag() {
    const eps = 0.001;
    const booths = [...model.booths].sort((a, b) => a.x - b.x);
    const overlapping = new Set();
    for (let i = 0; i < booths.length; i++) {
      const a = booths[i];
      for (let j = i + 1; j < booths.length && booths[j].x < a.x + a.width_m - eps; j++) {
        const b = booths[j];
        if (b.y < a.y + a.depth_m - eps && a.y < b.y + b.depth_m - eps) {
          overlapping.add(a);
          overlapping.add(b);
        }
      }
    }
    const h = model.hall;
    const outside = h
      ? model.booths.filter((b) => b.x + b.width_m > h.width_m + eps || b.y + b.depth_m > h.depth_m + eps)
      : [];
    for (const b of model.booths) {
      const g = elements.get(b.id);
      g.classList.toggle('overlap', overlapping.has(b));
      g.classList.toggle('outside', outside.includes(b));
    }
    const box = $('editor-flags');
    box.replaceChildren();
    const codes = (list) => [...list].map((b) => b.code).sort().join(', ');
    for (const [key, list] of [['editor.overlap', overlapping], ['editor.outside', outside]]) {
      if (!list.size && !list.length) continue;
      const p = document.createElement('p');
      p.textContent = `⚠ ${T[key]} (${list.size ?? list.length}): ${codes(list)}`;
      p.dataset.flag = key.split('.')[1];
      box.appendChild(p);
    }
    flagged = overlapping.size + outside.length;
    box.hidden = !flagged;
  }

  // --- selection -------------------------------------------------------------------------

  function showSelection() {
    for (const [id, g] of elements) g.classList.toggle('sel', selection.has(id));
    overlay.replaceChildren();
    const chosen = selected();
    const booths = selectedBooths();
    const text = $('editor-selected');
    if (!chosen.length) text.textContent = T['editor.none_selected'];
    else {
      let s = say('editor.selected', { n: chosen.length });
      if (booths.length === 1) {
        const b = booths[0];
        s += `: ${b.code}` + (b.holder ? ` — ${say('editor.held_by', { holder: b.holder })}` : '');
      }
      text.textContent = s;
    }
    if (chosen.length === 1) {
      const i = chosen[0];
      const size = 0.6;
      el('rect', {
        class: 'ed-handle',
        'data-handle': 'resize',
        x: i.x + i.width_m - size / 2,
        y: i.y + i.depth_m - size / 2,
        width: size,
        height: size,
      }, overlay);
    }
    // The properties form shows what the selected booths share; an empty field keeps theirs.
    const same = (key) => {
      const values = new Set(booths.map((b) => b[key]));
      return values.size === 1 ? [...values][0] : '';
    };
    const props = $('editor-props');
    for (const e of props.elements) e.disabled = !booths.length;
    $('prop-code').value = booths.length === 1 ? booths[0].code : '';
    $('prop-code').disabled = booths.length !== 1;
    $('prop-zone').value = same('zone');
    $('prop-kind').value = same('kind');
    $('prop-width').value = same('width_m');
    $('prop-depth').value = same('depth_m');
    $('prop-price').value = same('price_vnd');
    const power = same('power');
    $('prop-power').value = power === '' ? '' : power ? '1' : '0';
    for (const e of $('editor-renumber').elements) e.disabled = !booths.length;
    for (const id of ['editor-duplicate', 'editor-rotate', 'editor-delete']) $(id).disabled = !chosen.length;
  }

  function choose(ids, add) {
    if (!add) selection.clear();
    for (const id of ids) selection.add(id);
    showSelection();
  }

  // --- pointer: select, box-select, move, resize -----------------------------------------

  function point(ev) {
    const p = svg.createSVGPoint();
    p.x = ev.clientX;
    p.y = ev.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }

  let gesture = null;
  let pending = null;
  svg.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0) return;
    const p = point(ev);
    const target = ev.target.closest('[data-id],[data-handle]');
    svg.focus({ preventScroll: true });
    if (target && target.dataset.handle) {
      const item = selected()[0];
      gesture = { kind: 'resize', start: p, item, w: item.width_m, d: item.depth_m };
    } else if (target) {
      const id = target.dataset.id;
      if (ev.shiftKey) {
        if (selection.has(id)) selection.delete(id);
        else selection.add(id);
        showSelection();
        if (!selection.has(id)) return;
      } else if (!selection.has(id)) choose([id], false);
      const moving = selected();
      gesture = { kind: 'move', start: p, items: moving, dx: 0, dy: 0, only: ev.shiftKey ? null : id };
    } else {
      const rect = el('rect', { class: 'ed-box', x: p.x, y: p.y, width: 0, height: 0 }, overlay);
      gesture = { kind: 'box', start: p, rect, add: ev.shiftKey, to: p };
    }
    try {
      svg.setPointerCapture(ev.pointerId);
    } catch {
      // A synthetic pointer has nothing to capture.
    }
    ev.preventDefault();
  });

  svg.addEventListener('pointermove', (ev) => {
    if (!gesture) return;
    const first = pending === null;
    pending = point(ev);
    if (first) requestAnimationFrame(frame);
  });

  function frame() {
    const p = pending;
    pending = null;
    if (!gesture || !p) return;
    const g = gesture;
    if (g.kind === 'move') {
      const minX = Math.min(...g.items.map((i) => i.x));
      const minY = Math.min(...g.items.map((i) => i.y));
      g.dx = Math.max(snap(p.x - g.start.x), -minX);
      g.dy = Math.max(snap(p.y - g.start.y), -minY);
      for (const i of g.items) elements.get(i.id).setAttribute('transform', `translate(${round(i.x + g.dx)} ${round(i.y + g.dy)})`);
      overlay.replaceChildren();
    } else if (g.kind === 'resize') {
      g.nw = Math.min(100, Math.max(GRID, snap(g.w + p.x - g.start.x)));
      g.nd = Math.min(100, Math.max(GRID, snap(g.d + p.y - g.start.y)));
      draw({ ...g.item, width_m: g.nw, depth_m: g.nd }, elements.get(g.item.id));
    } else {
      g.to = p;
      const [x, y] = [Math.min(p.x, g.start.x), Math.min(p.y, g.start.y)];
      g.rect.setAttribute('x', x);
      g.rect.setAttribute('y', y);
      g.rect.setAttribute('width', Math.abs(p.x - g.start.x));
      g.rect.setAttribute('height', Math.abs(p.y - g.start.y));
    }
  }

  const finish = (ev) => {
    if (!gesture) return;
    if (pending) frame();
    else if (ev.type === 'pointerup' && ev.clientX !== undefined) {
      pending = point(ev);
      frame();
    }
    const g = gesture;
    gesture = null;
    if (g.kind === 'move') {
      if (g.dx || g.dy) {
        change(() => {
          for (const i of g.items) {
            i.x = round(i.x + g.dx);
            i.y = round(i.y + g.dy);
          }
        });
      } else if (g.only) choose([g.only], false);
    } else if (g.kind === 'resize') {
      if (g.nw !== undefined && (g.nw !== g.w || g.nd !== g.d)) {
        change(() => {
          g.item.width_m = g.nw;
          g.item.depth_m = g.nd;
        });
      } else render();
    } else {
      const [x0, x1] = [Math.min(g.start.x, g.to.x), Math.max(g.start.x, g.to.x)];
      const [y0, y1] = [Math.min(g.start.y, g.to.y), Math.max(g.start.y, g.to.y)];
      const inside = items().filter((i) => i.x < x1 && i.x + i.width_m > x0 && i.y < y1 && i.y + i.depth_m > y0);
      overlay.replaceChildren();
      choose(x1 - x0 < 0.05 && y1 - y0 < 0.05 ? [] : inside.map((i) => i.id), g.add);
    }
  };
  svg.addEventListener('pointerup', finish);
  svg.addEventListener('pointercancel', finish);

  // --- keyboard --------------------------------------------------------------------------

  svg.addEventListener('keydown', (ev) => {
    const ctrl = ev.ctrlKey || ev.metaKey;
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (arrows[ev.key] && selection.size) {
      const [ax, ay] = arrows[ev.key];
      const by = ev.shiftKey ? 5 * GRID : GRID;
      nudge(ax * by, ay * by);
    } else if ((ev.key === 'Delete' || ev.key === 'Backspace') && selection.size) remove();
    else if (ctrl && ev.key.toLowerCase() === 'z') step(ev.shiftKey ? redo : undo, ev.shiftKey ? undo : redo);
    else if (ctrl && ev.key.toLowerCase() === 'y') step(redo, undo);
    else if (ctrl && ev.key.toLowerCase() === 'd') duplicate();
    else if (ctrl && ev.key.toLowerCase() === 'a') choose(items().map((i) => i.id), false);
    else if (ev.key === 'Escape') choose([], false);
    else return;
    ev.preventDefault();
  });

  function nudge(dx, dy) {
    const chosen = selected();
    const minX = Math.min(...chosen.map((i) => i.x));
    const minY = Math.min(...chosen.map((i) => i.y));
    dx = Math.max(dx, -minX);
    dy = Math.max(dy, -minY);
    if (!dx && !dy) return;
    change(() => {
      for (const i of chosen) {
        i.x = round(i.x + dx);
        i.y = round(i.y + dy);
      }
    });
  }

  // --- actions ---------------------------------------------------------------------------

  function alertBox(lines, extra) {
    const box = $('editor-alert');
    box.replaceChildren();
    for (const line of [].concat(lines)) {
      const p = document.createElement('p');
      p.textContent = line;
      box.appendChild(p);
    }
    if (extra) box.appendChild(extra);
    box.hidden = false;
  }
  const clearAlert = () => {
    $('editor-alert').hidden = true;
  };
  function status(text) {
    $('editor-status').textContent = text;
  }

  function remove() {
    const chosen = selected();
    const holding = chosen.filter((i) => i.holder).map(held);
    if (holding.length) return alertBox(say('editor.held_delete', { booths: holding.join(', ') }));
    clearAlert();
    change(() => {
      const gone = new Set(chosen.map((i) => i.id));
      model.booths = model.booths.filter((b) => !gone.has(b.id));
      model.shapes = model.shapes.filter((s) => !gone.has(s.id));
      selection.clear();
    });
  }

  // The codes `count` new booths get: the prefix and the numbers after the highest in use.
  function freshCodes(prefix, count) {
    const used = new Set(model.booths.map((b) => b.code.toUpperCase()));
    const out = [];
    let n = 1;
    for (const b of model.booths) {
      const m = b.code.match(/^(.*?)(\d+)$/);
      if (m && m[1] === prefix) n = Math.max(n, Number(m[2]) + 1);
    }
    while (out.length < count) {
      const code = prefix + String(n++).padStart(2, '0');
      if (!used.has(code.toUpperCase())) out.push(code);
    }
    return out;
  }

  function bounds(list) {
    return {
      x0: Math.min(...list.map((i) => i.x)),
      y0: Math.min(...list.map((i) => i.y)),
      x1: Math.max(...list.map((i) => i.x + i.width_m)),
      y1: Math.max(...list.map((i) => i.y + i.depth_m)),
    };
  }

  function duplicate() {
    const chosen = selected();
    if (!chosen.length) return;
    if (model.booths.length + selectedBooths().length > MAX_BOOTHS) return alertBox(T['editor.too_many']);
    clearAlert();
    change(() => {
      const b = bounds(chosen);
      const dy = snap(b.y1 - b.y0 + 2 * GRID);
      const copies = [];
      for (const i of chosen) {
        const copy = { ...i, id: `${i.id[0]}${nextId++}`, y: round(i.y + dy), holder: null, orig: null };
        if (i.id.startsWith('b')) {
          const prefix = (i.code.match(/^(.*?)\d*$/) || ['', ''])[1];
          copy.code = freshCodes(prefix, 1)[0];
          model.booths.push(copy);
        } else model.shapes.push(copy);
        copies.push(copy.id);
      }
      selection.clear();
      for (const id of copies) selection.add(id);
    });
  }

  // A quarter turn clockwise about the selection's centre, on the grid, kept on the floor.
  function rotate() {
    const chosen = selected();
    if (!chosen.length) return;
    change(() => {
      const b = bounds(chosen);
      const [cx, cy] = [(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2];
      for (const i of chosen) {
        const [ix, iy] = [i.x + i.width_m / 2, i.y + i.depth_m / 2];
        const [nx, ny] = [cx - (iy - cy), cy + (ix - cx)];
        [i.width_m, i.depth_m] = [i.depth_m, i.width_m];
        i.x = snap(nx - i.width_m / 2);
        i.y = snap(ny - i.depth_m / 2);
      }
      const after = bounds(chosen);
      const [sx, sy] = [Math.max(0, -after.x0), Math.max(0, -after.y0)];
      for (const i of chosen) {
        i.x = round(i.x + sx);
        i.y = round(i.y + sy);
      }
    });
  }

  // Reading order: by row (top to bottom), then left to right.
  const reading = (a, b) => Math.round(a.y * 2) - Math.round(b.y * 2) || a.x - b.x;

  function fieldError(id, message) {
    const e = $(`${id}-error`);
    const input = $(id);
    if (e) {
      e.textContent = message || '';
      e.hidden = !message;
    }
    if (input) {
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      if (message && e) input.setAttribute('aria-errormessage', e.id);
    }
    return !message;
  }

  // Reads a form's fields with their checks; the first bad one takes the focus.
  function read(form, specs) {
    const out = {};
    let firstBad = null;
    for (const [key, id, check] of specs) {
      const raw = $(id).value;
      const [value, problem] = check(raw);
      fieldError(id, problem);
      if (problem && !firstBad) firstBad = $(id);
      out[key] = value;
    }
    if (firstBad) firstBad.focus();
    return firstBad ? null : out;
  }
  const optional = (check) => (raw) => (String(raw).trim() === '' ? [null, null] : check(raw));
  const size = (raw) => {
    const v = number(raw);
    return v !== null && v >= 0.5 && v <= 100 ? [round(v), null] : [null, T['editor.bad_size']];
  };
  const price = (raw) => {
    const t = String(raw).replace(/[.\s_]/g, '');
    const v = /^\d{1,13}$/.test(t) ? Number(t) : NaN;
    return Number.isSafeInteger(v) ? [v, null] : [null, T['editor.bad_price']];
  };
  const whole = (min, max) => (raw) => {
    const v = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    return v >= min && v <= max ? [v, null] : [null, T['editor.bad_count']];
  };
  const metres = (raw) => {
    const v = number(raw);
    return v !== null && v >= 0 && v <= 10000 ? [round(v), null] : [null, T['editor.bad_number']];
  };
  const code = (raw) => {
    const t = String(raw).trim();
    return CODE.test(t) ? [t, null] : [null, t ? T['editor.bad_code'] : `${T['form.please_enter']}`];
  };
  const prefix = (raw) => {
    const t = String(raw).trim();
    return /^[A-Za-z0-9_-]{0,12}$/.test(t) ? [t, null] : [null, T['editor.bad_code']];
  };
  const text = (raw) => [String(raw).trim(), String(raw).trim() ? null : T['form.please_enter']];
  const kind = (raw) => {
    const t = String(raw).trim().toLowerCase();
    return /^[a-z0-9_-]{1,32}$/.test(t) ? [t, null] : [null, t ? T['editor.bad_code'] : T['form.please_enter']];
  };
  const zone = (raw) => (model.zones.some((z) => z.code === raw) ? [raw, null] : [null, T['editor.need_zone']]);

  $('editor-props').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const booths = selectedBooths();
    if (!booths.length) return;
    const v = read(ev.target, [
      ['code', 'prop-code', booths.length === 1 ? code : () => [null, null]],
      ['kind', 'prop-kind', optional(kind)],
      ['width_m', 'prop-width', optional(size)],
      ['depth_m', 'prop-depth', optional(size)],
      ['price_vnd', 'prop-price', optional(price)],
    ]);
    if (!v) return;
    if (v.code && v.code !== booths[0].code) {
      const b = booths[0];
      if (b.holder) return fieldError('prop-code', say('editor.held_rename', { booths: held(b) }));
      if (model.booths.some((o) => o !== b && o.code.toUpperCase() === v.code.toUpperCase()))
        return fieldError('prop-code', say('editor.code_taken', { code: v.code }));
    }
    const zoneValue = $('prop-zone').value;
    const power = $('prop-power').value;
    change(() => {
      for (const b of booths) {
        if (v.code) b.code = v.code;
        if (zoneValue) b.zone = zoneValue;
        for (const key of ['kind', 'width_m', 'depth_m', 'price_vnd']) if (v[key] !== null) b[key] = v[key];
        if (power) b.power = power === '1';
      }
    });
  });

  $('editor-renumber').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const booths = selectedBooths().sort(reading);
    if (!booths.length) return;
    const v = read(ev.target, [
      ['prefix', 'renumber-prefix', prefix],
      ['start', 'renumber-start', whole(0, 999999)],
    ]);
    if (!v) return;
    const width = Math.max(2, String(v.start + booths.length - 1).length);
    const codes = booths.map((_, i) => v.prefix + String(v.start + i).padStart(width, '0'));
    const moved = booths.filter((b, i) => b.holder && b.code !== codes[i]).map(held);
    if (moved.length) return fieldError('renumber-prefix', say('editor.held_rename', { booths: moved.join(', ') }));
    const mine = new Set(booths);
    const others = new Set(model.booths.filter((b) => !mine.has(b)).map((b) => b.code.toUpperCase()));
    const taken = codes.filter((c) => others.has(c.toUpperCase()));
    if (taken.length) return fieldError('renumber-prefix', say('editor.code_taken', { code: taken.slice(0, 5).join(', ') }));
    fieldError('renumber-prefix', null);
    change(() => booths.forEach((b, i) => (b.code = codes[i])));
  });

  // "A01-A10, B03": the booths named, a range by the numbers after a shared prefix.
  $('editor-pick').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const byCode = new Map(model.booths.map((b) => [b.code.toUpperCase(), b.id]));
    const ids = [];
    const unknown = [];
    for (const part of $('pick-codes').value.split(/[,;\s]+/).filter(Boolean)) {
      const range = part.toUpperCase().match(/^(.*?)(\d+)-(?:\1)?(\d+)$/);
      if (range) {
        const [, p, a, b] = range;
        const [lo, hi] = [Number(a), Number(b)].sort((x, y) => x - y);
        for (let n = lo; n <= hi && n - lo < MAX_BOOTHS; n++) {
          const id = byCode.get(p + String(n).padStart(a.length, '0')) || byCode.get(p + n);
          if (id) ids.push(id);
        }
      } else if (byCode.has(part.toUpperCase())) ids.push(byCode.get(part.toUpperCase()));
      else unknown.push(part);
    }
    fieldError('pick-codes', unknown.length ? say('editor.unknown_codes', { codes: unknown.join(', ') }) : null);
    choose(ids, false);
  });

  $('editor-add').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = read(ev.target, [
      ['prefix', 'add-prefix', prefix],
      ['start', 'add-start', whole(0, 999999)],
      ['count', 'add-count', whole(1, 2000)],
      ['columns', 'add-columns', whole(1, 2000)],
      ['width_m', 'add-width', size],
      ['depth_m', 'add-depth', size],
      ['gap', 'add-gap', metres],
      ['aisle', 'add-aisle', metres],
      ['zone', 'add-zone', zone],
      ['kind', 'add-kind', kind],
      ['price_vnd', 'add-price', price],
      ['x', 'add-x', optional(metres)],
      ['y', 'add-y', optional(metres)],
    ]);
    if (!v) return;
    if (model.booths.length + v.count > MAX_BOOTHS) return fieldError('add-count', T['editor.too_many']);
    const width = Math.max(2, String(v.start + v.count - 1).length);
    const codes = Array.from({ length: v.count }, (_, i) => v.prefix + String(v.start + i).padStart(width, '0'));
    const used = new Set(model.booths.map((b) => b.code.toUpperCase()));
    const taken = codes.filter((c) => used.has(c.toUpperCase()));
    if (taken.length) return fieldError('add-prefix', say('editor.code_taken', { code: taken.slice(0, 5).join(', ') }));
    const all = items();
    const x0 = v.x ?? 0;
    const y0 = v.y ?? (all.length ? snap(bounds(all).y1 + v.aisle) : 0);
    const power = $('add-power').value === '1';
    change(() => {
      selection.clear();
      codes.forEach((c, i) => {
        const [row, col] = [Math.floor(i / v.columns), i % v.columns];
        const booth = {
          id: `b${nextId++}`,
          code: c,
          zone: v.zone,
          kind: v.kind,
          width_m: v.width_m,
          depth_m: v.depth_m,
          price_vnd: v.price_vnd,
          x: round(x0 + col * (v.width_m + v.gap)),
          y: round(y0 + row * (v.depth_m + v.aisle)),
          power,
          holder: null,
          orig: null,
        };
        model.booths.push(booth);
        selection.add(booth.id);
      });
    });
    // The next row follows on from this one.
    $('add-start').value = v.start + v.count;
  });

  // --- zones -----------------------------------------------------------------------------

  function zonesChanged() {
    for (const select of [$('prop-zone'), $('add-zone')]) {
      const keep = select.value;
      select.replaceChildren();
      if (select.id === 'prop-zone') select.appendChild(new Option(T['editor.keep'] || '', ''));
      for (const z of model.zones) select.appendChild(new Option(`${z.code} · ${z.name}`, z.code));
      select.value = keep;
      // New booths go to a zone: the one chosen before, else the last one made.
      if (select.id === 'add-zone' && !select.value && model.zones.length) select.value = model.zones[model.zones.length - 1].code;
    }
    $('editor-no-zones').hidden = model.zones.length > 0;
    const list = $('editor-zone-list');
    if (list.dataset.drawn === snapshotZones()) return;
    list.dataset.drawn = snapshotZones();
    list.replaceChildren();
    for (const z of model.zones) {
      const li = document.createElement('li');
      const name = Object.assign(document.createElement('input'), { value: z.name, id: `zone-${z.code}-name`, maxLength: 120 });
      const nameLabel = Object.assign(document.createElement('label'), { htmlFor: name.id, textContent: `${z.code}` });
      const colour = Object.assign(document.createElement('input'), { type: 'color', value: z.colour || '#dcefe1', id: `zone-${z.code}-colour` });
      colour.setAttribute('aria-label', `${z.code}: ${T['editor.zone_colour'] || ''}`);
      const drop = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: T['editor.remove_zone'] });
      drop.setAttribute('aria-label', `${T['editor.remove_zone']} ${z.code}`);
      name.addEventListener('change', () => {
        const t = name.value.trim();
        if (t) change(() => (model.zones.find((x) => x.code === z.code).name = t));
        else name.value = z.name;
      });
      colour.addEventListener('change', () => change(() => (model.zones.find((x) => x.code === z.code).colour = colour.value)));
      drop.addEventListener('click', () => {
        if (model.booths.some((b) => b.zone === z.code)) return alertBox(say('editor.zone_in_use', { zone: z.code }));
        clearAlert();
        change(() => (model.zones = model.zones.filter((x) => x.code !== z.code)));
      });
      li.append(nameLabel, name, colour, drop);
      list.appendChild(li);
    }
  }
  const snapshotZones = () => JSON.stringify(model.zones);

  $('editor-zone').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = read(ev.target, [
      ['code', 'zone-code', code],
      ['name', 'zone-name', text],
    ]);
    if (!v) return;
    if (model.zones.some((z) => z.code.toUpperCase() === v.code.toUpperCase()))
      return fieldError('zone-code', say('editor.code_taken', { code: v.code }));
    change(() => model.zones.push({ code: v.code, name: v.name, colour: $('zone-colour').value }));
    $('add-zone').value = v.code;
    $('zone-code').value = '';
    $('zone-name').value = '';
  });

  // --- hall and shapes -------------------------------------------------------------------

  $('editor-hall').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const hallSize = optional((raw) => {
      const v = number(raw);
      return v !== null && v >= 1 && v <= 10000 ? [round(v), null] : [null, T['editor.bad_number']];
    });
    const v = read(ev.target, [
      ['width_m', 'hall-width', hallSize],
      ['depth_m', 'hall-depth', hallSize],
    ]);
    if (!v) return;
    if ((v.width_m === null) !== (v.depth_m === null)) {
      return fieldError(v.width_m === null ? 'hall-width' : 'hall-depth', T['form.please_enter']);
    }
    change(() => (model.hall = v.width_m === null ? null : { width_m: v.width_m, depth_m: v.depth_m }));
  });

  $('editor-shape').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = read(ev.target, [
      ['width_m', 'shape-width', size],
      ['depth_m', 'shape-depth', size],
    ]);
    if (!v) return;
    const all = items();
    const shape = {
      id: `s${nextId++}`,
      kind: $('shape-kind').value,
      label: $('shape-label').value.trim().slice(0, 60),
      x: 0,
      y: all.length ? snap(bounds(all).y1 + 1) : 0,
      width_m: v.width_m,
      depth_m: v.depth_m,
    };
    change(() => {
      model.shapes.push(shape);
      selection.clear();
      selection.add(shape.id);
    });
  });

  // --- saving ----------------------------------------------------------------------------

  async function save(basedOn) {
    if (flagged && !saveAnyway && !basedOn) {
      saveAnyway = true;
      status(T['editor.save_anyway']);
      $('editor-flags').scrollIntoView({ block: 'nearest' });
      return;
    }
    const sent = model.booths.map(({ code, zone, kind, width_m, depth_m, price_vnd, x, y, power }) => ({
      code, zone, kind, width_m, depth_m, price_vnd, x, y, power,
    }));
    const body = {
      csrf: root.dataset.csrf,
      seen: basedOn || seen,
      zones: model.zones.map(({ code, name, colour }) => (colour ? { code, name, colour } : { code, name })),
      booths: sent,
      hall: model.hall,
      shapes: model.shapes.map(({ kind, label, x, y, width_m, depth_m }) => ({ kind, label, x, y, width_m, depth_m })),
    };
    status(T['editor.saving']);
    $('editor-save').disabled = true;
    let response;
    let answer = {};
    try {
      response = await fetch(root.dataset.save, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(body),
      });
      answer = await response.json().catch(() => ({}));
    } catch {
      $('editor-save').disabled = false;
      status('');
      return alertBox(T['editor.offline']);
    }
    $('editor-save').disabled = false;
    if (response.ok) {
      seen = answer.seen;
      undo.length = 0;
      redo.length = 0;
      dirty = false;
      saveAnyway = false;
      for (const b of model.booths) if (b.holder) b.orig = b.code;
      clearAlert();
      const at = new Date().toLocaleTimeString('vi-VN', { hour: '2-digit', minute: '2-digit' });
      render();
      status(say('editor.saved', { at, n: answer.booths }));
      root.dataset.saved = String(Date.now());
      return;
    }
    status('');
    if (response.status === 409 && answer.code === 'plan_changed') {
      const actions = document.createElement('p');
      actions.className = 'actions';
      const overwrite = Object.assign(document.createElement('button'), {
        type: 'button',
        id: 'editor-overwrite',
        textContent: T['editor.overwrite'],
      });
      overwrite.addEventListener('click', () => save(answer.seen));
      const reload = Object.assign(document.createElement('a'), {
        href: window.location.pathname + window.location.search.replace(/[?&]saved=1/, ''),
        className: 'button secondary',
        textContent: T['editor.reload'],
      });
      actions.append(overwrite, reload);
      return alertBox(answer.message, actions);
    }
    const lines = [`${T['editor.refused']} ${answer.message || response.status}`];
    for (const [field, message] of Object.entries(answer.fields || {})) {
      const m = field.match(/^booths\[(\d+)\]\.(.+)$/);
      lines.push(m && sent[m[1]] ? say('editor.booth_field', { code: sent[m[1]].code, field: m[2], message }) : `${field}: ${message}`);
    }
    alertBox(lines);
  }

  // --- the toolbar, and leaving with unsaved changes -------------------------------------

  const acts = {
    undo: () => step(undo, redo),
    redo: () => step(redo, undo),
    'select-all': () => choose(items().map((i) => i.id), false),
    duplicate,
    rotate,
    delete: remove,
    save: () => save(null),
  };
  root.querySelector('[role=toolbar]').addEventListener('click', (ev) => {
    const button = ev.target.closest('button[data-act]');
    if (button && acts[button.dataset.act]) acts[button.dataset.act]();
  });
  window.addEventListener('beforeunload', (ev) => {
    if (dirty) ev.preventDefault();
  });

  root.hidden = false;
  const still = document.getElementById('plan-static');
  if (still) still.hidden = true;
  render();
}
