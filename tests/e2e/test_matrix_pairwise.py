"""The provider matrix's generated rows (issue 16): after the listed ones (test_matrix.py),
the rows that together cross every boundary from every cloud that can send it to every cloud
that can receive it (:func:`tests.e2e.matrix_rows.pairwise`), each proven end to end as the
listed ones are.
"""

from __future__ import annotations

import pytest

from tests.e2e.matrix_rows import GENERATED, LISTED, MARKS, ROWS, crossings, every_crossing, row_id

pytestmark = MARKS


def test_the_rows_cross_every_boundary_between_every_two_clouds():
    covered = set().union(*(crossings(r) for r in ROWS))
    assert covered == every_crossing()
    assert len(every_crossing()) == 36  # 4 boundaries x 6 cloud pairs + 3 x 4 (L4/L5: 2 clouds)
    assert not set(GENERATED) & set(LISTED)
    assert set().union(*(crossings(r) for r in LISTED)) != every_crossing()  # rows were needed


@pytest.mark.parametrize("row", GENERATED, ids=[row_id(r) for r in GENERATED])
def test_the_twin_flows_end_to_end_with_these_clouds(row, three_clouds, tmp_path):
    from tests.e2e.matrix_flow import prove_and_report

    prove_and_report(row, three_clouds, tmp_path)
