// The address on the application form: as the commune's name is typed, the communes of the
// province typed above are offered — found by any spelling, and by the names communes had
// before 1 July 2025 (the commune now is offered, saying which former one it takes in).
// Choosing one fills the commune and, if empty, the former district. Without this script the
// fields are plain text (the province with the browser's own suggestions) and the server
// resolves what was written.
const province = document.getElementById("address.province");
const commune = document.getElementById("address.commune");
const district = document.getElementById("address.legacy_district");
if (province && commune) {
  const list = document.createElement("ul");
  list.id = "commune-options";
  list.className = "picker";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", commune.dataset.pickerLabel || "");
  list.hidden = true;
  commune.after(list);
  commune.setAttribute("role", "combobox");
  commune.setAttribute("aria-autocomplete", "list");
  commune.setAttribute("aria-controls", list.id);
  commune.setAttribute("aria-expanded", "false");
  commune.autocomplete = "off";

  let found = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  const close = () => {
    list.hidden = true;
    commune.setAttribute("aria-expanded", "false");
    commune.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) commune.setAttribute("aria-activedescendant", list.children[index].id);
  };

  const choose = (index) => {
    const chosen = found[index];
    if (!chosen) return;
    commune.value = chosen.name;
    if (district && !district.value.trim()) {
      const before = chosen.matched_before ? chosen.matched_before.split(", ").slice(1).join(", ") : "";
      const only = chosen.legacy_districts.length === 1 ? chosen.legacy_districts[0] : "";
      district.value = before || only;
    }
    close();
  };

  const show = (communes) => {
    found = communes;
    list.replaceChildren(
      ...communes.map((c, i) => {
        const li = document.createElement("li");
        li.id = `commune-option-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const name = document.createElement("span");
        name.textContent = c.name;
        li.append(name);
        if (c.matched_before) {
          const note = document.createElement("span");
          note.className = "picker-note";
          note.textContent = (commune.dataset.pickerBefore || "{}").replace("{}", c.matched_before);
          li.append(note);
        }
        // Chosen before the field loses focus to the tap.
        li.addEventListener("pointerdown", (event) => {
          event.preventDefault();
          choose(i);
        });
        return li;
      }),
    );
    list.hidden = communes.length === 0;
    commune.setAttribute("aria-expanded", String(!list.hidden));
    active = -1;
  };

  const search = async () => {
    const where = province.value.trim();
    const what = commune.value.trim();
    if (!where || what.length < 2) return close();
    const mine = ++asked;
    try {
      const url = `/api/v1/places/provinces/${encodeURIComponent(where)}/communes?q=${encodeURIComponent(what)}&limit=8`;
      const answer = await fetch(url, { headers: { Accept: "application/json" } });
      if (mine !== asked) return;
      if (!answer.ok) return close();
      show((await answer.json()).communes || []);
    } catch {
      close();
    }
  };

  commune.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 120);
  });
  commune.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight(Math.min(active + 1, found.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      close();
    }
  });
  commune.addEventListener("blur", () => setTimeout(close, 150));
}
