// The query page: run a SPARQL query in place and show its answer as a table.
// No dependency, nothing loaded from elsewhere. Without this script the form still
// works: it is a plain GET to the endpoint.
"use strict";

(function () {
  const form = document.getElementById("query-form");
  if (!form) return;
  const config = JSON.parse(form.dataset.config);
  const editor = document.getElementById("query");
  const format = document.getElementById("format");
  const status = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const results = document.getElementById("results");
  const downloads = document.getElementById("downloads");
  const messages = {};
  for (const span of document.getElementById("messages").content.querySelectorAll("span")) {
    messages[span.dataset.key] = span.textContent;
  }
  const PLAIN = new Set(
    ["string", "integer", "decimal", "double", "boolean"].map((t) => config.prefixes.xsd + t),
  );
  const RESULTS_JSON = "application/sparql-results+json";
  const N_TRIPLES = "application/n-triples";
  let pending = null;

  function say(key, values) {
    return (messages[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
  }

  // --- IRIs: local pages for the dataset's IRIs, short names for display ---------------

  function localHref(iri) {
    if (iri.startsWith(config.ontologyIri)) {
      return "/ontologie" + iri.slice(config.ontologyIri.length);
    }
    if (iri.startsWith(config.baseIri) && iri.length > config.baseIri.length) {
      return "/" + iri.slice(config.baseIri.length);
    }
    return iri;
  }

  function shortName(iri) {
    let best = null;
    for (const [prefix, ns] of Object.entries(config.prefixes)) {
      if (iri.startsWith(ns) && (!best || ns.length > best[1].length)) best = [prefix, ns];
    }
    if (best && /^[\w./-]*$/.test(iri.slice(best[1].length))) {
      return best[0] + ":" + iri.slice(best[1].length);
    }
    return iri;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri" && !/^(https?|mailto):/i.test(term.value)) {
      td.textContent = term.value; // never a live link to javascript:, data: …
    } else if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = localHref(term.value);
      a.textContent = shortName(term.value);
      a.title = term.value;
      td.append(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      const span = document.createElement("span");
      span.textContent = term.value;
      const lang = term["xml:lang"];
      if (lang) span.lang = lang;
      td.append(span);
      if (lang || (term.datatype && !PLAIN.has(term.datatype))) {
        const small = document.createElement("small");
        small.className = "tag";
        small.textContent = lang ? " @" + lang : " ^^" + shortName(term.datatype);
        td.append(small);
      }
    }
    return td;
  }

  // --- N-Triples, for CONSTRUCT and DESCRIBE answers ------------------------------------

  const TERM = /^\s*(?:<([^>]*)>|_:([^\s.]+(?:\.[^\s.]+)*)|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?)/;
  const ESCAPES = { t: "\t", b: "\b", n: "\n", r: "\r", f: "\f", '"': '"', "'": "'", "\\": "\\" };

  function unescape(text) {
    return text.replace(/\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))/g, (_, u4, u8, c) =>
      u4 || u8 ? String.fromCodePoint(parseInt(u4 || u8, 16)) : ESCAPES[c] ?? c);
  }

  function parseTerm(rest) {
    const m = TERM.exec(rest);
    if (!m) throw new Error("N-Triples: " + rest.slice(0, 40));
    let term;
    if (m[1] !== undefined) term = { type: "uri", value: unescape(m[1]) };
    else if (m[2] !== undefined) term = { type: "bnode", value: m[2] };
    else {
      term = { type: "literal", value: unescape(m[3]) };
      if (m[4]) term["xml:lang"] = m[4];
      else if (m[5]) term.datatype = unescape(m[5]);
    }
    return [term, rest.slice(m[0].length)];
  }

  function parseNTriples(text) {
    const triples = [];
    for (const line of text.split("\n")) {
      if (!line.trim() || line.trim().startsWith("#")) continue;
      let rest = line, s, p, o;
      [s, rest] = parseTerm(rest);
      [p, rest] = parseTerm(rest);
      [o, rest] = parseTerm(rest);
      triples.push({ subject: s, predicate: p, object: o });
    }
    return triples;
  }

  // --- Rendering ------------------------------------------------------------------------

  function table(columns, rows, headings) {
    const t = document.createElement("table");
    const caption = t.createCaption();
    caption.textContent = say("caption", {});
    const head = t.createTHead().insertRow();
    columns.forEach((name, i) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = headings ? headings[i] : name;
      head.append(th);
    });
    const body = t.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const name of columns) tr.append(cell(row[name]));
    }
    return t;
  }

  function showResults(data) {
    if (typeof data.boolean === "boolean") {
      const p = document.createElement("p");
      p.className = "boolean";
      p.textContent = say(data.boolean ? "true" : "false", {});
      results.replaceChildren(p);
      status.textContent = p.textContent;
      return;
    }
    const rows = data.results.bindings;
    results.replaceChildren(table(data.head.vars || [], rows));
    status.textContent = say("rows", { n: rows.length });
  }

  function showTriples(text) {
    const triples = parseNTriples(text);
    const columns = ["subject", "predicate", "object"];
    const headings = columns.map((name) => say(name, {}));
    results.replaceChildren(table(columns, triples, headings));
    status.textContent = say("triples", { n: triples.length });
  }

  async function showError(response) {
    const text = await response.text();
    let detail = text;
    try {
      const problem = JSON.parse(text);
      detail = problem.detail || problem.title || text;
    } catch (_) {
      // a plain-text error body is shown as it is
    }
    fail(say("error", { status: response.status }) + " " + detail);
  }

  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    status.textContent = "";
    results.replaceChildren();
  }

  // --- Downloads: the current query in every format of its kind ------------------------

  function queryKind(query) {
    const body = query.replace(/#[^\n]*/g, " ").replace(/<[^>]*>/g, "<>");
    const m = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(body);
    return m && /^(CONSTRUCT|DESCRIBE)$/i.test(m[1]) ? "rdf" : "results";
  }

  function updateDownloads() {
    const query = editor.value.trim();
    const list = downloads.querySelector("ul");
    list.replaceChildren();
    downloads.hidden = !query;
    if (!query) return;
    for (const f of config.formats[queryKind(query)]) {
      const params = new URLSearchParams({ query: editor.value, format: f.name });
      const a = document.createElement("a");
      a.href = config.endpoint + "?" + params.toString();
      a.textContent = f.label;
      a.download = "resultats." + f.extension;
      a.dataset.format = f.name;
      const li = document.createElement("li");
      li.append(a);
      list.append(li);
    }
  }

  // --- Running --------------------------------------------------------------------------

  async function run() {
    if (pending) pending.abort();
    const controller = new AbortController();
    pending = controller;
    errorBox.hidden = true;
    status.textContent = say("running", {});
    results.setAttribute("aria-busy", "true");
    updateDownloads();
    let response;
    try {
      response = await fetch(config.endpoint, {
        method: "POST",
        headers: { Accept: RESULTS_JSON + ", " + N_TRIPLES + ";q=0.9" },
        body: new URLSearchParams({ query: editor.value }),
        signal: controller.signal,
      });
      if (!response.ok) {
        await showError(response);
      } else if (response.headers.get("content-type").split(";")[0].trim() === RESULTS_JSON) {
        showResults(await response.json());
      } else {
        showTriples(await response.text());
      }
    } catch (err) {
      if (err.name === "AbortError") return;
      const prefix = response ? say("error", { status: response.status }) : say("network", {});
      fail(prefix + " " + err.message);
    } finally {
      if (pending === controller) {
        pending = null;
        results.removeAttribute("aria-busy");
      }
    }
  }

  form.addEventListener("submit", (event) => {
    if (format.value) return; // a chosen format: let the browser open the raw answer
    event.preventDefault();
    run();
  });

  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  let timer = null;
  editor.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(updateDownloads, 300);
  });

  for (const link of document.querySelectorAll("a.example")) {
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      editor.value = link.dataset.query;
      for (const other of document.querySelectorAll("a.example")) {
        other.removeAttribute("aria-current");
      }
      link.setAttribute("aria-current", "true");
      history.replaceState(null, "", link.href);
      format.value = "";
      run();
    });
  }

  updateDownloads();
})();
