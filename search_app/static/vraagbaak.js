// The vraagbaak: Enter sends the question, Shift+Enter starts a new line;
// "Kopieer antwoord met bron" copies a passage and its citation as plain text.
// Without JavaScript the form works with its button and the copy buttons stay hidden.
(function () {
  "use strict";
  var box = document.getElementById("vraag");
  if (box && box.form) {
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (box.value.trim()) {
          if (box.form.requestSubmit) { box.form.requestSubmit(); } else { box.form.submit(); }
        }
      }
    });
  }
  if (!navigator.clipboard) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var holder = button.parentNode;
    var status = holder.querySelector(".copied");
    holder.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        status.textContent = "Gekopieerd.";
      }, function () {
        status.textContent = "Kopiëren lukte niet; selecteer de tekst en kopieer die zelf.";
      });
    });
  });
})();
