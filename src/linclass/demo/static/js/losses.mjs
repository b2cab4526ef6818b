// Data losses on class scores, the page's copy of linclass.losses (same names, same conventions).
//
// Every loss takes scores (N rows of C numbers), labels y (N integers in [0, C)) and the margin
// Delta (ignored by softmax; least squares' target magnitude), and returns
//   loss      the mean loss over the N rows,
//   dscores   dL/dscores (N x C), the gradient of the *mean* (each row already divided by N),
//   perPoint  L_i for every row (so loss = mean(perPoint)).
// Ties and edge cases follow the Python library exactly; tests/js checks every function against
// golden cases that Python writes from linclass.losses (python -m linclass.demo.golden).

const zeros = (n, c) => Array.from({ length: n }, () => new Array(c).fill(0));

// Weston-Watkins multiclass SVM: L_i = sum_{j != y_i} max(0, s_ij - s_iy_i + Delta).
export function svm(scores, y, margin = 1.0) {
  return westonWatkins(scores, y, margin, false);
}

// Weston-Watkins with squared hinges: L_i = sum_{j != y_i} max(0, s_ij - s_iy_i + Delta)^2.
export function squaredHinge(scores, y, margin = 1.0) {
  return westonWatkins(scores, y, margin, true);
}

function westonWatkins(scores, y, margin, squared) {
  const n = scores.length;
  const c = n ? scores[0].length : 0;
  const dscores = zeros(n, c);
  const perPoint = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    const correct = scores[i][y[i]];
    let pull = 0;
    for (let j = 0; j < c; j++) {
      if (j === y[i]) continue;
      const m = scores[i][j] - correct + margin;
      if (m > 0) {
        perPoint[i] += squared ? m * m : m;
        const g = (squared ? 2 * m : 1) / n;
        dscores[i][j] = g;
        pull += g;
      }
    }
    dscores[i][y[i]] = -pull;
  }
  return { loss: mean(perPoint), dscores, perPoint };
}

// Crammer-Singer (structured) SVM: L_i = max(0, Delta + max_{j != y_i} s_ij - s_iy_i).
// Ties for the best wrong class take the lowest index (numpy's argmax).
export function crammerSinger(scores, y, margin = 1.0) {
  const n = scores.length;
  const c = n ? scores[0].length : 0;
  const dscores = zeros(n, c);
  const perPoint = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    let best = -1;
    for (let j = 0; j < c; j++) {
      if (j !== y[i] && (best < 0 || scores[i][j] > scores[i][best])) best = j;
    }
    const hinge = scores[i][best] - scores[i][y[i]] + margin;
    if (hinge > 0) {
      perPoint[i] = hinge;
      dscores[i][best] = 1 / n;
      dscores[i][y[i]] = -1 / n;
    }
  }
  return { loss: mean(perPoint), dscores, perPoint };
}

// One-vs-all: a binary hinge per class, L_i = sum_j max(0, Delta - t_ij s_ij), t = +1 for y_i else -1.
export function oneVsAll(scores, y, margin = 1.0) {
  const n = scores.length;
  const c = n ? scores[0].length : 0;
  const dscores = zeros(n, c);
  const perPoint = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const t = j === y[i] ? 1 : -1;
      const hinge = margin - t * scores[i][j];
      if (hinge > 0) {
        perPoint[i] += hinge;
        dscores[i][j] = -t / n;
      }
    }
  }
  return { loss: mean(perPoint), dscores, perPoint };
}

// Softmax cross-entropy, L_i = -s_iy_i + log sum_j exp(s_ij), with the row maximum subtracted first.
export function softmax(scores, y) {
  const n = scores.length;
  const c = n ? scores[0].length : 0;
  const dscores = zeros(n, c);
  const perPoint = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    const top = Math.max(...scores[i]);
    let sumExp = 0;
    for (let j = 0; j < c; j++) {
      dscores[i][j] = Math.exp(scores[i][j] - top);
      sumExp += dscores[i][j];
    }
    perPoint[i] = Math.log(sumExp) - (scores[i][y[i]] - top);
    for (let j = 0; j < c; j++) dscores[i][j] /= sumExp;
    dscores[i][y[i]] -= 1;
    for (let j = 0; j < c; j++) dscores[i][j] /= n;
  }
  return { loss: mean(perPoint), dscores, perPoint };
}

// One-vs-all least squares (RLSC): L_i = 1/2 sum_j (s_ij - t_ij)^2, t = +Delta for y_i else -Delta.
export function leastSquares(scores, y, margin = 1.0) {
  const n = scores.length;
  const c = n ? scores[0].length : 0;
  const dscores = zeros(n, c);
  const perPoint = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const r = scores[i][j] - (j === y[i] ? margin : -margin);
      perPoint[i] += 0.5 * r * r;
      dscores[i][j] = r / n;
    }
  }
  return { loss: mean(perPoint), dscores, perPoint };
}

function mean(values) {
  return values.length ? values.reduce((a, v) => a + v, 0) / values.length : 0;
}

// The loss names of linclass.losses.LOSSES (the page's labels are i18n.mjs's loss_<name>).
export const LOSSES = {
  svm: { fn: svm },
  squared_hinge: { fn: squaredHinge },
  crammer_singer: { fn: crammerSinger },
  one_vs_all: { fn: oneVsAll },
  softmax: { fn: softmax },
  least_squares: { fn: leastSquares },
};
