// Progressive enhancement for the results page; without JavaScript the page
// works the same, with the filters behind their "Filters" disclosure.
(function () {
  "use strict";
  // Wide screens show the filters beside the results, open; phones keep
  // them folded at the top so the first results are in view.
  var filters = document.querySelector("details[data-open-wide]");
  if (filters && window.matchMedia) {
    var wide = window.matchMedia("(min-width: 52rem)");
    var apply = function () { filters.open = wide.matches; };
    apply();
    if (wide.addEventListener) { wide.addEventListener("change", apply); }
  }
  // "Naar filters" opens them too (a closed <details> would hide its target).
  var link = document.querySelector("a.to-filters");
  if (link && filters) {
    link.addEventListener("click", function () { filters.open = true; });
  }
})();
