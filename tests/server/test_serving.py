"""The garbage collector's settings for a serving process (wsgi.py)."""

from __future__ import annotations

import gc

from server.serving import YOUNG_GENERATION_THRESHOLD, prepare_process


def test_a_serving_process_freezes_what_lives_and_collects_young_objects_less_often() -> None:
    threshold = gc.get_threshold()
    try:
        prepare_process()

        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
