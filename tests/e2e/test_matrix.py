"""The provider matrix, proven on the sandbox (issue 16): every provider choice the issue
lists, each deployed, fed, read back, aged through cold and archive, its glue receivers
attacked, and destroyed to nothing (:func:`tests.e2e.matrix_flow.prove`); the generated rows
that cross every remaining boundary between every two clouds are test_matrix_pairwise.py
(two files, so CI's two workers share them). All three emulated clouds run in this process
for the file (``three_clouds``, tests/e2e/conftest.py), as the sandbox daemon runs them; each
row is its own deployment of the example twin.

Run only these with ``pytest -m matrix``; each row's phase times are printed (``-s``).
"""

from __future__ import annotations

import pytest

from tests.e2e.matrix_rows import LISTED, MARKS, row_id

pytestmark = MARKS


@pytest.mark.parametrize("row", LISTED, ids=[row_id(r) for r in LISTED])
def test_the_twin_flows_end_to_end_with_these_clouds(row, three_clouds, tmp_path):
    from tests.e2e.matrix_flow import prove_and_report

    prove_and_report(row, three_clouds, tmp_path)
