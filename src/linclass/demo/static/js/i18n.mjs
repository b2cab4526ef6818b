// Every string the page shows, in English and Korean: one catalog per language.
//
// The HTML names its strings by key: data-i18n="key" (text), data-i18n-html="key" (text with
// the inline markup <var>, <sub> or a <span id>), data-i18n-attr="attribute:key; ..." (aria-label,
// title). The scripts call t(key, fields). The Korean entries use the terms Korean courses use
// (손실 함수, 정규화, 경사 하강법, 가중치, 편향, 학습률, 마진, 특징 벡터, 소프트맥스).
// tests/js/i18n.test.mjs checks both catalogs have every key with the same {fields}, and that
// every key the page and scripts use exists; tests/test_i18n_demo.py checks that no visible
// text of index.html is outside a catalog.

export const CATALOGS = {
  en: {
    page_title: "linclass demo: linear classification, loss and gradient descent",
    heading: "Linear classification in 2-D",
    intro: "Three classes of points, scores <var>f(x) = W x + b</var>, a loss, and gradient "
      + "descent. Drag points or the handles on each class's zero-score line; click empty space "
      + "to add a point.",
    language: "Language",
    plot_region: "Data and decision regions",
    view_label: "Points and decision regions. Drag a point to move it, click empty space to add "
      + "a point of the selected class, right-click or shift-click a point to remove it; the "
      + "arrow handles rotate and the round handles move each class's zero-score line.",
    note_xy: "Round handle: move a class's zero-score line; arrow: rotate it (the arrow points to "
      + "increasing score).",
    note_polar: "Polar features: regions and zero-score curves are drawn in (x, y); edit W and b "
      + "in the fields (handles act on raw x, y only).",
    data_loss: "data loss",
    reg_loss: "regularization loss",
    total_loss: "total loss",
    correct: "correct",
    history_label: "Total loss over updates",
    history_caption: "total loss over <span id=\"n-updates\">0</span> updates",
    history_text: "max {max}, now {now}",
    controls: "Controls",
    optimization: "Optimization",
    step: "One update",
    step_title: "One gradient-descent step (key: s)",
    run_start: "Start updates",
    run_stop: "Stop updates",
    restart: "Random restart",
    restart_title: "New random W and b",
    loss: "Loss",
    margin: "Margin Δ",
    reg: "L2 strength λ",
    lr: "Step size (learning rate)",
    parameters: "Parameters <var>W</var> (weights, 3×2) and <var>b</var> (biases)",
    class: "class",
    weight_input: "W row {k}, weight {d}",
    bias_input: "b, class {k}",
    data: "Data",
    dataset: "Dataset",
    polar: "Polar features: (r, θ) instead of (x, y)",
    new_class: "Class of new points",
    class_k: "class {k}",
    add_point: "Add point",
    every_point: "Every point",
    points_heading: "Every point: scores, loss and share of the gradient",
    points_note: "Scores <var>s<sub>k</sub> = w<sub>k</sub>·x + b<sub>k</sub></var>; the correct "
      + "class's score is outlined; a point drawn with a black ring is misclassified. Share: this "
      + "point's part of |∂L/∂(W, b)|.",
    point_loss: "loss L<sub>i</sub>",
    share: "share of gradient",
    remove: "remove",
    remove_point: "remove point {i}",
    no_points: "No points yet: click the plot, or use \"Add point\", to add points of the "
      + "selected class.",
    loss_svm: "Weston–Watkins SVM (multiclass hinge)",
    loss_squared_hinge: "Weston–Watkins SVM, squared hinge",
    loss_crammer_singer: "Crammer–Singer (structured) SVM",
    loss_one_vs_all: "One-vs-all hinge",
    loss_softmax: "Softmax (cross-entropy)",
    loss_least_squares: "One-vs-all least squares (ridge)",
    dataset_blobs: "Blobs",
    dataset_circles: "Concentric circles",
    dataset_spiral: "Spiral",
    dataset_own: "Your own (starts empty: click to add)",
  },
  ko: {
    page_title: "linclass 데모: 선형 분류, 손실 함수와 경사 하강법",
    heading: "2차원 선형 분류",
    intro: "세 클래스의 점, 점수 <var>f(x) = W x + b</var>, 손실 함수, 그리고 경사 하강법. 점이나 "
      + "각 클래스의 점수 0 직선에 달린 손잡이를 끌어 보세요. 빈 곳을 클릭하면 점이 추가됩니다.",
    language: "언어",
    plot_region: "데이터와 결정 영역",
    view_label: "점과 결정 영역. 점을 끌어 옮기고, 빈 곳을 클릭해 선택한 클래스의 점을 추가하고, "
      + "점을 오른쪽 클릭하거나 Shift와 함께 클릭해 지웁니다. 화살표 손잡이는 각 클래스의 점수 0 "
      + "직선을 회전하고 둥근 손잡이는 옮깁니다.",
    note_xy: "둥근 손잡이: 클래스의 점수 0 직선을 옮깁니다. 화살표: 직선을 회전합니다(화살표는 "
      + "점수가 커지는 쪽을 가리킵니다).",
    note_polar: "극좌표 특징: 영역과 점수 0 곡선은 (x, y) 평면에 그립니다. W와 b는 입력 칸에서 "
      + "고치세요(손잡이는 원래의 x, y 특징에서만 동작합니다).",
    data_loss: "데이터 손실",
    reg_loss: "정규화 손실",
    total_loss: "전체 손실",
    correct: "맞힌 점",
    history_label: "갱신에 따른 전체 손실",
    history_caption: "갱신 <span id=\"n-updates\">0</span>회 동안의 전체 손실",
    history_text: "최대 {max}, 현재 {now}",
    controls: "조작",
    optimization: "최적화",
    step: "한 번 갱신",
    step_title: "경사 하강법 한 스텝 (단축키: s)",
    run_start: "갱신 시작",
    run_stop: "갱신 멈춤",
    restart: "무작위로 다시 시작",
    restart_title: "새 무작위 W와 b",
    loss: "손실 함수",
    margin: "마진 Δ",
    reg: "L2 정규화 강도 λ",
    lr: "스텝 크기 (학습률)",
    parameters: "파라미터 <var>W</var> (가중치, 3×2)와 <var>b</var> (편향)",
    class: "클래스",
    weight_input: "W의 {k}행, 가중치 {d}",
    bias_input: "b, 클래스 {k}",
    data: "데이터",
    dataset: "데이터셋",
    polar: "극좌표 특징: (x, y) 대신 (r, θ)",
    new_class: "새 점의 클래스",
    class_k: "클래스 {k}",
    add_point: "점 추가",
    every_point: "모든 점",
    points_heading: "모든 점: 점수, 손실, 그래디언트에서 차지하는 비율",
    points_note: "점수 <var>s<sub>k</sub> = w<sub>k</sub>·x + b<sub>k</sub></var>. 정답 클래스의 "
      + "점수에 테두리를 칩니다. 검은 테를 두른 점은 잘못 분류된 점입니다. 비율: |∂L/∂(W, b)| "
      + "가운데 이 점이 차지하는 몫.",
    point_loss: "손실 L<sub>i</sub>",
    share: "그래디언트 비율",
    remove: "삭제",
    remove_point: "점 {i} 삭제",
    no_points: "아직 점이 없습니다. 그림을 클릭하거나 \"점 추가\"를 눌러 선택한 클래스의 점을 "
      + "추가하세요.",
    loss_svm: "Weston–Watkins SVM (다중 클래스 힌지 손실)",
    loss_squared_hinge: "Weston–Watkins SVM, 제곱 힌지 손실",
    loss_crammer_singer: "Crammer–Singer (구조적) SVM",
    loss_one_vs_all: "일대다 힌지 손실",
    loss_softmax: "소프트맥스 (교차 엔트로피)",
    loss_least_squares: "일대다 최소 제곱 (릿지)",
    dataset_blobs: "덩어리",
    dataset_circles: "동심원",
    dataset_spiral: "나선",
    dataset_own: "직접 만들기 (빈 상태에서 클릭해 추가)",
  },
};

export const LANGUAGES = Object.keys(CATALOGS);
export const DEFAULT_LANGUAGE = "en";

let current = DEFAULT_LANGUAGE;

// The language the URL asks for (?lang=ko), else the default.
export function languageFromUrl(url) {
  const wanted = new URL(url).searchParams.get("lang");
  return LANGUAGES.includes(wanted) ? wanted : DEFAULT_LANGUAGE;
}

export const language = () => current;

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) throw new Error(`unknown language ${lang}: one of ${LANGUAGES}`);
  current = lang;
}

// The current language's entry `key`, with {name} replaced by fields[name].
export function t(key, fields = {}) {
  const entry = CATALOGS[current][key];
  if (entry === undefined) throw new Error(`no catalog entry ${key}`);
  return entry.replace(/\{(\w+)\}/g, (_, name) => String(fields[name]));
}

// Write the current language's strings into every element of `root` that names a key.
export function translate(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-html]")) el.innerHTML = t(el.dataset.i18nHtml);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attribute, key] = pair.split(":").map((s) => s.trim());
      el.setAttribute(attribute, t(key));
    }
  }
}
