/* The enterprise's site plan: choose a risk point ("Place on the plan"), then click on the plan; the
 * click becomes fractions of the plan's width and height (0–1 from the top-left corner), posted to the
 * point's place URL in the hidden #place-form. Escape or the button again cancels. Words come from the
 * json_script "risks-plan-labels"; names are put in with textContent. */
(function () {
  "use strict";

  function labels() {
    var el = document.getElementById("risks-plan-labels");
    return el ? JSON.parse(el.textContent) : {};
  }

  function clamp(v) { return Math.min(1, Math.max(0, v)); }

  function start() {
    var plan = document.getElementById("site-plan");
    if (!plan || plan.dataset.ready) return;
    plan.dataset.ready = "true";
    var form = document.getElementById(plan.dataset.placeForm);
    var hint = document.getElementById("site-plan-hint");
    var image = plan.querySelector("img");
    var words = labels();
    var chosen = null;

    function choose(button) {
      if (chosen) chosen.setAttribute("aria-pressed", "false");
      chosen = button;
      if (button) {
        button.setAttribute("aria-pressed", "true");
        plan.classList.add("sl-choosing");
        if (hint) hint.textContent = (words.choose || "").replace("{name}", button.dataset.placeName || "");
        plan.scrollIntoView({ block: "nearest" });
      } else {
        plan.classList.remove("sl-choosing");
        if (hint) hint.textContent = "";
      }
    }

    document.querySelectorAll("[data-place-url]").forEach(function (button) {
      button.addEventListener("click", function () { choose(chosen === button ? null : button); });
    });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") choose(null); });

    plan.addEventListener("click", function (e) {
      if (!chosen || !form || !image) return;
      e.preventDefault(); // a click on a marker while placing places, it does not follow the link
      var box = image.getBoundingClientRect();
      if (!box.width || !box.height) return;
      form.action = chosen.dataset.placeUrl;
      form.elements.x.value = clamp((e.clientX - box.left) / box.width).toFixed(5);
      form.elements.y.value = clamp((e.clientY - box.top) / box.height).toFixed(5);
      plan.dataset.placing = "true";
      form.submit();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
