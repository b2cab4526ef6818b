// The page's catalogs: every key in every language with the same {fields}, Korean words in
// every Korean entry, and every key the HTML and the scripts use present.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";

import { CATALOGS, LANGUAGES, languageFromUrl, setLanguage, t } from "../../src/linclass/demo/static/js/i18n.mjs";
import { DATASETS } from "../../src/linclass/demo/static/js/data.mjs";
import { LOSSES } from "../../src/linclass/demo/static/js/losses.mjs";

const STATIC = new URL("../../src/linclass/demo/static/", import.meta.url);
const HANGUL = /[\uac00-\ud7a3]/;
const fields = (entry) => [...entry.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const markup = (entry) => [...entry.matchAll(/<[^>]+>/g)].map((m) => m[0]).sort();

test("English and Korean catalogs have the same keys", () => {
  assert.deepEqual(LANGUAGES, ["en", "ko"]);
  assert.deepEqual(Object.keys(CATALOGS.ko).sort(), Object.keys(CATALOGS.en).sort());
});

for (const [key, english] of Object.entries(CATALOGS.en)) {
  test(`catalog entry ${key}`, () => {
    const korean = CATALOGS.ko[key];
    assert.ok(korean, `no Korean entry for ${key}`);
    assert.ok(english.trim() && korean.trim(), "empty entry");
    assert.match(korean, HANGUL, `the Korean entry has no Korean words: ${korean}`);
    assert.deepEqual(fields(korean), fields(english), "the same {fields}");
    assert.deepEqual(markup(korean), markup(english), "the same inline markup");
  });
}

test("the Korean entries use the course terms", () => {
  const all = Object.values(CATALOGS.ko).join(" ");
  for (const term of ["손실 함수", "정규화", "경사 하강법", "가중치", "편향", "학습률", "마진",
    "소프트맥스", "특징", "그래디언트"]) {
    assert.ok(all.includes(term), term);
  }
});

test("every key the page's HTML names is in the catalogs", () => {
  const html = readFileSync(new URL("index.html", STATIC), "utf8");
  const keys = [...html.matchAll(/data-i18n(?:-html)?="([^"]+)"/g)].map((m) => m[1]);
  for (const m of html.matchAll(/data-i18n-attr="([^"]+)"/g)) {
    keys.push(...m[1].split(";").map((pair) => pair.split(":")[1].trim()));
  }
  assert.ok(keys.length > 30, `only ${keys.length} keys in index.html`);
  for (const key of keys) assert.ok(key in CATALOGS.en, `index.html names unknown key ${key}`);
});

test("every key the scripts use is in the catalogs, and none is unused", () => {
  const html = readFileSync(new URL("index.html", STATIC), "utf8");
  const scripts = readdirSync(new URL("js/", STATIC)).filter((f) => f.endsWith(".mjs"))
    .map((f) => readFileSync(new URL(`js/${f}`, STATIC), "utf8")).join("\n");
  const called = [...scripts.matchAll(/\bt\(\s*"(\w+)"/g)].map((m) => m[1]);
  for (const key of called) assert.ok(key in CATALOGS.en, `a script uses unknown key ${key}`);
  const quoted = new Set([...(scripts + html).matchAll(/["\s](\w+)"/g)].map((m) => m[1]));
  for (const name of Object.keys(LOSSES)) quoted.add(`loss_${name}`);
  for (const name of Object.keys(DATASETS)) quoted.add(`dataset_${name}`);
  const unused = Object.keys(CATALOGS.en).filter((key) => !quoted.has(key));
  assert.deepEqual(unused, []);
});

test("the URL chooses the language; t() fills fields", () => {
  assert.equal(languageFromUrl("http://127.0.0.1:8231/?lang=ko"), "ko");
  assert.equal(languageFromUrl("http://127.0.0.1:8231/"), "en");
  assert.equal(languageFromUrl("http://127.0.0.1:8231/?lang=xx"), "en");
  setLanguage("ko");
  assert.equal(t("remove_point", { i: 3 }), "점 3 삭제");
  setLanguage("en");
  assert.equal(t("remove_point", { i: 3 }), "remove point 3");
  assert.throws(() => t("no_such_key"), /no catalog entry no_such_key/);
  assert.throws(() => setLanguage("fr"), /unknown language fr/);
});
