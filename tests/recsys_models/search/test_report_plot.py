"""The search's pareto.png: the front of the search figures is drawn, and chosen designs appear at their exact
figures with their search estimates beside them, the legend saying which is which (issue 21 item 6)."""

from __future__ import annotations

from recsys_models.search.engine import Evaluated
from recsys_models.search.report import _front, pareto_figure, pareto_plot


def _e(key: str, latency: float, loss: float) -> Evaluated:
    return Evaluated(key=key, candidate={"arch": {}}, metrics={"latency_ns": latency, "log_loss": loss,
                                                                "energy_per_inference_pj": latency * 10,
                                                                "area_mm2": 40.0 + latency / 100},
                     fitness=loss, generation=0)


def test_front_is_the_non_dominated_staircase():
    """Hand check: (1, 5) (2, 3) (3, 4) (4, 1): (3, 4) is dominated by (2, 3); the rest form the front."""
    assert _front([(3, 4), (1, 5), (4, 1), (2, 3)]) == [(1, 5), (2, 3), (4, 1)]


def test_plot_shows_estimates_and_exact_figures(tmp_path):
    evaluated = [_e("a", 100, 0.50), _e("b", 200, 0.45), _e("c", 300, 0.47)]
    exact = [_e("b", 230, 0.45)]  # re-priced whole: slower than the composed estimate
    fig = pareto_figure(evaluated, exact, [evaluated[1]], "composed-oracle estimates")
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["evaluated (composed-oracle estimates)", "Pareto front of those",
                      "chosen (exact: compiled and simulated whole)", "chosen, as the search estimated them"]
    assert ax.get_xlabel() == "latency (nanoseconds)" and [a.get_xlabel() for a in fig.axes][1:] == [
        "energy per inference (picojoules)", "chip area (square millimetres)"]
    front = ax.lines[0].get_xydata().tolist()
    assert front == [[100.0, 0.5], [200.0, 0.45]]
    joined = ax.lines[1].get_xydata().tolist()
    assert joined == [[200.0, 0.45], [230.0, 0.45]]
    assert pareto_plot(evaluated, exact, tmp_path / "p.png", [evaluated[1]]) and (tmp_path / "p.png").stat().st_size
