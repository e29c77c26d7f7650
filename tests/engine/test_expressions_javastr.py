"""Java renderings used by embedded expressions: Objects.toString, Double.toString, HashMap order."""

from __future__ import annotations

import math

import pytest

from conductor_testkit.engine.javastr import (
    as_java_hashmap,
    java_double_string,
    java_hashmap_order,
    java_string,
    java_string_hash,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        (5.0, "5.0"),
        (0.5, "0.5"),
        (123.456, "123.456"),
        (-2.5, "-2.5"),
        (0.001, "0.001"),
        (9999999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (1.5e-10, "1.5E-10"),
        (1e-4, "1.0E-4"),
        (1.2345e21, "1.2345E21"),
        (0.1 + 0.2, "0.30000000000000004"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (math.nan, "NaN"),
    ],
)
def test_java_double_string(value, expected):
    assert java_double_string(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (5, "5"),
        (2**40, "1099511627776"),
        (5.0, "5.0"),
        ("text", "text"),
        ({"a": 1, "b": "x"}, "{a=1, b=x}"),
        ([1, 2, "x"], "[1, 2, x]"),
        ({"l": [1, [2, 3]], "m": {}}, "{l=[1, [2, 3]], m={}}"),
        ([None, True, 1.0], "[null, true, 1.0]"),
        ([], "[]"),
    ],
)
def test_java_string(value, expected):
    assert java_string(value) == expected


def test_java_string_of_self_containing_list():
    value: list = [1]
    value.append(value)
    assert java_string(value) == "[1, (this Collection)]"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", 0),
        ("a", 97),
        ("hello", 99162322),
        ("polygenelubricants", -2147483648),
        ("\U0001F600", 0xD83D * 31 + 0xDE00),  # a surrogate pair: two UTF-16 units
    ],
)
def test_java_string_hash(text, expected):
    assert java_string_hash(text) == expected


def test_hashmap_order_matches_the_server():
    # verified on 3.32.1: the order of an INLINE task's resolved inputData
    keys = ["a", "s", "e", "c", "p", "h", "env", "evaluatorType", "expression"]
    assert java_hashmap_order(keys) == ["p", "a", "evaluatorType", "s", "c", "expression", "e", "h", "env"]


def test_hashmap_order_after_resize_keeps_buckets_sorted():
    keys = [f"key{i}" for i in range(30)]  # 30 keys: the table grew to 64
    order = java_hashmap_order(keys)
    assert sorted(order) == sorted(keys)
    buckets = [((h := java_string_hash(k) & 0xFFFFFFFF) ^ (h >> 16)) & 63 for k in order]
    assert buckets == sorted(buckets)


def test_as_java_hashmap_keeps_items():
    items = {"b": 1, "a": 2, "expression": 3}
    reordered = as_java_hashmap(items)
    assert reordered == items
    assert list(reordered) == java_hashmap_order(items)
