// Zotero's own import translators, run offline under node, for tests/test_zotero.py: npm's
// zotero-translators (pinned in package-lock.json) bundles Zotero's translation runtime (the
// translation-server of Zotero 5.0) with Zotero's translators of early 2019. Nothing of them is
// copied here: this file only calls them.
//
//   node zotero-import.js LABEL FILE   (LABEL: "RIS", "BibTeX", "Zotero RDF"...)
//
// reads FILE with the import translator called LABEL, which must recognise it (its detectImport),
// and prints the items Zotero would save, in Zotero's API JSON (an array: the items, each note as
// an item of its own with its parentItem), on standard output. Exit 1 on any failure.
"use strict";
const fs = require("fs");

const [label, file] = process.argv.slice(2);
if (!label || !file) {
  process.stderr.write("usage: node zotero-import.js LABEL FILE\n");
  process.exit(2);
}
const out = process.stdout.write.bind(process.stdout);
console.log = () => {};  // the runtime's debug log
require("zotero-translators");  // sets up the global Zotero: Translate, Utilities, translators

// objects made inside the translators' sandbox do not serialise as they are: copy them plainly
function plain(v) {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const o = {};
    for (const n of Object.getOwnPropertyNames(v)) o[n] = plain(v[n]);
    return o;
  }
  return v;
}

(async () => {
  const translate = new Zotero.Translate.Import();
  translate.setString(fs.readFileSync(file, "utf8"));
  const found = await translate.getTranslators();  // those whose detectImport accepts the text
  const chosen = found.find((t) => t.label === label);
  if (!chosen) {
    throw new Error(`${file}: not recognised by Zotero's ${label} translator (recognised by: ` +
                    `${found.map((t) => t.label).join(", ") || "none"})`);
  }
  translate.setTranslator(chosen);
  const items = await translate.translate({ libraryID: 1 });
  const json = [];
  for (const item of items) json.push(...Zotero.Utilities.itemToAPIJSON(item));
  out(JSON.stringify({ translator: chosen.label, lastUpdated: chosen.lastUpdated,
                       zotero: Zotero.version, items: plain(json) }) + "\n");
})().catch((e) => {
  process.stderr.write(`Error: ${e && e.stack || e}\n`);
  process.exit(1);
});
