from __future__ import annotations

import uniner


def test_all_is_sorted_and_complete() -> None:
    assert uniner.__all__ == sorted(uniner.__all__)
    public = {n for n in dir(uniner) if not n.startswith("_")} | {"NERModel", "__version__"}
    exported = set(uniner.__all__)
    assert exported <= public
    missing = {
        n
        for n in public - exported
        if isinstance(getattr(uniner, n, None), type)
        and getattr(uniner, n).__module__.startswith("uniner")
    }
    assert not missing, f"public classes not in __all__: {missing}"
