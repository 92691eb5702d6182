"""Progress of long work, on a terminal and in logs alike.

On a terminal: a tqdm bar. Elsewhere (``nohup``, Slurm, CI logs, where tqdm stays silent): one plain line every
``every_s`` seconds, plus a last line at the end of work that took longer than that::

    supernet: step 120/1000 (12.0 %), 24.1 step/s, 12,339 rows/s, loss 0.4712, elapsed 0:00:05, ETA 0:00:36

The rate is the mean since the start (or since the resumed position), so the ETA is the remaining work at that rate.
Used by ``recsys train``, ``recsys supernet train`` and ``recsys search``.
"""

from __future__ import annotations

import sys
import time

DEFAULT_EVERY_S = 30.0


def _clock_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _field_text(name: str, value) -> str:
    if isinstance(value, float):
        return f"{name} {value:.4f}"
    return f"{name} {value}"


class Progress:
    """Counts ``update(n, rows=..., **fields)`` calls towards ``total``; see the module docstring.

    Parameters
    ----------
    desc : what is counted (``supernet``, ``epoch 1/3``, ``search``).
    total : units of work expected (``None``: unknown, no percentage or ETA).
    unit : the unit's name (``step``, ``batch``, ``cand``).
    every_s : seconds between lines when not on a terminal (0: a line per update).
    initial : units already done (a resumed run).
    enabled : ``False`` prints nothing at all.
    """

    def __init__(self, desc: str, total: int | None, unit: str = "step", every_s: float = DEFAULT_EVERY_S,
                 initial: int = 0, enabled: bool = True, stream=None, tty: bool | None = None, clock=time.monotonic):
        self.desc, self.total, self.unit, self.every_s = desc, total, unit, float(every_s)
        self.done = self.start_done = int(initial)
        self.rows = 0
        self.fields: dict = {}
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.t0 = self.last_line = clock()
        self.enabled = enabled
        self.bar = None
        tty = self.stream.isatty() if tty is None and hasattr(self.stream, "isatty") else bool(tty)
        if enabled and tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, desc=desc, unit=unit, file=self.stream, leave=False)

    def update(self, n: int = 1, rows: int = 0, fields_fn=None, **fields) -> None:
        """Count ``n`` units and ``rows`` rows; ``fields`` are shown with the rate (e.g. ``loss=0.47``).

        ``fields_fn()`` returns more fields and is called only when something is shown (at most once a second on a
        terminal): reading a GPU loss costs a device synchronisation, which a step should not pay every time.
        """
        self.done += n
        self.rows += rows
        self.fields.update(fields)
        if not self.enabled:
            return
        now = self.clock()
        if self.bar is not None:
            self.bar.update(n)
            show = bool(fields)
            if fields_fn is not None and now - self.last_line >= 1.0:
                self.last_line = now
                self.fields.update(fields_fn())
                show = True
            if show:
                self.bar.set_postfix({k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in self.fields.items()},
                                     refresh=False)
            return
        if now - self.last_line >= self.every_s:
            self.last_line = now
            if fields_fn is not None:
                self.fields.update(fields_fn())
            self._line(now)

    def line(self) -> str:
        """The current status line (what a log receives)."""
        return self._text(self.clock())

    def _text(self, now: float) -> str:
        elapsed = now - self.t0
        rate = (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0
        parts = [f"{self.unit} {self.done}" + (f"/{self.total} ({100.0 * self.done / self.total:.1f} %)"
                                               if self.total else "")]
        parts.append(f"{rate:.3g} {self.unit}/s")
        if self.rows:
            parts.append(f"{self.rows / elapsed if elapsed > 0 else 0.0:,.0f} rows/s")
        parts.extend(_field_text(k, v) for k, v in self.fields.items())
        parts.append(f"elapsed {_clock_text(elapsed)}")
        if self.total and rate > 0:
            parts.append(f"ETA {_clock_text((self.total - self.done) / rate)}")
        return f"{self.desc}: " + ", ".join(parts)

    def _line(self, now: float) -> None:
        print(self._text(now), file=self.stream, flush=True)

    def close(self) -> None:
        """The last line (not on a terminal) or the bar's removal."""
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif self.done > self.start_done and self.clock() - self.t0 >= self.every_s:
            self._line(self.clock())  # short work (under one interval) stays quiet
        self.enabled = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
