#!/usr/bin/env node
// citeproc-js (the CSL engine inside Zotero), run the way Zotero runs it, for
// tests/write/test_citeproc.py to compare kg's citations and bibliographies with.
//
// stdin: JSON {"style": path of a .csl, "locales": folder of locales-xx-XX.xml,
//              "lang": "fr-FR", "force_lang": false, "format": "text" | "html",
//              "items": [CSL-JSON...], "clusters": [[{"id": key, "locator": "12",
//              "label": "page"}...]...], "bibliography": true}
// stdout: JSON {"citations": ["(Ellul 1988)", ...],
//               "bibliography": [{"id": key, "text": "..."}...]}
"use strict";
const fs = require("fs");
const path = require("path");
const CSL = require("citeproc");

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const items = Object.fromEntries(input.items.map((it) => [String(it.id), it]));
const sys = {
  retrieveItem: (id) => items[id],
  retrieveLocale: (lang) => {
    const file = path.join(input.locales, `locales-${lang}.xml`);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : false;
  },
};
const style = fs.readFileSync(input.style, "utf8");
const engine = new CSL.Engine(sys, style, input.lang || "en-US", !!input.force_lang);
engine.setOutputFormat(input.format || "text");
engine.updateItems(input.items.map((it) => String(it.id)));

const out = { version: CSL.PROCESSOR_VERSION, citations: [], bibliography: [] };
const byId = {};
const done = [];
(input.clusters || []).forEach((cluster, i) => {
  const citation = {
    citationID: `c${i}`,
    citationItems: cluster.map((c) => {
      const ci = { id: String(c.id) };
      if (c.locator) { ci.locator = c.locator; ci.label = c.label || "page"; }
      return ci;
    }),
    properties: { noteIndex: 0 },
  };
  const [, changed] = engine.processCitationCluster(citation, done.map((id, j) => [id, j]), []);
  done.push(citation.citationID);
  for (const [, text, id] of changed) byId[id] = text;
});
out.citations = done.map((id) => byId[id]);
if (input.bibliography !== false) {
  const bib = engine.makeBibliography();
  if (bib) {
    const [meta, entries] = bib;
    out.bibliography = meta.entry_ids.map((ids, i) => ({ id: String(ids[0]), text: entries[i] }));
  }
}
process.stdout.write(JSON.stringify(out));
