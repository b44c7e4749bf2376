// The sales form: what the chosen day has already, and the choice between the day's whole
// total and one more sale only when the day has something.
const day = document.getElementById("day");
const has = document.getElementById("day-has");
const mode = document.getElementById("mode");
if (day && has && mode) {
  const show = () => {
    const amount = day.selectedOptions[0]?.dataset.has || "";
    has.textContent = amount ? has.dataset.template.replace("{amount}", amount) : has.dataset.nothing;
    mode.hidden = !amount;
  };
  day.addEventListener("change", show);
  show();
}
