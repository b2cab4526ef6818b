"""Every word the report shows, in English and Korean: one catalog per language.

Figures' titles, axis labels and legends and the page's headings, captions and table keys are
looked up here by key (:func:`text`), so a report is written in one language throughout and a
test checks that each catalog has every key with the same ``{fields}``. The Korean entries use
the terms Korean machine-learning courses use (손실 함수, 정규화, 경사 하강법, 미니배치,
소프트맥스, 특징 벡터, 가중치, 편향, 학습률, 마진, 혼동 행렬, 정확도).

Class names, feature and loss names (``hog``, ``svm``) and settings keys are data and
identifiers, shown as they are in every language.
"""

from linclass._validation import fail

__all__ = ["CATALOGS", "LANGUAGES", "check_lang", "text"]

EN = {
    # the page
    "page_title": "linclass report: {summary}",
    "summary": "{features} features, {loss} loss",
    "table_model": "Model",
    "table_data": "Data and metrics",
    "table_per_class": "Accuracy per class",
    "row_features": "features",
    "row_features_per_image": "features per image",
    "row_classes": "classes",
    "row_data": "data",
    "row_images": "images",
    "row_image_shape": "image shape",
    "row_accuracy": "accuracy",
    "row_data_loss": "data loss ({loss})",
    # sections: heading and caption of each figure
    "templates_heading": "Class templates",
    "templates_caption": (
        "Each class's weights on the raw pixels (W / sigma for standardized pixels), rescaled "
        "to [0, 1] per class by its own minimum and maximum, as in the CS231n notes: the image "
        "each class matches best (template matching). "),
    "templates_colour": (
        "{share:.0%} of the weights' squared norm is colour contrast between the channels "
        "(0% for gray templates, 67% for no preference). "),
    "templates_regularization": (
        "Regularization: {reg}, strength {strength:g}. Weak L2 (as in the tuned raw-pixel "
        "defaults) leaves large weights on colour contrasts and fine detail that images hardly "
        "vary in, so the templates look saturated and noisy rather than like the lecture's (a "
        "blue-sky airplane, a red car, a two-headed horse; mirror-image augmentation, the raw "
        "default, makes every template symmetric); strong L2 such as --reg-strength 10 gives "
        "those at a lower accuracy. The class patterns below show what the scores respond to "
        "in the images."),
    "patterns_heading": "Class patterns: what each score responds to in the images",
    "patterns_caption": (
        "The covariance of each pixel with the class score over these {n:,} images, "
        "Cov(x, s_k) (for raw pixels alone Sigma w_k, the pixels' covariance times the "
        "template), rescaled to [0, 1] per class as the templates: where images of high score "
        "differ from the rest."),
    "feature_weights_heading": "Weights per feature block",
    "feature_weights_caption": (
        "The weights on the standardized features, one heat map per feature block (red "
        "positive, blue negative)."),
    "curves_heading": "Learning curves",
    "curves_caption": (
        "Loss per iteration (raw and moving average), accuracy per epoch (dashed: the epoch "
        "whose weights were kept), learning rate."),
    "confusion_heading": "Confusion matrix",
    "confusion_caption": (
        "Rows: true class; columns: predicted class. Left counts, right the share of each true "
        "class."),
    "per_class_heading": "Accuracy per class",
    "per_class_caption": "The share of each class's images predicted correctly.",
    "misclassified_heading": "Misclassified images by predicted class",
    "misclassified_caption": (
        "Each row: images the model wrongly assigned to that class, most confident first, "
        "titled with their true class and the score margin s[predicted] - s[true]."),
    "confident_heading": "The most confident mistakes",
    "confident_caption": "The mistakes with the largest score margin over the true class.",
    "landscape_1d_heading": "Loss landscape: 1-D slice",
    "landscape_1d_caption": (
        "The data loss (regularization excluded) at W + a D for a random direction D as large "
        "as W; a = 0 is the trained model. Hinge losses are piecewise linear for one example "
        "and a convex bowl on average."),
    "landscape_2d_heading": "Loss landscape: 2-D slice",
    "landscape_2d_caption": (
        "The data loss at W + a D1 + b D2 for two random directions, as a colour map with "
        "contour lines; the star is the trained model."),
    "search_heading": "Hyperparameter search",
    "search_caption": (
        "Validation and training accuracy of each trial over learning rate and regularization "
        "strength (log scales); circled: the best validation trial."),
    # figures: templates and feature weights
    "templates_title": "Class templates: learned weights as images (rescaled per class)",
    "patterns_title": ("Class patterns: covariance of each pixel with the class score "
                       "(rescaled per class)"),
    "feature_weights_title": "Learned weights per feature block (rows: classes)",
    "feature_block": "{block} ({n} features)",
    "feature_index": "{block}: feature index (0 to {last})",
    "weight": "weight",
    # confusion and accuracy per class
    "confusion_title": "Confusion matrix ({n} examples, accuracy {accuracy:.3f})",
    "counts": "Counts",
    "row_normalized": "Row-normalized (recall per true class)",
    "examples": "examples",
    "fraction_of_true_class": "fraction of the true class",
    "predicted_class": "predicted class",
    "true_class": "true class",
    "per_class_title": "Accuracy per class",
    "per_class_axis": "accuracy (fraction of the class predicted correctly)",
    "overall": "overall {accuracy:.3f}",
    # learning curves
    "curves_title": "Learning curves",
    "raw_curve": "{label} (raw)",
    "smoothed_curve": "{label} (mean of {n})",
    "iteration_axis": "iteration (mini-batch update)",
    "batch_loss_axis": "loss (mean over the mini-batch)",
    "total_loss_title": "Loss per iteration (data + regularization)",
    "total_loss": "total loss",
    "loss_parts_title": "Data loss and regularization loss",
    "data_loss": "data loss",
    "reg_loss": "regularization loss",
    "training": "training",
    "validation": "validation",
    "kept_epoch": "kept: epoch {epoch}",
    "accuracy_per_epoch": "Accuracy per epoch",
    "epoch": "epoch",
    "accuracy_axis": "accuracy (fraction correct)",
    "learning_rate_title": "Learning rate",
    "learning_rate_axis": "learning rate (step size)",
    # loss landscapes
    "landscape_1d_title": "Loss along a random direction",
    "landscape_2d_title": "Loss over a plane of two random directions",
    "landscape_1d_report_title": "Data loss ({loss}) along a random direction",
    "landscape_2d_report_title": "Data loss ({loss}) over a random plane",
    "one_example": "one example (#{index}, {name})",
    "batch_average": "average over {n} examples",
    "trained_weights_at_0": "trained weights (a = 0)",
    "trained_weights": "trained weights",
    "step_along_d": "step a along direction D (1 = size of W)",
    "step_along_d1": "step a along D1 (1 = size of W)",
    "step_along_d2": "step b along D2 (1 = size of W)",
    "loss_per_example": "loss (mean per example)",
    # mistakes
    "misclassified_title": ("Misclassified images, by predicted class (title: true class, "
                            "score margin)"),
    "predicted_as": "as {name}",
    "confident_title": "The {n} most confident mistakes (true -> predicted, score margin)",
    # search
    "search_title": "Hyperparameter search: {n} trials ({diverged} diverged)",
    "validation_accuracy": "Validation accuracy",
    "training_accuracy": "Training accuracy",
    "diverged": "diverged",
    "best_validation": "best validation {accuracy:.3f}",
    "learning_rate_log": "learning rate (log scale)",
    "reg_strength": "regularization strength",
    "reg_strength_symlog": "regularization strength (symmetric log scale)",
    "reg_strength_log": "regularization strength (log scale)",
}

KO = {
    # the page
    "page_title": "linclass 보고서: {summary}",
    "summary": "{features} 특징, {loss} 손실",
    "table_model": "모델",
    "table_data": "데이터와 지표",
    "table_per_class": "클래스별 정확도",
    "row_features": "특징",
    "row_features_per_image": "이미지당 특징 수",
    "row_classes": "클래스 수",
    "row_data": "데이터",
    "row_images": "이미지 수",
    "row_image_shape": "이미지 크기",
    "row_accuracy": "정확도",
    "row_data_loss": "데이터 손실 ({loss})",
    # sections
    "templates_heading": "클래스 템플릿",
    "templates_caption": (
        "각 클래스가 원시 픽셀에 둔 가중치(표준화한 픽셀이면 W / sigma)를 클래스마다 자신의 "
        "최솟값과 최댓값으로 [0, 1]에 맞춰 그린 것으로, CS231n 노트와 같은 방식입니다: 각 "
        "클래스가 가장 잘 맞는 이미지(템플릿 매칭)입니다. "),
    "templates_colour": (
        "가중치 제곱 노름의 {share:.0%}가 채널 사이의 색 대비입니다(회색 템플릿은 0%, 선호가 "
        "없으면 67%). "),
    "templates_regularization": (
        "정규화: {reg}, 강도 {strength:g}. 약한 L2 정규화(튜닝된 원시 픽셀 기본값처럼)는 "
        "이미지 사이에 거의 변하지 않는 색 대비와 세부에 큰 가중치를 남기므로, 템플릿이 강의의 "
        "그림(파란 하늘의 비행기, 빨간 자동차, 머리가 둘인 말; 원시 픽셀의 기본값인 좌우 반전 "
        "증강은 모든 템플릿을 대칭으로 만듭니다)보다 채도가 높고 잡음이 많아 보입니다. "
        "--reg-strength 10 같은 강한 L2는 정확도를 조금 잃고 그런 그림을 줍니다. 아래의 클래스 "
        "패턴은 점수가 이미지의 무엇에 반응하는지 보여 줍니다."),
    "patterns_heading": "클래스 패턴: 각 점수가 이미지의 무엇에 반응하는가",
    "patterns_caption": (
        "이 이미지 {n:,}장에서 각 픽셀과 클래스 점수의 공분산 Cov(x, s_k)(원시 픽셀만 쓰면 "
        "Sigma w_k, 즉 픽셀의 공분산 곱하기 템플릿)를 템플릿처럼 클래스마다 [0, 1]에 맞춘 "
        "것입니다: 점수가 높은 이미지가 나머지와 다른 곳입니다."),
    "feature_weights_heading": "특징 블록별 가중치",
    "feature_weights_caption": (
        "표준화한 특징에 대한 가중치를 특징 블록마다 히트맵 하나로 그렸습니다(빨강 양수, 파랑 "
        "음수)."),
    "curves_heading": "학습 곡선",
    "curves_caption": (
        "반복마다의 손실(원래 값과 이동 평균), 에폭마다의 정확도(점선: 가중치를 남긴 에폭), "
        "학습률."),
    "confusion_heading": "혼동 행렬",
    "confusion_caption": (
        "행: 실제 클래스, 열: 예측 클래스. 왼쪽은 개수, 오른쪽은 실제 클래스마다의 비율입니다."),
    "per_class_heading": "클래스별 정확도",
    "per_class_caption": "각 클래스의 이미지 가운데 올바르게 예측한 비율입니다.",
    "misclassified_heading": "예측 클래스별 오분류 이미지",
    "misclassified_caption": (
        "각 행: 모델이 그 클래스로 잘못 분류한 이미지를 확신이 큰 것부터 보여 주며, 제목은 "
        "실제 클래스와 점수 마진 s[예측] - s[실제]입니다."),
    "confident_heading": "가장 확신한 오분류",
    "confident_caption": "실제 클래스보다 점수 마진이 가장 큰 오분류입니다.",
    "landscape_1d_heading": "손실 지형: 1차원 단면",
    "landscape_1d_caption": (
        "W만 한 크기의 무작위 방향 D에 대해 W + a D에서의 데이터 손실(정규화 제외)입니다. "
        "a = 0이 학습된 모델입니다. 힌지 손실은 예제 하나에서는 구간별 선형이고 평균하면 "
        "볼록한 그릇 모양입니다."),
    "landscape_2d_heading": "손실 지형: 2차원 단면",
    "landscape_2d_caption": (
        "두 무작위 방향에 대한 W + a D1 + b D2에서의 데이터 손실을 색 지도와 등고선으로 "
        "그렸습니다. 별표가 학습된 모델입니다."),
    "search_heading": "하이퍼파라미터 탐색",
    "search_caption": (
        "학습률과 정규화 강도(로그 눈금)에 따른 각 시도의 검증 정확도와 학습 정확도입니다. "
        "동그라미: 검증 정확도가 가장 좋은 시도."),
    # figures
    "templates_title": "클래스 템플릿: 이미지로 본 학습된 가중치(클래스마다 크기 조정)",
    "patterns_title": "클래스 패턴: 각 픽셀과 클래스 점수의 공분산(클래스마다 크기 조정)",
    "feature_weights_title": "특징 블록별 학습된 가중치(행: 클래스)",
    "feature_block": "{block} (특징 {n}개)",
    "feature_index": "{block}: 특징 번호 (0부터 {last}까지)",
    "weight": "가중치",
    "confusion_title": "혼동 행렬 (예제 {n}개, 정확도 {accuracy:.3f})",
    "counts": "개수",
    "row_normalized": "행 정규화 (실제 클래스별 재현율)",
    "examples": "예제 수",
    "fraction_of_true_class": "실제 클래스 안의 비율",
    "predicted_class": "예측 클래스",
    "true_class": "실제 클래스",
    "per_class_title": "클래스별 정확도",
    "per_class_axis": "정확도 (클래스 가운데 올바르게 예측한 비율)",
    "overall": "전체 {accuracy:.3f}",
    "curves_title": "학습 곡선",
    "raw_curve": "{label} (원래 값)",
    "smoothed_curve": "{label} ({n}개 이동 평균)",
    "iteration_axis": "반복 (미니배치 갱신)",
    "batch_loss_axis": "손실 (미니배치 평균)",
    "total_loss_title": "반복별 손실 (데이터 + 정규화)",
    "total_loss": "전체 손실",
    "loss_parts_title": "데이터 손실과 정규화 손실",
    "data_loss": "데이터 손실",
    "reg_loss": "정규화 손실",
    "training": "학습",
    "validation": "검증",
    "kept_epoch": "채택: 에폭 {epoch}",
    "accuracy_per_epoch": "에폭별 정확도",
    "epoch": "에폭",
    "accuracy_axis": "정확도 (맞힌 비율)",
    "learning_rate_title": "학습률",
    "learning_rate_axis": "학습률 (스텝 크기)",
    "landscape_1d_title": "무작위 방향을 따라 본 손실",
    "landscape_2d_title": "두 무작위 방향이 이루는 평면 위의 손실",
    "landscape_1d_report_title": "무작위 방향을 따라 본 데이터 손실 ({loss})",
    "landscape_2d_report_title": "무작위 평면 위의 데이터 손실 ({loss})",
    "one_example": "예제 하나 (#{index}, {name})",
    "batch_average": "예제 {n}개의 평균",
    "trained_weights_at_0": "학습된 가중치 (a = 0)",
    "trained_weights": "학습된 가중치",
    "step_along_d": "방향 D를 따른 스텝 a (1 = W의 크기)",
    "step_along_d1": "D1을 따른 스텝 a (1 = W의 크기)",
    "step_along_d2": "D2를 따른 스텝 b (1 = W의 크기)",
    "loss_per_example": "손실 (예제당 평균)",
    "misclassified_title": "예측 클래스별 오분류 이미지 (제목: 실제 클래스, 점수 마진)",
    "predicted_as": "{name}(으)로 예측",
    "confident_title": "가장 확신한 오분류 {n}개 (실제 -> 예측, 점수 마진)",
    "search_title": "하이퍼파라미터 탐색: 시도 {n}회 (발산 {diverged}회)",
    "validation_accuracy": "검증 정확도",
    "training_accuracy": "학습 정확도",
    "diverged": "발산",
    "best_validation": "최고 검증 정확도 {accuracy:.3f}",
    "learning_rate_log": "학습률 (로그 눈금)",
    "reg_strength": "정규화 강도",
    "reg_strength_symlog": "정규화 강도 (대칭 로그 눈금)",
    "reg_strength_log": "정규화 강도 (로그 눈금)",
}

#: Catalogs by language code (BCP 47), English first.
CATALOGS = {"en": EN, "ko": KO}
#: The languages a report can be written in.
LANGUAGES = tuple(CATALOGS)


def check_lang(lang):
    """``lang`` if it is one of :data:`LANGUAGES`, else a ValueError naming the choices."""
    if lang not in CATALOGS:
        raise fail("lang", f"one of {', '.join(map(repr, LANGUAGES))}", repr(lang))
    return lang


def text(lang, key, **fields):
    """The catalog entry ``key`` in ``lang``, formatted with ``fields`` (``str.format``).

    >>> text("ko", "overall", accuracy=0.5)
    '전체 0.500'
    """
    return CATALOGS[check_lang(lang)][key].format(**fields)
