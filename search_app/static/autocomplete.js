// Progressive enhancement: suggestions for the search box from /api/suggest,
// through a native <datalist> (keyboard and screen-reader support come with it).
// Without JavaScript the search form works exactly the same.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input || !window.fetch) { return; }
  var list = document.createElement("datalist");
  list.id = "zoeksuggesties";
  input.setAttribute("list", list.id);
  input.parentNode.appendChild(list);
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value;
      if (q.trim().length < 2 || q === last) { return; }
      last = q;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          list.textContent = "";
          (data.suggestions || []).forEach(function (s) {
            var option = document.createElement("option");
            option.value = s.text;
            option.label = s.kind;  // "titel", "kop" or "zoekterm"
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 150);
  });
})();
