"""Shares in the quality summaries round down, so a lost row is never shown as 100%."""

from supportlake.quality import percent


def test_a_lost_row_never_reads_as_one_hundred_percent() -> None:
    assert percent(3_805 / 3_806) == "99.9%"
    assert percent(1.0) == "100.0%"
    assert (percent(0.275), percent(0.95), percent(0.0)) == ("27.5%", "95.0%", "0.0%")
