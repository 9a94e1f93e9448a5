// Small behaviours of the pages, kept out of the HTML so the Content Security Policy can forbid
// inline scripts. Loaded with `defer` by base.html.
(function () {
  "use strict";

  // A button that prints the page: <button type="button" data-print>.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // Phone intake: choosing the caller fills in their building when none is chosen yet, so the
  // floor and the check for the same problem already open refer to it; it can still be changed.
  document.addEventListener("change", function (event) {
    const radio = event.target.closest("input[data-fill-building]");
    if (!radio) {
      return;
    }
    const building = document.getElementById(radio.dataset.fillTarget || "id_building_id");
    if (building && !building.value && radio.dataset.fillBuilding) {
      building.value = radio.dataset.fillBuilding;
      if (window.htmx) {
        window.htmx.trigger(building, "change");
      }
    }
  });
})();
