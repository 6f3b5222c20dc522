// Autocomplete for the header's search box (issue #14): names as you type, from
// /search/suggest; a choice opens the resource's page, Enter alone searches. Also,
// on the article reader, an anchor #q-<start>-<end> that names no marked quote
// (offsets computed elsewhere) scrolls to the paragraph holding <start>.
"use strict";

(() => {
  const DELAY_MS = 120;

  function setUpSuggestions(form) {
    const input = form.querySelector("input[name=q]");
    const list = form.querySelector("[role=listbox]");
    if (!input || !list) return;
    let timer = 0;
    let asked = "";
    let active = -1;

    const options = () => Array.from(list.querySelectorAll("[role=option]"));
    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (n) => {
      const all = options();
      all.forEach((o, i) => o.setAttribute("aria-selected", String(i === n)));
      active = n;
      if (all[n]) input.setAttribute("aria-activedescendant", all[n].id);
    };
    const show = (suggestions) => {
      list.replaceChildren();
      suggestions.forEach((s, i) => {
        const item = document.createElement("li");
        item.id = `site-search-option-${i}`;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        const link = document.createElement("a");
        link.href = s.page;
        link.textContent = s.label;
        if (s.matched && s.matched !== s.label) {
          const spelled = document.createElement("small");
          spelled.textContent = ` also “${s.matched}”`;
          link.append(spelled);
        }
        if (s.types) {
          const kind = document.createElement("small");
          kind.className = "kind";
          kind.textContent = ` ${s.types.split(" ").slice(-1)[0]}`;
          link.append(kind);
        }
        item.append(link);
        list.append(item);
      });
      list.hidden = suggestions.length === 0;
      input.setAttribute("aria-expanded", String(suggestions.length > 0));
      active = -1;
    };
    const ask = async () => {
      const q = input.value.trim();
      if (q === asked) return;
      asked = q;
      if (!q) return close();
      try {
        const response = await fetch(`${form.dataset.suggest}?q=${encodeURIComponent(q)}`, {
          headers: { Accept: "application/json" },
        });
        if (!response.ok || input.value.trim() !== q) return;
        show((await response.json()).suggestions || []);
      } catch (e) {
        close();
      }
    };

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", (event) => {
      const all = options();
      if (event.key === "ArrowDown" && all.length) {
        event.preventDefault();
        list.hidden = false;
        highlight((active + 1) % all.length);
      } else if (event.key === "ArrowUp" && all.length) {
        event.preventDefault();
        highlight((active - 1 + all.length) % all.length);
      } else if (event.key === "Enter" && active >= 0 && all[active]) {
        event.preventDefault();
        window.location.assign(all[active].querySelector("a").href);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }

  function followOffset() {
    const found = /^#q-(\d+)-(\d+)$/.exec(window.location.hash);
    if (!found || document.getElementById(window.location.hash.slice(1))) return;
    const start = Number(found[1]);
    for (const para of document.querySelectorAll(".para[data-start]")) {
      if (Number(para.dataset.start) <= start && start < Number(para.dataset.end)) {
        para.classList.add("targeted");
        para.scrollIntoView();
        return;
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form.site-search").forEach(setUpSuggestions);
    followOffset();
  });
})();
