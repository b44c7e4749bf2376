// The application form on a phone: the delegation's section only for "Đoàn / đơn vị", the
// `*` where the chosen type needs the field, and one more product or producer row at a tap.
// Without this script the server does the same on each send.
const form = document.querySelector("form.apply");
const type = document.getElementById("producer_type");
if (form && type) {
  const follow = () => {
    const chosen = type.value;
    const producers = document.getElementById("producers");
    if (producers) producers.hidden = chosen !== "doan";
    for (const star of form.querySelectorAll("[data-when]")) {
      star.hidden = !star.dataset.when.split(" ").includes(chosen);
    }
    for (const star of form.querySelectorAll("[data-unless]")) {
      star.hidden = star.dataset.unless.split(" ").includes(chosen);
    }
    for (const hint of form.querySelectorAll("[data-unless-hidden]")) {
      hint.hidden = !hint.dataset.unlessHidden.split(" ").includes(chosen);
    }
  };
  type.addEventListener("change", follow);
  follow();
  for (const button of form.querySelectorAll("button.add-row")) {
    // With the script a row is added here: Enter in a field sends the form, not "+ Thêm".
    button.type = "button";
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const list = document.getElementById(button.dataset.rows);
      const next = list && list.querySelector(".product[hidden]");
      if (!next) return;
      next.hidden = false;
      next.querySelector("input, select")?.focus();
      if (!list.querySelector(".product[hidden]")) button.hidden = true;
    });
  }
}
