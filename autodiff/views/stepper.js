// deltagrad's stepper widget (anywidget): a play button and a slider over the steps
// first..last, and what the model holds for the current step: a picture whose parts
// (elements with a data-part attribute) the step outlines, the step's text, an image.
//
// The model's traits (see autodiff/views/widgets.py): first, last, step, interval (ms per
// step while playing), continuous (the slider moves the step while dragged), picture (SVG
// or HTML), texts and highlights (one entry per step, or none), image (a data: URL, or "").

function el_(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}

function render({ model, el }) {
  const root = el_("div", "deltagrad-stepper", el);
  const controls = el_("div", "deltagrad-controls", root);
  const play = el_("button", "deltagrad-play", controls);
  play.type = "button";
  const slider = el_("input", "deltagrad-slider", controls);
  slider.type = "range";
  slider.setAttribute("aria-label", "step");
  const counter = el_("span", "deltagrad-counter", controls);
  counter.setAttribute("aria-live", "polite");
  const text = el_("div", "deltagrad-text", root);
  const picture = el_("figure", "deltagrad-picture", root);
  const image = el_("img", "deltagrad-image", root);
  image.alt = "";
  let timer = null;

  function go(k) {
    const step = Math.min(Math.max(k, model.get("first")), model.get("last"));
    model.set("step", step);
    model.save_changes();
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    play.textContent = "\u25B6";
    play.setAttribute("aria-label", "play");
  }

  function start() {
    if (model.get("step") >= model.get("last")) go(model.get("first"));
    timer = setInterval(function () {
      if (model.get("step") >= model.get("last")) stop();
      else go(model.get("step") + 1);
    }, model.get("interval"));
    play.textContent = "\u275A\u275A";
    play.setAttribute("aria-label", "pause");
  }

  function showPicture() {
    picture.innerHTML = model.get("picture");
    picture.hidden = !model.get("picture");
  }

  function showImage() {
    image.src = model.get("image");
    image.hidden = !model.get("image");
  }

  function showStep() {
    const first = model.get("first");
    const last = model.get("last");
    const step = model.get("step");
    slider.min = first;
    slider.max = last;
    slider.value = step;
    const texts = model.get("texts");
    const i = step - first;
    if (texts.length) {
      counter.textContent = "step " + step + " of " + last;
      text.innerHTML = "<b>Step " + step + " of " + last + ".</b> " + texts[i];
    } else {
      counter.textContent = "step " + step;
    }
    text.hidden = !texts.length;
    const parts = new Set(model.get("highlights")[i] || []);
    picture.querySelectorAll("[data-part]").forEach(function (g) {
      g.classList.toggle("deltagrad-hl", parts.has(g.dataset.part));
    });
  }

  play.addEventListener("click", function () { timer ? stop() : start(); });
  slider.addEventListener("input", function () {
    if (model.get("continuous")) go(parseInt(slider.value, 10));
  });
  slider.addEventListener("change", function () { go(parseInt(slider.value, 10)); });
  root.tabIndex = 0;
  root.addEventListener("keydown", function (e) {
    if (e.target === slider) return;  // the slider has the arrow keys of its own
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (e.key in moves) { go(model.get("step") + moves[e.key]); e.preventDefault(); }
    if (e.key === "Home") go(model.get("first"));
    if (e.key === "End") go(model.get("last"));
  });
  model.on("change:picture", function () { showPicture(); showStep(); });
  model.on("change:image", showImage);
  model.on("change:step", showStep);
  model.on("change:texts", showStep);
  model.on("change:highlights", showStep);
  stop();
  showPicture();
  showImage();
  showStep();
  return stop;  // anywidget calls it when the view is removed: no timer outlives it
}

export default { render };
