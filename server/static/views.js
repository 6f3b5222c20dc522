/* Result views beyond YASR's table: Timeline (vis-timeline), BarChart (Chart.js) and
 * Graph (Cytoscape.js), each a small YASR plugin around a library installed from the
 * npm lockfile and served by this server (/vendor/lib/, never a CDN). A library is
 * loaded the first time its view is drawn. query.js registers them (cahrViews.register)
 * and selects the one a question names ("#defaultView:Timeline").
 *
 * - Timeline: one item per row that has a date (xsd:date, gYearMonth, gYear, dateTime);
 *   its text is the row's first name, linking to the resource's page; an implied date
 *   (a true "...Implied" column) is drawn dashed.
 * - BarChart: a name and one bar per numeric column (a count, an amount).
 * - Graph: a CONSTRUCT's triples, or each row's IRIs: the row's first IRI linked to each
 *   other IRI of the row by the column's name; a node opens its page.
 */
(function () {
  "use strict";
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var DATES = ["date", "dateTime", "gYearMonth", "gYear"].map(function (t) { return XSD + t; });
  var NUMBERS = ["integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger",
                 "positiveInteger"].map(function (t) { return XSD + t; });
  var VIEWS = { timeline: "cahrTimeline", barchart: "cahrChart", graph: "cahrGraph", table: "table" };
  var loaded = {};
  var CYTOSCAPE_MARK = "__________cytoscape_stylesheet";
  var site = null;  // query.js's helpers: base, nameOf, lookUp, irisOf, localPath, vendor

  // Each library once, in order (vis-timeline needs moment and vis-data first).
  function loadAll(names) {
    return names.reduce(function (done, name) {
      return done.then(function () { return load(name); });
    }, Promise.resolve());
  }

  function load(name) {
    if (name === "cytoscape.js" && !document.getElementById(CYTOSCAPE_MARK)) {
      // Cytoscape adds a <style> element (refused by the policy) unless one with this id
      // exists: a placeholder stands for it, and site.css has its one rule.
      var mark = document.createElement("meta");
      mark.id = CYTOSCAPE_MARK;
      document.head.appendChild(mark);
    }
    if (!loaded[name]) {
      loaded[name] = new Promise(function (resolve, reject) {
        var css = name.replace(/\.js$/, ".css");
        if (site.vendor[css]) {
          var link = document.createElement("link");
          link.rel = "stylesheet";
          link.href = site.vendor[css];
          document.head.appendChild(link);
        }
        var script = document.createElement("script");
        script.src = site.vendor[name];
        script.onload = resolve;
        script.onerror = function () { reject(new Error("could not load " + name)); };
        document.head.appendChild(script);
      });
    }
    return loaded[name];
  }

  function bindings(yasr) {
    var results = yasr.results;
    if (!results || typeof results.getBindings !== "function" || results.hasError()) { return []; }
    return results.getBindings() || [];
  }

  function variables(yasr) {
    return (yasr.results && yasr.results.getVariables()) || [];
  }

  function isLocal(term) {
    return term && term.type === "uri" && term.value.indexOf(site.base) === 0;
  }

  function isDate(term) {
    return term && term.type !== "uri" && DATES.indexOf(term.datatype) >= 0;
  }

  function isNumber(term) {
    return term && term.type !== "uri" && NUMBERS.indexOf(term.datatype) >= 0;
  }

  function toDate(text) {
    var m = /^(-?\d{4})(?:-(\d\d))?(?:-(\d\d))?/.exec(text);
    return m ? new Date(Date.UTC(Number(m[1]), m[2] ? Number(m[2]) - 1 : 0, m[3] ? Number(m[3]) : 1)) : null;
  }

  /* The row's name and the resource it links to: the first plain text column (its "...Iri"
   * partner is the link), else the first IRI of the dataset. */
  function nameOfRow(row, vars) {
    for (var i = 0; i < vars.length; i++) {
      var t = row[vars[i]];
      if (t && t.type !== "uri" && !isDate(t) && !isNumber(t) && !t.datatype && t.value.length < 160) {
        var partner = row[vars[i] + "Iri"];
        return { text: t.value, iri: isLocal(partner) ? partner.value : firstLocal(row, vars) };
      }
    }
    var iri = firstLocal(row, vars);
    return iri ? { text: site.nameOf(iri), iri: iri } : null;
  }

  function firstLocal(row, vars) {
    for (var i = 0; i < vars.length; i++) {
      if (isLocal(row[vars[i]])) { return row[vars[i]].value; }
    }
    return null;
  }

  function box(yasr, className) {
    yasr.resultsEl.querySelectorAll(".cahr-view").forEach(function (old) { old.remove(); });
    var el = document.createElement("div");
    el.className = "cahr-view " + className;
    yasr.resultsEl.appendChild(el);
    return el;
  }

  function icon(text) {
    var el = document.createElement("span");
    el.className = "cahr-view-icon";
    el.textContent = text;
    return el;
  }

  function linkTo(name) {
    var el = document.createElement(name.iri ? "a" : "span");
    el.textContent = name.text;
    if (name.iri) {
      el.href = site.localPath(name.iri);
      el.title = name.iri;
      el.className = "cahr-local";
    }
    return el;
  }

  // -- Timeline --------------------------------------------------------------------------
  function Timeline(yasr) { this.yasr = yasr; }
  Timeline.prototype.priority = 1;
  Timeline.prototype.label = "Timeline";
  Timeline.prototype.usesNames = true;
  Timeline.prototype.getIcon = function () { return icon("⏱"); };
  Timeline.prototype.dateColumn = function () {
    var rows = bindings(this.yasr);
    return variables(this.yasr).find(function (v) {
      return rows.some(function (row) { return isDate(row[v]); });
    });
  };
  Timeline.prototype.canHandleResults = function () { return Boolean(this.dateColumn()); };
  Timeline.prototype.draw = function () {
    var yasr = this.yasr;
    var column = this.dateColumn();
    var vars = variables(yasr);
    var implied = vars.filter(function (v) { return /implied$/i.test(v); });
    return loadAll(["moment.js", "vis-data.js", "vis-timeline.js"]).then(function () {
      var items = [];
      bindings(yasr).forEach(function (row, i) {
        var start = row[column] && isDate(row[column]) ? toDate(row[column].value) : null;
        var name = nameOfRow(row, vars);
        if (!start || !name) { return; }
        var guessed = implied.some(function (v) { return row[v] && row[v].value === "true"; });
        var content = linkTo(name);
        items.push({ id: i, start: start, content: content, title: row[column].value + ": " + name.text,
                     className: guessed ? "implied" : "stated" });
      });
      var el = box(yasr, "cahr-timeline");
      el.setAttribute("data-items", String(items.length));
      // A point's text runs to its right: room on the right for the latest ones.
      var times = items.map(function (item) { return item.start.getTime(); });
      var first = Math.min.apply(null, times);
      var span = Math.max(Math.max.apply(null, times) - first, 864e5 * 30);
      new window.vis.Timeline(el, items, { stack: true, zoomKey: "ctrlKey", maxHeight: 560, type: "point",
                                           start: new Date(first - span * 0.05),
                                           end: new Date(first + span * 1.4),
                                           xss: { disabled: true } });  // contents are DOM nodes we made
    });
  };

  // -- BarChart ----------------------------------------------------------------------------
  function BarChart(yasr) { this.yasr = yasr; }
  BarChart.prototype.priority = 1;
  BarChart.prototype.label = "BarChart";
  BarChart.prototype.usesNames = true;
  BarChart.prototype.getIcon = function () { return icon("▤"); };
  BarChart.prototype.numberColumns = function () {
    var rows = bindings(this.yasr);
    return variables(this.yasr).filter(function (v) {
      return rows.length && rows.every(function (row) { return !row[v] || isNumber(row[v]); })
        && rows.some(function (row) { return isNumber(row[v]); });
    });
  };
  BarChart.prototype.canHandleResults = function () {
    var numbers = this.numberColumns();
    var vars = variables(this.yasr);
    return numbers.length > 0 && vars.some(function (v) { return numbers.indexOf(v) < 0; });
  };
  BarChart.prototype.draw = function () {
    var yasr = this.yasr;
    var numbers = this.numberColumns();
    var vars = variables(yasr).filter(function (v) { return numbers.indexOf(v) < 0; });
    return load("chart.js").then(function () {
      var rows = bindings(yasr);
      var names = rows.map(function (row) {
        var name = nameOfRow(row, vars);
        return name ? name.text : "";
      });
      var el = box(yasr, "cahr-chart");
      el.style.height = Math.max(160, rows.length * (numbers.length * 10 + 14) + 60) + "px";
      var canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", "bar chart of " + numbers.join(", ") + " by " + (vars[0] || "row"));
      el.appendChild(canvas);
      el.__chart = new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: names,
          datasets: numbers.map(function (v) {
            return { label: v, data: rows.map(function (row) { return row[v] ? Number(row[v].value) : null; }) };
          }),
        },
        options: { indexAxis: "y", maintainAspectRatio: false, animation: false,
                   plugins: { legend: { display: numbers.length > 1 } } },
      });
    });
  };

  // -- Graph -------------------------------------------------------------------------------
  function Graph(yasr) { this.yasr = yasr; }
  Graph.prototype.priority = 1;
  Graph.prototype.label = "Graph";
  Graph.prototype.usesNames = true;
  Graph.prototype.getIcon = function () { return icon("⬡"); };
  Graph.prototype.edges = function () {
    var yasr = this.yasr;
    var vars = variables(yasr);
    var rows = bindings(yasr);
    var edges = [];
    var triples = ["subject", "predicate", "object"].every(function (v) { return vars.indexOf(v) >= 0; })
      && yasr.results.getType && yasr.results.getType() === "ttl";
    rows.forEach(function (row) {
      if (triples) {
        if (row.object && row.object.type === "uri" && row.subject.type === "uri") {
          edges.push([row.subject.value, row.object.value, site.nameOf(row.predicate.value)]);
        }
        return;
      }
      var iris = vars.filter(function (v) { return row[v] && row[v].type === "uri"; });
      iris.slice(1).forEach(function (v) { edges.push([row[iris[0]].value, row[v].value, v]); });
    });
    return edges;
  };
  Graph.prototype.canHandleResults = function () { return this.edges().length > 0; };
  Graph.prototype.draw = function () {
    var edges = this.edges();
    var yasr = this.yasr;
    return load("cytoscape.js").then(function () {
      var nodes = {};
      var elements = [];
      edges.forEach(function (e, i) {
        [e[0], e[1]].forEach(function (iri) {
          if (!nodes[iri]) {
            nodes[iri] = true;
            elements.push({ data: { id: iri, name: site.nameOf(iri), local: iri.indexOf(site.base) === 0 } });
          }
        });
        elements.push({ data: { id: "e" + i, source: e[0], target: e[1], name: e[2] } });
      });
      var el = box(yasr, "cahr-graph");
      el.setAttribute("data-nodes", String(Object.keys(nodes).length));
      var graph = window.cytoscape({
        container: el,
        elements: elements,
        layout: { name: "cose", animate: false },
        style: [
          { selector: "node", style: { label: "data(name)", "font-size": 10, "background-color": "#1f5f8b",
                                       "text-wrap": "ellipsis", "text-max-width": 140 } },
          { selector: "edge", style: { label: "data(name)", "font-size": 8, "curve-style": "bezier",
                                       "target-arrow-shape": "triangle", width: 1, "line-color": "#999",
                                       "target-arrow-color": "#999", color: "#555" } },
        ],
      });
      graph.on("tap", "node", function (event) {
        var data = event.target.data();
        if (data.local) { window.location.assign(site.localPath(data.id)); }
      });
      el.__graph = graph;
    });
  };

  window.cahrViews = {
    register: function (Yasr, helpers) {
      site = helpers;
      Yasr.registerPlugin("cahrTimeline", Timeline);
      Yasr.registerPlugin("cahrChart", BarChart);
      Yasr.registerPlugin("cahrGraph", Graph);
    },
    pluginFor: function (name) { return VIEWS[String(name).toLowerCase()] || null; },
  };
})();
