// The page's losses and objective against golden cases written by linclass (Python).
// Regenerate the cases with `python -m linclass.demo.golden` from the repository root.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { LOSSES } from "../../src/linclass/demo/static/js/losses.mjs";
import { objective, step } from "../../src/linclass/demo/static/js/model.mjs";

const golden = JSON.parse(readFileSync(new URL("./golden.json", import.meta.url), "utf8"));
const transpose = (A) => A[0].map((_, j) => A.map((row) => row[j]));

function assertClose(actual, expected, what, rtol = 1e-12, atol = 1e-12) {
  if (Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, `${what}: length`);
    expected.forEach((e, i) => assertClose(actual[i], e, `${what}[${i}]`, rtol, atol));
    return;
  }
  const ok = Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
  assert.ok(ok, `${what}: got ${actual}, expected ${expected}`);
}

test("the golden file covers every loss of linclass", () => {
  const names = new Set(golden.losses.map((c) => c.loss_name));
  assert.deepEqual([...names].sort(), Object.keys(LOSSES).sort());
  assert.ok(golden.objectives.length >= Object.keys(LOSSES).length);
});

for (const c of golden.losses) {
  test(`${c.loss_name} on ${c.case} scores, margin ${c.margin}`, () => {
    const out = LOSSES[c.loss_name].fn(c.scores, c.y, c.margin);
    assertClose(out.loss, c.loss, "loss");
    assertClose(out.dscores, c.dscores, "dscores");
    assertClose(out.perPoint, c.per_point, "per-point loss");
  });
}

for (const c of golden.objectives) {
  test(`objective: ${c.loss_name}, L2 strength ${c.reg_strength}`, () => {
    const W = transpose(c.W); // linclass (D x C) -> the page's (C x D)
    const out = objective(W, c.b, c.X, c.y, {
      loss: c.loss_name, margin: c.margin, regStrength: c.reg_strength,
    });
    assertClose(out.totalLoss, c.loss, "total loss");
    assertClose(out.dW, transpose(c.dW), "dW");
    assertClose(out.db, c.db, "db");
    const shares = out.share.reduce((a, v) => a + v, 0);
    assertClose(shares, 1, "sum of gradient shares");
  });
}

test("a small gradient step lowers the objective of every golden case", () => {
  for (const c of golden.objectives) {
    const opts = { loss: c.loss_name, margin: c.margin, regStrength: c.reg_strength };
    const W = transpose(c.W);
    const before = objective(W, c.b, c.X, c.y, opts);
    const next = step(W, c.b, before.dW, before.db, 1e-3);
    const after = objective(next.W, next.b, c.X, c.y, opts);
    assert.ok(after.totalLoss < before.totalLoss, `${c.loss_name}: ${after.totalLoss} >= ${before.totalLoss}`);
  }
});
