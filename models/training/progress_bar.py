"""The training progress line on stderr (step, loss, images/s, ETA) and the h:mm:ss durations
the CLI prints.
"""

import sys
import time


def fmt_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressBar:
    """One line per epoch on stderr, redrawn with a carriage return: step,
    loss, images/s, ETA. Redrawn at most every 0.5 s on a terminal, every
    10 s when stderr is a file."""

    def __init__(self, total: int, desc: str, stream=sys.stderr, width: int = 24):
        self.total, self.desc, self.stream, self.width = total, desc, stream, width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.interval = 0.5 if self.tty else 10.0
        self.last_draw = 0.0
        self.last_len = 0

    def update(self, step: int, loss: float, ips: float, eta: float, force: bool = False):
        now = time.time()
        if not force and now - self.last_draw < self.interval and step < self.total:
            return
        self.last_draw = now
        filled = int(self.width * step / max(1, self.total))
        bar = "#" * filled + "." * (self.width - filled)
        text = (f"{self.desc} [{bar}] {step}/{self.total} loss {loss:.4f} "
                f"{ips:.2f} img/s ETA {fmt_duration(eta)}")
        pad = " " * max(0, self.last_len - len(text))
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self.last_len = len(text)

    def close(self, note: str = ""):
        if note:
            self.stream.write(" " + note)
        self.stream.write("\n")
        self.stream.flush()
