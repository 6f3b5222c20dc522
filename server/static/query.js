/* The query page: YASGUI (from npm, served by us) set up for this endpoint only.
 *
 * - every tab queries our /sparql (YASGUI would otherwise use a public default
 *   endpoint; a shared link's own endpoint is replaced by ours);
 * - tabs are kept across visits (YASGUI's persistence, in localStorage), with
 *   their last results, so Back after a result link shows the results again; a
 *   question's button always runs the build's text of the question;
 * - a share link (YASGUI's) or a permalink (/q/<id>, server/pages/permalinks.py)
 *   reopens its query in a tab and runs it;
 * - the class and property autocompleters ask an outside vocabulary service,
 *   so only the local ones (prefixes, variables) stay on;
 * - a result IRI of this dataset shows as the resource's name (a label looked
 *   up with one SPARQL query per result), links to its page here, and shows the
 *   IRI on hover; a literal shows its value without its datatype (on hover);
 * - a question may name its default view ("#defaultView:Timeline", as the
 *   Wikidata Query Service does): views.js adds Timeline, BarChart and Graph;
 * - a cut result (X-CAHR-Truncated) and an error or timeout are announced
 *   above the results, never left to look like an empty table.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("cahr-config").textContent);
  var root = document.getElementById("yasgui");
  var notice = document.getElementById("query-notice");
  var links = {
    permalink: document.getElementById("permalink"),
    csv: document.getElementById("csv-link"),
    json: document.getElementById("json-link"),
  };
  if (!window.Yasgui || !root) {
    return;
  }
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var base = config.base;
  var Yasr = window.Yasgui.Yasr;
  var RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";

  // -- names of this dataset's IRIs --------------------------------------------------
  // One SPARQL query per batch of IRIs not yet known; the names are kept for the page's life.
  var labels = {};
  var SAFE_IRI = /^[^<>"{}|^`\\\s]+$/;
  var BATCH = 100;

  function localPath(iri) {
    return "/" + iri.slice(base.length);
  }

  function slugOf(iri) {
    var tail = iri.slice(base.length);
    return tail.slice(Math.max(tail.lastIndexOf("/"), tail.lastIndexOf("#")) + 1) || tail;
  }

  function nameOf(iri) {
    return labels[iri] || (iri.indexOf(base) === 0 ? slugOf(iri) : iri);
  }

  // A server with a small row cap (setting max_rows) may cut a batch's answer: the names
  // that did not come back are asked again, in a smaller batch, a bounded number of times.
  var ROUNDS = 20;

  function lookUp(iris) {
    var wanted = iris.filter(function (iri, i) {
      return iri.indexOf(base) === 0 && !(iri in labels) && SAFE_IRI.test(iri) && iris.indexOf(iri) === i;
    });
    var batches = [];
    for (var i = 0; i < wanted.length; i += BATCH) {
      batches.push(wanted.slice(i, i + BATCH));
    }
    return Promise.all(batches.map(function (batch) { return ask(batch, ROUNDS); }));
  }

  function ask(batch, rounds) {
    var query = "SELECT ?s (MIN(STR(?l)) AS ?name) WHERE { VALUES ?s { "
      + batch.map(function (iri) { return "<" + iri + ">"; }).join(" ")
      + " } ?s <" + RDFS_LABEL + "> ?l } GROUP BY ?s";
    var cut = false;
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json" },
      body: new URLSearchParams({ query: query }),
    }).then(function (r) {
      cut = r.headers.get("X-CAHR-Truncated") === "true";
      return r.ok ? r.json() : null;
    }).then(function (json) {
      var bindings = (json && json.results && json.results.bindings) || [];
      bindings.forEach(function (b) { labels[b.s.value] = b.name.value; });
      var missing = batch.filter(function (iri) { return !labels[iri]; });
      if (cut && bindings.length && missing.length && rounds > 1) {
        return ask(missing, rounds - 1);
      }
      missing.forEach(function (iri) { labels[iri] = null; });  // no name: the slug stays
      return null;
    }).catch(function () { /* the slugs stay: a page still links */ });
  }

  function irisOf(yasr) {
    var found = [];
    var results = yasr && yasr.results;
    if (!results || typeof results.getBindings !== "function") { return found; }
    (results.getBindings() || []).forEach(function (row) {
      Object.keys(row).forEach(function (v) {
        if (row[v] && row[v].type === "uri") { found.push(row[v].value); }
      });
    });
    return found;
  }

  function showNames(scope) {
    scope.querySelectorAll("a[data-iri]").forEach(function (a) {
      var name = labels[a.getAttribute("data-iri")];
      if (name && a.textContent !== name) { a.textContent = name; }
    });
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // The table: a dataset IRI is its name, linking here; a literal is its value.
  var Table = Yasr && Yasr.plugins && Yasr.plugins.table;
  if (Table) {
    var original = Table.prototype.getCellContent;
    Table.prototype.getCellContent = function (binding, prefixes) {
      if (binding.type === "uri" && binding.value.indexOf(base) === 0) {
        var iri = binding.value;
        return "<div><span><a class='cahr-local' href='" + escapeHtml(localPath(iri)) + "' title='"
          + escapeHtml(iri) + "' data-iri='" + escapeHtml(iri) + "'>" + escapeHtml(nameOf(iri))
          + "</a></span></div>";
      }
      if (binding.type === "literal" || binding.type === "typed-literal") {
        var hover = binding.datatype || (binding["xml:lang"] ? "@" + binding["xml:lang"] : "");
        return "<div><span class='nonIri'" + (hover ? " title='" + escapeHtml(hover) + "'" : "") + ">"
          + escapeHtml(binding.value) + "</span></div>";
      }
      return original.call(this, binding, prefixes);
    };
  }

  // Local autocompleters only (see above). Arrays are changed in place because
  // YASGUI merges configuration arrays index by index.
  [window.Yasgui.Yasqe && window.Yasgui.Yasqe.defaults, window.Yasgui.defaults.yasqe].forEach(function (d) {
    if (d && Array.isArray(d.autocompleters)) {
      d.autocompleters.splice(0, d.autocompleters.length, "prefixes", "variables");
    }
  });

  if (window.cahrViews) {
    window.cahrViews.register(Yasr, { base: base, nameOf: nameOf, lookUp: lookUp, irisOf: irisOf,
                                      localPath: localPath, vendor: config.vendor });
  }

  var fromUrl = /(^|[?#&])query=/.test(window.location.search.slice(1) + "&" + window.location.hash.slice(1));
  var yasgui = new window.Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    autofocus: false,  // the page starts at its top, with the questions in view
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "cahr-kg",
    // A shared link opens in a tab and runs; it may not send the queries elsewhere.
    populateFromUrl: function (tabConfig) {
      tabConfig.requestConfig.endpoint = endpoint;
      return tabConfig;
    },
    autoAddOnInit: false,
    yasr: { prefixes: config.prefixes },
  });
  window.cahrYasgui = yasgui;  // for the browser test and for a researcher's console

  function tabNamed(name) {
    var ids = Object.keys(yasgui._tabs);
    for (var i = 0; i < ids.length; i++) {
      if (yasgui.getTab(ids[i]).getName() === name) { return ids[i]; }
    }
    return null;
  }

  function tabWithQuery(query) {
    var ids = Object.keys(yasgui._tabs);
    for (var i = 0; i < ids.length; i++) {
      // the stored text: a tab not yet shown has no editor to ask
      if (yasgui.getTab(ids[i]).getPersistedJson().yasqe.value === query) { return ids[i]; }
    }
    return null;
  }

  function addTab(name, query, select) {
    var tab = yasgui.addTab(select, {
      name: name,
      yasqe: { value: query },
      requestConfig: { endpoint: endpoint, method: "POST" },
    });
    return tab.getId();
  }

  // YASGUI's selectTabId does nothing while no tab is selected (a first visit): mark it then.
  function select(id) {
    if (yasgui.getTab()) {
      yasgui.selectTabId(id);
      return;
    }
    yasgui.markTabSelected(id);
    yasgui.persistentConfig.setActive(id);
    yasgui.emit("tabSelect", yasgui, id);
  }

  var hadTabs = Object.keys(yasgui._tabs).length > 0;
  // Each question has its tab (kept from an earlier visit, with the researcher's edits, or new).
  var tabIds = config.examples.map(function (example) {
    return tabNamed(example.name) || addTab(example.name, example.query, false);
  });

  function run(id) {
    select(id);
    var tab = yasgui.getTab(id);
    watch(tab);
    tab.query().catch(function () { /* shown by the error handler below */ });
  }

  if (config.opened) {  // a permalink: its query, in its own tab (or the one that has it), run
    run(tabWithQuery(config.opened.query) || addTab(config.opened.name, config.opened.query, true));
  } else if (!fromUrl && (!hadTabs || !yasgui.getTab()) && tabIds.length) {
    select(tabIds[0]);
  }

  // The question buttons: select the question's tab, put back its text, and run it.
  document.querySelectorAll("[data-example]").forEach(function (button) {
    button.addEventListener("click", function () {
      var i = Number(button.getAttribute("data-example"));
      var id = tabNamed(config.examples[i].name) || addTab(config.examples[i].name, config.examples[i].query, false);
      tabIds[i] = id;
      document.querySelectorAll("[data-example]").forEach(function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
      select(id);
      var tab = yasgui.getTab(id);
      if (tab.getQuery() !== config.examples[i].query) { tab.setQuery(config.examples[i].query); }
      document.getElementById("editor").scrollIntoView({ block: "start" });
      run(id);
    });
  });

  function show(message, isError) {
    if (!notice) { return; }
    notice.textContent = message;
    notice.classList.toggle("error", Boolean(isError));
    notice.hidden = !message;
  }

  // -- the links beside the editor: permalink, CSV, JSON ---------------------------------
  function base64url(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function permalinkOf(query) {
    var example = config.examples.find(function (e) { return e.query === query; });
    if (example) { return Promise.resolve("/q/" + example.id); }
    if (typeof CompressionStream === "undefined") { return Promise.resolve(null); }
    var packed = new Blob([query]).stream().pipeThrough(new CompressionStream("deflate-raw"));
    return new Response(packed).arrayBuffer().then(function (buffer) {
      // cut by "/" every 200 characters, as server/pages/permalinks.py does (SEGMENT)
      return "/q/" + ("z" + base64url(new Uint8Array(buffer))).match(/.{1,200}/g).join("/");
    });
  }

  var linksFor = 0;
  function updateLinks(tab) {
    if (!tab) { return; }
    var query = tab.getQuery();
    ["csv", "json"].forEach(function (format) {
      if (!links[format]) { return; }
      var url = new URL(endpoint);
      url.searchParams.set("query", query);
      url.searchParams.set("format", format);
      links[format].href = url.href;
    });
    if (!links.permalink) { return; }
    var mine = ++linksFor;
    permalinkOf(query).then(function (path) {
      if (mine !== linksFor) { return; }  // the query changed meanwhile
      links.permalink.hidden = !path;
      if (path) { links.permalink.href = path; }
    });
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

  var DEFAULT_VIEW = /^#\s*defaultView:\s*(\w+)/m;

  function named(tab) {
    lookUp(irisOf(tab.getYasr())).then(function () {
      showNames(root);
      var yasr = tab.getYasr();
      var plugin = yasr && yasr.selectedPlugin;
      if (plugin && plugin !== "table" && plugin !== "response" && yasr.plugins[plugin]
          && yasr.plugins[plugin].usesNames) {
        yasr.draw();  // a view that shows names: drawn again with them
      }
    });
  }

  // Watch each tab's editor for the raw response: its headers say if the server cut the result.
  function watch(tab) {
    if (!tab || tab.__cahrWatched) { return; }
    var yasqe = tab.getYasqe();
    if (!yasqe) { return; }  // not drawn yet: watched when it is selected
    tab.__cahrWatched = true;
    yasqe.on("queryResponse", function () {
      var response = Array.prototype.slice.call(arguments).find(function (a) { return a && a.headers; });
      setTimeout(function () {
        var match = DEFAULT_VIEW.exec(tab.getQuery());
        var yasr = tab.getYasr();
        var view = match && window.cahrViews && window.cahrViews.pluginFor(match[1]);
        if (view && yasr.plugins[view] && yasr.plugins[view].canHandleResults()) {
          yasr.selectPlugin(view);
        }
        named(tab);
      }, 0);
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
    var pending = null;
    yasqe.on("change", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { updateLinks(tab); }, 300);
    });
  }

  yasgui.on("query", function (instance, tab) {
    watch(tab);
    show("", false);
    updateLinks(tab);
  });
  yasgui.on("tabSelect", function (instance, id) {
    show("", false);
    setTimeout(function () {
      var tab = yasgui.getTab(id);
      watch(tab);
      updateLinks(tab);
      if (tab && tab.getYasr()) { named(tab); }
    }, 0);
  });
  Object.keys(yasgui._tabs).forEach(function (id) { watch(yasgui.getTab(id)); });
  yasgui.on("tabAdd", function (instance, id) { setTimeout(function () { watch(yasgui.getTab(id)); }, 0); });
  var current = yasgui.getTab();
  updateLinks(current);
  if (current && current.getYasr()) { named(current); }  // results kept from an earlier visit

  // Other result IRIs of this dataset (the raw response, a view) open this server's pages, in this tab.
  function localise(scope) {
    scope.querySelectorAll('a[href^="' + base + '"]').forEach(function (a) {
      a.setAttribute("href", localPath(a.getAttribute("href")));
      a.removeAttribute("target");
      a.classList.add("cahr-local");
    });
    showNames(scope);
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
