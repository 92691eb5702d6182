"""CTR metrics: log loss and ROC AUC, as NASRec reports them (``recsys_search_space.md`` B.4).

Log loss is the mean binary cross-entropy of probabilities clipped to ``[1e-7, 1 - 1e-7]``; AUC is the
Mann-Whitney statistic with tied scores counted as one half (equal to ``sklearn.metrics.roc_auc_score``).
Pure numpy so that the search code can use it without torch.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-7


def log_loss(label, prob) -> float:
    """Mean binary cross-entropy in nats."""
    y = np.asarray(label, dtype=np.float64)
    p = np.clip(np.asarray(prob, dtype=np.float64), EPS, 1 - EPS)
    if y.size == 0:
        raise ValueError("log_loss of an empty set")
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def roc_auc(label, score) -> float:
    """Area under the ROC curve; ``nan`` when only one class is present."""
    y = np.asarray(label, dtype=np.float64) > 0.5
    s = np.asarray(score, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    s_sorted = s[order]
    ranks = np.empty(len(s), dtype=np.float64)
    # average ranks over ties: ranks start at 1
    start = np.r_[0, np.flatnonzero(np.diff(s_sorted)) + 1]
    end = np.r_[start[1:], len(s)]
    avg = (start + end + 1) / 2.0
    ranks[order] = np.repeat(avg, end - start)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
