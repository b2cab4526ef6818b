// Drawing on the canvases: decision regions, zero-score lines with their handles, points, and the
// loss history. World coordinates span [-VIEW, VIEW] on both axes; y points up.

import { FEATURES, argmax, scoreRow } from "./model.mjs";

export const VIEW = 4;
export const COLORS = ["#d0342c", "#2e8b3a", "#2f5fd0"];
const REGION_RGB = [[246, 196, 192], [196, 232, 199], [197, 211, 246]];
const ARROW_PX = 40;

export const toPx = (x, y, size) => [((x + VIEW) / (2 * VIEW)) * size, ((VIEW - y) / (2 * VIEW)) * size];
export const toWorld = (px, py, size) => [(px / size) * 2 * VIEW - VIEW, VIEW - (py / size) * 2 * VIEW];

// Match the canvas's pixel buffer to its displayed size; returns the size in CSS pixels.
export function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

// Handle positions (CSS pixels) for each class's zero-score line w_k . (x, y) + b_k = 0:
// `base` is the line's point nearest the origin, `tip` the end of the arrow along +w_k.
// Only defined for the raw (x, y) features; null where w_k is (nearly) zero.
export function handles(W, b, size) {
  return W.map((w, k) => {
    const n2 = w[0] * w[0] + w[1] * w[1];
    if (n2 < 1e-12) return null;
    const p = [(-b[k] * w[0]) / n2, (-b[k] * w[1]) / n2];
    const n = Math.sqrt(n2);
    const base = toPx(p[0], p[1], size);
    const tip = [base[0] + (ARROW_PX * w[0]) / n, base[1] - (ARROW_PX * w[1]) / n];
    return { p, base, tip };
  });
}

function drawRegions(ctx, size, W, b, features) {
  const cells = Math.max(40, Math.round(size / 2));
  const image = new ImageData(cells, cells);
  const map = FEATURES[features].map;
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      const [x, y] = toWorld(((col + 0.5) / cells) * size, ((row + 0.5) / cells) * size, size);
      const rgb = REGION_RGB[argmax(scoreRow(W, b, map(x, y)))];
      const o = 4 * (row * cells + col);
      image.data.set(rgb, o);
      image.data[o + 3] = 255;
    }
  }
  const off = new OffscreenCanvas(cells, cells);
  off.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, size, size);
}

function drawGrid(ctx, size) {
  ctx.lineWidth = 1;
  for (let v = -VIEW; v <= VIEW; v++) {
    const [px] = toPx(v, 0, size);
    const [, py] = toPx(0, v, size);
    ctx.strokeStyle = v === 0 ? "rgba(0,0,0,0.35)" : "rgba(0,0,0,0.08)";
    ctx.beginPath(); ctx.moveTo(px, 0); ctx.lineTo(px, size); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(0, py); ctx.lineTo(size, py); ctx.stroke();
  }
}

function drawAxisLabels(ctx, size) {
  ctx.font = "11px system-ui, sans-serif";
  ctx.lineWidth = 3;
  ctx.strokeStyle = "rgba(255,255,255,0.85)";
  ctx.fillStyle = "rgba(0,0,0,0.6)";
  for (let v = -VIEW + 1; v < VIEW; v++) {
    if (v === 0) continue;
    for (const [x, y, dx, dy] of [[v, 0, 2, 12], [0, v, 3, -2]]) {
      const [px, py] = toPx(x, y, size);
      ctx.strokeText(String(v), px + dx, py + dy);
      ctx.fillText(String(v), px + dx, py + dy);
    }
  }
}

// Zero-score line of each class: a straight line for (x, y) features; for polar features the
// curve r = -(w_theta * theta + b) / w_r, theta in (-pi, pi].
function drawZeroLines(ctx, size, W, b, features, hs) {
  ctx.lineWidth = 2;
  W.forEach((w, k) => {
    ctx.strokeStyle = COLORS[k];
    ctx.beginPath();
    if (features === "xy") {
      const h = hs[k];
      if (!h) return;
      const n = Math.hypot(w[0], w[1]);
      const d = [-w[1] / n, w[0] / n];
      const a = toPx(h.p[0] - 4 * VIEW * d[0], h.p[1] - 4 * VIEW * d[1], size);
      const c = toPx(h.p[0] + 4 * VIEW * d[0], h.p[1] + 4 * VIEW * d[1], size);
      ctx.moveTo(...a); ctx.lineTo(...c);
    } else {
      let pen = false;
      for (let i = 0; i <= 720; i++) {
        const t = -Math.PI + (2 * Math.PI * i) / 720;
        const r = -(w[1] * t + b[k]) / w[0];
        if (!(r >= 0) || r > 3 * VIEW) { pen = false; continue; }
        const q = toPx(r * Math.cos(t), r * Math.sin(t), size);
        if (pen) ctx.lineTo(...q); else ctx.moveTo(...q);
        pen = true;
      }
    }
    ctx.stroke();
  });
}

function drawHandles(ctx, hs) {
  hs.forEach((h, k) => {
    if (!h) return;
    const [bx, by] = h.base;
    const [tx, ty] = h.tip;
    ctx.strokeStyle = COLORS[k];
    ctx.fillStyle = COLORS[k];
    ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(bx, by); ctx.lineTo(tx, ty); ctx.stroke();
    const a = Math.atan2(ty - by, tx - bx);
    ctx.beginPath();
    ctx.moveTo(tx + 4 * Math.cos(a), ty + 4 * Math.sin(a));
    ctx.lineTo(tx - 9 * Math.cos(a - 0.5), ty - 9 * Math.sin(a - 0.5));
    ctx.lineTo(tx - 9 * Math.cos(a + 0.5), ty - 9 * Math.sin(a + 0.5));
    ctx.closePath(); ctx.fill();
    ctx.beginPath(); ctx.arc(bx, by, 5.5, 0, 2 * Math.PI);
    ctx.fillStyle = "#fff"; ctx.fill(); ctx.stroke();
  });
}

function drawPoints(ctx, size, points, result, hot) {
  points.forEach((p, i) => {
    const [px, py] = toPx(p.x, p.y, size);
    const radius = i === hot ? 8 : 6;
    ctx.beginPath(); ctx.arc(px, py, radius, 0, 2 * Math.PI);
    ctx.fillStyle = COLORS[p.label]; ctx.fill();
    const wrong = result && argmax(result.scores[i]) !== p.label;
    ctx.lineWidth = wrong ? 2.5 : 1.5;
    ctx.strokeStyle = wrong ? "#000" : "#fff";
    ctx.stroke();
    if (i === hot) {
      ctx.beginPath(); ctx.arc(px, py, radius + 4, 0, 2 * Math.PI);
      ctx.strokeStyle = "#f0a500"; ctx.lineWidth = 2; ctx.stroke();
    }
  });
}

// The whole scene; returns the handle positions used for hit testing.
export function drawScene(canvas, { points, W, b, features, result, hot }) {
  const { ctx, w: size } = fitCanvas(canvas);
  drawRegions(ctx, size, W, b, features);
  drawGrid(ctx, size);
  const hs = features === "xy" ? handles(W, b, size) : W.map(() => null);
  ctx.save();
  ctx.beginPath(); ctx.rect(0, 0, size, size); ctx.clip();
  drawZeroLines(ctx, size, W, b, features, hs);
  drawAxisLabels(ctx, size);
  drawPoints(ctx, size, points, result, hot);
  drawHandles(ctx, hs);
  ctx.restore();
  return { size, handles: hs };
}

// Total loss over updates, on a linear scale from 0 to the largest value shown, headed by
// caption(max, now) (the page's words for "max ..., now ...").
export function drawHistory(canvas, history, caption) {
  const { ctx, w, h } = fitCanvas(canvas);
  ctx.clearRect(0, 0, w, h);
  if (!history.length) return;
  const top = Math.max(...history) || 1;
  const pad = 4;
  ctx.strokeStyle = "#1d1f24"; ctx.lineWidth = 1.5;
  ctx.beginPath();
  history.forEach((v, i) => {
    const x = pad + (history.length > 1 ? (i / (history.length - 1)) * (w - 2 * pad) : 0);
    const y = h - pad - (v / top) * (h - 2 * pad - 12);
    if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
  });
  ctx.stroke();
  ctx.fillStyle = "#5b6170"; ctx.font = "11px system-ui, sans-serif";
  ctx.fillText(caption(top.toPrecision(3), history[history.length - 1].toPrecision(3)), pad, 11);
}
