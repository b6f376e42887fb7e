// Progressive enhancement: suggestions for the search box from /api/suggest,
// through a native <datalist> (keyboard and screen-reader support come with it).
// Picking a document's title opens that document; anything else is searched.
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
  var titles = {};  // suggested title -> document id
  input.addEventListener("input", function (event) {
    var picked = titles[input.value];
    if (picked && event.inputType !== "insertText" && event.inputType !== "deleteContentBackward") {
      window.location.href = input.dataset.documents + encodeURIComponent(picked);
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value;
      if (q.trim().length < 2 || q === last) { return; }
      last = q;
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          list.textContent = "";
          titles = {};
          (data.suggestions || []).forEach(function (s) {
            var option = document.createElement("option");
            option.value = s.text;
            // "titel" (opens the document), "kop", "zoekterm", or "TOS = taalontwikkelingsstoornis"
            option.label = s.label || (s.kind === "titel" ? "document openen" : s.kind);
            if (s.kind === "titel" && s.id) { titles[s.text] = s.id; }
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 150);
  });
})();
