"""Garbage collection paused while long-lived objects are built (issue #17).

Loading the CLI's modules, a run's config and its runtime makes only objects that live
as long as the process: a collection pass in between walks them all and frees nothing
(some 120 passes when the CLI loads, ~60 before a ``pantau once`` fetches).

Imports nothing beyond :mod:`gc`: the CLI pauses the collector before its first import.
"""
import gc


class PausedCollection:
    """No garbage collection inside the ``with``; afterwards the collector is on again if it
    was. ``with`` gives whether it was on (a caller may switch it back on sooner)."""

    def __enter__(self) -> bool:
        self.collecting = gc.isenabled()
        gc.disable()
        return self.collecting

    def __exit__(self, *exc: object) -> None:
        if self.collecting:
            gc.enable()
