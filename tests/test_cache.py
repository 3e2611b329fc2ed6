"""geozones._cache: caches registered with clearable() and emptied by clear_caches()."""

from geozones._cache import clear_caches, clearable


def test_a_clearable_cache_answers_from_memory_until_cleared():
    calls = []

    @clearable(maxsize=4)
    def square(n):
        calls.append(n)
        return n * n

    assert [square(3), square(3), square(4)] == [9, 9, 16]
    assert calls == [3, 4]
    clear_caches()
    assert square(3) == 9 and calls == [3, 4, 3]


def test_clear_caches_empties_every_registered_cache():
    @clearable()
    def one():
        return object()

    @clearable(maxsize=None)
    def two():
        return object()

    first = (one(), two())
    assert (one(), two()) == first
    clear_caches()
    assert one() is not first[0] and two() is not first[1]


def test_maxsize_bounds_what_is_kept():
    calls = []

    @clearable(maxsize=1)
    def echo(n):
        calls.append(n)
        return n

    assert [echo(1), echo(2), echo(1)] == [1, 2, 1]
    assert calls == [1, 2, 1]  # 2 pushed 1 out
