"""What the splitter cannot apply is said, not ignored: no server needed."""

from __future__ import annotations

import pytest

from lakehouse_kit.quality import gxe, new_suite, split_limits


def test_a_row_level_suite_has_no_limits():
    suite = new_suite(
        "rows",
        [
            gxe.ExpectColumnValuesToNotBeNull(column="id"),
            gxe.ExpectColumnValuesToBeBetween(column="hp", min_value=1, max_value=255),
        ],
    )
    assert split_limits(suite) == []


def test_table_level_expectations_are_named():
    suite = new_suite(
        "table",
        [
            gxe.ExpectColumnValuesToNotBeNull(column="id"),
            gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=10),
        ],
    )
    (problem,) = split_limits(suite)
    assert "row count between 1 and 10" in problem and "validate()" in problem


def test_mostly_is_named():
    suite = new_suite("mostly", [gxe.ExpectColumnValuesToNotBeNull(column="name", mostly=0.9)])
    (problem,) = split_limits(suite)
    assert "mostly" in problem and "name" in problem


def test_split_valid_warns_and_refuses_a_suite_with_nothing_to_split_on():
    from lakehouse_kit.errors import KitError
    from lakehouse_kit.quality import split_valid

    suite = new_suite("warn", [gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=10)])
    with pytest.warns(UserWarning, match="row-level expectations only"):
        with pytest.raises(KitError, match="no row-level expectation"):
            split_valid(None, suite)


def test_an_expectation_with_a_description_is_split_on_and_labelled_by_it():
    from lakehouse_kit.quality import describe

    plain = gxe.ExpectColumnValuesToNotMatchRegex(column="name", regex="\ufffd")
    told = gxe.ExpectColumnValuesToNotMatchRegex(
        column="name", regex="\ufffd", description="name has no U+FFFD"
    )
    assert describe(plain) == "name does not match \ufffd"
    assert describe(told) == "name has no U+FFFD"
    assert split_limits(new_suite("regex", [plain, told])) == []  # both are row-level
