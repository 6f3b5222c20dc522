/* The timeline's filters (issue #14): by article, kind, and stated or implied date.
 * The form is shown only where this script runs (without it, the page lists every fact).
 * A choice is kept in the address (?article=&kind=&status=), so a filtered timeline is a
 * link; the axis above keeps every fact (it is the overview). */
(function () {
  "use strict";
  var form = document.getElementById("timeline-filters");
  if (!form) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll("ol.timeline > li"));
  var articles = {};
  items.forEach(function (li) {
    li.__articles = [];
    li.querySelectorAll('a[href^="/source/"]').forEach(function (a) {
      var path = a.getAttribute("href");
      articles[path] = a.textContent.trim();
      li.__articles.push(path);
    });
  });
  var select = form.elements.article;
  Object.keys(articles).sort(function (x, y) { return articles[x].localeCompare(articles[y]); })
    .forEach(function (path) {
      var option = document.createElement("option");
      option.value = path;
      option.textContent = articles[path];
      select.appendChild(option);
    });

  var params = new URLSearchParams(window.location.search);
  ["article", "kind", "status"].forEach(function (name) {
    var value = params.get(name);
    if (value !== null) { form.elements[name].value = value; }
  });

  function apply() {
    var article = form.elements.article.value;
    var kind = form.elements.kind.value;
    var status = form.elements.status.value;
    var shown = 0;
    items.forEach(function (li) {
      var ok = (!article || li.__articles.indexOf(article) >= 0)
        && (!kind || li.getAttribute("data-kind") === kind)
        && (!status || li.getAttribute("data-status").indexOf(status) >= 0);
      li.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.querySelectorAll("ol.timeline").forEach(function (list) {
      var any = list.querySelector("li:not([hidden])") !== null;
      list.hidden = !any;
      var heading = list.previousElementSibling;
      if (heading && heading.classList.contains("year")) { heading.hidden = !any; }
    });
    form.elements.shown.value = shown + " of " + items.length + " dated facts";
    var query = new URLSearchParams();
    if (article) { query.set("article", article); }
    if (kind) { query.set("kind", kind); }
    if (status) { query.set("status", status); }
    var search = query.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
  }
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
})();
