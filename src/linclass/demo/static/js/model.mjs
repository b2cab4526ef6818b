// The linear classifier of the lecture, f(x) = W x + b, and its whole objective, as in
// linclass.linear_loss:
//   L(W, b) = (1/N) sum_i L_i(W x_i + b, y_i) + lambda * sum(W^2)
//   dL/dW = dscores^T X + 2 lambda W,   dL/db = column sums of dscores   (the bias is not regularized)
// The page writes W as the lecture does, one row per class (C x D); linclass stores its transpose
// (D x C). Features: "xy" uses the point itself, "polar" uses (r, theta) = (|x|, atan2(x2, x1)).

import { LOSSES } from "./losses.mjs";

export const FEATURES = {
  xy: { names: ["x", "y"], map: (x, y) => [x, y] },
  polar: { names: ["r", "θ"], map: (x, y) => [Math.hypot(x, y), Math.atan2(y, x)] },
};

// Feature rows X (N x D) for points [{x, y, label}].
export function featureRows(points, features = "xy") {
  const map = FEATURES[features].map;
  return points.map((p) => map(p.x, p.y));
}

// Class scores W x + b for one feature row (W is C x D).
export function scoreRow(W, b, x) {
  return W.map((w, k) => w.reduce((s, wd, d) => s + wd * x[d], b[k]));
}

// Everything the page shows for parameters W (C x D), b (C), features X (N x D), labels y:
// scores, data/regularization/total loss, per-point loss and share of the gradient, dW, db.
// The share of point i is |dL_i/d(W, b)| / sum_j |dL_j/d(W, b)| (Frobenius norms), where
// dL_i/d(W, b) is the outer product of row i of dscores with [x_i, 1].
export function objective(W, b, X, y, { loss = "svm", margin = 1.0, regStrength = 0.0 } = {}) {
  const scores = X.map((x) => scoreRow(W, b, x));
  const data = LOSSES[loss].fn(scores, y, margin);
  const regLoss = regStrength * W.reduce((s, w) => s + w.reduce((t, v) => t + v * v, 0), 0);
  const dW = W.map((w) => w.map((v) => 2 * regStrength * v));
  const db = b.map(() => 0);
  const norms = X.map((x, i) => {
    const g = data.dscores[i];
    g.forEach((gk, k) => {
      x.forEach((xd, d) => { dW[k][d] += gk * xd; });
      db[k] += gk;
    });
    return Math.hypot(...g) * Math.hypot(...x, 1);
  });
  const totalNorm = norms.reduce((a, v) => a + v, 0);
  return {
    scores,
    perPoint: data.perPoint,
    share: norms.map((v) => (totalNorm > 0 ? v / totalNorm : 0)),
    dataLoss: data.loss,
    regLoss,
    totalLoss: data.loss + regLoss,
    dW,
    db,
    correct: scores.filter((s, i) => argmax(s) === y[i]).length,
  };
}

// One step of gradient descent: W <- W - lr dW, b <- b - lr db (new arrays).
export function step(W, b, dW, db, lr) {
  return {
    W: W.map((w, k) => w.map((v, d) => v - lr * dW[k][d])),
    b: b.map((v, k) => v - lr * db[k]),
  };
}

export function argmax(values) {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}
