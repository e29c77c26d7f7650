"""The bounded cache of per-definition answers: the oldest go first, in number and in bytes."""

from __future__ import annotations

from conductor_testkit.engine import ContentCache


def test_past_the_limit_the_oldest_answer_is_dropped() -> None:
    cache: ContentCache[int] = ContentCache(3)
    for key in "abcd":
        assert cache.put(key, ord(key)) == ord(key)
    assert len(cache) == 3
    assert cache.get("a") is None
    assert [cache.get(key) for key in "bcd"] == [98, 99, 100]


def test_past_max_bytes_the_oldest_answers_are_dropped() -> None:
    cache: ContentCache[str] = ContentCache(100, max_bytes=100)
    for key in "abcde":
        cache.put(key, key, size=20)
    assert cache.bytes == 100
    cache.put("f", "f", size=25)  # a and b go
    assert cache.get("a") is None and cache.get("b") is None
    assert cache.bytes == 85 and len(cache) == 4


def test_an_answer_over_a_quarter_of_max_bytes_is_not_kept() -> None:
    cache: ContentCache[str] = ContentCache(100, max_bytes=100)
    assert cache.put("huge", "answer", size=26) == "answer"
    assert cache.get("huge") is None and cache.bytes == 0


def test_an_answer_put_again_replaces_its_size() -> None:
    cache: ContentCache[str] = ContentCache(100, max_bytes=100)
    cache.put("a", "first", size=20)
    cache.put("a", "second", size=10)
    assert cache.get("a") == "second" and cache.bytes == 10 and len(cache) == 1
