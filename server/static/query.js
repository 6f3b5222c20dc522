/* The query page: YASGUI (from npm, served by us) set up for this endpoint only.
 *
 * - every example tab queries our /sparql (YASGUI would otherwise use a public
 *   default endpoint), and nothing is kept from an earlier visit, so the tabs
 *   are always the competency questions of the build being served;
 * - the class and property autocompleters ask an outside vocabulary service,
 *   so only the local ones (prefixes, variables) stay on;
 * - result links to https://w3id.org/cahr/... point at this server's pages;
 * - a cut result (X-CAHR-Truncated) and an error or timeout are announced
 *   above the results, never left to look like an empty table.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("cahr-config").textContent);
  var root = document.getElementById("yasgui");
  var notice = document.getElementById("query-notice");
  var csvLink = document.getElementById("csv-link");
  if (!window.Yasgui || !root) {
    return;
  }
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var base = config.base;

  // Local autocompleters only (see above). Arrays are changed in place because
  // YASGUI merges configuration arrays index by index.
  [window.Yasgui.Yasqe && window.Yasgui.Yasqe.defaults, window.Yasgui.defaults.yasqe].forEach(function (d) {
    if (d && Array.isArray(d.autocompleters)) {
      d.autocompleters.splice(0, d.autocompleters.length, "prefixes", "variables");
    }
  });

  var yasgui = new window.Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    autofocus: false,  // the page starts at its top, with the questions in view
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: false,
    yasr: { prefixes: config.prefixes },
  });

  window.cahrYasgui = yasgui;  // for the browser test and for a researcher's console
  var tabIds = [];
  config.examples.forEach(function (example, i) {
    var tab = yasgui.addTab(i === 0, {
      name: example.name,
      yasqe: { value: example.query },
      requestConfig: { endpoint: endpoint, method: "POST" },
    });
    tabIds.push(tab.getId());
  });
  if (tabIds.length) {
    yasgui.selectTabId(tabIds[0]);
  }

  // The question buttons: select the example's tab and run it.
  document.querySelectorAll("[data-example]").forEach(function (button) {
    button.addEventListener("click", function () {
      var id = tabIds[Number(button.getAttribute("data-example"))];
      if (!id) { return; }
      yasgui.selectTabId(id);
      document.querySelectorAll("[data-example]").forEach(function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
      var tab = yasgui.getTab(id);
      document.getElementById("editor").scrollIntoView({ block: "start" });
      tab.query().catch(function () { /* shown by the error handler below */ });
    });
  });

  function show(message, isError) {
    if (!notice) { return; }
    notice.textContent = message;
    notice.classList.toggle("error", Boolean(isError));
    notice.hidden = !message;
  }

  function updateCsvLink(tab) {
    if (!csvLink || !tab) { return; }
    var url = new URL(endpoint);
    url.searchParams.set("query", tab.getQuery());
    url.searchParams.set("format", "csv");
    csvLink.href = url.href;
  }

  function headerOf(response, name) {
    return response && response.headers && typeof response.headers.get === "function"
      ? response.headers.get(name) : null;
  }

  function errorText(error) {
    var text = (error && error.message) || String(error);
    try {
      var body = JSON.parse(text).error;
      if (body) {
        return body.title + ": " + body.message;
      }
    } catch (ignored) { /* not our JSON error: show it as it is */ }
    return text;
  }

  yasgui.on("query", function (instance, tab) {
    watch(tab);
    show("", false);
    updateCsvLink(tab);
  });
  yasgui.on("tabSelect", function (instance, id) {
    show("", false);
    updateCsvLink(yasgui.getTab(id));
  });
  updateCsvLink(yasgui.getTab());

  // Watch each tab's editor for the raw response: its headers say if the server cut the result.
  function watch(tab) {
    if (!tab || tab.__cahrWatched) { return; }
    var yasqe = tab.getYasqe();
    if (!yasqe) { return; }  // not drawn yet: watched when it is selected
    tab.__cahrWatched = true;
    yasqe.on("queryResponse", function () {
      var response = Array.prototype.slice.call(arguments).find(function (a) { return a && a.headers; });
      if (!response) { return; }
      if (response.ok === false || response instanceof Error) { return; }
      if (headerOf(response, "X-CAHR-Truncated") === "true") {
        show("The result was cut: only the first " + headerOf(response, "X-CAHR-Rows")
          + " rows are shown (the server's row limit). Add LIMIT/OFFSET or narrow the query.", false);
      }
    });
    yasqe.on("error", function () {
      var error = Array.prototype.slice.call(arguments).find(function (a) { return a instanceof Error; });
      show("The query failed. " + errorText(error), true);
    });
  }
  Object.keys(yasgui._tabs).forEach(function (id) { watch(yasgui.getTab(id)); });
  yasgui.on("tabAdd", function (instance, id) { setTimeout(function () { watch(yasgui.getTab(id)); }, 0); });
  yasgui.on("tabSelect", function (instance, id) { watch(yasgui.getTab(id)); });

  // Result IRIs of this dataset open this server's pages, in this tab.
  function localise(scope) {
    scope.querySelectorAll('a[href^="' + base + '"]').forEach(function (a) {
      a.setAttribute("href", "/" + a.getAttribute("href").slice(base.length));
      a.removeAttribute("target");
      a.classList.add("cahr-local");
    });
  }
  new MutationObserver(function () { localise(root); }).observe(root, { childList: true, subtree: true });
  // YASR's shortened cells swallow the first click (to expand, with preventDefault): a click
  // on a result link is kept from reaching that handler, so the link opens at once.
  root.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("a.cahr-local")) {
      event.stopPropagation();
    }
  }, true);
  localise(root);
})();
