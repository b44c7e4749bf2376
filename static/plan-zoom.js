// Zoom for the public floor plan on a phone: "−" and "+" scale the drawing by half again,
// "Vừa khung" fits it to the frame's width. Drawn at its legible size (16 px a metre) by
// default, the plan scrolls inside its frame; without this script it still does.
const svg = document.getElementById("floor-plan");
const zoom = document.querySelector(".zoom");
if (svg && zoom) {
  const frame = svg.parentElement;
  const legible = Number(svg.getAttribute("width")) || 640;
  let width = legible;
  const set = (w) => {
    const fit = frame.clientWidth - 16;
    width = Math.max(Math.min(w, legible * 4), Math.min(fit, legible));
    svg.setAttribute("width", String(Math.round(width)));
    svg.style.minWidth = "0";
  };
  zoom.hidden = false;
  zoom.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-zoom]");
    if (!button) return;
    const how = button.dataset.zoom;
    if (how === "in") set(width * 1.5);
    else if (how === "out") set(width / 1.5);
    else set(frame.clientWidth - 16);
  });
}
